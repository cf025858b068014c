"""Stage versions on stored documents, and re-extraction that spares the stewards' work.

A document remembers the :data:`pipeline.digitise.STAGE_VERSIONS` its records were extracted
with. When a re-run finds a finished file whose versions differ, the flow reads its pages again
(from the page cache when only extraction changed) and :func:`store_document` replaces what the
pipeline wrote, while every field a steward verified or rejected — and its audit rows — stays.
:func:`store_book` does the same for a document given in pieces (a register book, page by page),
one transaction per piece.

    >>> store_document(store, sha, result, [1], "0.2.0", {"extract": "2", ...})  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.models import DocumentResult
from pipeline.storage.review import _record_status
from pipeline.storage.schema import (
    CitizenLinkRow,
    CitizenValueRow,
    DocumentRow,
    FieldRow,
    FileRow,
    RecordRow,
    ReviewRow,
    document_id_for,
)
from pipeline.storage.store import Store, retry_transient

__all__ = ["is_current", "store_book", "store_document"]

# Statuses only a steward sets (pipeline.storage.review.apply_review): never overwritten.
_REVIEWED = ("verified", "rejected")


def is_current(store: Store, sha256: str, stage_versions: dict[str, str]) -> bool:
    """True when the file is done and its document was made by these stage versions."""

    def read() -> bool:
        with Session(store.engine) as s:
            row = s.execute(
                select(FileRow.status, DocumentRow.stage_versions)
                .join(DocumentRow, DocumentRow.file_id == FileRow.id, isouter=True)
                .where(FileRow.sha256 == sha256)
            ).first()
        return row is not None and row.status == "done" and row.stage_versions == stage_versions

    return retry_transient(read)


def store_document(
    store: Store,
    sha256: str,
    result: DocumentResult,
    pages: list[int],
    pipeline_version: str,
    stage_versions: dict[str, str],
) -> str:
    """Save a new document, or refresh an outdated one in place; return its id.

    A refresh runs in one transaction: the pipeline's fields (``auto_accepted``,
    ``needs_review``) are replaced by the new extraction's; a field a steward verified or
    rejected, or that has review rows, is kept as it is, and the new extraction's value for the
    same record and name is dropped. Records of the old extraction that no longer exist are
    deleted unless a steward touched them. Changed records get a new ``version_id``, so a
    reviewer holding the old page sees a stale-record message instead of overwriting.
    Relink the document afterwards (:func:`pipeline.citizens.link_document`).
    """
    document_id = document_id_for(sha256)

    def exists() -> bool:
        with Session(store.engine) as s:
            return s.get(DocumentRow, document_id) is not None

    if not retry_transient(exists):
        store.save_document(sha256, result, pages, pipeline_version)
    else:
        retry_transient(lambda: _refresh(store, document_id, result, pages, pipeline_version))
    retry_transient(lambda: _set_versions(store, document_id, stage_versions))
    return document_id


def _set_versions(store: Store, document_id: str, stage_versions: dict[str, str]) -> None:
    with Session(store.engine) as s, s.begin():
        s.execute(
            update(DocumentRow)
            .where(DocumentRow.id == document_id)
            .values(stage_versions=dict(stage_versions))
        )


def _refresh(
    store: Store,
    document_id: str,
    result: DocumentResult,
    pages: list[int],
    pipeline_version: str,
) -> None:
    new_records, new_fields = Store._record_rows(document_id, result, pipeline_version)
    with Session(store.engine) as s, s.begin():
        old = _locked_records(s, RecordRow.document_id == document_id)
        kept, touched = _clear(s, old)
        new_ids = {r["id"] for r in new_records}
        # Records the new extraction lacks go, unless a steward touched them: those stay.
        orphans = []
        for record in sorted(old, key=lambda r: r.position):
            if record.id in new_ids:
                continue
            if record.id in touched:
                orphans.append(record.id)
            else:
                _drop_record(s, record.id)
        # Kept records move after the new ones: positions are unique per document. Negative
        # first, so no move collides with a position another kept record still holds.
        for step in ("park", "place"):
            for i, rid in enumerate(orphans):
                _move(s, rid, -(i + 1) if step == "park" else len(new_records) + i)
        again = [r.id for r in old if r.id in new_ids]
        added = [r for r in new_records if r["id"] not in set(again)]
        if added:
            s.execute(insert(RecordRow), added)
        fresh = [f for f in new_fields if f["name"] not in kept.get(f["record_id"], set())]
        if fresh:
            s.execute(FieldRow.__table__.insert(), fresh)
        s.flush()
        _restatus(s, again + orphans)
        s.execute(
            update(DocumentRow)
            .where(DocumentRow.id == document_id)
            .values(
                doc_type=result.doc_type,
                doc_type_confidence=result.doc_type_confidence,
                pages=list(pages),
                pipeline_version=pipeline_version,
            )
        )


_T = TypeVar("_T")


def _racing(call: Callable[[], _T]) -> _T:
    """``call()``, once more if another process inserted the same rows at the same moment (the
    same book digitised twice at once): the second try finds them and updates them."""
    try:
        return retry_transient(call)
    except IntegrityError:
        return retry_transient(call)


def store_book(
    store: Store,
    sha256: str,
    pieces: Iterable[DocumentResult],
    pages: list[int],
    pipeline_version: str,
    stage_versions: dict[str, str],
) -> str:
    """Store a document given in pieces, each in its own transaction as it comes; return its id.

    For a register book read page by page (:func:`pipeline.registers.book.iter_register`): the
    records of the pieces take positions 0, 1, … in order, and nothing but the piece at hand is
    held. The document takes the ``doc_type`` of its pieces.

    What the document holds already — the pieces a killed run stored, or a finished document of
    older stage versions — is refreshed as :func:`store_document` refreshes it: a record at the
    same position (the same id) has its pipeline fields replaced, while a field a steward
    verified or rejected, or that has review rows, stays and the new value for it is dropped;
    records past the new last one are deleted unless a steward touched them (those move after
    the new ones). The file is marked done, and the document given ``stage_versions``, in the
    last transaction only: a run killed before that is a run to do again, and storing the same
    pieces again changes nothing but ``version_id``. Relink the document afterwards
    (:func:`pipeline.citizens.link_document`).
    """
    document_id = document_id_for(sha256)
    opened = False
    position = 0
    doc_type, confidence = "civil_register_page", 1.0
    for piece in pieces:
        doc_type, confidence = piece.doc_type, piece.doc_type_confidence
        if not opened:
            _racing(partial(_open_book, store, sha256, document_id, piece, pages, pipeline_version))
            opened = True
        if piece.records:
            _racing(partial(_put_records, store, document_id, position, piece, pipeline_version))
            position += len(piece.records)
    empty = DocumentResult(doc_type=doc_type, doc_type_confidence=confidence)
    if not opened:
        _racing(partial(_open_book, store, sha256, document_id, empty, pages, pipeline_version))
    close = partial(
        _close_book, store, sha256, document_id, position, empty, pages, pipeline_version
    )
    retry_transient(partial(close, stage_versions))
    return document_id


def _open_book(
    store: Store,
    sha256: str,
    document_id: str,
    result: DocumentResult,
    pages: list[int],
    pipeline_version: str,
) -> None:
    with Session(store.engine) as s, s.begin():
        file_id = Store._file_id(s, sha256)
        if s.get(DocumentRow, document_id) is None:
            # No stage versions until the last piece is in: is_current() stays false meanwhile.
            Store._insert_document(s, document_id, file_id, result, pages, pipeline_version)


def _locked_records(s: Session, *where: Any) -> list[RecordRow]:
    """The records matching ``where``, locked until ``s`` ends, in id order as every writer of
    a document's records takes them (:func:`pipeline.citizens.link_document` too): a linker or
    a steward working on one of them is waited for, and waits, rather than writing citizen
    values between this refresh's reads and its deletes (on SQLite, writers queue anyway)."""
    query = select(RecordRow).where(*where).order_by(RecordRow.id).with_for_update()
    return list(s.scalars(query))


def _clear(s: Session, records: list[RecordRow]) -> tuple[dict[str, set[str]], set[str]]:
    """Delete the pipeline's fields of ``records`` and their citizen values, in ``s``.

    Returns:
        The names of the fields kept per record (verified, rejected or reviewed), and the
        records a steward touched (kept fields, review rows, or a citizen link they decided).
    """
    ids = [r.id for r in records]
    kept: dict[str, set[str]] = {rid: set() for rid in ids}
    if not ids:
        return kept, set()
    reviewed = s.execute(
        select(ReviewRow.field_id, ReviewRow.record_id).where(ReviewRow.record_id.in_(ids))
    ).all()
    reviewed_fields = {f for f, _ in reviewed}
    dropped: list[int] = []
    for f in s.scalars(select(FieldRow).where(FieldRow.record_id.in_(ids))):
        if f.status in _REVIEWED or f.id in reviewed_fields:
            kept[f.record_id].add(f.name)
        else:
            dropped.append(f.id)
    # Citizen values point at the fields about to be deleted (relinking rebuilds them).
    s.execute(delete(CitizenValueRow).where(CitizenValueRow.record_id.in_(ids)))
    s.execute(delete(FieldRow).where(FieldRow.id.in_(dropped)))
    decided = s.scalars(
        select(CitizenLinkRow.record_id).where(
            CitizenLinkRow.record_id.in_(ids), CitizenLinkRow.decided_by.is_not(None)
        )
    )
    touched = {rid for rid, names in kept.items() if names} | {r for _, r in reviewed}
    return kept, touched | set(decided)


def _drop_record(s: Session, record_id: str) -> None:
    s.execute(delete(CitizenLinkRow).where(CitizenLinkRow.record_id == record_id))
    s.execute(delete(RecordRow).where(RecordRow.id == record_id))


def _move(s: Session, record_id: str, position: int) -> None:
    s.execute(
        update(RecordRow)
        .where(RecordRow.id == record_id)
        .values(position=position)
        .execution_options(synchronize_session=False)
    )


def _restatus(s: Session, record_ids: Iterable[str]) -> None:
    """Each record's status from its stored fields, and a new ``version_id`` (a reviewer
    holding the old page sees a stale-record message instead of overwriting)."""
    for rid in record_ids:
        statuses = list(s.scalars(select(FieldRow.status).where(FieldRow.record_id == rid)))
        s.execute(
            update(RecordRow)
            .where(RecordRow.id == rid)
            .values(status=_record_status(statuses), version_id=RecordRow.version_id + 1)
            .execution_options(synchronize_session=False)
        )


def _put_records(
    store: Store, document_id: str, start: int, piece: DocumentResult, pipeline_version: str
) -> None:
    new_records, new_fields = Store._record_rows(document_id, piece, pipeline_version, start)
    positions = [r["position"] for r in new_records]
    with Session(store.engine) as s, s.begin():
        old = _locked_records(
            s, RecordRow.document_id == document_id, RecordRow.position.in_(positions)
        )
        kept, touched = _clear(s, old)
        new_ids = {r["id"] for r in new_records}
        lowest = s.scalar(
            select(func.min(RecordRow.position)).where(RecordRow.document_id == document_id)
        )
        park = min(lowest or 0, 0) - 1
        for record in old:
            if record.id in new_ids:
                continue  # the same entry stored before: refreshed in place below
            # Another record at this position (another role): a steward's stays, parked below
            # zero until the book is closed; the pipeline's goes.
            if record.id in touched:
                _move(s, record.id, park)
                park -= 1
            else:
                _drop_record(s, record.id)
        again = {r.id for r in old if r.id in new_ids}
        added = [r for r in new_records if r["id"] not in again]
        if added:
            s.execute(insert(RecordRow), added)
        fresh = [f for f in new_fields if f["name"] not in kept.get(f["record_id"], set())]
        if fresh:
            s.execute(FieldRow.__table__.insert(), fresh)
        s.flush()
        _restatus(s, again)


def _close_book(
    store: Store,
    sha256: str,
    document_id: str,
    total: int,
    result: DocumentResult,
    pages: list[int],
    pipeline_version: str,
    stage_versions: dict[str, str],
) -> None:
    with Session(store.engine) as s, s.begin():
        file_id = Store._file_id(s, sha256)
        rest = _locked_records(
            s,
            RecordRow.document_id == document_id,
            or_(RecordRow.position < 0, RecordRow.position >= total),
        )
        parked = sorted((r for r in rest if r.position < 0), key=lambda r: -r.position)
        beyond = sorted((r for r in rest if r.position >= total), key=lambda r: r.position)
        _, touched = _clear(s, beyond)
        orphans = [r.id for r in parked] + [r.id for r in beyond if r.id in touched]
        for record in beyond:
            if record.id not in touched:
                _drop_record(s, record.id)
        # Kept records move after the new ones: below every position first, so no move
        # collides with a position another kept record still holds.
        lowest = min((r.position for r in parked), default=0)
        for step in ("park", "place"):
            for i, rid in enumerate(orphans):
                _move(s, rid, lowest - 1 - i if step == "park" else total + i)
        s.flush()
        _restatus(s, orphans)
        s.execute(
            update(DocumentRow)
            .where(DocumentRow.id == document_id)
            .values(
                doc_type=result.doc_type,
                doc_type_confidence=result.doc_type_confidence,
                pages=list(pages),
                pipeline_version=pipeline_version,
                stage_versions=dict(stage_versions),
            )
        )
        s.execute(
            update(FileRow)
            .where(FileRow.id == file_id)
            .values(status="done", error=None, n_pages=len(pages))
        )
