"""Dates: numeric, ngày-tháng-năm, in words, partial."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.dates import parse_date, words_to_int
from pipeline.samples.words import date_in_words, number_in_words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/03/1987", "1987-03-15"),
        ("15-03-1987", "1987-03-15"),
        ("15.03.1987", "1987-03-15"),
        ("5/3/1987", "1987-03-05"),
        ("15 / 03 / 1987", "1987-03-15"),
        ("…15/03/1987……", "1987-03-15"),
        ("...15.../...03.../..1987..", "1987-03-15"),  # a dotted date's slots filled in
        ("15 tháng 3 năm 1987", "1987-03-15"),  # after "Sinh ngày": the label took "ngày"
        ("15.. tháng ..03.. năm ..1987", "1987-03-15"),
        ("15 _/ 03 /._ 1987", "1987-03-15"),  # what cleaning leaves of the slots' dots
        (". 15../. 03 /. 1987", "1987-03-15"),
        ("ngày 20 tháng 3 năm 1987", "1987-03-20"),
        ("Ngày 20, tháng 03, năm 1987", "1987-03-20"),
        ("ngay 20 thang 3 nam 1987", "1987-03-20"),
        ("Ngày mười lăm, tháng ba, năm một nghìn chín trăm tám mươi bảy", "1987-03-15"),
        ("Ngày hai mươi mốt, tháng tư, năm hai nghìn không trăm linh năm", "2005-04-21"),
        ("Ngày mồng một, tháng giêng, năm hai nghìn", "2000-01-01"),
        ("ngay muoi lam thang ba nam mot nghin chin tram tam muoi bay", "1987-03-15"),
        ("Ngày năm, tháng năm, năm hai nghìn không trăm hai mươi lăm", "2025-05-05"),
    ],
)
def test_dates_full(text, expected):
    parsed = parse_date(text)
    assert parsed is not None
    assert parsed.value == expected
    assert parsed.strength == 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/O3/1987", "1987-03-15"),
        ("l5/03/1987", "1987-03-15"),
        ("ngày 2O tháng 3 năm 1987", "1987-03-20"),
        ("21/08I1989", "1989-08-21"),  # a slash read as I, l or |
        ("21I08I2029", "2029-08-21"),
        ("26l03l2021", "2021-03-26"),
        ("21|08|1989", "1989-08-21"),
        ("21⁄08⁄1989", "1989-08-21"),
        ("21!08/1989", "1989-08-21"),
    ],
)
def test_dates_repaired_digits(text, expected):
    parsed = parse_date(text)
    assert parsed.value == expected
    assert "đã sửa ký tự OCR đọc nhầm trong các chữ số" in parsed.reasons


@pytest.mark.parametrize(
    ("text", "expected", "reason"),
    [
        ("1960", "1960", "ngày không đầy đủ: chỉ có năm"),
        ("Năm 1960", "1960", "ngày không đầy đủ: chỉ có năm"),
        ("03/1987", "1987-03", "ngày không đầy đủ: chỉ có tháng và năm"),
        ("tháng 3 năm 1987", "1987-03", "ngày không đầy đủ: chỉ có tháng và năm"),
        ("năm một nghìn chín trăm sáu mươi", "1960", "ngày không đầy đủ: chỉ có năm, ghi bằng chữ"),
    ],
)
def test_dates_partial(text, expected, reason):
    parsed = parse_date(text)
    assert (parsed.value, parsed.strength) == (expected, 1.0)
    assert reason in parsed.reasons


def test_dates_partial_from_garbled_full_date_is_doubtful():
    parsed = parse_date("10I112I1954")
    assert parsed.value == "1954"
    assert parsed.strength == 0.5


@pytest.mark.parametrize("text", ["", "Nam", "Không thời hạn", "abc 12"])
def test_dates_none(text):
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("muoi lam", 15),
        ("hai muoi mot", 21),
        ("hai muoi tu", 24),
        ("mot nghin chin tram tam muoi bay", 1987),
        ("hai nghin khong tram linh nam", 2005),
        ("hai nghin", 2000),
        ("muoi", 10),
    ],
)
def test_dates_words_to_int(words, expected):
    assert words_to_int(words.split())[0] == expected


@given(st.integers(min_value=0, max_value=999_999))
def test_dates_number_words_round_trip(n):
    words = number_in_words(n).split()
    from extractors.text import fold

    assert words_to_int([fold(w) for w in words]) == (n, len(words))


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(2999, 12, 31)))
def test_dates_in_words_round_trip(day):
    parsed = parse_date(date_in_words(day))
    assert parsed is not None
    assert parsed.value == day.isoformat()


@given(st.text())
def test_dates_never_raise(text):
    parse_date(text)
