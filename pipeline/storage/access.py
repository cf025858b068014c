"""The access audit: every view of a citizen's data leaves a row in ``access_log``.

Routes that show personal data (a dossier, a field and its page crop, a citizen lookup, an
export) call :func:`record_access` *before* they answer: if the audit row cannot be written the
view fails, so nothing is ever shown unaudited. :func:`access_history` answers "who saw this
citizen's data, and when" (a data subject's right under Decree 13/2023/NĐ-CP).

    >>> record_access(engine, "lan", "POST /lookup", "lookup", citizen_id=7)  # doctest: +SKIP
    >>> access_history(engine, citizen_id=7)[0]["username"]                    # doctest: +SKIP
    'lan'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from pipeline.storage.schema import AccessLogRow, CitizenLinkRow, RecordRow
from pipeline.storage.store import retry_transient

__all__ = ["access_history", "record_access"]


def record_access(
    engine: Engine,
    username: str,
    route: str,
    action: str,
    *,
    citizen_id: int | None = None,
    document_id: str | None = None,
    record_ids: Iterable[str] = (),
    detail: str | None = None,
) -> None:
    """Append who viewed what: one row per record shown, or one row when no record is.

    Records of ``document_id`` are found here when ``record_ids`` is empty; each row gets the
    citizen its record is linked to, so a citizen's history includes views of their dossiers.

    Args:
        engine: the store's engine.
        username: the signed-in user (the operating-system user for the CLI).
        route: method and route template, or ``cli <command>``.
        action: ``lookup``, ``view_document``, ``view_field``, ``view_audit``, ``export``.
        citizen_id: the citizen shown (a lookup).
        document_id: the dossier shown.
        record_ids: the records shown.
        detail: a short note without personal data (``not found``, ``format=csv``).
    """

    shown = list(record_ids)  # read once: the write below may be retried

    def write() -> None:
        with Session(engine) as s, s.begin():
            ids = shown or (
                list(s.scalars(select(RecordRow.id).where(RecordRow.document_id == document_id)))
                if document_id is not None
                else []
            )
            linked: dict[str, int] = {}
            if ids:
                query = select(CitizenLinkRow.record_id, CitizenLinkRow.citizen_id)
                linked = {
                    r: c for r, c in s.execute(query.where(CitizenLinkRow.record_id.in_(ids)))
                }
            rows = [
                AccessLogRow(
                    username=username,
                    route=route[:200],
                    action=action,
                    citizen_id=linked.get(record_id, citizen_id),
                    document_id=document_id,
                    record_id=record_id,
                    detail=detail,
                )
                for record_id in ids
            ] or [
                AccessLogRow(
                    username=username,
                    route=route[:200],
                    action=action,
                    citizen_id=citizen_id,
                    document_id=document_id,
                    detail=detail,
                )
            ]
            s.add_all(rows)

    retry_transient(write)


def access_history(
    engine: Engine, *, citizen_id: int | None = None, record_id: str | None = None
) -> list[dict[str, Any]]:
    """Views of one citizen's or one record's data, oldest first."""
    query = select(AccessLogRow).order_by(AccessLogRow.at, AccessLogRow.id)
    if citizen_id is not None:
        query = query.where(AccessLogRow.citizen_id == citizen_id)
    if record_id is not None:
        query = query.where(AccessLogRow.record_id == record_id)
    with Session(engine) as s:
        return [
            {
                "at": row.at.isoformat(),
                "username": row.username,
                "route": row.route,
                "action": row.action,
                "citizen_id": row.citizen_id,
                "document_id": row.document_id,
                "record_id": row.record_id,
                "detail": row.detail,
            }
            for row in s.scalars(query)
        ]
