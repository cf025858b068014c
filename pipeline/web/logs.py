"""Logging and access audit: personal ID numbers never reach a log unmasked (Decree 13/2023).

Everything the app logs goes through the single logger :data:`log`, which carries
:class:`IdMaskingFilter`. :func:`install_log_masking` — called by the CLI and the web app at
start — masks *every* log record of the process, whatever its logger or handler (Prefect,
SQLAlchemy, uvicorn's access log, a traceback quoting a database error), by masking records as
they are created. Names are not masked: no log call passes a personal value, only user names of
staff, counts and internal ids (a rule, tested with ``caplog`` over a whole batch).

:func:`audit_view` writes the access audit (:mod:`pipeline.storage.access`) for a web route.

    >>> mask_ids("CCCD 001087012345, CMND 123456789")
    'CCCD 001******345, CMND 123***789'
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

__all__ = [
    "IdMaskingFilter",
    "audit_view",
    "install_log_masking",
    "log",
    "log_to_stderr",
    "mask_ids",
    "mask_record",
]

# 12 digits (CCCD) or 9 digits (CMND), not part of a longer number (a SHA-256, a timestamp).
_ID = re.compile(r"(?<![0-9A-Za-z])(\d{3})(\d{6}|\d{3})(\d{3})(?![0-9A-Za-z])")


def mask_ids(text: str) -> str:
    """``text`` with every 12- or 9-digit number reduced to its first and last three digits."""
    return _ID.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


def mask_record(record: logging.LogRecord) -> None:
    """Mask ID numbers in a record's message, traceback and stack, in place.

    The traceback is formatted here, once, into ``exc_text``: standard formatters reuse it
    instead of formatting the exception (and the database error it quotes) again.
    """
    try:
        message = record.getMessage()
    except Exception:  # bad arguments: logging itself reports that when the record is emitted
        return
    masked = mask_ids(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = mask_ids(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_ids(record.stack_info)


class IdMaskingFilter(logging.Filter):
    """Rewrites a record's message (arguments merged in) and traceback with IDs masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


log = logging.getLogger("pipeline.web")
log.addFilter(IdMaskingFilter())

_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def install_log_masking() -> None:
    """Mask IDs in every log record this process creates, from any logger (idempotent).

    A filter on the root *logger* would not do: records of child loggers propagate to the root's
    handlers without passing its filters. The record factory sees every record, and only those
    that some logger is enabled for, so the cost is one regular expression per emitted record.
    """
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "_sohoa_masking", False):

        def masking_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = factory(*args, **kwargs)
            mask_record(record)
            return record

        masking_factory._sohoa_masking = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(masking_factory)
    # uvicorn's access log formats its arguments late, in its own formatter: filter there too.
    for name in _UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, IdMaskingFilter) for f in logger.filters):
            logger.addFilter(IdMaskingFilter())


def audit_view(request: Any, user: Any, action: str, **subject: Any) -> None:
    """Record in the access log that ``user`` saw personal data through this request's route.

    Call it before answering: if the audit row cannot be written, the view fails.

    Args:
        request: the FastAPI request (its route template is logged, never its values).
        user: the signed-in :class:`~pipeline.web.auth.User`.
        action: ``lookup``, ``view_document``, ``view_field``, ``view_audit``, ``export``.
        **subject: ``citizen_id``, ``document_id``, ``record_ids``, ``detail`` (see
            :func:`pipeline.storage.access.record_access`).
    """
    from pipeline.storage.access import record_access

    route = getattr(request.scope.get("route"), "path", request.url.path)
    record_access(
        request.app.state.sohoa.engine,
        user.username,
        f"{request.method} {route}",
        action,
        **subject,
    )


def log_to_stderr(level: int = logging.INFO) -> None:
    """Send the app's own log (sign-ins, uploads, lookups, exports) to standard error.

    Only :data:`log`: a root handler at INFO would also print every HTTP call Prefect's client
    makes to its temporary server.
    """
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(level)
        log.propagate = False
