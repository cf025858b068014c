"""The :class:`Store`: every read and write the pipeline makes to the database.

Each method is one short transaction on its own session, so a ``Store`` can be shared by the
threads of a flow (the engine's pool hands each its own connection). SQLite and PostgreSQL behave
the same; the few differences are handled in :func:`create_store_engine`.
"""

from __future__ import annotations

import functools
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, ParamSpec, TypeVar

from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event, func, insert, select, tuple_, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.orm import Session

from pipeline.exceptions import DatabaseUnavailableError, StorageError
from pipeline.models import DocumentResult, Page
from pipeline.storage.migrate import upgrade
from pipeline.storage.schema import (
    Base,
    BatchRow,
    DocumentRow,
    FailureRow,
    FieldRow,
    FileRow,
    PageRow,
    RecordRow,
    document_id_for,
    record_id_for,
    utcnow,
)

__all__ = ["RETRY_SECONDS", "Store", "create_store_engine", "mask_url", "retry_transient"]

_EXPORT_CHUNK = 500  # records per read transaction while exporting
_T = TypeVar("_T")
_P = ParamSpec("_P")
RETRY_SECONDS = 60.0
"""How long a transaction is retried while the database is unreachable: a PostgreSQL restart
takes a few seconds, a fail-over to a standby up to about 30."""


def retry_transient(call: Callable[[], _T], seconds: float | None = None) -> _T:
    """``call()``, again and again with back-off while the database is unreachable.

    Only for calls that are one transaction and safe to repeat (every :class:`Store` writer is:
    a document, page or file saved twice is stored once). A connection lost in the middle of a
    transaction rolls it back on the server, so nothing half-written remains to clean up.

    Raises:
        DatabaseUnavailableError: still unreachable after ``seconds`` (default
            :data:`RETRY_SECONDS`).
    """
    deadline = time.monotonic() + (RETRY_SECONDS if seconds is None else seconds)
    delay = 0.25
    while True:
        try:
            return call()
        except (DatabaseUnavailableError, OperationalError):
            if time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 4.0)


def _retrying(method: Callable[_P, _T]) -> Callable[_P, _T]:
    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        return retry_transient(lambda: method(*args, **kwargs))

    return wrapper


def mask_url(url: str | URL) -> str:
    """``url`` with its password replaced by ``***``, safe for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        # Unparseable: still hide anything that looks like "user:password@".
        return re.sub(r"(//[^:/@]*):[^@]*@", r"\1:***@", str(url))


def create_store_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings the store relies on.

    * ``postgresql://`` means psycopg 3 (the only PostgreSQL driver sohoa installs).
    * SQLite: the parent folder is created; every connection gets WAL (readers never block the
      writer), a 30 s busy timeout (threads and processes wait for each other instead of failing)
      and foreign keys (off by default in SQLite).

    Raises:
        StorageError: the URL cannot be parsed or names a driver that is not installed.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(
            f"invalid database URL {mask_url(url)!r}: use sqlite:///path/to/file.db or "
            "postgresql+psycopg://user:password@host:5432/database"
        ) from exc
    if parsed.drivername in {"postgres", "postgresql"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = 10  # an unreachable host fails in seconds, not minutes
    elif parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    try:
        # hide_parameters: bound values are personal data; they must not appear in SQL logs
        # or in the text of database errors, which end up in failure reasons and logs.
        engine = create_engine(
            parsed, connect_args=connect_args, pool_pre_ping=True, hide_parameters=True
        )
    except (NoSuchModuleError, ImportError) as exc:
        raise StorageError(f"no driver for database URL {mask_url(parsed)!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front. A deferred transaction that reads then writes
        # fails with "database is locked" at once, busy timeout or not, when another thread wrote
        # in between; our read-then-insert methods would hit exactly that.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _nfc(text: str | None) -> str | None:
    # Databases compare bytes: an NFD "Nguyễn" would never match an NFC lookup.
    return None if text is None else unicodedata.normalize("NFC", text)


class Store:
    """Database access for the pipeline, the web app and the CLI.

    Example:
        >>> store = Store("sqlite:///./data/sohoa.db")   # doctest: +SKIP
        >>> store.file_status("ab12…")                      # doctest: +SKIP
        'done'

    Args:
        url: SQLAlchemy URL (``sqlite:///…`` or ``postgresql+psycopg://…``).
        migrate: bring the schema to the latest migration first (a no-op when it is there).

    Raises:
        StorageError: the URL is invalid, or the database cannot be reached or migrated; the
            message shows the URL with its password masked.
    """

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self._engine = create_store_engine(url)
        self._masked = mask_url(self._engine.url)
        try:
            if migrate:
                upgrade(self._engine)
            else:
                with self._engine.connect():
                    pass
        except DBAPIError as exc:
            self._engine.dispose()
            raise StorageError(
                f"cannot use the database at {self._masked}: check that the server is running "
                f"and the URL (--db or SOHOA_DB_URL) is right. Cause: {self._reason(exc)}"
            ) from exc
        except CommandError as exc:
            # Typically a database migrated by a newer sohoa: its revision is unknown here.
            self._engine.dispose()
            raise StorageError(
                f"cannot migrate the database at {self._masked} ({exc}): is it from a newer "
                "version of sohoa?"
            ) from exc

    @property
    def engine(self) -> Engine:
        """The engine, for modules that need their own queries (web app, review)."""
        return self._engine

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _reason(self, exc: DBAPIError) -> str:
        reason = " ".join(str(exc.orig).split())  # one line: libpq messages span several
        password = self._engine.url.password
        return reason.replace(password, "***") if password else reason

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        try:
            with Session(self._engine, expire_on_commit=False) as session, session.begin():
                yield session
        except IntegrityError:
            raise  # callers resolve races on unique keys themselves
        except OperationalError as exc:
            raise DatabaseUnavailableError(
                f"database unavailable at {self._masked}: {self._reason(exc)}"
            ) from exc
        except DBAPIError as exc:
            raise StorageError(f"database error at {self._masked}: {self._reason(exc)}") from exc

    # Batches -------------------------------------------------------------------------------

    @_retrying
    def start_batch(self, options: dict[str, Any]) -> int:
        """Record the start of a batch run; returns its id."""
        with self._session() as s:
            batch = BatchRow(options=options)
            s.add(batch)
            s.flush()
            return batch.id

    @_retrying
    def finish_batch(self, batch_id: int, summary: dict[str, Any]) -> None:
        """Record the end of a batch and its summary."""
        with self._session() as s:
            s.execute(
                update(BatchRow)
                .where(BatchRow.id == batch_id)
                .values(finished_at=utcnow(), summary=summary)
            )

    # Files ---------------------------------------------------------------------------------

    @_retrying
    def file_status(self, sha256: str) -> str | None:
        """``'done'``, ``'failed'``, ``'processing'``, or None for a file never seen."""
        with self._session() as s:
            return s.scalar(select(FileRow.status).where(FileRow.sha256 == sha256))

    @_retrying
    def register_file(
        self, sha256: str, name: str, size: int, media_type: str, pipeline_version: str
    ) -> int:
        """Add the file (or find it, whatever its name now) and mark it ``'processing'``.

        A file already ``'done'`` is left as it is; the first name a file was seen under is kept.

        Returns:
            The file's id.
        """
        try:
            with self._session() as s:
                row = s.scalar(select(FileRow).where(FileRow.sha256 == sha256))
                if row is None:
                    row = FileRow(
                        sha256=sha256,
                        name=name,
                        size=size,
                        media_type=media_type,
                        pipeline_version=pipeline_version,
                    )
                    s.add(row)
                    s.flush()
                elif row.status != "done":
                    row.status, row.error, row.pipeline_version = (
                        "processing",
                        None,
                        pipeline_version,
                    )
                return row.id
        except IntegrityError:
            # Another worker registered the same content between our select and insert.
            with self._session() as s:
                return s.scalars(select(FileRow.id).where(FileRow.sha256 == sha256)).one()

    @_retrying
    def record_failure(
        self, batch_id: int | None, name: str, sha256: str | None, error: str, reason: str
    ) -> None:
        """Store why a file failed and mark it ``'failed'`` if it was registered (and not done).

        Args:
            batch_id: the batch it failed in, if any.
            name: the file name as given by the user.
            sha256: None when the file could not even be read.
            error: the exception class name (``CorruptFileError``).
            reason: the message for the user.
        """
        with self._session() as s:
            s.add(
                FailureRow(batch_id=batch_id, name=name, sha256=sha256, error=error, reason=reason)
            )
            if sha256 is not None:
                s.execute(
                    update(FileRow)
                    .where(FileRow.sha256 == sha256, FileRow.status != "done")
                    .values(status="failed", error=f"{error}: {reason}")
                )

    @_retrying
    def failures(self, batch_id: int | None = None) -> list[dict[str, Any]]:
        """Stored failures, oldest first, of one batch or of all batches."""
        query = select(FailureRow).order_by(FailureRow.id)
        if batch_id is not None:
            query = query.where(FailureRow.batch_id == batch_id)
        with self._session() as s:
            return [
                {
                    "id": f.id,
                    "batch_id": f.batch_id,
                    "name": f.name,
                    "sha256": f.sha256,
                    "error": f.error,
                    "reason": f.reason,
                    "created_at": f.created_at.isoformat(),
                }
                for f in s.scalars(query)
            ]

    # Page cache ----------------------------------------------------------------------------

    @_retrying
    def get_page(self, sha256: str, number: int, cache_key: str) -> Page | None:
        """The OCRed page cached under ``cache_key``, or None if it was never saved."""
        with self._session() as s:
            ocr = s.scalar(
                select(PageRow.ocr)
                .join(FileRow, PageRow.file_id == FileRow.id)
                .where(
                    FileRow.sha256 == sha256,
                    PageRow.number == number,
                    PageRow.cache_key == cache_key,
                )
            )
        return None if ocr is None else Page.model_validate(ocr)

    @_retrying
    def save_page(
        self, sha256: str, number: int, cache_key: str, page: Page, image_path: str | None = None
    ) -> None:
        """Cache an OCRed page of a registered file; saving the same key again does nothing.

        Raises:
            StorageError: the file was not registered first.
        """
        try:
            with self._session() as s:
                file_id = self._file_id(s, sha256)
                exists = s.scalar(
                    select(PageRow.id).where(
                        PageRow.file_id == file_id,
                        PageRow.number == number,
                        PageRow.cache_key == cache_key,
                    )
                )
                if exists is None:
                    s.add(
                        PageRow(
                            file_id=file_id,
                            number=number,
                            cache_key=cache_key,
                            width=page.width,
                            height=page.height,
                            dpi=page.dpi,
                            ocr=page.model_dump(mode="json"),
                            image_path=image_path,
                            mean_confidence=page.mean_confidence,
                            ocr_seconds=page.ocr_seconds,
                        )
                    )
        except IntegrityError:
            pass  # another worker cached the same page: same key, same content

    @staticmethod
    def _file_id(s: Session, sha256: str) -> int:
        file_id = s.scalar(select(FileRow.id).where(FileRow.sha256 == sha256))
        if file_id is None:
            raise StorageError(f"file {sha256} is not registered: call register_file first")
        return file_id

    # Documents -----------------------------------------------------------------------------

    @_retrying
    def save_document(
        self, sha256: str, result: DocumentResult, pages: list[int], pipeline_version: str
    ) -> str:
        """Store a document with its records and fields in one transaction; mark the file done.

        Idempotent: a file whose document is stored already keeps it, and its id is returned.

        Args:
            sha256: the registered file the document was read from.
            result: classification and extraction results.
            pages: 1-based numbers of the file's pages that make up the document.
            pipeline_version: stored with the document and each field (provenance).

        Returns:
            The document id, ``uuid5(NAMESPACE, sha256)``.

        Raises:
            StorageError: the file was not registered first.
        """
        document_id = document_id_for(sha256)
        try:
            with self._session() as s:
                file_id = self._file_id(s, sha256)
                if s.get(DocumentRow, document_id) is not None:
                    return document_id
                self._insert_document(s, document_id, file_id, result, pages, pipeline_version)
                records, fields = self._record_rows(document_id, result, pipeline_version)
                # Executemany inserts: a 50-field document costs three statements, not 50.
                if records:
                    s.execute(insert(RecordRow), records)
                if fields:
                    s.execute(insert(FieldRow), fields)
                s.execute(
                    update(FileRow)
                    .where(FileRow.id == file_id)
                    .values(status="done", error=None, n_pages=len(pages))
                )
        except IntegrityError as exc:
            # Two workers saved the same file at once: the first one's rows stand.
            with self._session() as s:
                if s.get(DocumentRow, document_id) is not None:
                    return document_id
            raise StorageError(f"could not save document of file {sha256}: {exc.orig}") from exc
        return document_id

    @staticmethod
    def _insert_document(
        s: Session,
        document_id: str,
        file_id: int,
        result: DocumentResult,
        pages: list[int],
        pipeline_version: str,
    ) -> None:
        """The document's row alone (no stage versions: ``is_current`` stays false)."""
        s.execute(
            insert(DocumentRow).values(
                id=document_id,
                file_id=file_id,
                doc_type=result.doc_type,
                doc_type_confidence=result.doc_type_confidence,
                pages=list(pages),
                pipeline_version=pipeline_version,
            )
        )

    @staticmethod
    def _record_rows(
        document_id: str, result: DocumentResult, pipeline_version: str, start: int = 0
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Rows for ``result``'s records, the first at position ``start`` of the document."""
        records: list[dict[str, Any]] = []
        fields: list[dict[str, Any]] = []
        now = utcnow()
        for position, record in enumerate(result.records, start):
            record_id = record_id_for(document_id, position, record.role)
            records.append(
                {
                    "id": record_id,
                    "document_id": document_id,
                    "role": record.role,
                    "position": position,
                    "status": record.status.value,
                    "created_at": now,
                    "version_id": 1,
                }
            )
            for name, f in record.fields.items():
                fields.append(
                    {
                        "record_id": record_id,
                        "name": name,
                        "value": _nfc(f.value),
                        "raw": _nfc(f.raw),
                        "confidence": f.confidence,
                        "status": f.status.value,
                        "page": f.page,
                        "bbox": list(f.bbox) if f.bbox is not None else None,
                        "ocr_confidence": f.ocr_confidence,
                        "extractor": f.extractor,
                        "pipeline_version": pipeline_version,
                        "reasons": list(f.reasons),
                    }
                )
        return records, fields

    # Export and statistics -----------------------------------------------------------------

    def iter_export(self) -> Iterator[dict[str, Any]]:
        """Every record as a DESIGN.md export record, ordered by document id then position.

        Ids are content-derived, so the same files give the same export, in the same order, on
        any machine. Records are read in chunks, each in its own short transaction, so exporting
        a large database neither holds a transaction open nor loads everything at once.
        """
        after: tuple[str, int] | None = None
        while True:
            query = (
                select(RecordRow, DocumentRow, FileRow)
                .join(DocumentRow, RecordRow.document_id == DocumentRow.id)
                .join(FileRow, DocumentRow.file_id == FileRow.id)
                .order_by(RecordRow.document_id, RecordRow.position)
                .limit(_EXPORT_CHUNK)
            )
            if after is not None:
                query = query.where(tuple_(RecordRow.document_id, RecordRow.position) > after)
            with self._session() as s:
                rows = s.execute(query).all()
                if not rows:
                    return
                by_record: dict[str, dict[str, Any]] = {r.id: {} for r, _, _ in rows}
                for f in s.scalars(
                    select(FieldRow).where(FieldRow.record_id.in_(by_record)).order_by(FieldRow.id)
                ):
                    by_record[f.record_id][f.name] = {
                        "value": f.value,
                        "raw": f.raw,
                        "confidence": f.confidence,
                        "status": f.status,
                        "page": f.page,
                        "bbox": f.bbox,
                    }
            for record, document, file in rows:
                yield {
                    "record_id": record.id,
                    "document_id": document.id,
                    "doc_type": document.doc_type,
                    "role": record.role,
                    "status": record.status,
                    "source": {"file": file.name, "sha256": file.sha256, "pages": document.pages},
                    "fields": by_record[record.id],
                }
            last = rows[-1][0]
            after = (last.document_id, last.position)

    @_retrying
    def doc_types(self) -> dict[str, str]:
        """Each stored document's type, by its file's name: a document may hold no record (a
        ledger page where no entry was read), and its type is still what it was classified as."""
        query = select(FileRow.name, DocumentRow.doc_type).join(
            DocumentRow, DocumentRow.file_id == FileRow.id
        )
        with self._session() as s:
            return {name: doc_type for name, doc_type in s.execute(query)}

    @_retrying
    def counts(self) -> dict[str, int]:
        """Number of rows in each table, by table name."""
        with self._session() as s:
            return {
                table.name: s.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables
            }
