"""Normalisation and folding."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.text import clean_value, fold, name_case, normalize, normalize_tone_marks


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Họ và tên", "ho va ten"),
        ("ĐỊA CHỈ", "dia chi"),
        ("Ngày, tháng, năm sinh", "ngay, thang, nam sinh"),
        ("Nguyễn", "nguyen"),
    ],
)
def test_text_fold(text, expected):
    assert fold(text) == expected


@pytest.mark.parametrize(
    ("text", "old", "new"),
    [
        ("hoà", "hòa", "hoà"),
        ("Khánh Hoà", "Khánh Hòa", "Khánh Hoà"),
        ("thuỷ", "thủy", "thuỷ"),
        ("khoẻ", "khỏe", "khoẻ"),
        ("UỶ BAN", "ỦY BAN", "UỶ BAN"),
        ("hoàng", "hoàng", "hoàng"),  # closed syllable: both styles agree
        ("quý", "quý", "quý"),  # "qu" onset: the tone is on y in both styles
        ("khuyến", "khuyến", "khuyến"),
    ],
)
def test_text_tone_mark_styles(text, old, new):
    assert normalize_tone_marks(text) == old
    assert normalize_tone_marks(text, "new") == new
    assert normalize_tone_marks(new) == old


def test_text_normalize_makes_nfc():
    decomposed = unicodedata.normalize("NFD", "Nguyễn  Thị Hoà ")
    assert normalize(decomposed) == "Nguyễn Thị Hòa"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NGUYỄN THỊ HỒNG NHUNG", "Nguyễn Thị Hồng Nhung"),
        ("nguyễn văn an", "Nguyễn Văn An"),
        ("ĐẶNG THỊ THUỶ", "Đặng Thị Thủy"),
    ],
)
def test_text_name_case(text, expected):
    assert name_case(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("....... NGUYỄN VĂN AN ......", "NGUYỄN VĂN AN"), (": … Kinh |", "Kinh"), ("  ", "")],
)
def test_text_clean_value(text, expected):
    assert clean_value(text) == expected


@given(st.text())
def test_text_normalisers_never_raise_and_fold_keeps_length(text):
    assert len(fold(text)) == len(unicodedata.normalize("NFC", text))
    normalize(text)
    name_case(text)
    clean_value(text)
    normalize_tone_marks(text, "new")
