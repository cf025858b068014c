"""The batch flow end to end: real files, real Tesseract, real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.digitise import run_digitise
from pipeline.digitise import get_store
from pipeline.options import Options

pytestmark = pytest.mark.slow


@pytest.fixture
def batch(tmp_path: Path, samples_dir: Path) -> Path:
    """Two sample scans and one broken file, in a folder."""
    folder = tmp_path / "batch"
    folder.mkdir()
    for name in ("cccd_front_002.jpg", "application_form_003.png"):
        shutil.copy(samples_dir / name, folder / name)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\n")  # no pages, no xref
    return folder


def _options(db_url: str, tmp_path: Path) -> Options:
    return Options(db_url=db_url, data_dir=tmp_path / "data", workers=2)


def test_flow_digitises_a_batch_and_a_rerun_adds_nothing(
    batch: Path, db_url: str, tmp_path: Path
) -> None:
    events: list[str] = []
    options = _options(db_url, tmp_path)
    first = run_digitise([str(batch)], options, lambda event, data: events.append(event))
    totals = first.totals()
    assert totals["files"] == 3 and totals["failures"] == 1 and totals["pages"] == 2
    assert totals["records"] >= 2
    assert totals["fields_auto_accepted"] + totals["fields_needs_review"] >= 10
    assert events.count("page") == 2 and events.count("file") == 3 and "planned" in events
    (failure,) = first.failures
    assert failure.name == "batch/broken.pdf" and failure.reason

    store = get_store(db_url)
    before = store.counts()
    assert before["documents"] == 2 and before["failures"] == 1
    stored_failure = store.failures(first.batch_id)[0]
    assert stored_failure["name"] == "batch/broken.pdf"

    second = run_digitise([str(batch)], options)
    after = store.counts()
    # the broken file fails again (and is recorded again: failures are per batch); nothing else
    assert {k: v for k, v in after.items() if k not in ("failures", "batches")} == {
        k: v for k, v in before.items() if k not in ("failures", "batches")
    }
    assert second.totals()["skipped"] == 2


def test_flow_keeps_page_images_and_provenance(batch: Path, sqlite_url: str, tmp_path: Path):
    options = _options(sqlite_url, tmp_path)
    run_digitise([str(batch / "cccd_front_002.jpg")], options)
    images = list((tmp_path / "data" / "pages").rglob("*.png"))
    assert len(images) == 1
    (record,) = [r for r in get_store(sqlite_url).iter_export() if r["role"] == "subject"]
    field = record["fields"]["id_number"]
    assert field["page"] == 1 and len(field["bbox"]) == 4


def test_flow_reads_a_ledger_page_of_an_ordinary_batch_as_a_register(
    tmp_path: Path, sqlite_url: str
) -> None:
    """A register page dropped among other scans gives one ``entry`` per row, each with the
    page's book number, not one ``subject`` holding the book number alone."""
    from pipeline.samples.generate import DocumentSpec, make_document
    from pipeline.samples.truth import read_truth

    folder = tmp_path / "batch"
    spec = DocumentSpec(
        index=2, seed=5, doc_type="civil_register_page", profile="flatbed_300dpi", format="png"
    )  # a typed ledger page of six entries
    truth = read_truth(make_document(spec, folder))
    for path in folder.glob("*.json"):
        path.unlink()  # the batch holds the scan only
    summary = run_digitise([str(folder)], _options(sqlite_url, tmp_path))
    assert summary.totals()["failures"] == 0

    records = list(get_store(sqlite_url).iter_export())
    assert {r["doc_type"] for r in records} == {"civil_register_page"}
    assert [r["role"] for r in records] == ["entry"] * len(truth.records)
    book = truth.records[0].fields["book_number"]
    assert all(r["fields"]["book_number"]["value"] == book for r in records)
    names = [r["fields"].get("full_name", {}).get("value") for r in records]
    right = sum(n == t.fields["full_name"] for n, t in zip(names, truth.records, strict=True))
    assert right >= len(truth.records) - 1, names  # typed: the rows' names are read
