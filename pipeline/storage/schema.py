"""Database tables as SQLAlchemy 2 typed ORM classes.

The schema is created and changed only by the Alembic migrations in
:mod:`pipeline.storage.migrations`; tests check that these classes and the migrated database agree.
Every class ends in ``Row`` so it never collides with the pydantic models of :mod:`pipeline.models`.

Identifiers of documents and records are UUID5 strings derived from the file's SHA-256, so the same
file digitised on two machines gets the same ids (see :func:`document_id_for`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pipeline.exceptions import StorageError

__all__ = [
    "NAMESPACE",
    "AccessLogRow",
    "Base",
    "BatchRow",
    "CitizenLinkRow",
    "CitizenRow",
    "CitizenValueRow",
    "DocumentRow",
    "FailureRow",
    "FieldRow",
    "FileRow",
    "JobRow",
    "PageRow",
    "RecordRow",
    "ReviewRow",
    "UTCDateTime",
    "UserRow",
    "document_id_for",
    "record_id_for",
    "utcnow",
]

# Never change: every stored document and record id is derived from it.
NAMESPACE = uuid.UUID("6f6d2b1e-5c3a-5d8e-9a41-50686f612d31")

# Explicit constraint names: identical on SQLite and PostgreSQL, so later migrations can refer to
# them (SQLite batch mode needs names to drop or alter a constraint).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def document_id_for(sha256: str) -> str:
    """Id of the document made from the file with this SHA-256 (stable across machines)."""
    return str(uuid.uuid5(NAMESPACE, sha256))


def record_id_for(document_id: str, position: int, role: str) -> str:
    """Id of the ``position``-th record (0-based) of a document, playing ``role``."""
    return str(uuid.uuid5(NAMESPACE, f"{document_id}:{position}:{role}"))


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend.

    SQLite has no time zone type and hands back naive datetimes: they were written as UTC, so they
    get UTC attached on the way out; PostgreSQL stores ``timestamptz`` and returns aware values.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class BatchRow(Base):
    """One ``sohoa digitise`` run: its options and, once finished, its summary."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    summary: Mapped[dict[str, Any] | None]


class FileRow(Base):
    """An input file, identified by its content: ingesting it again never duplicates anything."""

    __tablename__ = "files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)  # the first name the file was seen under
    size: Mapped[int] = mapped_column(BigInteger)  # bytes; scanned PDFs can pass 2 GiB
    media_type: Mapped[str] = mapped_column(String(100))
    n_pages: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(20), default="processing")
    error: Mapped[str | None] = mapped_column(Text)
    pipeline_version: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FailureRow(Base):
    """A file that could not be processed; it may have failed before it could even be hashed."""

    __tablename__ = "failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str] = mapped_column(String(100))  # exception class name
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PageRow(Base):
    """The OCR cache: a page OCRed with the same ``cache_key`` is never OCRed again."""

    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("file_id", "number", "cache_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id"))
    number: Mapped[int] = mapped_column(Integer)
    cache_key: Mapped[str] = mapped_column(String(128))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    dpi: Mapped[int | None] = mapped_column(Integer)
    ocr: Mapped[dict[str, Any]]  # pipeline.models.Page dumped in JSON mode
    image_path: Mapped[str | None] = mapped_column(Text)
    mean_confidence: Mapped[float] = mapped_column(Float)
    ocr_seconds: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DocumentRow(Base):
    """What classification made of one file (one file is one document)."""

    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id"), unique=True)
    doc_type: Mapped[str] = mapped_column(String(50), index=True)
    doc_type_confidence: Mapped[float] = mapped_column(Float)
    pages: Mapped[list[Any]]  # 1-based page numbers of the file
    pipeline_version: Mapped[str] = mapped_column(String(50))
    # pipeline.digitise.STAGE_VERSIONS when the records were extracted (migration 0004); NULL
    # for documents stored before, which a re-run therefore extracts again from cached pages.
    stage_versions: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecordRow(Base):
    """One person (or register entry) in one document; reviews bump ``version_id``."""

    __tablename__ = "records"
    __table_args__ = (UniqueConstraint("document_id", "position"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"))
    role: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Optimistic locking: two reviewers saving the same record cannot overwrite each other.
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version_id}


class FieldRow(Base):
    """One extracted value with its full provenance (file via document, page, box, OCR
    confidence, extractor and pipeline version)."""

    __tablename__ = "fields"
    __table_args__ = (
        UniqueConstraint("record_id", "name"),
        # `sohoa lookup` and citizen linking search by (name='id_number', value=…).
        Index("ix_fields_name_value", "name", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"))
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), index=True)
    page: Mapped[int] = mapped_column(Integer)
    bbox: Mapped[list[Any] | None]
    ocr_confidence: Mapped[float] = mapped_column(Float)
    extractor: Mapped[str] = mapped_column(String(100))
    pipeline_version: Mapped[str] = mapped_column(String(50))
    reasons: Mapped[list[Any]] = mapped_column(default=list)


class ReviewRow(Base):
    """Append-only audit log of reviewer actions: rows are inserted, never updated or deleted."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    field_id: Mapped[int | None] = mapped_column(ForeignKey("fields.id"), index=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(20))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)


@event.listens_for(ReviewRow, "before_update")
@event.listens_for(ReviewRow, "before_delete")
def _reviews_are_append_only(mapper: Any, connection: Any, target: ReviewRow) -> None:
    raise StorageError("reviews are an append-only audit log: add a new review instead")


# Web app and citizen master record (migration 0002) ----------------------------------------


class UserRow(Base):
    """A person who signs in to the web app; ``role`` is ``clerk``, ``steward`` or ``admin``."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id, in its self-describing PHC form
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class JobRow(Base):
    """One upload digitised by the web app; ``progress`` is what the job page shows."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # queued → running → done | failed; a job cut short by a restart becomes ``interrupted``.
    status: Mapped[str] = mapped_column(String(20), index=True, default="queued")
    upload_dir: Mapped[str] = mapped_column(Text)
    uploaded: Mapped[list[Any]] = mapped_column(default=list)  # file names as uploaded
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"))
    progress: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    # The civil-register template the uploaded files are read with (migration 0005); NULL for
    # ordinary documents.
    register_template: Mapped[str | None] = mapped_column(String(100))


class CitizenRow(Base):
    """A citizen master record: the agreed values of every record linked to this person.

    ``full_name``, ``date_of_birth`` and ``sex`` are set only while the linked records agree; a
    disagreement leaves them as they were and shows up as a conflict (see :mod:`pipeline.citizens`).
    """

    __tablename__ = "citizens"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str | None] = mapped_column(String(12), unique=True)
    full_name: Mapped[str | None] = mapped_column(Text)
    date_of_birth: Mapped[str | None] = mapped_column(String(10), index=True)
    sex: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CitizenLinkRow(Base):
    """Which citizen a record is about, how that was decided and whether it still needs review."""

    __tablename__ = "citizen_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"), unique=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    method: Mapped[str] = mapped_column(String(20))  # id_number | fuzzy | new
    score: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), index=True)  # linked | needs_review
    decided_by: Mapped[str | None] = mapped_column(String(100))  # the steward who confirmed it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CitizenValueRow(Base):
    """One trusted field value that a linked record contributes to its citizen.

    Derived data, rebuilt whenever the record is linked again; two distinct values of one name
    for one citizen are a conflict that stays visible until a steward fixes a source field.
    """

    __tablename__ = "citizen_values"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"), index=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("fields.id"), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)
    field_status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Access audit (migration 0003) -------------------------------------------------------------


class AccessLogRow(Base):
    """Append-only log of who saw a citizen's data, when, through which route (Decree 13/2023).

    One row per record shown (so "who saw citizen X" is one query on ``citizen_id``), or one row
    for a view that shows no single record (a lookup that found nothing, an export). No personal
    value is copied here: only internal ids, which mean nothing outside this database.
    """

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    route: Mapped[str] = mapped_column(String(200))  # "GET /api/documents/{document_id}", "cli"
    action: Mapped[str] = mapped_column(String(30))  # lookup | view_document | view_field | export
    citizen_id: Mapped[int | None] = mapped_column(Integer, index=True)
    document_id: Mapped[str | None] = mapped_column(String(36))
    record_id: Mapped[str | None] = mapped_column(String(36), index=True)
    detail: Mapped[str | None] = mapped_column(String(200))  # "not found", "format=csv"


@event.listens_for(AccessLogRow, "before_update")
@event.listens_for(AccessLogRow, "before_delete")
def _access_log_is_append_only(mapper: Any, connection: Any, target: AccessLogRow) -> None:
    raise StorageError("the access log is append-only: it records what happened")
