"""Property-based tests of the normalisers: round trips, definitions, and no crash on any text."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors import dates, ids, names, person, phone, places
from extractors.ids import PROVINCE_CODES
from extractors.text import fold, nfc, normalize
from pipeline.samples.words import date_in_words
from pipeline.validate import record_problems
from tests.conftest import document_from_text

TODAY = date(2025, 6, 1)
DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))


@given(DATES)
def test_properties_date_in_words_round_trips(day: date):
    parsed = dates.parse_date(date_in_words(day))
    assert parsed is not None and parsed.value == day.isoformat()


@given(DATES, st.sampled_from(["{d:02d}/{m:02d}/{y}", "ngày {d} tháng {m} năm {y}", "{d}-{m}-{y}"]))
def test_properties_numeric_dates_round_trip(day: date, pattern: str):
    text = pattern.format(d=day.day, m=day.month, y=day.year)
    assert dates.parse_date(text).value == day.isoformat()


@st.composite
def cccd(draw):
    """A CCCD number built from its definition, with the sex and date of birth it encodes."""
    code = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 5, 31)))
    sex = draw(st.sampled_from(["male", "female"]))
    digit = 2 * ((born.year - 1900) // 100) + (sex == "female")
    rest = draw(st.text("0123456789", min_size=6, max_size=6))
    return f"{code}{digit}{born.year % 100:02d}{rest}", sex, born.isoformat()


@given(cccd())
def test_properties_id_built_by_definition_passes_validation(case):
    number, sex, born = case
    values = {"id_number": number, "sex": sex, "date_of_birth": born}
    assert record_problems("cccd_front", "subject", values, TODAY) == []


@given(cccd())
def test_properties_id_with_other_sex_is_flagged(case):
    number, sex, born = case
    other = "female" if sex == "male" else "male"
    values = {"id_number": number, "sex": other, "date_of_birth": born}
    codes = {p.code for p in record_problems("cccd_front", "subject", values, TODAY)}
    assert codes == {"id.century_sex_mismatch"}


@given(cccd(), st.sampled_from([" ", "", "."]))
def test_properties_id_reads_through_separators(case, separator):
    number = case[0]
    parsed = ids.parse_id(separator.join(number))
    assert parsed is not None and parsed.value == number and parsed.strength == 1.0


_LOOK_ALIKES = {"0": "O", "1": "l", "8": "B", "5": "S", "2": "Z"}


@given(cccd(), st.data())
def test_properties_id_repair_only_returns_valid_ids(case, data):
    number = case[0]
    positions = [i for i, c in enumerate(number) if c in _LOOK_ALIKES]
    if not positions:
        return
    chosen = data.draw(st.lists(st.sampled_from(positions), min_size=1, unique=True))
    garbled = "".join(_LOOK_ALIKES[c] if i in chosen else c for i, c in enumerate(number))
    parsed = ids.parse_id(garbled)
    if sum(c.isdigit() for c in garbled) < 6:
        return  # hardly a digit left: letters, not a number (see ids._MIN_REAL_DIGITS)
    assert parsed is not None
    if parsed.strength == 0.85:
        assert parsed.value == number  # repaired, and only into the valid ID
    assert parsed.value is None or parsed.value.isdigit()


PARSERS = [
    dates.parse_date,
    ids.parse_id,
    ids.parse_registry_number,
    names.parse_name,
    person.parse_sex,
    person.parse_ethnicity,
    person.parse_nationality,
    person.parse_text,
    places.parse_place,
    phone.parse_phone,
    phone.parse_email,
]


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
@given(text=st.text())
@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150, deadline=None
)
def test_properties_parsers_never_raise(parser, text):
    parsed = parser(text)
    if parsed is not None:
        assert 0.0 <= parsed.strength <= 1.0


@given(st.text())
def test_properties_fold_keeps_offsets_and_normalize_is_idempotent(text):
    assert len(fold(text)) == len(nfc(text))
    assert normalize(normalize(text)) == normalize(text)
    names.split_name(text)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=120))
@settings(max_examples=40, deadline=None)
def test_properties_extract_never_raises(text):
    from extractors import extract

    for doc_type in ("unknown", "contract", "cccd_back"):
        extract(document_from_text(text), doc_type)


def _misread(word: str, data: st.DataObject) -> str:
    """``word`` with the marks OCR might give it: none, or another vowel's, letter by letter."""
    swaps = {
        "ậ": "ảầâa", "ệ": "ẹêeé", "ỉ": "íìĩi", "ã": "áàaả", "ư": "uừứ", "ờ": "ơoớ", "ố": "ồôoò",
    }  # fmt: skip
    return "".join(data.draw(st.sampled_from([c, *swaps.get(c, "")])) for c in word)


@given(st.data())
@settings(max_examples=120, deadline=None)
def test_properties_unit_words_before_known_units_get_their_marks_back(data):
    from extractors.gazetteer import get_gazetteer

    gaz = get_gazetteer()
    province = data.draw(st.sampled_from(sorted(k for k in gaz.districts if gaz.districts[k])))
    district = gaz.districts[province][data.draw(st.sampled_from(sorted(gaz.districts[province])))]
    unit = data.draw(st.sampled_from(["huyện", "quận", "thị xã"]))
    written_unit = data.draw(st.sampled_from([str.lower, str.upper, str.capitalize]))(unit)
    written = f"Thôn 2, {_misread(written_unit, data)} {district}, tỉnh {gaz.provinces[province]}"
    fixed = places.parse_place(written)
    # Only marks change (the gazetteer may also put right a name OCR misread, not here), and
    # the unit word is spelled as it should be, in the case it was written in.
    assert fold(fixed.value) == fold(normalize(written))
    assert fixed.value.split(", ")[1] == f"{written_unit} {district}"


# Name words that are Kinh syllables ("Ksor", "H" are not: they are never cut out of a word).
SYLLABLES = sorted(w for w in names.NAME_WORDS if names._SYLLABLE.fullmatch(w))


@given(st.lists(st.sampled_from(SYLLABLES), min_size=2, max_size=4))
def test_properties_name_words_run_together_are_cut_into_name_words(words):
    # Known name words (folded) run together are cut into syllables that join to the same
    # text, and every one of them a known name word.
    glued = "".join(words)
    parts = names.split_syllables(glued)
    assert parts is not None and "".join(parts) == glued
    assert all(p in names.NAME_WORDS for p in parts)


@given(st.text(max_size=30))
def test_properties_syllable_split_never_raises_and_keeps_the_text(text):
    parts = names.split_syllables(text)
    assert parts is None or "".join(parts) == text
