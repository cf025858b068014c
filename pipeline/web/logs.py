"""Logging for the web app: personal ID numbers never reach a log file unmasked (Decree 13/2023).

Everything the app logs goes through the single logger :data:`log`, which carries
:class:`IdMaskingFilter`; :func:`install_log_masking` adds the same filter to uvicorn's loggers,
whose access log would otherwise write request paths and query strings as they came.

    >>> mask_ids("CCCD 001087012345, CMND 123456789")
    'CCCD 001******345, CMND 123***789'
"""

from __future__ import annotations

import logging
import re

__all__ = ["IdMaskingFilter", "install_log_masking", "log", "log_to_stderr", "mask_ids"]

# 12 digits (CCCD) or 9 digits (CMND), not part of a longer number (a SHA-256, a timestamp).
_ID = re.compile(r"(?<![0-9A-Za-z])(\d{3})(\d{6}|\d{3})(\d{3})(?![0-9A-Za-z])")


def mask_ids(text: str) -> str:
    """``text`` with every 12- or 9-digit number reduced to its first and last three digits."""
    return _ID.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


class IdMaskingFilter(logging.Filter):
    """Rewrites a record's message (arguments merged in) with the ID numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_ids(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


log = logging.getLogger("pipeline.web")
log.addFilter(IdMaskingFilter())

_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def install_log_masking() -> None:
    """Mask IDs in uvicorn's own log records too (idempotent)."""
    for name in _UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, IdMaskingFilter) for f in logger.filters):
            logger.addFilter(IdMaskingFilter())


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
