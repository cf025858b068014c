"""Fuzzing the stages after OCR with OCR-like text: nothing raises out of them.

``tests/extractors`` already fuzzes each parser with arbitrary text and ``extract`` with label
soup; these add what they do not cover: noisy OCR lines (labels, digits, confusable letters,
broken diacritics) with random word confidences through the whole of :func:`interpret` (classify
→ extract → validate) for every document type, ``validate`` over arbitrary field values, and the
normalisers a steward's typing goes through.
"""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors.labels import LABELS
from pipeline.citizens import name_similarity, normalise_id_number
from pipeline.classify import DOC_TYPES
from pipeline.digitise import interpret
from pipeline.models import DocumentResult, ExtractedField, ExtractedRecord, FieldStatus
from pipeline.options import Options, ScoringOptions
from pipeline.storage.review import InvalidValueError, normalise_value
from pipeline.validate import validate
from pipeline.web.logs import mask_ids
from tests.conftest import document_from_text

FIELD_NAMES = [
    "id_number", "old_id_number", "full_name", "father_name", "mother_name", "spouse_name",
    "date_of_birth", "issue_date", "expiry_date", "registration_date", "date_of_death", "sex",
    "phone", "email", "nationality", "ethnicity", "place_of_birth", "registration_number",
]  # fmt: skip

# What OCR of a Vietnamese form looks like when it goes wrong: labels, dates, IDs with O/0 and
# l/1 confusions, stray punctuation, decomposed tone marks, half-words.
_TOKEN = st.one_of(
    st.sampled_from([lab.text for lab in LABELS]),
    st.sampled_from(["CỘNG HÒA", "Số:", "Nam", "Nữ", "Kinh", "Việt Nam", "ngày", "tháng", "năm"]),
    st.text(alphabet="0123456789OoIlSB/.-: ", min_size=1, max_size=14),
    st.text(alphabet="aăâeêioôơuưyđAĂÂĐNGHTMVĩàáạảãềếệểễọỏõ\u0300\u0301\u0303\u0323", max_size=8),
    st.sampled_from(["|", "_", "...", "—", "\u00a0", "\ufffd", "¬", "“", "”"]),
)
OCR_TEXT = st.lists(st.lists(_TOKEN, max_size=10).map(" ".join), max_size=25).map("\n".join)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=OCR_TEXT,
    confidence=st.floats(0.0, 1.0),
    doc_type=st.sampled_from(["auto", *DOC_TYPES]),
    form_feed=st.booleans(),
    form=st.sampled_from(["NFC", "NFD"]),
)
def test_fuzz_interpret_never_raises_on_ocr_like_text(
    text: str, confidence: float, doc_type: str, form_feed: bool, form: str
) -> None:
    text = unicodedata.normalize(form, text)
    if form_feed:
        text = text.replace("\n\n", "\f", 1)
    result = interpret(
        document_from_text(text, confidence=confidence),
        Options(db_url="sqlite://", doc_type=doc_type),
    )
    assert result.doc_type in DOC_TYPES
    for record in result.records:
        for f in record.fields.values():
            assert 0.0 <= f.confidence <= 1.0
            # Nothing read at low confidence is auto-accepted.
            if confidence < 0.5:
                assert f.status != FieldStatus.auto_accepted, f


_FIELD = st.builds(
    lambda name, value, conf: ExtractedField(
        name=name, value=value, raw=value or "", confidence=conf, status=FieldStatus.needs_review
    ),
    st.sampled_from(FIELD_NAMES),
    st.none() | st.text(max_size=30) | st.from_regex(r"\A[0-9]{12}\Z") | st.dates().map(str),
    st.floats(0.0, 1.0),
)


@settings(max_examples=200, deadline=None)
@given(
    records=st.lists(
        st.builds(
            lambda role, fields: ExtractedRecord(role=role, fields={f.name: f for f in fields}),
            st.sampled_from(["subject", "husband", "wife", "party_a", "row"]),
            st.lists(_FIELD, max_size=8),
        ),
        max_size=3,
    ),
    doc_type=st.sampled_from(DOC_TYPES),
    threshold=st.floats(0.0, 1.0),
)
def test_fuzz_validate_never_raises_and_keeps_confidences_in_range(
    records: list[ExtractedRecord], doc_type: str, threshold: float
) -> None:
    result = DocumentResult(doc_type=doc_type, doc_type_confidence=0.5, records=records)
    checked = validate(result, ScoringOptions(accept_threshold=threshold))
    for record in checked.records:
        for f in record.fields.values():
            assert 0.0 <= f.confidence <= 1.0
            if f.status == FieldStatus.auto_accepted:
                assert f.confidence >= threshold and f.value is not None


@given(name=st.sampled_from(FIELD_NAMES), typed=st.text(max_size=40))
def test_fuzz_steward_input_is_normalised_or_refused_clearly(name: str, typed: str) -> None:
    try:
        value = normalise_value(name, typed)
    except InvalidValueError as exc:
        assert str(exc)  # a Vietnamese message for the steward
    else:
        assert value == unicodedata.normalize("NFC", value) and value.strip() == value


@given(st.text(max_size=60), st.text(max_size=60))
def test_fuzz_citizen_matching_never_raises(a: str, b: str) -> None:
    assert 0.0 <= name_similarity(a, b) <= 100.0
    number = normalise_id_number(a)
    assert number is None or (number.isdigit() and len(number) in (9, 12))


@given(st.text(max_size=80), st.from_regex(r"\A[0-9]{12}\Z"))
def test_fuzz_mask_ids_hides_any_id_in_any_text(text: str, id_number: str) -> None:
    masked = mask_ids(f"{text} {id_number} {text}")
    assert id_number not in masked
