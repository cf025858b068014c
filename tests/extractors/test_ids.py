"""ID numbers and register numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.ids import PROVINCE_CODES, parse_id, parse_number, parse_registry_number


def test_ids_province_codes_are_the_63_provinces():
    assert len(PROVINCE_CODES) == 63
    assert PROVINCE_CODES["001"] == "Hà Nội"
    assert PROVINCE_CODES["096"] == "Cà Mau"


@pytest.mark.parametrize(
    ("text", "expected", "strength"),
    [
        ("001087012345", "001087012345", 1.0),
        ("0 3 8 0 9 0 0 1 2 3 4 5", "038090012345", 1.0),
        ("001 087 012 345", "001087012345", 1.0),
        ("001.087.012.345", "001087012345", 1.0),
        ("001087012345 15", "001087012345", 1.0),
        ("O01087012345", "001087012345", 0.85),
        ("0Ol087Ol2345", "001087012345", 0.85),
        ("00108701Z3B5", "001087012385", 0.85),
        ("012345678", "012345678", 1.0),  # a 9-digit CMND
        ("00108701234", "00108701234", 0.3),  # 11 digits: kept as read, flagged
    ],
)
def test_ids_parse(text, expected, strength):
    parsed = parse_id(text)
    assert (parsed.value, parsed.strength) == (expected, strength)


def test_ids_repair_only_when_result_validates():
    # "999" is no province code: the letters are not turned into digits.
    assert parse_id("999O87012345", (12,)).strength == 0.3


@pytest.mark.parametrize("text", ["", "Nam", "BOSS LION", "12/03/1987"])
def test_ids_none(text):
    assert parse_id(text) is None


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("001087012345", "id_number", "001087012345"),
        ("123/2020", "registration_number", "123/2020"),
        ("45 / 2019 / KS", "registration_number", "45/2019/KS"),
        ("01", "registration_number", "01"),
        ("74164846180", "id_number", "074164846180"),  # an ID that lost its leading 0
        ("0416484618", "id_number", "0416484618"),  # … or another digit: kept as read
    ],
)
def test_ids_bare_number_label(text, field, value):
    name, parsed = parse_number(text)
    assert (name, parsed.value) == (field, value)


def test_ids_registry_number_without_digits_is_doubtful():
    assert parse_registry_number("abc").strength == 0.5


@given(st.text())
def test_ids_never_raise(text):
    parse_id(text)
    parse_number(text)
