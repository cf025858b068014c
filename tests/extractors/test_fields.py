"""Value parsers of the smaller field families: names, person, places, phone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors import reasons as why
from extractors.names import parse_name
from extractors.person import (
    CAUSES_OF_DEATH,
    ETHNIC_GROUPS,
    parse_cause,
    parse_ethnicity,
    parse_nationality,
    parse_sex,
)
from extractors.phone import parse_email, parse_phone
from extractors.places import parse_authority, parse_place
from extractors.text import fold


@pytest.mark.parametrize(
    ("text", "value", "strength"),
    [
        ("NGUYỄN THỊ HỒNG NHUNG", "Nguyễn Thị Hồng Nhung", 1.0),
        ("........ NGUYỄN VĂN AN ......", "Nguyễn Văn An", 1.0),
        ("| TRẦN THỊ BÌNH |", "Trần Thị Bình", 1.0),
        ("NGUYÊN THỊ KIM DIỆP", "Nguyễn Thị Kim Diệp", 0.95),
        ("AN", "An", 0.7),
        ("NGUYỄN THỊNGỌC", "Nguyễn Thị Ngọc", 0.8),  # syllables OCR ran together, cut
        ("Lêdiệutrang", "Lê Diệu Trang", 0.8),
        ("Vithị Thủy", "Vi Thị Thủy", 0.8),  # "Vit hị" would give consonants to the first
        ("Hoàng Ngọc Quỳnh", "Hoàng Ngọc Quỳnh", 1.0),
        ("NGUYỄN V4N AN", "Nguyễn V4n An", 0.5),
        ("QUÁCH THỊ N GỌC QUỲNH", "Quách Thị Ngọc Quỳnh", 0.9),  # a first letter split off
        ("Thào A An", "Thào A An", 1.0),  # "A" is a name word
        ("H Hen Niê", "H Hen Niê", 0.95),  # "Hen" is not among the usual name words
        ("Nguyễn Thị Yen", "Nguyễn Thị Yen", 0.8),  # the letters of Yên and Yến, neither's marks
        ("NGUYỄN VĂN QUÊN", "Nguyễn Văn Quên", 0.95),
        ("NGUYỄN THỊ THẢO. tọg:nyAU", "Nguyễn Thị Thảo", 0.9),  # junk read after the capitals
        ("NGUYỄN VĂN AN.", "Nguyễn Văn An", 1.0),
    ],
)
def test_names_parse(text, value, strength):
    parsed = parse_name(text)
    assert (parsed.value, parsed.strength) == (value, strength)


@pytest.mark.parametrize(
    ("text", "value"),
    [("Nam", "male"), ("Nữ", "female"), ("Nu", "female"), ("NỮ", "female"), ("Male", "male")],
)
def test_person_sex(text, value):
    assert parse_sex(text).value == value


@pytest.mark.parametrize(
    ("text", "value", "strength"),
    [
        ("☐ Nam ☒ Nữ", "female", 1.0),
        ("Nam L]I Nữ", "male", 0.9),  # the cross not read, the other box read empty
        ("[] Nam Bĩ Nữ", "female", 0.9),
        ("Nam Nữ", "male", 0.4),  # nothing to tell them apart
    ],
)
def test_person_sex_check_boxes(text, value, strength):
    parsed = parse_sex(text)
    assert (parsed.value, parsed.strength) == (value, strength)


def test_person_nationality_after_a_garbled_label():
    parsed = parse_nationality("Nahonaitv: Việt Nam")
    assert (parsed.value, parsed.strength) == ("Việt Nam", 0.9)
    assert parse_nationality("Nhật Bản").strength == 0.9
    assert parse_nationality("Nuianalitv 7 xx:").strength == 0.5  # junk, not a nationality


@pytest.mark.parametrize(
    ("text", "value", "strength"),
    [
        ("☒ Việt Nam ☐ Nước ngoài", "Việt Nam", 1.0),
        ("Bĩ Việt Nam L] Nước ngoài", "Việt Nam", 0.9),
        ("☐ Việt Nam ☒ Nước ngoài", None, 0.0),  # a foreign nationality, not named
        ("[] Việt Nam [] Nước ngoài", None, 0.0),
    ],
)
def test_person_nationality_check_boxes(text, value, strength):
    parsed = parse_nationality(text)
    assert (parsed.value, parsed.strength) == (value, strength)


@pytest.mark.parametrize("text", ["", "Kinh", "?"])
def test_person_sex_unknown(text):
    assert parse_sex(text) is None


def test_person_54_ethnic_groups():
    assert len(ETHNIC_GROUPS) == len(set(ETHNIC_GROUPS)) == 54


@pytest.mark.parametrize(
    ("text", "value", "strength"),
    [
        ("Kinh", "Kinh", 1.0),
        ("kinh", "Kinh", 1.0),
        ("Ê-đê", "Ê Đê", 1.0),
        ("H'Mông", "Mông", 1.0),
        ("Muờng", "Mường", 1.0),
        ("Nùg", "Nùng", 0.9),
        ("Martian", "Martian", 0.6),
    ],
)
def test_person_ethnicity(text, value, strength):
    parsed = parse_ethnicity(text)
    assert (parsed.value, parsed.strength) == (value, strength)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Việt Nam", "Việt Nam"),
        ("VIỆT NAM", "Việt Nam"),
        ("Viet Nam", "Việt Nam"),
        ('Việt Nam "ã', "Việt Nam"),  # OCR junk after the value
    ],
)
def test_person_nationality(text, value):
    assert parse_nationality(text).value == value


@pytest.mark.parametrize("text", ["Vật Nam", "Viet Nan"])
def test_person_nationality_misread_viet_nam_is_corrected_with_a_reason(text):
    parsed = parse_nationality(text)
    assert (parsed.value, parsed.strength) == ("Việt Nam", 0.85)
    assert text in parsed.reasons[0]


@pytest.mark.parametrize("text", ["Việt", "Nam", "Lào", "Thái Lan", "Đài Loan", "Triều Tiên"])
def test_person_other_nationalities_are_not_taken_for_viet_nam(text):
    parsed = parse_nationality(text)
    assert parsed.value != "Việt Nam"
    assert why.FOREIGN_NATIONALITY in parsed.reasons


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Thôn 4, xã Đông Hải , huyện Quỳnh Phụ", "Thôn 4, xã Đông Hải, huyện Quỳnh Phụ"),
        ("Số 12 ngõ 34,\nphố Huế", "Số 12 ngõ 34, phố Huế"),
        ("Thôn Đông, xã Vĩnh Ninh\nhuyện Vĩnh Tường", "Thôn Đông, xã Vĩnh Ninh, huyện Vĩnh Tường"),
        (
            "Số 98 đường Nguyễn An Ninh, Dĩ An, Bình\nDương",
            "Số 98 đường Nguyễn An Ninh, Dĩ An, Bình Dương",
        ),
        ("..... Xã Hoà Tiến ......", "Xã Hòa Tiến"),
        ("Tố dân phố 8, thị trẫn Củ Chi", "Tổ dân phố 8, thị trấn Củ Chi"),
        ("Thôn 4, Tĩnh Gia, Thanh Hóa", "Thôn 4, Tĩnh Gia, Thanh Hóa"),
        # hamlet words before a number get their marks; before a name they may be one
        ("Áp 6, xã Vĩnh Lộc A", "Ấp 6, xã Vĩnh Lộc A"),
        ("Xöm 1, xã Ia Ka", "Xóm 1, xã Ia Ka"),
        ("Tô Hiến Thành, phường 12", "Tô Hiến Thành, phường 12"),
        # a street address's words, as a fax reads them
        ("Sõ 156 dưỡng Cầu Giấy, phường Yên Hòa", "Số 156 đường Cầu Giấy, phường Yên Hòa"),
        ("Số 85 ngô 61 phơ Chùa Bộc", "Số 85 ngõ 61 phố Chùa Bộc"),
        ("Số 12 Dương Quảng Hàm", "Số 12 Dương Quảng Hàm"),  # a street's name
        ("So 5 ngo 3, Thon 2", "So 5 ngo 3, Thon 2"),  # printed without marks
        # a comma read as a full stop before the next part, not an abbreviation's stop
        ("Lê Lợi. Nghệ An", "Lê Lợi, Nghệ An"),
        ("Xã Đông Hải. huyện Quỳnh Phụ", "Xã Đông Hải, huyện Quỳnh Phụ"),
        ("Quận 1, TP. Hồ Chí Minh", "Quận 1, TP. Hồ Chí Minh"),
    ],
)
def test_places_clean(text, value):
    assert parse_place(text).value == value


@pytest.mark.parametrize(
    ("text", "value", "strength"),
    [
        ("0912 345 678", "0912345678", 1.0),
        ("0912.345.678", "0912345678", 1.0),
        ("+84 912 345 678", "0912345678", 1.0),
        ("O912345678", "0912345678", 0.9),
        ("091234567", "091234567", 0.5),
    ],
)
def test_phone_parse(text, value, strength):
    parsed = parse_phone(text)
    assert (parsed.value, parsed.strength) == (value, strength)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("An.Nguyen@Gmail.com", "an.nguyen@gmail.com"),
        ("an @ mail . vn", "an@mail.vn"),
        (".uyenngo56@gmail.com", "uyenngo56@gmail.com"),  # a speck before it
    ],
)
def test_phone_email(text, value):
    assert parse_email(text).value == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("diepnguyen90(yahoo.com", "diepnguyen90@yahoo.com"),
        ("an©gmail.com", "an@gmail.com"),
        ("duyennguyen28(@gmail.com", "duyennguyen28@gmail.com"),  # a mark read before the @
    ],
)
def test_phone_email_at_misread(text, value):
    parsed = parse_email(text)
    assert (parsed.value, parsed.strength) == (value, 0.9)
    assert "→@" in parsed.reasons[0]


@pytest.mark.parametrize("text", ["(không có)", "Email (nếu có)", "a (b) c.d", "x (@gmail.com"])
def test_phone_email_brackets_are_no_address(text):
    assert parse_email(text) is None


@given(st.text())
def test_fields_parsers_never_raise(text):
    for parse in (parse_name, parse_sex, parse_ethnicity, parse_nationality, parse_place):
        parse(text)
    parse_phone(text)
    parse_email(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # OCR junk in one line: still printed in capitals, and close enough to correct.
        (
            "CỤC TRƯỞNG CỤC CẢNH SÁT QUẢN LÝ HÀNH CHÍNH x TRẬT TỰ XÃ HỘI",
            "CỤC TRƯỞNG CỤC CẢNH SÁT QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI",
        ),
        (
            "CỤC TRƯỞNG CỤC CẢNH SÁT QUẢN LÝ HÀNH Sa mẠr TỰ XÃ HỘI",
            "CỤC TRƯỞNG CỤC CẢNH SÁT QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI",
        ),
        ("Công an tỉnh Nam Định", "Công an tỉnh Nam Định"),
    ],
)
def test_places_authority_corrected(text, value):
    assert parse_authority(text).value == value


@pytest.mark.parametrize(
    "text",
    [
        "Thôn 2, xã Tiên Điền, huyện Nghi Xuân, tỉnh Hà",  # the province's last word lost
        "Thôn 2, xã Không Có, huyện Nghi Xuân, tỉnh Hà Tĩnh",  # no such commune there
        "Số 12 ngõ 34, phố Huế",  # no province to look the units up in
    ],
)
def test_places_the_gazetteer_cannot_confirm_are_less_sure(text):
    parsed = parse_place(text)
    assert (parsed.value, parsed.strength) == (text, 0.95)
    assert parsed.reasons == (why.UNITS_UNKNOWN,)
    assert parse_place("Thôn 2, xã Tiên Điền, huyện Nghi Xuân, tỉnh Hà Tĩnh").strength == 1.0


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (
            "Tổ dân phố 12, thị trấn Núi Đối, huyện Kiến Thụy, thành phố Hải Phòng S5",
            "Tổ dân phố 12, thị trấn Núi Đối, huyện Kiến Thụy, thành phố Hải Phòng",
        ),
        (
            "Xã Phước Bình, huyện Bác Ái, tỉnh Ninh Thuận ¬-. °ị",
            "Xã Phước Bình, huyện Bác Ái, tỉnh Ninh Thuận",
        ),
    ],
)
def test_place_specks_after_the_province_are_dropped(text, value):
    parsed = parse_place(text)
    assert (parsed.value, parsed.strength) == (value, 0.9)


@pytest.mark.parametrize(
    "text", ["Thôn 2, xã An Lộc, tỉnh Quảng Nam Đà", "Thôn 2, xã An Lộc, tỉnh Quảng Nam 12345"]
)
def test_place_words_after_the_province_that_may_be_a_name_are_kept(text):
    assert parse_place(text).value == text  # a name's start, or a number: not specks


@pytest.mark.parametrize(
    "text",
    [
        "Số 65 đường Võ Nguyên Giáp, phường Hưng Phú, quận Cái Răng",  # "thành phố Cần Thơ" lost
        "Thôn 4, xã Đông Hải, huyện Quỳnh Phụ",
        "Tổ dân phố 3, phường Hai Bà Trưng",
    ],
)
def test_place_without_its_province_is_doubtful(text):
    parsed = parse_place(text)
    assert parsed.value == text and parsed.strength == 0.7
    assert why.NO_PROVINCE in parsed.reasons


@pytest.mark.parametrize(
    ("text", "value", "strength"),
    [
        (
            "Ti ., Xã Ia Ka, huyện Chư Păh, tỉnh Gia Lai",
            "Xã Ia Ka, huyện Chư Păh, tỉnh Gia Lai",
            0.9,
        ),
        (
            "ˆ .Xã Mai Đình, huyện Sóc Sơn, thành phố Hà Nội",
            "Xã Mai Đình, huyện Sóc Sơn, thành phố Hà Nội",
            0.9,
        ),
        # A house number, or a hamlet's name, before the unit is part of the address.
        *(
            (a, a, 1.0)
            for a in (
                "12, Thôn 5, xã Đa Tốn, huyện Gia Lâm, thành phố Hà Nội",
                "An, Xã Bình Minh, huyện Thanh Oai, thành phố Hà Nội",
            )
        ),
    ],
)
def test_place_junk_read_before_the_address_is_dropped(text, value, strength):
    parsed = parse_place(text)
    assert (parsed.value, parsed.strength) == (value, strength)
    assert (why.TEXT_BEFORE_VALUE in parsed.reasons) == (strength < 1.0)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Đột quy", "Đột quỵ"),
        ("Ủng thư gan", "Ung thư gan"),
        ("Nhối máu cơ tim", "Nhồi máu cơ tim"),
        ("ĐỘT QUY", "ĐỘT QUỴ"),
    ],
)
def test_person_cause_of_death_marks_put_right(text, value):
    parsed = parse_cause(text)
    assert (parsed.value, parsed.strength) == (value, 0.95)
    assert text in parsed.reasons[0]


@pytest.mark.parametrize("text", ["Đột quỵ", "Bệnh lạ không rõ", "Dot quy", "ung thư gan"])
def test_person_cause_of_death_otherwise_kept_as_printed(text):
    assert parse_cause(text) == (text, 1.0, (), 0, None)


def test_person_causes_of_death_do_not_collide_without_marks():
    keys = [" ".join(fold(c).split()) for c in CAUSES_OF_DEATH]
    assert len(set(keys)) == len(keys)
