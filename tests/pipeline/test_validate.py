"""Validation: per-field and cross-field checks, penalties, routing."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.models import DocumentResult, ExtractedField, ExtractedRecord, FieldStatus
from pipeline.options import ScoringOptions
from pipeline.validate import PENALTY, validate

TODAY = date(2025, 6, 1)
SCORING = ScoringOptions(accept_threshold=0.85)


def result(role: str = "subject", doc_type: str = "cccd_front", **values: str) -> DocumentResult:
    fields = {
        name: ExtractedField(name=name, value=value, raw=value, confidence=0.95)
        for name, value in values.items()
    }
    record = ExtractedRecord(role=role, fields=fields)
    return DocumentResult(doc_type=doc_type, doc_type_confidence=1.0, records=[record])


def checked(**values: str) -> dict[str, ExtractedField]:
    return validate(result(**values), SCORING, today=TODAY).records[0].fields


GOOD = {
    "id_number": "001087012345",
    "full_name": "Nguyễn Văn An",
    "date_of_birth": "1987-03-15",
    "sex": "male",
    "issue_date": "2021-07-01",
    "expiry_date": "2047-03-15",
    "phone": "0912345678",
    "email": "an@mail.vn",
}


def test_validate_consistent_record_is_accepted():
    fields = checked(**GOOD)
    assert all(f.status == FieldStatus.auto_accepted for f in fields.values())
    assert all(f.confidence == 0.95 and not f.reasons for f in fields.values())


@pytest.mark.parametrize(
    ("changes", "reason", "involved"),
    [
        (
            {"sex": "female"},
            "id_number: century/sex digit 0 (male, 1900s) contradicts sex=female",
            {"id_number", "sex"},
        ),
        (
            {"id_number": "001187012345"},
            "id_number: century/sex digit 1 (female, 1900s) contradicts sex=male",
            {"id_number", "sex"},
        ),
        (
            {"id_number": "001287012345"},
            "id_number: century/sex digit 2 (male, 2000s) contradicts date_of_birth=1987-03-15",
            {"id_number", "date_of_birth"},
        ),
        (
            {"id_number": "001090012345"},
            "id_number: birth-year digits 90 contradict date_of_birth=1987-03-15",
            {"id_number", "date_of_birth"},
        ),
        (
            {"id_number": "003087012345"},
            "id_number: unknown province code 003",
            {"id_number"},
        ),
        ({"id_number": "00108701234"}, "id_number: '00108701234' is not 12 digits", {"id_number"}),
        (
            {"date_of_birth": "1987-02-30", "id_number": "001087012345"},
            "date_of_birth: 1987-02-30 is not a real calendar date",
            {"date_of_birth"},
        ),
        ({"issue_date": "2026-01-01"}, "issue_date: 2026-01-01 is in the future", {"issue_date"}),
        (
            {"issue_date": "1980-01-01"},
            "issue_date: 1980-01-01 should be not before date_of_birth 1987-03-15",
            {"date_of_birth", "issue_date"},
        ),
        (
            {"expiry_date": "2020-01-01"},
            "expiry_date: 2020-01-01 should be after issue_date 2021-07-01",
            {"issue_date", "expiry_date"},
        ),
        (
            {"full_name": "Nguyễn V4n An"},
            "full_name: 'Nguyễn V4n An' is not made of letters",
            {"full_name"},
        ),
        ({"phone": "12345"}, "phone: '12345' is not a Vietnamese phone number", {"phone"}),
        ({"email": "an.mail.vn"}, "email: 'an.mail.vn' is not an e-mail address", {"email"}),
    ],
)
def test_validate_violation_lowers_confidence_and_records_reason(changes, reason, involved):
    fields = checked(**{**GOOD, **changes})
    for name, field in fields.items():
        if name in involved:
            assert reason in field.reasons
            assert field.confidence == pytest.approx(0.95 * PENALTY)
            assert field.status == FieldStatus.needs_review
        else:
            assert reason not in field.reasons


def test_validate_never_changes_values():
    fields = checked(**{**GOOD, "sex": "female"})
    assert {name: f.value for name, f in fields.items()} == {**GOOD, "sex": "female"}


def test_validate_partial_dates():
    fields = checked(date_of_birth="1960", registration_date="1959")
    assert "registration_date: 1959 should be not before date_of_birth 1960" in (
        fields["registration_date"].reasons
    )
    assert not checked(date_of_birth="1960", issue_date="1960-05-02")["issue_date"].reasons


def test_validate_2000s_ids():
    fields = checked(id_number="001305012345", sex="female", date_of_birth="2005-01-02")
    assert not any(f.reasons for f in fields.values())


def test_validate_is_idempotent():
    once = validate(result(**{**GOOD, "sex": "female"}), SCORING, today=TODAY)
    assert validate(once, SCORING, today=TODAY) == once


def test_validate_does_not_modify_its_input():
    original = result(**{**GOOD, "sex": "female"})
    copy = original.model_copy(deep=True)
    validate(original, SCORING, today=TODAY)
    assert original == copy


@pytest.mark.parametrize(("threshold", "status"), [(0.95, "auto_accepted"), (0.96, "needs_review")])
def test_validate_threshold_routes(threshold, status):
    fields = (
        validate(result(full_name="Lê Văn A"), ScoringOptions(accept_threshold=threshold))
        .records[0]
        .fields
    )
    assert fields["full_name"].status == status


def test_validate_keeps_human_decisions_and_routes_missing_values():
    data = result(full_name="Lê Văn A", sex="male")
    data.records[0].fields["full_name"].status = FieldStatus.verified
    data.records[0].fields["sex"].value = None
    fields = validate(data, SCORING, today=TODAY).records[0].fields
    assert fields["full_name"].status == FieldStatus.verified
    assert fields["sex"].status == FieldStatus.needs_review


def test_validate_default_today_is_real_date():
    fields = validate(result(issue_date="2999-01-01"), SCORING).records[0].fields
    assert "issue_date: 2999-01-01 is in the future" in fields["issue_date"].reasons
