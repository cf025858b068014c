"""Reasons are read by Vietnamese stewards: every one the extractors give is in Vietnamese."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import pytest

from extractors import extract
from extractors.calibration import IDENTITY
from extractors.dates import parse_date
from extractors.ids import parse_id, parse_registry_number
from extractors.names import parse_name
from extractors.person import parse_ethnicity, parse_nationality, parse_sex
from extractors.phone import parse_phone
from extractors.places import parse_authority, parse_place
from extractors.reasons import date_vi, decimal_vi
from extractors.text import Parsed
from pipeline.mrz import check_digit as _mrz_check

# Words of the English reasons these replaced: none may be left in a message.
_ENGLISH = re.compile(
    r"\b(?:the|of|from|read|not|only|digits?|expected|corrected|repaired|confusions?|date|"
    r"words?|label|value|surname|group|check|boxes|letters|partial|year|month|agrees|"
    r"disagrees|found|pattern|could|ignored|other|unit|authority|signed|card|approximately|"
    r"syllable|hardly|missing|misread|copies|nationality|recognised|usual)\b",
    re.IGNORECASE,
)


def _message(reason: str) -> str:
    """The text of a reason without its field prefix and the document's own words in quotes."""
    message = re.sub(r"^[a-z_]+: ", "", reason)
    return re.sub(r"'[^']*'|\"[^\"]*\"", "", message)


def assert_vietnamese(reason: str) -> None:
    message = _message(reason)
    marked = any(c in "đĐ" or unicodedata.normalize("NFD", c) != c for c in message)
    assert marked, f"no Vietnamese letter in {reason!r}"
    assert not _ENGLISH.search(message), f"English in {reason!r}"


PARSER_CASES: list[tuple[Callable[[str], Parsed | None], str, str]] = [
    (parse_name, "Nguyễn V4n An", "có ký tự không phải chữ cái"),
    (parse_name, "NGUYỄN", "chỉ có một chữ: thiếu họ hoặc tên"),
    (parse_name, "Nguyễn Văn An Bình Minh Hòa Thuận Lợi", "8 chữ: có lẽ không chỉ là họ tên"),
    (
        parse_name,
        "NGUYỄN THỊNGỌC ANH",
        "đã tách các âm tiết OCR viết liền: 'NGUYỄN THỊNGỌC ANH' → 'Nguyễn Thị Ngọc Anh'",
    ),
    (
        parse_name,
        "NGUYỄN XYZABC ANH",  # no way to cut it into syllables: flagged, kept
        "XYZABC: nhiều hơn một âm tiết trong một chữ, có thể hai chữ bị dính liền",
    ),
    (
        parse_name,
        "NGUYÊN VĂN AN",
        "đã sửa dấu theo họ, tên thường gặp: 'Nguyên Văn An' → 'Nguyễn Văn An'",
    ),
    (parse_name, "Xà Văn An", "họ 'Xà' không phải họ thường gặp ở Việt Nam"),
    (parse_name, "Lê Văn Quên", "Quên: không phải tên đệm, tên thường gặp ở Việt Nam"),
    (
        parse_name,
        "Lê Thị Yen",
        "dấu của 'Yen' không khớp tên thường gặp nào (Yên, Yến): cần đối chiếu",
    ),
    (parse_date, "l5/03/1987", "đã sửa ký tự OCR đọc nhầm trong các chữ số"),
    (
        parse_date,
        "Ngày mười lăm, tháng ba, năm một nghìn chín trăm tám mươi bảy",
        "đọc từ ngày ghi bằng chữ",
    ),
    (parse_date, "03/1987", "ngày không đầy đủ: chỉ có tháng và năm"),
    (parse_date, "1960", "ngày không đầy đủ: chỉ có năm"),
    (parse_date, "năm một nghìn chín trăm sáu mươi", "ngày không đầy đủ: chỉ có năm, ghi bằng chữ"),
    (parse_id, "O01087012345", "đã sửa ký tự OCR đọc nhầm: O→0"),
    (parse_id, "12345678", "đọc được 8 chữ số, cần 12 (hoặc 9 với CMND)"),
    (parse_registry_number, "không rõ", "không đọc được chữ số nào"),
    (parse_phone, "O912345678", "đã sửa ký tự OCR đọc nhầm: O→0"),
    (parse_phone, "091234567", "có 9 chữ số, cần 10"),
    (parse_sex, "XNam", "chọn theo ô được đánh dấu (dấu X dính liền với chữ)"),
    (parse_sex, "☐ Nam ☒ Nữ", "chọn theo ô được đánh dấu"),
    (parse_sex, "☐ Nam ☐ Nữ", "không phân biệt được ô nào được đánh dấu"),
    (parse_sex, "giới Nam", "có chữ khác đứng trước chữ chỉ giới tính"),
    (parse_ethnicity, "Kinhh", "đọc được 'Kinhh', dân tộc gần nhất là 'Kinh'"),
    (parse_ethnicity, "Người Sao Hỏa", "không có trong danh mục 54 dân tộc Việt Nam"),
    (parse_nationality, "Việt Nam (gốc Hoa)", "đã bỏ phần chữ sau Việt Nam: 'Việt Nam (gốc Hoa)'"),
    (parse_nationality, "Lào", "quốc tịch không phải Việt Nam"),
    (parse_place, "1 2", "gần như không có chữ cái"),
    (
        parse_place,
        "Tố dân phố 3, Phường Quang Trung, Thành phố Hà Giang, Tỉnh Hà Giang",
        "đã sửa từ chỉ loại đơn vị hành chính "
        "(bản đọc: 'Tố dân phố 3, Phường Quang Trung, Thành phố Hà Giang, Tỉnh Hà Giang')",
    ),
    (
        parse_place,
        "Số 96 phố Minh Khai, Bạch Đăng, Hai Bà Trưng, Hà Nội",
        "đã sửa tên đơn vị hành chính theo danh mục đơn vị hành chính: Bạch Đăng → Bạch Đằng",
    ),
    (
        parse_authority,
        "Cục Cảnh sát quản lý hành chính về trật tư xã hội",
        "đã sửa tên cơ quan cấp (bản đọc: 'Cục Cảnh sát quản lý hành chính về trật tư xã hội')",
    ),
]


@pytest.mark.parametrize(("parse", "text", "reason"), PARSER_CASES)
def test_reasons_of_the_parsers_are_vietnamese(parse, text, reason):
    parsed = parse(text)
    assert parsed is not None
    assert reason in parsed.reasons
    for given in parsed.reasons:
        assert_vietnamese(given)


_MRZ = "092649391"
EXTRACT_CASES = [
    (
        "cccd_back",
        "CỤC TRƯỞNG CỤC CẢNH SÁT\nQUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI\n"
        "IDVNM0926493911074092649391<<6",
        {
            "id_number": ["id_number: đọc từ vùng MRZ (dòng mã máy đọc) ở mặt sau thẻ"],
            "issuing_authority": [
                "issuing_authority: tên cơ quan ký cấp in trên thẻ, không có nhãn"
            ],
        },
    ),
    (
        "cccd_back",
        f"IDVNM{_MRZ}{_mrz_check(_MRZ)}074092649394<<{_mrz_check('074092649391')}",
        {
            "id_number": [
                "id_number: đọc từ vùng MRZ (dòng mã máy đọc) ở mặt sau thẻ",
                "id_number: một chữ số đọc sai trong vùng MRZ đã được sửa nhờ chữ số kiểm tra",
            ]
        },
    ),
    (
        "cccd_back",
        "IDVNM0926493914074092649355<<6",
        {
            "id_number": [
                "id_number: đọc từ vùng MRZ (dòng mã máy đọc) ở mặt sau thẻ",
                "id_number: hai lần ghi số định danh trong vùng MRZ không khớp nhau",
            ]
        },
    ),
    (
        "cmnd",
        "CHỨNG MINH NHÂN DÂN\n123456789",
        {"old_id_number": ["old_id_number: số in trên thẻ, không có nhãn"]},
    ),
    (
        "cccd_front",
        "| 001087012345",
        {"id_number": ["id_number: không đọc được nhãn, nhận ra nhờ dạng của giá trị"]},
    ),
    (
        "birth_certificate",
        "Họ, chữ đệm, tên: NGUYỄN VĂN AN\nHà Nội, ngày 20 tháng 3 năm 1987",
        {"registration_date": ["registration_date: ngày ký ở cuối giấy, không có nhãn"]},
    ),
    ("unknown", "Họ và tênn: NGUYỄN VĂN AN", {"full_name": ["full_name: nhãn chỉ khớp gần đúng"]}),
    ("unknown", "Giới tính: ???x", {"sex": ["sex: không đọc được giá trị"]}),
    (
        "birth_certificate",
        "Ngày, tháng, năm sinh: 15/03/1987\nGhi bằng chữ: Ngày mười lăm, tháng ba, năm một "
        "nghìn chín trăm tám mươi bảy",
        {"date_of_birth": ["date_of_birth: khớp với ngày ghi bằng chữ"]},
    ),
]


@pytest.mark.parametrize(("doc_type", "text", "expected"), EXTRACT_CASES)
def test_reasons_of_extraction_are_vietnamese(make_document, doc_type, text, expected):
    records = extract(make_document(text), doc_type, calibration=IDENTITY)
    fields = {name: f for r in records for name, f in r.fields.items()}
    for name, reasons in expected.items():
        assert fields[name].reasons == reasons
    for field in fields.values():
        for reason in field.reasons:
            assert_vietnamese(reason)


def test_reasons_keep_the_field_name_prefix(make_document):
    (record,) = extract(make_document("Số CCCD: O01087012345"), "cccd_front")
    assert record.fields["id_number"].reasons == ["id_number: đã sửa ký tự OCR đọc nhầm: O→0"]


@pytest.mark.parametrize(
    ("value", "kwargs", "shown"),
    [
        (0.42, {}, "0,42"),
        (0.4299, {}, "0,42"),
        (0.0, {}, "0,00"),
        (1.0, {}, "1,00"),
        (0.995, {"max_places": 4}, "0,995"),
        (0.9, {"max_places": 4}, "0,90"),
        (0.29, {}, "0,29"),
    ],
)
def test_reasons_write_numbers_with_a_decimal_comma(value, kwargs, shown):
    assert decimal_vi(value, **kwargs) == shown


def test_reasons_write_dates_as_stewards_read_them():
    assert [date_vi(d) for d in ("1987-03-15", "1987-03", "1987")] == [
        "15/03/1987",
        "03/1987",
        "1987",
    ]
