"""The watched drop folder: only settled files are taken, each ends in done/ or failed/; and the
batch artifact's markdown."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import pipeline.digitise as digitise
from flows.artifacts import batch_markdown
from flows.deploy import DONE, FAILED, stable_files, watch_once
from pipeline.digitise import BatchSummary, FileOutcome
from pipeline.options import Options, PreprocessOptions
from tests.flows.test_cache import CountingEngine


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_deploy_stable_files_skip_fresh_hidden_and_sorted_files(tmp_path: Path) -> None:
    for name in ("old.pdf", "fresh.pdf", ".scan.tmp", "done/x.pdf", "failed/y.pdf"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"%PDF")
    (tmp_path / "empty.pdf").touch()
    for name in ("old.pdf", ".scan.tmp", "done/x.pdf", "failed/y.pdf", "empty.pdf"):
        _age(tmp_path / name, 60)
    assert stable_files(tmp_path, settle=10) == [tmp_path / "old.pdf"]


@pytest.mark.slow
def test_deploy_watch_once_digitises_and_moves_files(
    tmp_path: Path, samples_dir: Path, monkeypatch: pytest.MonkeyPatch, make_document
) -> None:
    engine = CountingEngine(make_document)
    monkeypatch.setattr(digitise, "make_engine", lambda options: engine)
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "scan.jpg").write_bytes((samples_dir / "cccd_front_002.jpg").read_bytes())
    (drop / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\n")
    (drop / "still-writing.jpg").write_bytes(b"\xff\xd8\xff")
    for name in ("scan.jpg", "broken.pdf"):
        _age(drop / name, 60)
    options = Options(
        db_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
        data_dir=tmp_path / "data",
        workers=1,
        doc_type="cccd_front",
        preprocess=PreprocessOptions.none(),
    )
    assert watch_once(drop, options, settle=10) == {"done": 1, "failed": 1}
    assert (drop / DONE / "scan.jpg").is_file() and (drop / FAILED / "broken.pdf").is_file()
    assert (drop / FAILED / "broken.pdf.error.txt").read_text().strip()
    assert (drop / "still-writing.jpg").is_file() and engine.calls == 1


def test_deploy_artifact_links_the_review_queue() -> None:
    summary = BatchSummary(batch_id=7, seconds=3.0)
    summary.outcomes = [
        FileOutcome(name="a.pdf", sha256="a", pages=2, records=1, accepted=3, review=2),
        FileOutcome(name="b.pdf", sha256=None, error="CorruptFileError", reason="damaged"),
    ]
    text = batch_markdown(summary, public_url="https://sohoa.example/")
    assert "## Batch 7" in text and "| fields needing review | 2 |" in text
    assert "- `b.pdf`: damaged" in text
    assert "(https://sohoa.example/review)" in text
    assert "review)" not in batch_markdown(summary, public_url="")
