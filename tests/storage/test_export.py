"""JSON Lines and CSV writers, fed from a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from pipeline.export import CSV_COLUMNS, write_csv, write_jsonl
from pipeline.models import DocumentResult, ExtractedRecord
from pipeline.storage import Store

from ._data import PIPELINE_VERSION, make_result, sha


@pytest.fixture
def records(db_url: str) -> list[dict]:
    with Store(db_url) as store:
        for n, result in enumerate([make_result(n_records=2), make_result()]):
            store.register_file(sha(n), f"hồ-sơ-{n}/ks.pdf", 10, "application/pdf", "0.1.0")
            store.save_document(sha(n), result, [1, 2], PIPELINE_VERSION)
        return list(store.iter_export())


def test_export_jsonl_round_trip(records: list[dict]) -> None:
    out = io.StringIO()
    assert write_jsonl(records, out) == 3
    lines = out.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == records


def test_export_jsonl_keeps_vietnamese(records: list[dict]) -> None:
    out = io.StringIO()
    write_jsonl(records, out)
    text = out.getvalue()
    assert "Nguyễn Thị Hồng Nhung" in text and "hồ-sơ-0/ks.pdf" in text
    assert "\\u" not in text


def test_export_csv_round_trip(records: list[dict]) -> None:
    out = io.StringIO(newline="")
    assert write_csv(records, out) == 3
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == sum(len(r["fields"]) for r in records)
    by_key = {(row["record_id"], row["field"]): row for row in rows}
    for record in records:
        for name, field in record["fields"].items():
            row = by_key[record["record_id"], name]
            assert row["document_id"] == record["document_id"]
            assert row["record_status"] == record["status"]
            assert row["file"] == record["source"]["file"]
            assert json.loads(row["pages"]) == record["source"]["pages"]
            assert row["value"] == field["value"] and row["raw"] == field["raw"]
            assert float(row["confidence"]) == field["confidence"]
            assert row["field_status"] == field["status"] and int(row["page"]) == field["page"]
            assert (json.loads(row["bbox"]) if row["bbox"] else None) == field["bbox"]


def test_export_csv_record_without_fields(db_url: str) -> None:
    with Store(db_url) as store:
        store.register_file(sha(1), "blank.pdf", 10, "application/pdf", "0.1.0")
        result = DocumentResult(
            doc_type="unknown", doc_type_confidence=0.2, records=[ExtractedRecord()]
        )
        store.save_document(sha(1), result, [1], PIPELINE_VERSION)
        records = list(store.iter_export())
    out = io.StringIO(newline="")
    write_csv(records, out)
    (row,) = csv.DictReader(io.StringIO(out.getvalue(), newline=""))
    assert row["record_id"] == records[0]["record_id"] and row["record_status"] == "needs_review"
    assert row["field"] == row["value"] == row["bbox"] == ""


def test_export_writers_accept_empty_input() -> None:
    jsonl, table = io.StringIO(), io.StringIO(newline="")
    assert write_jsonl([], jsonl) == write_csv([], table) == 0
    assert jsonl.getvalue() == ""
    assert table.getvalue().strip() == ",".join(CSV_COLUMNS)
