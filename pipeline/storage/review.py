"""Reading dossiers and reviewing fields: the queries behind the web app's review and dossier pages.

Functions take the engine of a :class:`~pipeline.storage.Store` (``store.engine``); each is one
transaction. :func:`apply_review` is the only writer: it changes one field, appends one row to the
audit log, bumps the record's ``version_id`` only if it still has the version the reviewer saw
(optimistic locking) and relinks the record to its citizen — all in one transaction.

    >>> queue = review_queue(store.engine, limit=20)                       # doctest: +SKIP
    >>> apply_review(store.engine, queue[0]["field_id"], "accept", "lan",  # doctest: +SKIP
    ...              expected_version=queue[0]["version"])
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlalchemy.orm import Session

from pipeline.exceptions import StorageError
from pipeline.storage.schema import (
    DocumentRow,
    FieldRow,
    FileRow,
    PageRow,
    RecordRow,
    ReviewRow,
)

__all__ = [
    "ACTIONS",
    "InvalidValueError",
    "StaleRecordError",
    "apply_review",
    "document_view",
    "field_view",
    "normalise_value",
    "page_image_for_field",
    "queue_size",
    "recent_documents",
    "record_audit",
    "review_queue",
]

ACTIONS = ("accept", "correct", "reject")
_NEW_STATUS = {"accept": "verified", "correct": "verified", "reject": "rejected"}


class StaleRecordError(StorageError):
    """The record changed since the reviewer loaded it: reload and decide again."""


class InvalidValueError(StorageError):
    """A corrected value that does not fit its field (message in Vietnamese, for the reviewer)."""


def _session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)


def normalise_value(name: str, value: str) -> str:
    """A reviewer's correction, normalised like the extractors' values (NFC, ISO dates, digits).

    Raises:
        InvalidValueError: an ID that is not 12 (or 9) digits, a date that does not exist.

    >>> normalise_value("date_of_birth", "2/9/1990")
    '1990-09-02'
    >>> normalise_value("id_number", "001 087 012 345")
    '001087012345'
    """
    value = " ".join(unicodedata.normalize("NFC", value).split())
    if not value:
        raise InvalidValueError("Giá trị không được để trống.")
    if name in ("id_number", "old_id_number", "phone"):
        digits = re.sub(r"[\s.\-]", "", value)
        if not digits.isdigit():
            raise InvalidValueError("Chỉ được nhập chữ số.")
        if name == "id_number" and len(digits) != 12:
            raise InvalidValueError("Số định danh cá nhân phải có đúng 12 chữ số.")
        if name == "old_id_number" and len(digits) not in (9, 12):
            raise InvalidValueError("Số CMND phải có 9 hoặc 12 chữ số.")
        return digits
    if name.endswith("_date") or name == "date_of_birth":
        return _normalise_date(value)
    if name == "sex":
        sexes = {"nam": "male", "male": "male", "nữ": "female", "nu": "female", "female": "female"}
        if value.casefold() not in sexes:
            raise InvalidValueError("Giới tính là “Nam” hoặc “Nữ”.")
        return sexes[value.casefold()]
    return value


def _normalise_date(value: str) -> str:
    iso = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", value)
    dmy = re.fullmatch(r"(?:(\d{1,2})[/.\-])?(\d{1,2})[/.\-](\d{4})", value)
    if iso:
        year, month, day = iso.group(1), iso.group(2), iso.group(3)
    elif dmy:
        day, month, year = dmy.group(1), dmy.group(2), dmy.group(3)
    else:
        raise InvalidValueError("Ngày viết dạng ngày/tháng/năm, ví dụ 02/09/1990.")
    try:
        # Partial dates keep what is known (DESIGN.md): a year, or a month and year.
        date(int(year), int(month or 1), int(day or 1))
    except ValueError as exc:
        raise InvalidValueError("Ngày này không có trong lịch.") from exc
    parts = [year] + [f"{int(p):02d}" for p in (month, day) if p]
    return "-".join(parts)


def _field_query():
    return (
        select(FieldRow, RecordRow, DocumentRow, FileRow)
        .join(RecordRow, FieldRow.record_id == RecordRow.id)
        .join(DocumentRow, RecordRow.document_id == DocumentRow.id)
        .join(FileRow, DocumentRow.file_id == FileRow.id)
    )


def _field_dict(f: FieldRow, r: RecordRow, d: DocumentRow, file: FileRow) -> dict[str, Any]:
    return {
        "field_id": f.id,
        "name": f.name,
        "value": f.value,
        "raw": f.raw,
        "confidence": f.confidence,
        "ocr_confidence": f.ocr_confidence,
        "status": f.status,
        "page": f.page,
        "bbox": f.bbox,
        "reasons": list(f.reasons or []),
        "extractor": f.extractor,
        "record_id": r.id,
        "role": r.role,
        "version": r.version_id,
        "document_id": d.id,
        "doc_type": d.doc_type,
        "file": file.name,
    }


def review_queue(
    engine: Engine, limit: int = 50, after: tuple[float, int] | None = None
) -> list[dict[str, Any]]:
    """Fields that need review, most doubtful (lowest confidence) first, then oldest first.

    Args:
        engine: the store's engine.
        limit: at most this many fields.
        after: ``(confidence, field_id)`` of a field the reviewer skipped: start after it.
    """
    query = _field_query().where(FieldRow.status == "needs_review")
    if after is not None:
        confidence, field_id = after
        query = query.where(
            or_(
                FieldRow.confidence > confidence,
                and_(FieldRow.confidence == confidence, FieldRow.id > field_id),
            )
        )
    query = query.order_by(FieldRow.confidence, FieldRow.id).limit(limit)
    with _session(engine) as s:
        return [_field_dict(*row) for row in s.execute(query).all()]


def queue_size(engine: Engine) -> int:
    """How many fields wait for review."""
    with _session(engine) as s:
        return s.scalar(select(func.count()).where(FieldRow.status == "needs_review")) or 0


def field_view(engine: Engine, field_id: int) -> dict[str, Any] | None:
    """One field with its record, document and file, whatever its status (None if unknown)."""
    with _session(engine) as s:
        row = s.execute(_field_query().where(FieldRow.id == field_id)).first()
        return None if row is None else _field_dict(*row)


def page_image_for_field(engine: Engine, field_id: int, pages_dir: Path) -> Path | None:
    """The stored page image behind a field, or None.

    The path comes from the database, never from a request, and must still lie under
    ``pages_dir``: a row edited by hand cannot make the app serve an arbitrary file.
    """
    with _session(engine) as s:
        image_path = s.scalar(
            select(PageRow.image_path)
            .join(FileRow, PageRow.file_id == FileRow.id)
            .join(DocumentRow, DocumentRow.file_id == FileRow.id)
            .join(RecordRow, RecordRow.document_id == DocumentRow.id)
            .join(FieldRow, FieldRow.record_id == RecordRow.id)
            .where(
                FieldRow.id == field_id,
                PageRow.number == FieldRow.page,
                PageRow.image_path.is_not(None),
            )
            .order_by(PageRow.id.desc())
            .limit(1)
        )
    if image_path is None:
        return None
    path = Path(image_path).resolve()
    if not path.is_relative_to(pages_dir.resolve()) or not path.is_file():
        return None
    return path


def apply_review(
    engine: Engine,
    field_id: int,
    action: str,
    reviewer: str,
    expected_version: int,
    new_value: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Accept, correct or reject one field; append the audit row; relink the citizen.

    Args:
        engine: the store's engine.
        field_id: the field reviewed.
        action: ``accept`` (the value is right), ``correct`` (``new_value`` is), ``reject``
            (the value is wrong and cannot be read).
        reviewer: the user name written to the audit log.
        expected_version: the record's ``version_id`` the reviewer saw.
        new_value: required for ``correct``; normalised with :func:`normalise_value`.
        reason: why (kept in the audit log).

    Returns:
        The field after the review (as :func:`field_view`), with the record's new ``version``.

    Raises:
        StaleRecordError: the record changed since ``expected_version`` (another reviewer, or the
            field is gone); nothing was written.
        InvalidValueError: an unknown action or a correction that does not fit the field.
    """
    from pipeline.citizens import link_record  # citizens imports storage: avoid a cycle

    if action not in ACTIONS:
        raise InvalidValueError(f"Thao tác không hợp lệ: {action!r}.")
    with _session(engine) as s, s.begin():
        field = s.get(FieldRow, field_id)
        if field is None:
            raise StaleRecordError("Trường dữ liệu này không còn tồn tại.")
        old_value = field.value
        if action == "correct":
            if new_value is None:
                raise InvalidValueError("Hãy nhập giá trị đúng.")
            value = normalise_value(field.name, new_value)
        else:
            value = old_value
        field.status, field.value = _NEW_STATUS[action], value
        s.flush()
        statuses = s.scalars(select(FieldRow.status).where(FieldRow.record_id == field.record_id))
        record_status = _record_status(list(statuses))
        # Core UPDATE with the version in the WHERE clause: the check and the bump are one
        # atomic statement, so two reviewers can never both succeed from the same version.
        bumped = s.execute(
            update(RecordRow)
            .where(RecordRow.id == field.record_id, RecordRow.version_id == expected_version)
            .values(version_id=expected_version + 1, status=record_status)
            .execution_options(synchronize_session=False)
        )
        if bumped.rowcount != 1:
            raise StaleRecordError(
                "Bản ghi này vừa được người khác thay đổi. Dữ liệu đã được tải lại; "
                "vui lòng xem lại rồi thao tác lần nữa."
            )
        s.add(
            ReviewRow(
                field_id=field.id,
                record_id=field.record_id,
                reviewer=reviewer,
                action=action,
                old_value=old_value,
                new_value=value if action != "reject" else None,
                reason=reason or None,
            )
        )
        s.flush()
        link_record(s, field.record_id)
    view = field_view(engine, field_id)
    assert view is not None  # just written
    return view


def _record_status(field_statuses: list[str]) -> str:
    if not field_statuses or "needs_review" in field_statuses:
        return "needs_review"
    if "verified" in field_statuses or "rejected" in field_statuses:
        return "verified"
    return "auto_accepted"


def record_audit(engine: Engine, record_id: str) -> list[dict[str, Any]]:
    """The audit log of one record, oldest first."""
    with _session(engine) as s:
        rows = s.execute(
            select(ReviewRow, FieldRow.name)
            .outerjoin(FieldRow, ReviewRow.field_id == FieldRow.id)
            .where(ReviewRow.record_id == record_id)
            .order_by(ReviewRow.at, ReviewRow.id)
        ).all()
    return [
        {
            "id": r.id,
            "field_id": r.field_id,
            "field": name,
            "reviewer": r.reviewer,
            "at": r.at.isoformat(),
            "action": r.action,
            "old_value": r.old_value,
            "new_value": r.new_value,
            "reason": r.reason,
        }
        for r, name in rows
    ]


def document_view(engine: Engine, document_id: str) -> dict[str, Any] | None:
    """A dossier: the document, its file, and each record with its fields and audit log."""
    with _session(engine) as s:
        row = s.execute(
            select(DocumentRow, FileRow)
            .join(FileRow, DocumentRow.file_id == FileRow.id)
            .where(DocumentRow.id == document_id)
        ).first()
        if row is None:
            return None
        document, file = row
        records = s.scalars(
            select(RecordRow)
            .where(RecordRow.document_id == document_id)
            .order_by(RecordRow.position)
        ).all()
        fields = s.scalars(
            select(FieldRow)
            .where(FieldRow.record_id.in_([r.id for r in records]))
            .order_by(FieldRow.id)
        ).all()
    by_record: dict[str, list[dict[str, Any]]] = {r.id: [] for r in records}
    for f in fields:
        by_record[f.record_id].append(
            {
                "field_id": f.id,
                "name": f.name,
                "value": f.value,
                "raw": f.raw,
                "confidence": f.confidence,
                "status": f.status,
                "page": f.page,
                "bbox": f.bbox,
                "reasons": list(f.reasons or []),
            }
        )
    return {
        "document_id": document.id,
        "doc_type": document.doc_type,
        "doc_type_confidence": document.doc_type_confidence,
        "pages": document.pages,
        "created_at": document.created_at.isoformat(),
        "file": {"name": file.name, "sha256": file.sha256, "media_type": file.media_type},
        "records": [
            {
                "record_id": r.id,
                "role": r.role,
                "status": r.status,
                "version": r.version_id,
                "fields": by_record[r.id],
                "audit": record_audit(engine, r.id),
            }
            for r in records
        ],
    }


def recent_documents(engine: Engine, limit: int = 50) -> list[dict[str, Any]]:
    """The latest dossiers with how many of their fields still need review."""
    pending = (
        select(RecordRow.document_id, func.count(FieldRow.id).label("n"))
        .join(FieldRow, FieldRow.record_id == RecordRow.id)
        .where(FieldRow.status == "needs_review")
        .group_by(RecordRow.document_id)
        .subquery()
    )
    with _session(engine) as s:
        rows = s.execute(
            select(DocumentRow, FileRow, pending.c.n)
            .join(FileRow, DocumentRow.file_id == FileRow.id)
            .outerjoin(pending, pending.c.document_id == DocumentRow.id)
            .order_by(DocumentRow.created_at.desc(), DocumentRow.id)
            .limit(limit)
        ).all()
    return [
        {
            "document_id": d.id,
            "doc_type": d.doc_type,
            "file": f.name,
            "created_at": d.created_at.isoformat(),
            "needs_review": n or 0,
        }
        for d, f, n in rows
    ]
