"""Validation, scoring and routing of extracted records.

Every record is checked by the pydantic model of its document type (:data:`RECORD_MODELS`):

* per field: 12-digit IDs with a known province code, 9- or 12-digit CMND numbers, real calendar
  dates not in the future nor before 1850, names made of letters, ``male``/``female``, phone
  digits, e-mail shape;
* across fields of one record: the CCCD century/sex digit against sex and the century of the date
  of birth, the ID's birth-year digits against the date of birth, date order (issue,
  registration and death not before birth, expiry after issue, registration of a death not before
  it), and per document type (a husband is a man, the spouses are of marrying age, …);
* across records of one document: parents born before their child.

A violation never changes a value: it multiplies the confidence of every field involved by
:data:`PENALTY` and appends a reason (once: validating twice changes nothing). A reason is
``"<code>: <message>"``: a stable code for programs (``id.century_sex_mismatch``) and a message
in Vietnamese for the steward who reviews the field. Then each field is routed:
``auto_accepted`` at or above ``scoring.accept_threshold``, else ``needs_review``; fields a person
already verified or rejected keep their status. A field sent to review without any reason gets
one, so that the steward always reads why: ``value.unreadable`` when no value was read, else
``confidence.below_threshold`` with its confidence and the threshold.

>>> Problem("id.province_unknown", "Mã tỉnh 003 không tồn tại", ("id_number",)).reason
'id.province_unknown: Mã tỉnh 003 không tồn tại'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Annotated, ClassVar, Literal, NamedTuple

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

from extractors.ids import PROVINCE_CODES
from extractors.reasons import NO_VALUE, date_vi, decimal_vi
from pipeline.models import DocumentResult, ExtractedField, ExtractedRecord, FieldStatus
from pipeline.options import ScoringOptions

__all__ = [
    "PENALTY",
    "RECORD_MODELS",
    "FieldValues",
    "Problem",
    "record_problems",
    "validate",
]

PENALTY = 0.5
"""Factor applied to a field's confidence for each rule it breaks."""

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_EMAIL = re.compile(r"^[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)+$")
_SEX_VI = {"male": "Nam", "female": "Nữ"}
# Vietnamese names of the fields, as reasons show them to a steward.
FIELD_NAMES_VI = {
    "id_number": "số CCCD/định danh", "old_id_number": "số CMND", "full_name": "họ tên",
    "date_of_birth": "ngày sinh", "issue_date": "ngày cấp", "expiry_date": "ngày hết hạn",
    "registration_date": "ngày đăng ký", "date_of_death": "ngày chết", "sex": "giới tính",
    "father_name": "họ tên cha", "mother_name": "họ tên mẹ", "spouse_name": "họ tên vợ/chồng",
    "phone": "số điện thoại", "email": "thư điện tử",
}  # fmt: skip


class Problem(NamedTuple):
    """One broken rule: a stable code, a Vietnamese message and the fields involved."""

    code: str
    message: str
    fields: tuple[str, ...]

    @property
    def reason(self) -> str:
        return f"{self.code}: {self.message}"


def _vi(name: str) -> str:
    return FIELD_NAMES_VI.get(name, name)


def _date_parts(value: str) -> tuple[int, ...] | None:
    match = _PARTIAL_DATE.match(value)
    return tuple(int(g) for g in match.groups() if g is not None) if match else None


def _error(code: str, message: str) -> PydanticCustomError:
    # Braces in values would be read as template fields by pydantic.
    return PydanticCustomError(code, message.replace("{", "(").replace("}", ")"))


def _check_id(value: str) -> str:
    if not (len(value) == 12 and value.isascii() and value.isdigit()):
        raise _error("id.not_12_digits", f"Số CCCD {value} không đủ 12 chữ số")
    if value[:3] not in PROVINCE_CODES:
        raise _error("id.province_unknown", f"Mã tỉnh {value[:3]} của số CCCD không tồn tại")
    return value


def _check_old_id(value: str) -> str:
    if not (len(value) in (9, 12) and value.isascii() and value.isdigit()):
        raise _error("old_id.length", f"Số CMND {value} không phải 9 hoặc 12 chữ số")
    return value


_EARLIEST_YEAR = 1850  # no civil document handled, not even an old register, is older


def _check_date(value: str, info: ValidationInfo) -> str:
    name = _vi(info.field_name or "")
    parts = _date_parts(value)
    if parts is None:
        raise _error("date.format", f"Không đọc được {name} {value!r} thành một ngày")
    year, month, day = (*parts, 1, 1)[:3]  # a partial date is real if its known part is
    try:
        date(year, month, day)
    except ValueError:
        raise _error(
            "date.not_a_date", f"{name.capitalize()} {date_vi(value)} không có trên lịch"
        ) from None
    if year < _EARLIEST_YEAR:  # "1194" for "1994": a misread year, not an old document
        raise _error(
            "date.too_early", f"{name.capitalize()} {date_vi(value)} trước năm {_EARLIEST_YEAR}"
        )
    today: date = (info.context or {}).get("today", date.today())
    future = parts > (today.year, today.month, today.day)[: len(parts)]
    if future and info.field_name != "expiry_date":  # only expiry dates lie ahead
        raise _error("date.future", f"{name.capitalize()} {date_vi(value)} ở tương lai")
    return value


def _check_name(value: str) -> str:
    if not all(part.isalpha() for word in value.split() for part in re.split(r"[-']", word)):
        raise _error("name.not_letters", f"Họ tên {value!r} có ký tự không phải chữ cái")
    return value


def _check_phone(value: str) -> str:
    if not (
        value.isascii() and value.isdigit() and value.startswith("0") and len(value) in (10, 11)
    ):
        raise _error("phone.invalid", f"{value} không phải số điện thoại Việt Nam (10 chữ số)")
    return value


def _check_email(value: str) -> str:
    if not _EMAIL.match(value):
        raise _error("email.invalid", f"{value!r} không phải địa chỉ thư điện tử")
    return value


IdNumber = Annotated[str, AfterValidator(_check_id)]
IsoDate = Annotated[str, AfterValidator(_check_date)]
Name = Annotated[str, AfterValidator(_check_name)]


class FieldValues(BaseModel):
    """One record's normalised values, checked field by field; :meth:`cross_checks` across them.

    Subclasses, one per document type, add the rules of that type. Fields not declared pass.
    """

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
    date_of_death: IsoDate | None = None
    sex: Literal["male", "female"] | None = None
    phone: Annotated[str, AfterValidator(_check_phone)] | None = None
    email: Annotated[str, AfterValidator(_check_email)] | None = None

    # (earlier, later, strict): later must not come before (strict: must come after) earlier.
    DATE_ORDER: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("date_of_birth", "issue_date", False),
        ("date_of_birth", "registration_date", False),
        ("date_of_birth", "expiry_date", True),
        ("issue_date", "expiry_date", True),
        ("date_of_birth", "date_of_death", False),
    )

    def cross_checks(self, role: str) -> Iterator[Problem]:
        """Rules across this record's fields (``role`` is the record's role)."""
        yield from self._id_checks()
        yield from self._date_order()

    def _id_checks(self) -> Iterator[Problem]:
        id_number, sex, dob = self.id_number, self.sex, self.date_of_birth
        if id_number is None:
            return
        code = int(id_number[3])
        century = 1900 + 100 * (code // 2)
        id_sex = "female" if code % 2 else "male"
        said = (
            f"Chữ số thế kỷ/giới tính của số CCCD ({code}: {_SEX_VI[id_sex].lower()}, "
            f"{century}–{century + 99})"
        )
        if sex is not None and sex != id_sex:
            yield Problem(
                "id.century_sex_mismatch",
                f"{said} mâu thuẫn với giới tính {_SEX_VI[sex]}",
                ("id_number", "sex"),
            )
        birth = _date_parts(dob) if dob else None
        if birth is None or dob is None:
            return
        if birth[0] // 100 * 100 != century:
            yield Problem(
                "id.century_birth_mismatch",
                f"{said} mâu thuẫn với ngày sinh {date_vi(dob)}",
                ("id_number", "date_of_birth"),
            )
        if id_number[4:6] != f"{birth[0] % 100:02d}":
            yield Problem(
                "id.birth_year_mismatch",
                f"Hai chữ số năm sinh của số CCCD ({id_number[4:6]}) mâu thuẫn với ngày sinh "
                f"{date_vi(dob)}",
                ("id_number", "date_of_birth"),
            )

    def _date_order(self) -> Iterator[Problem]:
        for earlier, later, strict in self.DATE_ORDER:
            a_value, b_value = getattr(self, earlier, None), getattr(self, later, None)
            if not a_value or not b_value:
                continue
            a, b = _date_parts(a_value), _date_parts(b_value)
            if a is None or b is None:
                continue
            n = min(len(a), len(b))  # partial dates compare on what both know
            if b[:n] < a[:n] or (strict and n == 3 and b == a):
                word = "sau" if strict else "không trước"
                yield Problem(
                    f"date.{later}_before_{earlier}",
                    f"{_vi(later).capitalize()} {date_vi(b_value)} phải {word} "
                    f"{_vi(earlier)} {date_vi(a_value)}",
                    (earlier, later),
                )


class CccdFront(FieldValues):
    """Căn cước công dân, mặt trước."""


class CccdBack(FieldValues):
    """Căn cước công dân, mặt sau: ngày cấp, nơi cấp, MRZ."""


class Cmnd(FieldValues):
    """Chứng minh nhân dân (9 chữ số)."""


class BirthCertificate(FieldValues):
    """Giấy khai sinh: the child (subject) and the parents."""


class DeathCertificate(FieldValues):
    """Trích lục khai tử: death not after its registration."""

    DATE_ORDER = (
        *FieldValues.DATE_ORDER,
        ("date_of_death", "registration_date", False),
    )


class MarriageCertificate(FieldValues):
    """Giấy chứng nhận kết hôn: the husband is a man, the wife a woman, both of marrying age."""

    # Luật Hôn nhân và gia đình 2014, art. 8: men from 20, women from 18 (full years).
    MIN_AGE: ClassVar[dict[str, int]] = {"husband": 20, "wife": 18}

    def cross_checks(self, role: str) -> Iterator[Problem]:
        yield from super().cross_checks(role)
        expected = {"husband": "male", "wife": "female"}.get(role)
        if expected and self.sex and self.sex != expected:
            who = "chồng" if role == "husband" else "vợ"
            yield Problem(
                "marriage.sex_role_mismatch",
                f"Người {who} có giới tính {_SEX_VI[self.sex]}",
                ("sex",),
            )
        age = _years_between(self.date_of_birth, self.registration_date)
        if role in self.MIN_AGE and age is not None and age < self.MIN_AGE[role]:
            yield Problem(
                "marriage.under_age",
                f"Lúc đăng ký kết hôn mới {age} tuổi (tối thiểu {self.MIN_AGE[role]})",
                ("date_of_birth", "registration_date"),
            )


class Contract(FieldValues):
    """Hợp đồng: the parties, each of full age (18) when the contract is signed."""

    def cross_checks(self, role: str) -> Iterator[Problem]:
        yield from super().cross_checks(role)
        age = _years_between(self.date_of_birth, self.registration_date)
        if role.startswith("party") and age is not None and age < 18:
            yield Problem(
                "contract.minor_party",
                f"Bên ký hợp đồng mới {age} tuổi khi ký",
                ("date_of_birth",),
            )


class HouseholdBook(FieldValues):
    """Sổ hộ khẩu."""


class ApplicationForm(FieldValues):
    """Đơn, tờ khai: any label–value form."""


class CivilRegisterPage(FieldValues):
    """Trang sổ đăng ký hộ tịch: one record per entry."""


RECORD_MODELS: dict[str, type[FieldValues]] = {
    "cccd_front": CccdFront,
    "cccd_back": CccdBack,
    "cmnd": Cmnd,
    "birth_certificate": BirthCertificate,
    "marriage_certificate": MarriageCertificate,
    "death_certificate": DeathCertificate,
    "household_book": HouseholdBook,
    "application_form": ApplicationForm,
    "contract": Contract,
    "civil_register_page": CivilRegisterPage,
    "unknown": FieldValues,
}
"""The record model of each document type (unknown types get the generic rules)."""


def _years_between(earlier: str | None, later: str | None) -> int | None:
    a = _date_parts(earlier) if earlier else None
    b = _date_parts(later) if later else None
    if a is None or b is None or len(a) < 3 or len(b) < 3:
        return None
    return b[0] - a[0] - ((b[1], b[2]) < (a[1], a[2]))


def record_problems(doc_type: str, role: str, values: dict[str, str], today: date) -> list[Problem]:
    """Every rule the values of one record break, per field first, then across fields."""
    model = RECORD_MODELS.get(doc_type, FieldValues)
    problems: list[Problem] = []
    try:
        checked = model.model_validate(values, context={"today": today})
    except ValidationError as exc:
        bad = set()
        for error in exc.errors():
            name = str(error["loc"][0])
            bad.add(name)
            code = error["type"] if "." in error["type"] else f"{name}.{error['type']}"
            message = error["msg"]
            if "." not in error["type"]:  # pydantic's own check (e.g. sex not male/female)
                message = f"Giá trị {values.get(name)!r} không hợp lệ cho {_vi(name)}"
            problems.append(Problem(code, message, (name,)))
        # Cross-field rules still apply to the fields that passed on their own.
        checked = model.model_validate(
            {k: v for k, v in values.items() if k not in bad}, context={"today": today}
        )
    problems.extend(checked.cross_checks(role))
    return problems


def _family_problems(records: list[ExtractedRecord]) -> Iterator[tuple[ExtractedRecord, Problem]]:
    """A parent must be born before the child (the subject), by at least 12 years."""
    subject = next((r for r in records if r.role == "subject"), None)
    child_dob = subject.fields.get("date_of_birth") if subject else None
    child = _date_parts(child_dob.value or "") if child_dob else None
    if child is None:
        return
    for record in records:
        if record.role not in {"mother", "father"}:
            continue
        dob = record.fields.get("date_of_birth")
        parent = _date_parts(dob.value or "") if dob else None
        if parent is not None and child[0] - parent[0] < 12:
            who = "mẹ" if record.role == "mother" else "cha"
            yield (
                record,
                Problem(
                    "family.parent_too_young",
                    f"Năm sinh của {who} ({parent[0]}) không sớm hơn năm sinh của con "
                    f"({child[0]}) ít nhất 12 năm",
                    ("date_of_birth",),
                ),
            )


def _penalise(fields: list[ExtractedField], reason: str) -> None:
    for field in fields:
        if reason not in field.reasons:  # idempotent: validating twice penalises once
            field.confidence *= PENALTY
            field.reasons.append(reason)


def _review_reason(field: ExtractedField, threshold: float) -> str:
    """Why a field goes to review when no rule it broke says so."""
    if field.value is None:
        return Problem("value.unreadable", NO_VALUE[:1].upper() + NO_VALUE[1:], ()).reason
    message = (
        f"Độ tin cậy {decimal_vi(field.confidence)} dưới ngưỡng tự động chấp nhận "
        f"{decimal_vi(threshold, max_places=4)}"
    )
    return Problem("confidence.below_threshold", message, ()).reason


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
        for problem in record_problems(checked.doc_type, record.role, values, today):
            _penalise([fields[n] for n in problem.fields if n in fields], problem.reason)
    for record, problem in _family_problems(checked.records):
        _penalise([record.fields[n] for n in problem.fields if n in record.fields], problem.reason)
    for record in checked.records:
        for field in record.fields.values():
            if field.status in {FieldStatus.verified, FieldStatus.rejected}:
                continue
            accepted = field.value is not None and field.confidence >= scoring.accept_threshold
            field.status = FieldStatus.auto_accepted if accepted else FieldStatus.needs_review
            if not accepted and not field.reasons:  # a reason already given is kept alone
                field.reasons.append(_review_reason(field, scoring.accept_threshold))
    return checked
