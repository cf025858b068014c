"""What counts as "the same text" when scoring: NFC, one tone placement, collapsed whitespace."""

from __future__ import annotations

import unicodedata

import pytest

from pipeline.evaluate.normalise import (
    normalise_text,
    normalise_tone_placement,
    strip_diacritics,
    strip_leaders,
    words,
)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("hoà", "hòa"),
        ("Hoà", "Hòa"),
        ("HOÀ", "HÒA"),
        ("thuý", "thúy"),
        ("Thuỵ", "Thụy"),
        ("khoẻ", "khỏe"),
        ("hoè", "hòe"),
        ("hoạ sĩ", "họa sĩ"),
        ("Nguyễn Thị Thuý Hoà", "Nguyễn Thị Thúy Hòa"),
        ("qùy", "quỳ"),  # a tone misplaced onto the u of "qu" is moved back
        ("gịa", "giạ"),
    ],
)
def test_normalise_tone_placement_maps_both_styles_to_one(one: str, other: str) -> None:
    assert normalise_tone_placement(one) == normalise_tone_placement(other)


@pytest.mark.parametrize(
    "word",
    [
        "quỳ", "quý", "quỳnh", "Quốc", "già", "giữa", "giếng", "gì", "người", "rượu", "cứu",
        "ngoài", "khuỷu", "ngoẹo", "hoàng", "toán", "huỳnh", "chuyện", "tiếng", "mía", "mùa",
        "tài", "hỏi", "máy", "Nguyễn", "Đặng", "Việt", "Hòa", "thúy", "khỏe",
    ],
)  # fmt: skip
def test_normalise_tone_placement_keeps_canonical_words(word: str) -> None:
    assert normalise_tone_placement(word) == word


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Hòa", "Hóa"),  # a different tone is a different name
        ("Hòa", "Hoa"),  # a missing tone too
        ("Thủy", "Thùy"),
        ("An", "Ân"),
        ("Đức", "Dức"),
    ],
)
def test_normalise_tone_placement_keeps_different_tones_apart(a: str, b: str) -> None:
    assert normalise_tone_placement(a) != normalise_tone_placement(b)


@pytest.mark.parametrize(
    "text",
    ["Maria", "Müller", "François", "001090012345", "tên:", "a.b@c.vn", "", "  "],
)
def test_normalise_tone_placement_leaves_non_vietnamese_alone(text: str) -> None:
    assert normalise_tone_placement(text) == unicodedata.normalize("NFC", text)


def test_normalise_tone_placement_accepts_decomposed_input() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hoà")
    assert normalise_tone_placement(decomposed) == "Nguyễn Thị Hòa"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Họ và  tên:\n NGUYỄN\tVĂN AN ", "Họ và tên: NGUYỄN VĂN AN"),
        ("Hoà\fBình", "Hòa Bình"),
        (unicodedata.normalize("NFD", "Việt Nam"), "Việt Nam"),
    ],
)
def test_normalise_text_collapses_whitespace_and_composes(text: str, expected: str) -> None:
    assert normalise_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Đặng Thị Hường", "Dang Thi Huong"), ("Ngày sinh: 02/09/1990", "Ngay sinh: 02/09/1990")],
)
def test_normalise_strip_diacritics(text: str, expected: str) -> None:
    assert strip_diacritics(text) == expected


def test_normalise_words_ignore_punctuation() -> None:
    assert words("Họ và tên: NGUYỄN, 02/09/1990") == [
        "Họ",
        "và",
        "tên",
        "NGUYỄN",
        "02",
        "09",
        "1990",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dân tộc: ...... Kinh ....", "Dân tộc: Kinh"),
        ("Họ và tên: . . . . An", "Họ và tên: An"),
        ("Ghi chú: ____ …… x", "Ghi chú: x"),
        ("Số 1.5, a..b, Tự do - Hạnh phúc", "Số 1.5, a..b, Tự do - Hạnh phúc"),  # not leaders
    ],
)
def test_normalise_strip_leaders(text: str, expected: str) -> None:
    assert normalise_text(strip_leaders(text)) == expected
