"""End-to-end extraction on the three printed document types, label variants and OCR noise."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors import extract
from extractors import reasons as why
from extractors.labels import LABELS
from extractors.names import parse_name
from extractors.nlp import get_nlp, make_doc
from extractors.records import _UNCONFIRMED as UNCONFIRMED
from extractors.text import name_case
from pipeline.models import Document, ExtractedRecord, Line, Page, Word

# The three printed documents as a clean OCR would read them (tests/pipeline reads
# them too, for the classifier).
DOCUMENTS = Path(__file__).parent / "documents"
CCCD_FRONT = (DOCUMENTS / "cccd_front.txt").read_text(encoding="utf-8")
BIRTH_CERTIFICATE = (DOCUMENTS / "birth_certificate.txt").read_text(encoding="utf-8")
APPLICATION_FORM = (DOCUMENTS / "application_form.txt").read_text(encoding="utf-8")


def values(records: list[ExtractedRecord]) -> dict[str, dict[str, str | None]]:
    return {r.role: {name: f.value for name, f in r.fields.items()} for r in records}


MakeDocument = Callable[..., Document]


@pytest.fixture(autouse=True)
def raw_confidences(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests check the raw confidence (OCR × label × value), before calibration."""
    from extractors.calibration import IDENTITY

    monkeypatch.setattr("extractors.calibration.get_calibration", lambda: IDENTITY)


@pytest.fixture
def subject(make_document: MakeDocument) -> Callable[[str], dict[str, str | None]]:
    """Values of the subject record extracted from ``text``."""

    def run(text: str, doc_type: str = "unknown") -> dict[str, str | None]:
        return values(extract(make_document(text), doc_type)).get("subject", {})

    return run


def test_extract_cccd_front_values(make_document):
    assert values(extract(make_document(CCCD_FRONT), "cccd_front")) == {
        "subject": {
            "id_number": "001087012345",
            "full_name": "Nguyễn Văn An",
            "date_of_birth": "1987-03-15",
            "sex": "male",
            "nationality": "Việt Nam",
            "place_of_origin": "Xã Vĩnh Ninh, Huyện Vĩnh Tường, Vĩnh Phúc",
            "place_of_residence": "Số 12 ngõ 34 phố Huế, Phường Phố Huế, Quận Hai Bà Trưng, Hà Nội",
            "expiry_date": "2047-03-15",
        }
    }


def test_extract_birth_certificate_values(make_document):
    residence = "Số 5 phố Huế, Quận Hai Bà Trưng, Hà Nội"
    assert values(extract(make_document(BIRTH_CERTIFICATE), "birth_certificate")) == {
        "subject": {
            "registration_number": "123/2020",
            "book_number": "01",
            "full_name": "Nguyễn Thị Hồng Nhung",
            "date_of_birth": "1987-03-15",
            "sex": "female",
            "ethnicity": "Kinh",
            "nationality": "Việt Nam",
            "place_of_birth": "Bệnh viện Phụ sản Hà Nội",
            "place_of_origin": "Xã Vĩnh Ninh, Huyện Vĩnh Tường, Tỉnh Vĩnh Phúc",
            "id_number": "001187012345",
            "registration_office": (
                "Ủy ban nhân dân xã Vĩnh Ninh, huyện Vĩnh Tường, tỉnh Vĩnh Phúc"
            ),
            "registration_date": "1987-03-20",
            "mother_name": "Trần Thị Bình",
            "father_name": "Nguyễn Văn Cường",
        },
        "mother": {
            "full_name": "Trần Thị Bình",
            "date_of_birth": "1960",
            "ethnicity": "Kinh",
            "nationality": "Việt Nam",
            "place_of_residence": residence,
        },
        "father": {
            "full_name": "Nguyễn Văn Cường",
            "date_of_birth": "1958",
            "ethnicity": "Tày",
            "nationality": "Việt Nam",
            "place_of_residence": residence,
        },
    }


def test_extract_a_register_books_title_is_not_a_registration_number(subject) -> None:
    # As printed, and as OCR reads it (the capital's hỏi as a sắc).
    for title in ("SỔ ĐĂNG KÝ KHAI SINH NĂM 2013", "SỐ ĐĂNG KÝ KHAI SINH NĂM 2013"):
        found = subject(
            f"UBND XÃ LA BẰNG\n{title}\nQuyển số: 02\nTrang 11\n", "civil_register_page"
        )
        assert "registration_number" not in found
        assert found["book_number"] == "02"
    # The label itself, even with its sắc misread as a hỏi, still reads the number.
    assert subject("Sổ đăng ký khai sinh: 176/2013\n")["registration_number"] == "176/2013"
    assert subject("Số đăng ký khai sinh: 176/2013\n")["registration_number"] == "176/2013"


def test_extract_application_form_values(make_document):
    assert values(extract(make_document(APPLICATION_FORM), "application_form")) == {
        "subject": {
            "full_name": "Nguyễn Văn An",
            "date_of_birth": "1990-09-02",
            "sex": "male",
            "id_number": "038090012345",
            "ethnicity": "Kinh",
            "place_of_residence": "Thôn Đông, xã Quảng Tâm, thành phố Thanh Hóa, tỉnh Thanh Hóa",
            "father_name": "Nguyễn Văn Bình",
            "phone": "0912345678",
            "email": "an.nguyen@gmail.com",
        }
    }


def test_extract_field_provenance(make_document):
    (record,) = extract(make_document(CCCD_FRONT), "cccd_front")
    name = record.fields["full_name"]
    assert name.raw == "NGUYỄN VĂN AN"
    assert name.page == 1
    assert name.bbox == (100, 400, 360, 440)  # line 6 of the synthetic page: the three words
    assert name.ocr_confidence == pytest.approx(0.95)
    assert name.confidence == pytest.approx(0.95)
    assert name.extractor == "sohoa.names.v1"
    assert record.fields["id_number"].extractor == "sohoa.ids.v1"
    assert record.fields["date_of_birth"].extractor == "sohoa.dates.v1"


def test_extract_confidence_is_ocr_times_pattern(make_document):
    document = make_document("Số CCCD: O01087012345", confidence=0.9)
    field = extract(document, "unknown")[0].fields["id_number"]
    assert field.value == "001087012345"
    assert field.confidence == pytest.approx(0.9 * 0.85 * UNCONFIRMED)
    assert "id_number: đã sửa ký tự OCR đọc nhầm: O→0" in field.reasons


def test_extract_date_in_words_agrees(make_document):
    (subject_record, *_) = extract(make_document(BIRTH_CERTIFICATE), "birth_certificate")
    dob = subject_record.fields["date_of_birth"]
    assert "date_of_birth: khớp với ngày ghi bằng chữ" in dob.reasons
    assert "date_of_birth_words" not in subject_record.fields


def test_extract_date_in_words_disagreement_lowers_confidence(make_document):
    text = "Ngày, tháng, năm sinh: 16/03/1987\nGhi bằng chữ: Ngày mười lăm, tháng ba, năm một nghìn chín trăm tám mươi bảy"  # noqa: E501
    dob = extract(make_document(text), "birth_certificate")[0].fields["date_of_birth"]
    assert dob.value == "1987-03-16"
    assert dob.confidence == pytest.approx(0.95 * 0.5 * UNCONFIRMED)
    assert (
        dob.reasons[-1] == "date_of_birth: 16/03/1987 không khớp với ngày ghi bằng chữ (15/03/1987)"
    )


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("Họ và tên: NGUYỄN VĂN AN", "full_name", "Nguyễn Văn An"),
        ("Ho va ten: NGUYEN VAN AN", "full_name", "Nguyen Van An"),
        ("Họ, chữ đệm, tên: Lê Thị Hoa", "full_name", "Lê Thị Hoa"),
        ("Họ chữ đệm tên: Lê Thị Hoa", "full_name", "Lê Thị Hoa"),
        ("Họ, chữ đệm và tên: Lê Thị Hoa", "full_name", "Lê Thị Hoa"),
        ("Họ tên: lê thị hoa", "full_name", "Lê Thị Hoa"),
        ("Tôi tên là: Trần Thị Thu Hoà", "full_name", "Trần Thị Thu Hòa"),
        ("Tôi tên là TRẦN VĂN BA sinh ngày 01/01/1990", "full_name", "Trần Văn Ba"),
        ("Full name: TRAN VAN BA", "full_name", "Tran Van Ba"),
        ("Ho và tcn: NGUYỄN VĂN AN", "full_name", "Nguyễn Văn An"),
        ("Ngày, tháng, nam sinh: 15/03/1987", "date_of_birth", "1987-03-15"),
        ("Ngay thang nam sinh: 15/03/1987", "date_of_birth", "1987-03-15"),
        ("Ngày sinh: 15-03-1987", "date_of_birth", "1987-03-15"),
        ("Sinh ngày 15.03.1987", "date_of_birth", "1987-03-15"),
        ("Date of birth: 15/03/1987", "date_of_birth", "1987-03-15"),
        ("Năm sinh: 1960", "date_of_birth", "1960"),
        ("Ngày sinh: ngày 5 tháng 3 năm 1987", "date_of_birth", "1987-03-05"),
        ("Gioi tinh: Nu", "sex", "female"),
        ("Giới tính: Nữ", "sex", "female"),
        ("Sex: Nam", "sex", "male"),
        ("Nơi thường trú: Thôn 4, xã Đông Hải", "place_of_residence", "Thôn 4, xã Đông Hải"),
        ("Địa chỉ thường trú: Thôn 4", "place_of_residence", "Thôn 4"),
        ("Thường trú: Thôn 4", "place_of_residence", "Thôn 4"),
        ("Nơi cư trú: Thôn 4", "place_of_residence", "Thôn 4"),
        ("Dia chi: 12 Ly Thuong Kiet, Ha Noi", "place_of_residence", "12 Ly Thuong Kiet, Ha Noi"),
        ("Hộ khẩu thường trú: Thôn 4", "place_of_residence", "Thôn 4"),
        ("Số CCCD: 001087012345", "id_number", "001087012345"),
        ("CCCD số 001087012345", "id_number", "001087012345"),
        ("Số định danh cá nhân: 001087012345", "id_number", "001087012345"),
        ("So dinh danh ca nhan: 001087012345", "id_number", "001087012345"),
        ("Số CMND: 012345678", "old_id_number", "012345678"),
        ("Số CMND/CCCD: 012345678", "old_id_number", "012345678"),
        ("Quê quán: Xã Đông Hải", "place_of_origin", "Xã Đông Hải"),
        ("Nguyên quán: Xã Đông Hải", "place_of_origin", "Xã Đông Hải"),
        ("Nơi sinh: Trạm Y tế xã Đông Hải", "place_of_birth", "Trạm Y tế xã Đông Hải"),
        ("Nơi cấp: Cục Cảnh sát", "issuing_authority", "Cục Cảnh sát"),
        ("Ngày cấp: 01/07/2021", "issue_date", "2021-07-01"),
        ("Dân tộc: Ê Đê", "ethnicity", "Ê Đê"),
        ("Dan toc: Kinh", "ethnicity", "Kinh"),
        ("Quốc tịch: Việt Nam", "nationality", "Việt Nam"),
        ("Điện thoại: 0912.345.678", "phone", "0912345678"),
        ("SĐT: 0912345678", "phone", "0912345678"),
        ("E-mail: An@Mail.VN", "email", "an@mail.vn"),
        ("Họ tên mẹ: Lê Thị Hoa", "mother_name", "Lê Thị Hoa"),
        ("Họ và tên cha: Lê Văn Hùng", "father_name", "Lê Văn Hùng"),
    ],
)
def test_extract_label_variants(subject, text, field, expected):
    assert subject(text)[field] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Họ và tên:\nNGUYỄN VĂN AN", "Nguyễn Văn An"),
        ("Họ và tên / Full name:\nNGUYỄN VĂN AN", "Nguyễn Văn An"),
        ("Họ và tên\nNGUYỄN VĂN AN", "Nguyễn Văn An"),
    ],
)
def test_extract_value_on_next_line(subject, text, expected):
    assert subject(text)["full_name"] == expected


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("HO VA TEM\nNGUYỄN VĂN AN", "full_name", "Nguyễn Văn An"),
        ("3. NOI THUONG TRUU\nThôn 4, xã An Bình", "place_of_residence", "Thôn 4, xã An Bình"),
        # An exact shorter label ("Ngày, tháng, năm": an issue date) gives way to the longer one.
        ("NGÀY THÁNG NĂM SlNH\n15/03/1987", "date_of_birth", "1987-03-15"),
        # The label's last two words garbled ("khai sinh"): they are no value, the line below is.
        ("Họ, chữ đếm và tên khi sinh\nVI THANH KHOA", "full_name", "Vi Thanh Khoa"),
    ],
)
def test_extract_garbled_label_alone_on_its_line(subject, text, field, expected):
    assert subject(text) == {field: expected}


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        # Specks before a label whose last words OCR garbled: "của chí" is the father's label.
        ("Ị LŨ. Họ, chữ đệm và tên của chí\nVI VĂN TRUNG", "father_name", "Vi Văn Trung"),
        # A table's rule read as "|" ends the label as a colon would.
        ("Họ, chữ đệm và tên của ch | VI VĂN TRUNG", "father_name", "Vi Văn Trung"),
    ],
)
def test_extract_label_alone_with_garbled_last_words(subject, text, field, expected):
    # On an application form the parents' names are fields of the applicant's record.
    got = subject("Họ và tên: LÊ AN\n" + text, "application_form")
    assert got == {"full_name": "Lê An", field: expected}


def test_extract_bracket_never_closed_is_a_speck_before_the_label(subject):
    got = subject("cụ (Quế quản | Xã Bình Thành, huyện Tây Sơn")
    assert got["place_of_origin"] == "Xã Bình Thành, huyện Tây Sơn"
    # An instruction in brackets is still no label.
    assert "full_name" not in subject("Người khai (Ký, ghi rõ họ tên)\nNGUYỄN VĂN AN")


def test_extract_garbled_role_word_before_the_colon_is_the_longer_label(make_document):
    # "Họ, chữ đệm, tên" matches exactly; with "người mứ" up to the colon it is the mother's.
    text = "Họ, chữ đệm, tên: LÊ AN\nHộ, chữ đệm, tên người mứ; PHAN THỊ NGỌC\nNăm sinh: 1980"
    got = values(extract(make_document(text), "birth_certificate"))
    assert got["subject"]["full_name"] == "Lê An"
    assert got["mother"] == {"full_name": "Phan Thị Ngọc", "date_of_birth": "1980"}


def test_extract_value_ending_in_a_colon_over_a_label_is_a_value(subject):
    # OCR read a speck after the name as ":"; the next line is a label, so this is the value.
    assert subject("Họ và tên: PHAN THỊ NGỌC:\nDân tộc: Kinh")["full_name"] == "Phan Thị Ngọc"
    assert subject("Họ và tên 2 Pu hane:\nNGUYỄN THỊ HẠNH") == {"full_name": "Nguyễn Thị Hạnh"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Quốc tịch Việt Nam\nHọ và tên: LÊ AN", {"nationality": "Việt Nam", "full_name": "Lê An"}),
        ("Dân tộc Kinh\nHọ và tên: LÊ AN", {"ethnicity": "Kinh", "full_name": "Lê An"}),
        # A card's title, one word short of the label "Chứng minh nhân dân số", is no label.
        ("CHỨNG MINH NHẤN DÂN\nHọ và tên: LÊ AN", {"full_name": "Lê An"}),
    ],
)
def test_extract_label_and_value_of_letters_are_not_one_garbled_label(subject, text, expected):
    assert subject(text) == expected


def test_extract_empty_form_field_does_not_take_next_line(subject):
    text = "9. Email: ..............\n10. Nơi tạm trú: ..........\nTôi xin cam đoan"
    assert subject(text) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Nơi thường trú:\nThôn Đông, Xã Vĩnh Ninh,\nHuyện Vĩnh Tường, Vĩnh Phúc",
            "Thôn Đông, Xã Vĩnh Ninh, Huyện Vĩnh Tường, Vĩnh Phúc",
        ),
        (
            "Nơi thường trú: Số 12 ngõ 34\nphố Huế, quận Hai Bà Trưng\nHọ tên: A B",
            "Số 12 ngõ 34 phố Huế, quận Hai Bà Trưng",
        ),
        (
            "Nơi thường trú: Thôn Đông, xã Vĩnh Ninh\nhuyện Vĩnh Tường\nNgày cấp: 01/01/2020",
            "Thôn Đông, xã Vĩnh Ninh, huyện Vĩnh Tường",
        ),
        (
            "6. Nơi thường trú: ..... Xóm 5, xã Chiềng Sơn, .....\ntỉnh Sơn La ........\n9.",
            "Xóm 5, xã Chiềng Sơn, tỉnh Sơn La",
        ),
        ("Nơi thường trú: Thôn 4\nHà Nội, ngày 1 tháng 2 năm 2020", "Thôn 4"),
    ],
)
def test_extract_multiline_address(subject, text, expected):
    assert subject(text)["place_of_residence"] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Họ và tên / Eull name:\nLÊ ĐÌNH KIÊN",  # English half garbled
        "Họ và tên / Full narne:\nLÊ ĐÌNH KIÊN",
    ],
)
def test_extract_garbled_bilingual_label(subject, text):
    assert subject(text) == {"full_name": "Lê Đình Kiên"}


def test_extract_bilingual_label_with_junk_before_the_slash(subject):
    assert subject("Họ và tên l/ Full name:\nNGUYỄN VĂN QUANG") == {"full_name": "Nguyễn Văn Quang"}


def test_extract_garbled_label_half_ending_in_colon_is_no_value(subject):
    # "Họ và tên / Full name:" with the English half unreadable: the value is on the next line.
    assert subject("Họ và tên 2 Pu hane:\nNGUYỄN THỊ HẠNH") == {"full_name": "Nguyễn Thị Hạnh"}
    assert subject("Họ và tên: LÊ VĂN AN") == {"full_name": "Lê Văn An"}


def test_extract_label_does_not_span_two_lines(make_document):
    text = "BÊN B (Bên thuê):\nÔng: LÊ VĂN NAM\nSinh năm: 1962\nCCCD số: 040062915540"
    got = values(extract(make_document(text), "contract"))["party_b"]
    assert (got["full_name"], got["date_of_birth"]) == ("Lê Văn Nam", "1962")


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("13. Email hoangdang39@gmail.com", "email", "hoangdang39@gmail.com"),
        ("4. Dân tộc Kinh", "ethnicity", "Kinh"),
        ("IV. Email an@mail.vn", "email", "an@mail.vn"),
    ],
)
def test_extract_one_word_label_after_item_number_needs_no_colon(subject, text, field, expected):
    assert subject(text)[field] == expected


def test_extract_label_wrapping_in_prose_is_still_a_label(subject):
    got = subject(
        "Tôi tên là: LÊ VĂN AN, thường trú tại Thôn 4, xã An Bình, số điện\nthoại: 0912345678"
    )
    assert got["phone"] == "0912345678"


def test_extract_empty_item_does_not_take_the_next_item_number(subject):
    got = subject("8. Nơi tạm trú:\n9. Nghề nghiệp, nơi làm việc: Sinh viên")
    assert "temporary_residence" not in got


def test_extract_fuzzy_label_before_a_semicolon(subject):
    # OCR reads a label's colon as ";" now and then.
    got = subject("Qu quan; Xã Phú Linh, huyện Sóc Sơn")
    assert got == {"place_of_origin": "Xã Phú Linh, huyện Sóc Sơn"}


def test_extract_garbled_end_of_a_longer_label_is_skipped(subject):
    got = subject("Nơi đàng ký khen sinh: Ủy ban nhân dân xã An Bình")
    assert got["registration_office"] == "Ủy ban nhân dân xã An Bình"


def test_extract_book_number_with_zero_read_as_o(subject):
    assert subject("Số: 96/2008 Quyển số: Ô1")["book_number"] == "01"


def test_extract_one_word_label_without_number_or_colon_is_text(subject):
    assert "email" not in subject("Email gửi về an@mail.vn")


def test_extract_garbled_label_rest_is_skipped(subject):
    text = "Nơi thường trú / Place ofresidence:\nTổ dân phố 21, Phường 3, Đà Lạt, Lâm Đồng"
    assert subject(text) == {"place_of_residence": "Tổ dân phố 21, Phường 3, Đà Lạt, Lâm Đồng"}


def test_extract_two_labels_on_one_line(subject):
    got = subject("Giới tính / Sex: Nữ   Quốc tịch / Nationality: Việt Nam")
    assert got == {"sex": "female", "nationality": "Việt Nam"}


def test_extract_three_labels_on_one_line(subject):
    got = subject("Giới tính: Nam Dân tộc: Kinh Quốc tịch: Việt Nam")
    assert got == {"sex": "male", "ethnicity": "Kinh", "nationality": "Việt Nam"}


@pytest.mark.parametrize(
    ("text", "expected", "repaired"),
    [
        ("Số / No.: 001087012345", "001087012345", False),
        ("Số/No.: 001 087 012 345", "001087012345", False),
        ("Số định danh cá nhân: 0 3 8 0 9 0 0 1 2 3 4 5", "038090012345", False),
        ("Số / No.: O01O87012345", "001087012345", True),
        ("Số CCCD: 0Ol087Ol2345", "001087012345", True),
        ("S0 / No.: 001087012345", "001087012345", False),
        ("CĂN CƯỚC CÔNG DÂN\n| 001087012345", "001087012345", False),
    ],
)
def test_extract_id_with_spaces_and_confusions(make_document, text, expected, repaired):
    field = extract(make_document(text), "cccd_front")[0].fields["id_number"]
    assert field.value == expected
    assert any("đã sửa ký tự OCR đọc nhầm" in r for r in field.reasons) == repaired


@pytest.mark.parametrize(
    ("text", "value", "strength"),
    [
        ("Số / No.: 14193740649", "014193740649", 0.6),  # the leading 0 lost
        ("Số / No.: 06417976395", "06417976395", 0.3),  # a digit lost elsewhere: as read
    ],
)
def test_extract_id_missing_its_leading_zero(make_document, text, value, strength):
    field = extract(make_document(text, confidence=1.0), "cccd_front")[0].fields["id_number"]
    assert (field.value, field.confidence) == (value, pytest.approx(strength * UNCONFIRMED))


def test_extract_unlabelled_id_is_less_confident(make_document):
    field = extract(make_document("| 001087012345"), "cccd_front")[0].fields["id_number"]
    assert field.confidence == pytest.approx(0.95 * 0.8 * UNCONFIRMED)
    assert "id_number: không đọc được nhãn, nhận ra nhờ dạng của giá trị" in field.reasons


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        # Footnote marks and instructions between a label and its colon, as on printed forms.
        ("Họ, chữ đệm và tên khai sinh (1): NGUYỄN VĂN AN", "full_name", "Nguyễn Văn An"),
        ("1. Họ, chữ đệm và tên khai sinh(1): NGUYỄN VĂN AN", "full_name", "Nguyễn Văn An"),
        ("Họ và tên (viết chữ in hoa): NGUYỄN VĂN AN", "full_name", "Nguyễn Văn An"),
        ("Họ và tên (1) NGUYỄN VĂN AN", "full_name", "Nguyễn Văn An"),
        ("Ngày sinh¹: 15/03/1987", "date_of_birth", "1987-03-15"),
        ("Ngày, tháng, năm sinh (ghi bằng số): 15/03/1987", "date_of_birth", "1987-03-15"),
        ("Giới tính (*) : Nữ", "sex", "female"),
        ("Nơi thường trú*: Thôn 4, xã Đông Hải", "place_of_residence", "Thôn 4, xã Đông Hải"),
        (
            "Nơi thường trú (ghi rõ số nhà, đường phố): Thôn 4, xã Đông Hải",
            "place_of_residence",
            "Thôn 4, xã Đông Hải",
        ),
        (
            "Nơi thường trú (ghi rõ số nhà) Thôn 4, xã Đông Hải",
            "place_of_residence",
            "Thôn 4, xã Đông Hải",
        ),
        ("Email (nếu có): an@mail.vn", "email", "an@mail.vn"),
        (". Email (nếu có): an@mail.vn", "email", "an@mail.vn"),  # its item number lost
        # A dotted date's slots filled in: the leaders between its parts do not end the value.
        ("Ngày, tháng, năm sinh: ...15.../...03.../..1987..", "date_of_birth", "1987-03-15"),
        ("Ngày sinh: …15…/…03…/…1987…", "date_of_birth", "1987-03-15"),
        ("Sinh ngày ..15.. tháng ..03.. năm ..1987..", "date_of_birth", "1987-03-15"),
    ],
)
def test_extract_label_annotations_and_dotted_dates(subject, text, field, expected):
    assert subject(text)[field] == expected


def test_extract_name_wrapped_by_a_long_label_goes_on_below(subject):
    label = "1. Họ, chữ đệm và tên khai sinh (viết chữ in hoa):"
    text = f"{label} NGUYỄN THỊ\nPHƯƠNG DIỆP\n2. Ngày, tháng, năm sinh: 15/01/1968"
    assert subject(text)["full_name"] == "Nguyễn Thị Phương Diệp"


def test_extract_name_on_a_short_line_does_not_take_the_next(subject):
    # The line is not full, so it did not wrap: the capitals below are something else.
    text = (
        "Họ và tên: NGUYỄN THỊ\nPHƯƠNG DIỆP\nNơi thường trú: Thôn 4, xã Đông Hải, huyện Quỳnh Phụ"
    )
    assert subject(text)["full_name"] == "Nguyễn Thị"


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("(1): X", "X"),
        ("(*) : X", "X"),
        ("(ghi rõ số nhà) X", "X"),
        ("(Cục Cảnh sát) X", "(Cục Cảnh sát) X"),  # capitalised, no colon: the value's own
        ("(1 X", "(1 X"),  # never closed
        ("X (1):", "X (1):"),  # not right after the label
    ],
)
def test_labels_annotation_after_a_label_is_skipped_only_when_it_is_one(text, rest):
    from extractors.labels import _skip_annotation
    from extractors.nlp import get_nlp

    doc = get_nlp().make_doc(text)
    assert doc[_skip_annotation(doc, 0, len(doc)) :].text == rest


def test_extract_instruction_in_brackets_is_no_label(subject):
    assert subject("(Ký, ghi rõ họ tên)\nNGUYỄN VĂN B") == {}


def test_extract_surname_marks_corrected(make_document):
    field = extract(make_document("Họ và tên: NGUYÊN VĂN AN"), "x")[0].fields["full_name"]
    assert field.value == "Nguyễn Văn An"
    assert field.confidence == pytest.approx(0.95 * 0.95)


@pytest.mark.parametrize(
    ("read", "spelled"),
    [
        ("Nguyễn Xuân Tuần", "Nguyễn Xuân Tuấn"),  # a tone changed
        ("DƯƠNG HÔNG NGA", "Dương Hồng Nga"),  # a tone dropped
        ("Le Thị Phương My", "Lê Thị Phương My"),  # the surname's circumflex dropped
        ("Nông Văn Hoang", "Nông Văn Hoàng"),
    ],
)
def test_name_words_marks_corrected_to_the_one_known_spelling(read, spelled):
    parsed = parse_name(read)
    assert (parsed.value, parsed.strength) == (spelled, 0.95)
    assert parsed.reasons == (why.name_marks_corrected(name_case(read), spelled),)


@pytest.mark.parametrize(
    "name",
    [
        "Nguyễn Thị Yen",  # Yên or Yến: the letters do not tell
        "Trần Văn Quyền",  # a known word, though Quyên has the same letters
        "Nguyen Van Nghia",  # printed without marks: left as printed
        "Hoàng",  # one word: no surname to speak of
    ],
)
def test_name_words_marks_left_when_no_one_spelling(name):
    assert parse_name(name).value == name_case(name)


def test_extract_unreadable_required_field_goes_to_review(make_document):
    field = extract(make_document("Giới tính: ???x"), "x")[0].fields["sex"]
    assert field.value is None
    assert field.confidence == 0.0


def test_extract_parents_only_named_are_subject_fields(make_document):
    roles = [r.role for r in extract(make_document(APPLICATION_FORM), "application_form")]
    assert roles == ["subject"]


def test_extract_pages_are_kept(make_document):
    document = make_document("Họ và tên: Lê Văn A\fSố CCCD: 001087012345")
    fields = extract(document, "x")[0].fields
    assert (fields["full_name"].page, fields["id_number"].page) == (1, 2)


def test_extract_from_threads_gives_the_same_records(make_document):
    texts = [CCCD_FRONT, BIRTH_CERTIFICATE, APPLICATION_FORM] * 8
    expected = [extract(make_document(t), "x") for t in texts]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda t: extract(make_document(t), "x"), texts))
    assert got == expected


@pytest.mark.parametrize(("text", "tokens"), [("tên:", ["tên", ":"]), ("A,", ["A", ","])])
def test_nlp_tokenizer_splits_punctuation(text, tokens):
    assert [t.text for t in get_nlp().tokenizer(text)] == tokens


def test_nlp_tokens_map_to_ocr_words(make_document):
    document = make_document("Họ và tên:NGUYỄN VĂN\nSố: 1")
    doc = make_doc(get_nlp(), document)
    words = doc.user_data["sohoa_words"]
    assert [(t.text, words[t._.word].word.text) for t in doc][2:5] == [
        ("tên", "tên:NGUYỄN"),
        (":", "tên:NGUYỄN"),
        ("NGUYỄN", "tên:NGUYỄN"),
    ]
    assert [s.text for s in doc.sents] == ["Họ và tên:NGUYỄN VĂN", "Số: 1"]


def test_labels_many_variants():
    assert len(LABELS) >= 150


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300))
def test_extract_never_raises_on_arbitrary_text(make_document, text):
    for record in extract(make_document(text), "unknown"):
        for field in record.fields.values():
            assert 0.0 <= field.confidence <= 1.0


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.sampled_from([lab.text for lab in LABELS] + [":", "....", "0", "Ô", "|", "\n", "15/03"])
        | st.text(alphabet="0123456789OoIl /.:-ĐđàáạảãăằắặẳẵâầấậẩẫNAMnữ", max_size=12),
        max_size=30,
    )
)
def test_extract_never_raises_on_label_soup(make_document, parts):
    text = unicodedata.normalize("NFC", " ".join(parts))
    extract(make_document(text), "birth_certificate")


def test_extract_fields_read_on_a_fax_page_are_held_below_acceptance(
    make_document: MakeDocument,
) -> None:
    from extractors import FAX_CONFIDENCE
    from extractors.calibration import Calibration

    # A calibration that trusts every field fully: only the fax rule can lower them.
    trusting = Calibration(version="test", steps={"*": [(0.0, 1.0)]})
    scan = make_document(CCCD_FRONT)
    fax_steps = {"steps": [{"step": "scale", "fax_lines": 1170, "matrix": [[1.5, 0, 0]]}]}
    fax = scan.model_copy(
        update={"pages": tuple(p.model_copy(update={"preprocess": fax_steps}) for p in scan.pages)}
    )
    clean = extract(scan, "cccd_front", calibration=trusting)[0].fields
    faxed = extract(fax, "cccd_front", calibration=trusting)[0].fields
    assert clean.keys() == faxed.keys() and "id_number" in faxed
    assert all(
        f.confidence == 1.0 and not any("fax" in r for r in f.reasons) for f in clean.values()
    )
    for name, field in faxed.items():
        assert field.value == clean[name].value  # the same values, less trusted
        assert field.confidence == FAX_CONFIDENCE
        assert f"{name}: {why.FAX_PAGE}" in field.reasons
    # Fitting the calibration sees the confidences as they are.
    uncapped = extract(fax, "cccd_front", calibration=trusting, cap_faxes=False)[0].fields
    assert all(f.confidence == 1.0 for f in uncapped.values())


def _placed(rows: list[tuple[int, list[tuple[int, str] | tuple[int, str, int, int]]]]) -> Document:
    """A page of OCR lines given as ``(height, [(x, text), …])``: each text's words from x on,
    20 px a letter; a row's texts are one line, as Tesseract reads a row of cells. A span
    ``(x, text, width, height)`` is one word in a box of that size (a speck)."""
    lines, y = [], 100
    for height, spans in rows:
        words = []
        for x, text, *size in spans:
            for token in text.split():
                w, h = size or (20 * len(token), height)
                words.append(Word(text=token, confidence=0.95, bbox=(x, y, x + w, y + h)))
                x += w + 15
        lines.append(Line(words=tuple(words), block=0))
        y += height + 22
    page = Page(number=1, width=2480, height=3508, lines=tuple(lines), dpi=300)
    return Document(source="boxed.png", sha256="0" * 64, pages=(page,))


def test_extract_row_of_captions_takes_each_value_from_under_it():
    # A ruled form: small captions, two to a row for short facts, each over its value; the
    # caption line is smaller than the value line under it.
    caption, value = 24, 40
    document = _placed([
        (caption, [(100, "1. Họ, chữ đệm và tên")]),
        (value, [(100, "NGUYỄN THÙY DUYÊN")]),
        # Where the rules cross, OCR reads specks as letters: "Ï" in a 5 × 4 box.
        (caption, [(100, "2. Ngày, tháng, năm sinh"), (1270, "Ï", 5, 4), (1300, "3. Giới tính")]),
        (value, [(104, "10/12/1991"), (1304, "Nữ")]),
        (caption, [(100, "5. Dân tộc"), (1300, "6. Tôn giáo")]),
        (value, [(100, "Kinh"), (1280, "¡", 1, 40), (1300, "Không")]),
        (caption, [(100, "13. Email")]),
        (value, [(100, "duyen28@gmail.com")]),
    ])  # fmt: skip
    got = values(extract(document, "application_form"))["subject"]
    assert got["full_name"] == "Nguyễn Thùy Duyên"
    assert got["date_of_birth"] == "1991-12-10"
    assert got["sex"] == "female"
    assert got["ethnicity"] == "Kinh"
    assert got["email"] == "duyen28@gmail.com"


def test_extract_inline_pairs_are_no_row_of_captions(subject):
    # Values between labels on one line stay theirs; a short number is a value, not the next
    # item's number.
    got = subject("Giới tính: Nam   Dân tộc: Kinh\nNgày sinh: 01/02/1990")
    assert (got["sex"], got["ethnicity"]) == ("male", "Kinh")
    got = subject("Số: 176/2013   Quyển số: 01\nHọ và tên: LÊ VĂN AN", "birth_certificate")
    assert got["book_number"] == "01"


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("7. Quốctch\nViệt Nam\n8. Quê quán: Xã An Bình", "nationality", "Việt Nam"),
        ("Quốctch: Việt Nam\nDân tộc: Kinh", "nationality", "Việt Nam"),
        ("3. Giới tỉnh\nNữ\n4. Dân tộc: Kinh", "sex", "female"),
        # specks before the item number, and the number glued to the label
        ("`7 Quốctch ¬¬\nViệt Nam\n8. Quê quán: Xã An Bình", "nationality", "Việt Nam"),
        ("'2.Ngày, tháng, năm sinh\n04/02/1999\n3. Giới tính: Nữ", "date_of_birth", "1999-02-04"),
    ],
)
def test_extract_label_run_together_by_ocr(subject, text, field, expected):
    assert subject(text).get(field) == expected


def test_extract_one_word_line_is_no_label_without_an_item_number(subject):
    # Only a numbered item's label may be one run-together word: a value alone on its line
    # ("Quốctế" for a place, a name) is not taken for one.
    got = subject("Quê quán:\nQuốctịch\nNơi thường trú: Xã An Bình")
    assert "nationality" not in got


def test_extract_phone_and_email_alone_on_their_lines_when_the_labels_were_lost(subject):
    # A form's small captions on old paper: OCR read the values, not the labels over them.
    got = subject("Họ và tên: LÊ VĂN AN\n0766979883\n.uyenngo56@gmail.com", "application_form")
    assert (got["phone"], got["email"]) == ("0766979883", "uyenngo56@gmail.com")


def test_extract_numbers_in_text_or_labelled_are_not_contact_fallbacks(subject):
    got = subject("Số định danh cá nhân: 001090012345\nGọi 0766979883 khi cần", "application_form")
    assert "phone" not in got
    got = subject("Số điện thoại: 0912345678\n0766979883", "application_form")
    assert got["phone"] == "0912345678"  # the labelled one; the other is somebody else's


@pytest.mark.parametrize("item", ["HH2,", "`12.", "'12"])
def test_extract_a_garbled_item_number_still_ends_a_parents_section(make_document, item):
    # "12." read "HH2,", or with a speck before it: the phone after the father's item is
    # still the subject's.
    text = f"10. Họ, chữ đệm và tên của cha: LÊ VĂN QUÂN\n{item} Số điện thoại: 0357600287"
    got = values(extract(make_document(text), "application_form"))
    assert got["subject"]["phone"] == "0357600287"
    assert "father" not in got


def test_extract_a_tall_line_of_junk_is_not_the_value_below_a_label():
    # A stamp or a margin note read sideways: one "line" 400 px tall that reaches from above the
    # label to below it is not the value of a label ending its line.
    def line(y: int, *texts: str, x: int = 250, height: int = 23) -> Line:
        words = []
        for text in texts:
            words.append(
                Word(text=text, confidence=0.9, bbox=(x, y, x + 15 * len(text), y + height))
            )
            x += 15 * len(text) + 12
        return Line(words=tuple(words))

    lines = (
        line(700, "Họ", "tên:", "LÊ", "AN"),
        line(858, "Nơi", "tạm", "trú:"),
        line(520, "@œ", "ỨCỚI", x=212, height=409),
        line(1000, "Nghề", "nghiệp:", "Nông", "dân"),
    )
    page = Page(number=1, width=2480, height=3508, lines=lines, dpi=300)
    document = Document(source="junk.png", sha256="0" * 64, pages=(page,))
    got = values(extract(document, "application_form"))["subject"]
    assert got["full_name"] == "Lê An"
    assert "temporary_residence" not in got


@pytest.mark.parametrize(
    ("text", "width", "height", "dropped"),
    [
        ("Ï", 5, 4, True),  # where two rules cross
        ("¡", 1, 38, True),  # a rule, one pixel wide
        ("I", 5, 38, False),  # a sans-serif capital I: 0.12 of the letters' height
        ("1", 20, 38, False),
        (".", 6, 6, True),
    ],
)
def test_extract_specks_read_as_characters_are_left_out(text, width, height, dropped):
    from extractors.nlp import _speck_test

    words = [
        Word(text="Nguyễn", confidence=0.9, bbox=(100 * i, 0, 100 * i + 90, 40)) for i in range(12)
    ]
    page = Page(number=1, width=2480, height=3508, lines=(Line(words=tuple(words)),), dpi=300)
    word = Word(text=text, confidence=0.9, bbox=(0, 100, width, 100 + height))
    assert _speck_test(page, lambda box: box)(word) is dropped


def test_extract_garbled_label_of_a_rows_second_cell():
    # Two fields side by side on one line; OCR garbled the second label. It is read as a
    # label of its own cell: before its colon, or, as a caption after an item number, alone.
    document = _placed([
        (40, [(100, "Giới tính: Nam"), (900, "Dâân tộc; Kinh")]),
        (24, [(100, "5. Họ, chữ đệm và tên"), (1300, "6. Quốctch")]),
        (40, [(100, "LÊ VĂN AN"), (1300, "Việt Nam")]),
    ])  # fmt: skip
    got = values(extract(document, "application_form"))["subject"]
    assert (got["sex"], got["ethnicity"]) == ("male", "Kinh")
    assert (got["full_name"], got["nationality"]) == ("Lê Văn An", "Việt Nam")


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # "2. Ngày, tháng, năm sinh   3. Giới tính" with both captions garbled, the first with
        # specks and an Icelandic eth for "Đ", the second run together with a letter misread.
        (
            [(100, "'2.Ngày, tháng, nămsnhÐỒ..,"), (1300, "3⁄Giớitfnh")],
            {"date_of_birth": "1999-02-04", "sex": "female"},
        ),
        # "5," for "5.", and a letter wrong in a short caption: still its column's caption,
        # and the next caption's number is not its value.
        ([(100, "5, Dân lộc."), (1300, "6. Tôn giáo")], {"ethnicity": "Kinh"}),
    ],
)
def test_extract_garbled_captions_of_a_row_over_their_values(row, expected):
    values_row = [(100, "04/02/1999" if "Ngày" in row[0][1] else "Kinh"), (1300, "Nữ")]
    document = _placed([(24, row), (40, values_row), (24, [(100, "7. Quốc tịch")]),
                        (40, [(100, "Việt Nam")])])  # fmt: skip
    got = values(extract(document, "application_form"))["subject"]
    assert {k: got.get(k) for k in expected} == expected


@pytest.mark.parametrize(
    ("caption", "field", "value"),
    [
        ("9.Nơi thường", "place_of_residence", "Xã An Bình, huyện Ba Vì"),
        ("4. Số định danh cá", "id_number", "001090012345"),
    ],
)
def test_extract_numbered_caption_without_its_last_word(subject, caption, field, value):
    got = subject(f"{caption}\n{value}\n10. Email: an@gmail.com")
    assert got[field] == value


def test_extract_words_close_together_are_one_cell(subject):
    # Running text has no cell gaps: "Dân tộc" garbled inside it is no label of its own.
    assert "ethnicity" not in subject("Giới tính: Nam Dâân tộc; Kinh")


@pytest.mark.parametrize(
    "text",
    [
        "Quê quán / Place of orjgin. Điện Biên, Thanh Hóa, Thanh Hóa",  # the colon read "."
        "Quê quán / Place of origin: Điện Biên, Thanh Hóa, Thanh Hóa",
        "Quê quán: Điện Biên, Thanh Hóa, Thanh Hóa",  # a place's first words are no label
    ],
)
def test_extract_english_half_of_a_label_garbled_before_the_value(subject, text):
    assert subject(text, "cccd_front")["place_of_origin"] == "Điện Biên, Thanh Hóa, Thanh Hóa"


def test_extract_birth_date_and_cccd_number_vouch_for_each_other(make_document):
    # Together they are checked against each other (validation lowers both if they disagree);
    # either alone is a little less sure.
    both = extract(make_document("Sinh ngày: 15/03/1987\nSố CCCD: 001087012345"), "x")[0]
    alone = extract(make_document("Sinh ngày: 15/03/1987"), "x")[0]
    old = extract(make_document("Sinh ngày: 15/03/1987\nSố CMND: 012345678"), "x")[0]
    dob = both.fields["date_of_birth"].confidence
    assert alone.fields["date_of_birth"].confidence == pytest.approx(dob * UNCONFIRMED)
    assert old.fields["date_of_birth"].confidence == pytest.approx(dob * UNCONFIRMED)
