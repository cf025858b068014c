"""Stage versions on stored documents, and re-extraction that spares the stewards' work.

A document remembers the :data:`pipeline.digitise.STAGE_VERSIONS` its records were extracted
with. When a re-run finds a finished file whose versions differ, the flow reads its pages again
(from the page cache when only extraction changed) and :func:`store_document` replaces what the
pipeline wrote, while every field a steward verified or rejected — and its audit rows — stays.

    >>> store_document(store, sha, result, [1], "0.2.0", {"extract": "2", ...})  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
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

__all__ = ["is_current", "store_document"]

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
        old = {
            r.id: r
            for r in s.scalars(select(RecordRow).where(RecordRow.document_id == document_id))
        }
        reviewed_ids = set(
            s.scalars(select(ReviewRow.field_id).where(ReviewRow.record_id.in_(old)))
        )
        kept: dict[str, set[str]] = {rid: set() for rid in old}  # record id → kept field names
        dropped: list[int] = []
        for f in s.scalars(select(FieldRow).where(FieldRow.record_id.in_(old))):
            if f.status in _REVIEWED or f.id in reviewed_ids:
                kept[f.record_id].add(f.name)
            else:
                dropped.append(f.id)
        # Citizen values are derived from fields (rebuilt by relinking): they go first, since
        # they point at the fields about to be deleted.
        s.execute(delete(CitizenValueRow).where(CitizenValueRow.record_id.in_(old)))
        s.execute(delete(FieldRow).where(FieldRow.id.in_(dropped)))

        steward_links = set(
            s.scalars(
                select(CitizenLinkRow.record_id).where(
                    CitizenLinkRow.record_id.in_(old), CitizenLinkRow.decided_by.is_not(None)
                )
            )
        )
        new_ids = {r["id"] for r in new_records}
        orphans = []  # records the new extraction lacks but a steward touched: they stay
        for rid in sorted(set(old) - new_ids, key=lambda r: old[r].position):
            if kept[rid] or rid in steward_links:
                orphans.append(rid)
                continue
            s.execute(delete(CitizenLinkRow).where(CitizenLinkRow.record_id == rid))
            s.execute(delete(RecordRow).where(RecordRow.id == rid))
        # Kept records move after the new ones: positions are unique per document. Negative
        # first, so no move collides with a position another kept record still holds.
        for step in ("park", "place"):
            for i, rid in enumerate(orphans):
                position = -(i + 1) if step == "park" else len(new_records) + i
                s.execute(
                    update(RecordRow)
                    .where(RecordRow.id == rid)
                    .values(position=position)
                    .execution_options(synchronize_session=False)
                )
        added = [r for r in new_records if r["id"] not in old]
        if added:
            s.execute(insert(RecordRow), added)
        fresh = [f for f in new_fields if f["name"] not in kept.get(f["record_id"], set())]
        if fresh:
            s.execute(FieldRow.__table__.insert(), fresh)
        s.flush()
        for rid in (new_ids | set(old)) & _existing(s, document_id):
            statuses = list(s.scalars(select(FieldRow.status).where(FieldRow.record_id == rid)))
            values: dict[str, Any] = {"status": _record_status(statuses)}
            if rid in old:
                values["version_id"] = RecordRow.version_id + 1
            s.execute(
                update(RecordRow)
                .where(RecordRow.id == rid)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
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


def _existing(s: Session, document_id: str) -> set[str]:
    return set(s.scalars(select(RecordRow.id).where(RecordRow.document_id == document_id)))
