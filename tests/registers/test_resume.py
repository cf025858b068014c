"""A register book survives SIGKILL: the re-run OCRs no finished page and stores no entry twice.

Runs the real CLI in a subprocess (``python -m pipeline digitise BOOK --register …``), kills its
whole process group with SIGKILL once some pages are in the page cache, runs it again and checks
the cache rows and page images of the pages finished before the kill are untouched (a re-OCR
would rewrite both) and that there is exactly one record per ledger entry.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.registers.bench import make_book

pytestmark = pytest.mark.slow

PAGES = 4


def _pages(db: Path) -> list[tuple[int, str]]:
    """Every page cache row as (page number, creation time)."""
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT number, created_at FROM pages ORDER BY id").fetchall()
    except sqlite3.OperationalError:
        return []  # tables not created yet


def test_resume_after_sigkill_reocrs_no_page_and_duplicates_no_entry(tmp_path: Path):
    book = tmp_path / "book.pdf"
    truth = json.loads(make_book(book, pages=PAGES, kind="printed", seed=5).read_text("utf-8"))
    entries = sum(len(p["records"]) for p in truth["pages"])
    db = tmp_path / "book.db"
    data = tmp_path / "data"
    env = {**os.environ, "SOHOA_DATA_DIR": str(data)}
    command = [
        sys.executable, "-m", "pipeline", "digitise", str(book),
        "--register", "khai_sinh_truoc_2016", "--db", f"sqlite:///{db}", "--workers", "1",
    ]  # fmt: skip

    first = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 600
    while len(_pages(db)) < 2:
        assert first.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "no page cached in 10 minutes"
        time.sleep(0.2)
    os.killpg(first.pid, signal.SIGKILL)  # the CLI and its Tesseract children, no clean-up
    first.wait()
    before = _pages(db)
    assert 2 <= len(before) < PAGES
    images = {p.name: p.stat().st_mtime_ns for p in data.rglob("*.png")}

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert second.returncode == 0, second.stderr[-2000:]
    after = _pages(db)
    # Pages finished before the kill were not OCRed again: their cache rows are the same ones
    # (a re-OCR would add a row, or a row under a new key), and their images were not rewritten.
    assert sorted(n for n, _ in after) == list(range(1, PAGES + 1))
    assert after[: len(before)] == before
    for number, _ in before:
        name = f"{number:04d}.png"
        assert next(data.rglob(name)).stat().st_mtime_ns == images[name]

    with sqlite3.connect(db) as conn:
        records = conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        numbers = conn.execute(
            "SELECT f.value FROM fields f WHERE f.name = 'registration_number'"
        ).fetchall()
    assert records == entries  # one record per ledger entry, none twice
    assert len(numbers) == entries

    third = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert third.returncode == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM records").fetchone()[0] == entries
