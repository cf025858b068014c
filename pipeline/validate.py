"""Validation, scoring and routing of extracted records.

Per field (a pydantic model of all known fields): 12-digit IDs with a known province code, real
calendar dates not in the future, names made of letters, ``male``/``female``, phone digits,
e-mail shape. Across fields of one record: the CCCD century/sex digit against sex and the
century of the date of birth, the ID's birth-year digits against the date of birth, and date order
(issue and registration not before birth, expiry after issue).

A violation never changes a value: it multiplies the confidence of every field involved by
:data:`PENALTY` and appends a reason (once: validating twice changes nothing). Then each field is
routed: ``auto_accepted`` at or above ``scoring.accept_threshold``, else ``needs_review``; fields a
person already verified or rejected keep their status.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, ValidationInfo

from extractors.ids import PROVINCE_CODES
from pipeline.models import DocumentResult, ExtractedField, FieldStatus
from pipeline.options import ScoringOptions

__all__ = ["PENALTY", "FieldValues", "validate"]

PENALTY = 0.5
"""Factor applied to a field's confidence for each rule it breaks."""

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_EMAIL = re.compile(r"^[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)+$")


def _date_parts(value: str) -> tuple[int, ...] | None:
    match = _PARTIAL_DATE.match(value)
    return tuple(int(g) for g in match.groups() if g is not None) if match else None


def _check_id(value: str) -> str:
    if not (len(value) == 12 and value.isascii() and value.isdigit()):
        raise ValueError(f"{value!r} is not 12 digits")
    if value[:3] not in PROVINCE_CODES:
        raise ValueError(f"unknown province code {value[:3]}")
    return value


def _check_old_id(value: str) -> str:
    if not (len(value) in (9, 12) and value.isascii() and value.isdigit()):
        raise ValueError(f"{value!r} is not 9 or 12 digits")
    return value


def _check_date(value: str, info: ValidationInfo) -> str:
    parts = _date_parts(value)
    if parts is None:
        raise ValueError(f"{value!r} is not an ISO date")
    year, month, day = (*parts, 1, 1)[:3]  # a partial date is real if its known part is
    try:
        date(year, month, day)
    except ValueError:
        raise ValueError(f"{value} is not a real calendar date") from None
    today: date = (info.context or {}).get("today", date.today())
    future = parts > (today.year, today.month, today.day)[: len(parts)]
    if future and info.field_name != "expiry_date":  # only expiry dates lie ahead
        raise ValueError(f"{value} is in the future")
    return value


def _check_name(value: str) -> str:
    if not all(part.isalpha() for word in value.split() for part in re.split(r"[-']", word)):
        raise ValueError(f"{value!r} is not made of letters")
    return value


def _check_phone(value: str) -> str:
    if not (
        value.isascii() and value.isdigit() and value.startswith("0") and len(value) in (10, 11)
    ):
        raise ValueError(f"{value!r} is not a Vietnamese phone number")
    return value


def _check_email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


IdNumber = Annotated[str, AfterValidator(_check_id)]
IsoDate = Annotated[str, AfterValidator(_check_date)]
Name = Annotated[str, AfterValidator(_check_name)]


class FieldValues(BaseModel):
    """Per-field rules on the normalised values of one record (unknown fields pass)."""

    model_config = ConfigDict(extra="ignore")

    id_number: IdNumber | None = None
    old_id_number: Annotated[str, AfterValidator(_check_old_id)] | None = None
    full_name: Name | None = None
    father_name: Name | None = None
    mother_name: Name | None = None
    spouse_name: Name | None = None
    date_of_birth: IsoDate | None = None
    issue_date: IsoDate | None = None
    expiry_date: IsoDate | None = None
    registration_date: IsoDate | None = None
    sex: Literal["male", "female"] | None = None
    phone: Annotated[str, AfterValidator(_check_phone)] | None = None
    email: Annotated[str, AfterValidator(_check_email)] | None = None


def _field_problems(values: dict[str, str], today: date) -> Iterator[tuple[str, list[str]]]:
    try:
        FieldValues.model_validate(values, context={"today": today})
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0])
            message = error["msg"].removeprefix("Value error, ")
            yield f"{name}: {message}", [name]


def _cross_problems(values: dict[str, str]) -> Iterator[tuple[str, list[str]]]:
    id_number, sex = values.get("id_number", ""), values.get("sex")
    birth = _date_parts(values.get("date_of_birth", ""))
    if len(id_number) == 12 and id_number.isascii() and id_number.isdigit():
        code = int(id_number[3])
        century = 1900 + 100 * (code // 2)
        id_sex = "female" if code % 2 else "male"
        said = f"id_number: century/sex digit {code} ({id_sex}, {century}s)"
        if sex in {"male", "female"} and sex != id_sex:
            yield f"{said} contradicts sex={sex}", ["id_number", "sex"]
        if birth is not None:
            dob = values["date_of_birth"]
            if birth[0] // 100 * 100 != century:
                yield f"{said} contradicts date_of_birth={dob}", ["id_number", "date_of_birth"]
            if id_number[4:6] != f"{birth[0] % 100:02d}":
                yield (
                    f"id_number: birth-year digits {id_number[4:6]} contradict date_of_birth={dob}",
                    ["id_number", "date_of_birth"],
                )
    for earlier, later, strict in (
        ("date_of_birth", "issue_date", False),
        ("date_of_birth", "registration_date", False),
        ("date_of_birth", "expiry_date", True),
        ("issue_date", "expiry_date", True),
    ):
        a, b = _date_parts(values.get(earlier, "")), _date_parts(values.get(later, ""))
        if a is None or b is None:
            continue
        n = min(len(a), len(b))  # partial dates compare on what both know
        if b[:n] < a[:n] or (strict and n == 3 and b == a):
            word = "after" if strict else "not before"
            yield (
                f"{later}: {values[later]} should be {word} {earlier} {values[earlier]}",
                [earlier, later],
            )


def _penalise(fields: list[ExtractedField], reason: str) -> None:
    for field in fields:
        if reason not in field.reasons:  # idempotent: validating twice penalises once
            field.confidence *= PENALTY
            field.reasons.append(reason)


def validate(
    result: DocumentResult, scoring: ScoringOptions, *, today: date | None = None
) -> DocumentResult:
    """Check every record of ``result``, lower confidences on violations and route each field.

    Returns a new ``DocumentResult``; ``result`` is not modified. ``today`` (default: the real
    date) bounds dates that cannot be in the future.
    """
    today = today or date.today()
    checked = result.model_copy(deep=True)
    for record in checked.records:
        fields = record.fields
        values = {name: f.value for name, f in fields.items() if f.value is not None}
        for reason, names in [*_field_problems(values, today), *_cross_problems(values)]:
            _penalise([fields[n] for n in names if n in fields], reason)
        for field in fields.values():
            if field.status in {FieldStatus.verified, FieldStatus.rejected}:
                continue
            accepted = field.value is not None and field.confidence >= scoring.accept_threshold
            field.status = FieldStatus.auto_accepted if accepted else FieldStatus.needs_review
    return checked
