"""Write export records (DESIGN.md "Export record", a contract) as JSON Lines or CSV.

The records come from :meth:`pipeline.storage.Store.iter_export`; these writers only format them,
so both formats always carry the same data. CSV columns are documented in ``docs/storage.md``.

Example:
    >>> import io
    >>> out = io.StringIO()
    >>> write_jsonl([{"record_id": "r1", "fields": {"full_name": {"value": "Nguyễn Văn A"}}}], out)
    1
    >>> out.getvalue()
    '{"record_id": "r1", "fields": {"full_name": {"value": "Nguyễn Văn A"}}}\\n'
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, TextIO

__all__ = ["CSV_COLUMNS", "write_csv", "write_jsonl"]

CSV_COLUMNS = (
    "record_id",
    "document_id",
    "doc_type",
    "role",
    "record_status",
    "file",
    "sha256",
    "pages",
    "field",
    "value",
    "raw",
    "confidence",
    "field_status",
    "page",
    "bbox",
)


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    """Write one JSON object per line, Vietnamese kept as is (not ``\\u`` escaped).

    Returns:
        The number of records written.
    """
    n = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False))
        out.write("\n")
        n += 1
    return n


def write_csv(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    """Write one row per (record, field) under a header row.

    ``pages`` and ``bbox`` are JSON arrays (``[1, 2]``, ``[412, 630, 1290, 688]``); None becomes
    an empty cell. A record without fields still gets one row, with the field columns empty, so no
    record disappears from the export. Open ``out`` with ``newline=""`` and ``encoding="utf-8"``
    (the csv module writes its own ``\\r\\n`` line ends).

    Returns:
        The number of records written.
    """
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    n = 0
    for record in records:
        source = record["source"]
        common = {
            "record_id": record["record_id"],
            "document_id": record["document_id"],
            "doc_type": record["doc_type"],
            "role": record["role"],
            "record_status": record["status"],
            "file": source["file"],
            "sha256": source["sha256"],
            "pages": json.dumps(source["pages"]),
        }
        fields = record["fields"] or {None: None}
        for name, field in fields.items():
            row = dict(common, field=name)
            if field is not None:
                row.update(
                    value=field["value"],
                    raw=field["raw"],
                    confidence=field["confidence"],
                    field_status=field["status"],
                    page=field["page"],
                    bbox=None if field["bbox"] is None else json.dumps(field["bbox"]),
                )
            writer.writerow(row)
        n += 1
    return n
