"""Concurrency on PostgreSQL: no update lost between stewards, batches and processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.citizens import link_document, link_record
from pipeline.digitise import get_store
from pipeline.models import DocumentResult, ExtractedRecord
from pipeline.storage import review
from pipeline.storage.refresh import store_document
from pipeline.storage.schema import CitizenValueRow, DocumentRow, FieldRow, RecordRow, ReviewRow
from tests.web._data import ID_NUMBER, field, store_card

pytestmark = pytest.mark.postgres


@pytest.fixture
def dossier(pg_url: str, tmp_path: Path) -> str:
    document_id = store_card(
        pg_url,
        tmp_path / "data",
        1,
        {
            "id_number": field("id_number", ID_NUMBER),
            "full_name": field("full_name", "Nguyễn Văn Ann", 0.5),
            "date_of_birth": field("date_of_birth", "1990-09-02", 0.3),
        },
    )
    link_document(get_store(pg_url).engine, document_id)
    return document_id


def _field_id(engine, name: str) -> int:
    with Session(engine) as s:
        return s.scalars(select(FieldRow.id).where(FieldRow.name == name)).one()


def test_concurrency_two_stewards_same_record_one_conflict(pg_url: str, dossier: str) -> None:
    """Two sessions save the same record from the same version at the same moment: one wins,
    the other gets a clear conflict, and nothing of the loser is written."""
    engine = get_store(pg_url).engine
    targets = {"lan": _field_id(engine, "full_name"), "minh": _field_id(engine, "date_of_birth")}
    values = {"lan": "Nguyễn Văn An", "minh": "02/09/1991"}
    start = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def edit(steward: str) -> None:
        start.wait()
        try:
            review.apply_review(engine, targets[steward], "correct", steward, 1, values[steward])
            outcome[steward] = "saved"
        except review.StaleRecordError as exc:
            outcome[steward] = exc

    threads = [threading.Thread(target=edit, args=(s,)) for s in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    winners = [s for s, o in outcome.items() if o == "saved"]
    losers = [o for o in outcome.values() if isinstance(o, review.StaleRecordError)]
    assert len(winners) == 1 and len(losers) == 1
    assert "người khác thay đổi" in str(losers[0])
    (loser,) = set(targets) - set(winners)
    with Session(engine) as s:
        assert s.scalar(select(RecordRow.version_id)) == 2
        assert s.scalars(select(ReviewRow.reviewer)).all() == winners
        lost_field = s.get(FieldRow, targets[loser])
        assert lost_field.status == "needs_review"  # the loser's change was rolled back whole


@pytest.mark.slow
def test_concurrency_two_processes_same_file_and_a_steward(
    pg_url: str, dossier: str, samples_dir: Path, tmp_path: Path
) -> None:
    """Two ``sohoa digitise`` processes on the same file while a steward edits another record:
    the file is stored once, neither process reports a failure, and the edit stands."""
    scan = tmp_path / "cccd.jpg"
    shutil.copy(samples_dir / "cccd_front_002.jpg", scan)
    env = {**os.environ, "SOHOA_DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "-m", "pipeline", "digitise", str(scan), "--db", pg_url, "-q"]
    runs = [
        subprocess.Popen(
            command,
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    engine = get_store(pg_url).engine
    done = review.apply_review(
        engine, _field_id(engine, "full_name"), "correct", "lan", 1, "Nguyễn Văn An"
    )
    results = [run.communicate(timeout=600) for run in runs]
    for run, (_, stderr) in zip(runs, results, strict=True):
        assert run.returncode == 0, stderr
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(DocumentRow)) == 2
        pairs = s.execute(select(FieldRow.record_id, FieldRow.name)).all()
        assert len(pairs) == len(set(pairs))
        assert s.get(FieldRow, done["field_id"]).value == "Nguyễn Văn An"
        assert s.scalar(select(func.count()).select_from(ReviewRow)) == 1


def test_concurrency_refresh_waits_for_a_linker_of_the_same_record(
    pg_url: str, dossier: str
) -> None:
    """A re-extraction replacing a record's fields while another process links that record
    (its citizen values point at the old fields) waits for it, instead of failing with a
    foreign-key violation, as a second `sohoa digitise` of the same file once did."""
    store = get_store(pg_url)
    linked, release = threading.Event(), threading.Event()

    def link() -> None:
        with Session(store.engine) as s, s.begin():
            link_record(s, s.scalars(select(RecordRow.id)).one())
            linked.set()
            release.wait(10)  # the linker's transaction stays open a while

    linker = threading.Thread(target=link)
    linker.start()
    assert linked.wait(10)
    threading.Timer(1.0, release.set).start()
    fields = {"id_number": field("id_number", ID_NUMBER), "full_name": field("full_name", "Lê An")}
    result = DocumentResult(
        doc_type="cccd_front",
        doc_type_confidence=0.9,
        records=[ExtractedRecord(role="subject", fields=fields)],
    )
    store_document(store, f"{1:064x}", result, [1], "0.1.0", {"extract": "new"})
    linker.join(10)
    with Session(store.engine) as s:
        assert sorted(s.scalars(select(FieldRow.value))) == [ID_NUMBER, "Lê An"]
        field_ids = set(s.scalars(select(FieldRow.id)))
        assert set(s.scalars(select(CitizenValueRow.field_id))) <= field_ids
