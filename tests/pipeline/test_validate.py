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
            "id.century_sex_mismatch: Chữ số thế kỷ/giới tính của số CCCD (0: nam, 1900–1999) "
            "mâu thuẫn với giới tính Nữ",
            {"id_number", "sex"},
        ),
        (
            {"id_number": "001187012345"},
            "id.century_sex_mismatch: Chữ số thế kỷ/giới tính của số CCCD (1: nữ, 1900–1999) "
            "mâu thuẫn với giới tính Nam",
            {"id_number", "sex"},
        ),
        (
            {"id_number": "001287012345"},
            "id.century_birth_mismatch: Chữ số thế kỷ/giới tính của số CCCD (2: nam, "
            "2000–2099) mâu thuẫn với ngày sinh 15/03/1987",
            {"id_number", "date_of_birth"},
        ),
        (
            {"id_number": "001090012345"},
            "id.birth_year_mismatch: Hai chữ số năm sinh của số CCCD (90) mâu thuẫn với ngày "
            "sinh 15/03/1987",
            {"id_number", "date_of_birth"},
        ),
        (
            {"id_number": "003087012345"},
            "id.province_unknown: Mã tỉnh 003 của số CCCD không tồn tại",
            {"id_number"},
        ),
        (
            {"id_number": "00108701234"},
            "id.not_12_digits: Số CCCD 00108701234 không đủ 12 chữ số",
            {"id_number"},
        ),
        (
            {"date_of_birth": "1987-02-30", "id_number": "001087012345"},
            "date.not_a_date: Ngày sinh 30/02/1987 không có trên lịch",
            {"date_of_birth"},
        ),
        (
            {"issue_date": "2026-01-01"},
            "date.future: Ngày cấp 01/01/2026 ở tương lai",
            {"issue_date"},
        ),
        (
            {"date_of_birth": "1194-01-13", "id_number": "001094012345"},
            "date.too_early: Ngày sinh 13/01/1194 trước năm 1850",
            {"date_of_birth"},
        ),
        (
            {"issue_date": "1980-01-01"},
            "date.issue_date_before_date_of_birth: Ngày cấp 01/01/1980 phải không trước ngày "
            "sinh 15/03/1987",
            {"date_of_birth", "issue_date"},
        ),
        (
            {"expiry_date": "2020-01-01"},
            "date.expiry_date_before_issue_date: Ngày hết hạn 01/01/2020 phải sau ngày cấp "
            "01/07/2021",
            {"issue_date", "expiry_date"},
        ),
        (
            {"full_name": "Nguyễn V4n An"},
            "name.not_letters: Họ tên 'Nguyễn V4n An' có ký tự không phải chữ cái",
            {"full_name"},
        ),
        (
            {"phone": "12345"},
            "phone.invalid: 12345 không phải số điện thoại Việt Nam (10 chữ số)",
            {"phone"},
        ),
        (
            {"email": "an.mail.vn"},
            "email.invalid: 'an.mail.vn' không phải địa chỉ thư điện tử",
            {"email"},
        ),
        (
            {"sex": "unknown"},
            "sex.literal_error: Giá trị 'unknown' không hợp lệ cho giới tính",
            {"sex"},
        ),
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
    assert (
        "date.registration_date_before_date_of_birth: Ngày đăng ký 1959 phải không trước "
        "ngày sinh 1960" in fields["registration_date"].reasons
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


LOW = "confidence.below_threshold: Độ tin cậy {} dưới ngưỡng tự động chấp nhận {}"


@pytest.mark.parametrize(
    ("confidence", "threshold", "shown"),
    [
        (0.42, 0.995, ("0,42", "0,995")),
        (0.4299, 0.85, ("0,42", "0,85")),  # rounded down: never shown at the threshold
        (0.9949, 0.995, ("0,99", "0,995")),
        (0.0, 0.9, ("0,00", "0,90")),
    ],
)
def test_validate_explains_a_low_confidence_sent_to_review(confidence, threshold, shown):
    data = result(full_name="Lê Văn An")
    data.records[0].fields["full_name"].confidence = confidence
    field = (
        validate(data, ScoringOptions(accept_threshold=threshold)).records[0].fields["full_name"]
    )
    assert field.status == FieldStatus.needs_review
    assert field.reasons == [LOW.format(*shown)]


def test_validate_explains_a_missing_value_sent_to_review():
    data = result(full_name="Lê Văn An")
    data.records[0].fields["full_name"].value = None
    field = validate(data, SCORING, today=TODAY).records[0].fields["full_name"]
    assert field.reasons == ["value.unreadable: Không đọc được giá trị"]


def test_validate_review_reason_only_when_there_is_none():
    data = result(**{**GOOD, "sex": "female"})
    fields = data.records[0].fields
    fields["phone"].reasons.append("phone: có 9 chữ số, cần 10")
    fields["phone"].confidence = 0.5
    fields["email"].confidence = 0.5
    fields["email"].status = FieldStatus.verified
    fields["issue_date"].value = None
    fields["issue_date"].reasons.append("issue_date: không đọc được giá trị")
    once = validate(data, SCORING, today=TODAY)
    checked_fields = once.records[0].fields
    assert checked_fields["sex"].reasons == [
        "id.century_sex_mismatch: Chữ số thế kỷ/giới tính của số CCCD (0: nam, 1900–1999) "
        "mâu thuẫn với giới tính Nữ"
    ]  # the broken rule says why: no second reason
    assert checked_fields["phone"].reasons == ["phone: có 9 chữ số, cần 10"]
    assert checked_fields["issue_date"].reasons == ["issue_date: không đọc được giá trị"]
    assert checked_fields["email"].reasons == []  # verified by a person: not routed
    assert checked_fields["full_name"].reasons == []  # auto-accepted
    assert validate(once, SCORING, today=TODAY) == once


def test_validate_review_reason_is_added_once():
    data = result(full_name="Lê Văn An", sex="male")
    data.records[0].fields["full_name"].confidence = 0.42
    data.records[0].fields["sex"].value = None
    once = validate(data, SCORING, today=TODAY)
    twice = validate(once, SCORING, today=TODAY)
    assert twice == once
    assert twice.records[0].fields["full_name"].reasons == [LOW.format("0,42", "0,85")]
    assert twice.records[0].fields["sex"].reasons == ["value.unreadable: Không đọc được giá trị"]


def test_validate_every_field_sent_to_review_has_a_reason():
    data = result(**{**GOOD, "date_of_birth": "1987-02-30"})
    for field in data.records[0].fields.values():
        field.confidence = 0.6
    fields = validate(data, SCORING, today=TODAY).records[0].fields
    assert all(f.status == FieldStatus.needs_review for f in fields.values())
    assert all(f.reasons for f in fields.values())


def test_validate_default_today_is_real_date():
    fields = validate(result(issue_date="2999-01-01"), SCORING).records[0].fields
    assert "date.future: Ngày cấp 01/01/2999 ở tương lai" in fields["issue_date"].reasons


def test_validate_reasons_have_a_code_and_a_vietnamese_message():
    fields = checked(**{**GOOD, "sex": "female"})
    code, _, message = fields["sex"].reasons[0].partition(": ")
    assert code == "id.century_sex_mismatch"
    assert "giới tính" in message


def _records(doc_type: str, **roles: dict[str, str]) -> DocumentResult:
    records = [
        ExtractedRecord(
            role=role,
            fields={
                n: ExtractedField(name=n, value=v, raw=v, confidence=0.99) for n, v in f.items()
            },
        )
        for role, f in roles.items()
    ]
    return DocumentResult(doc_type=doc_type, doc_type_confidence=1.0, records=records)


@pytest.mark.parametrize(
    ("doc_type", "roles", "role", "field", "code"),
    [
        (
            "marriage_certificate",
            {"husband": {"sex": "female"}},
            "husband",
            "sex",
            "marriage.sex_role_mismatch",
        ),
        (
            "marriage_certificate",
            {"wife": {"date_of_birth": "2010-01-02", "registration_date": "2025-01-01"}},
            "wife",
            "date_of_birth",
            "marriage.under_age",
        ),
        (
            "death_certificate",
            {"subject": {"date_of_death": "2020-05-01", "registration_date": "2020-04-01"}},
            "subject",
            "registration_date",
            "date.registration_date_before_date_of_death",
        ),
        (
            "death_certificate",
            {"subject": {"date_of_birth": "1950-05-01", "date_of_death": "1949-04-01"}},
            "subject",
            "date_of_death",
            "date.date_of_death_before_date_of_birth",
        ),
        (
            "contract",
            {"party_b": {"date_of_birth": "2010-01-02", "registration_date": "2024-01-01"}},
            "party_b",
            "date_of_birth",
            "contract.minor_party",
        ),
        (
            "birth_certificate",
            {"subject": {"date_of_birth": "2000-01-02"}, "mother": {"date_of_birth": "1995"}},
            "mother",
            "date_of_birth",
            "family.parent_too_young",
        ),
    ],
)
def test_validate_document_type_rules(doc_type, roles, role, field, code):
    checked_result = validate(_records(doc_type, **roles), SCORING, today=TODAY)
    record = next(r for r in checked_result.records if r.role == role)
    assert any(r.startswith(f"{code}: ") for r in record.fields[field].reasons)
    assert record.fields[field].status == FieldStatus.needs_review


def test_validate_document_type_rules_pass_good_records():
    good = _records(
        "marriage_certificate",
        husband={"sex": "male", "date_of_birth": "1990-01-02", "registration_date": "2015-06-01"},
        wife={"sex": "female", "date_of_birth": "1994-01-02", "registration_date": "2015-06-01"},
    )
    checked_result = validate(good, SCORING, today=TODAY)
    assert not any(f.reasons for r in checked_result.records for f in r.fields.values())


def test_validate_has_a_record_model_per_document_type():
    from pipeline.classify import DOC_TYPES
    from pipeline.validate import RECORD_MODELS

    assert set(RECORD_MODELS) == set(DOC_TYPES)
