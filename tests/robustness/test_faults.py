"""Faults: Tesseract crashing or hanging, PostgreSQL restarted mid-batch, the process killed.

Fake Tesseracts are small Python scripts: they answer ``--version`` like the real one (pytesseract
checks it) and log each OCR call, so a test can count calls, then crash, hang or hand over to the
real ``tesseract``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytesseract
import pytest
from PIL import Image, ImageDraw

from flows.digitise import run_digitise
from pipeline.digitise import get_store
from pipeline.options import Options
from tests.conftest import IN_CI, PG_URL

REAL_TESSERACT = shutil.which("tesseract") or "/usr/bin/tesseract"

CRASH = """
sys.stderr.buffer.write(b"Error in pixReadStream: \\xff\\xfe\\x00 garbage " * 400)
sys.exit(134)
"""
HANG = """
time.sleep(3600)
"""
CRASH_ON_SECOND_CALL = """
if calls == 2:
    sys.stderr.write("Segmentation fault (core dumped)\\n")
    sys.exit(139)
os.execv(REAL, [REAL, *sys.argv[1:]])
"""
COUNT_ONLY = """
os.execv(REAL, [REAL, *sys.argv[1:]])
"""


def fake_tesseract(folder: Path, behaviour: str, name: str = "tesseract") -> tuple[Path, Path]:
    """An executable ``folder/name`` that logs each OCR call then runs ``behaviour``.

    Returns:
        The script and its call log (one line per OCR call: the process id).
    """
    folder.mkdir(parents=True, exist_ok=True)
    script, log = folder / name, folder / f"{name}.calls"
    script.write_text(
        f"#!{sys.executable}\n"
        "import os, sys, time\n"
        f"REAL = {REAL_TESSERACT!r}\n"
        "if len(sys.argv) < 3:  # --version, --list-langs: answer like the real one\n"
        "    os.execv(REAL, [REAL, *sys.argv[1:]])\n"
        f"with open({str(log)!r}, 'a') as fh:\n"
        "    fh.write(f'{os.getpid()}\\n')\n"
        f"with open({str(log)!r}) as fh:\n"
        "    calls = len(fh.readlines())\n" + behaviour
    )
    script.chmod(0o755)
    return script, log


def _calls(log: Path) -> list[int]:
    return [int(line) for line in log.read_text().split()] if log.exists() else []


def two_page_tiff(folder: Path, name: str = "two pages.tif") -> Path:
    pages = []
    for n in (1, 2):
        page = Image.new("L", (900, 500), 255)
        ImageDraw.Draw(page).text((60, 60 * n), f"Trang {n}: Ho va ten NGUYEN VAN AN", fill=0)
        pages.append(page)
    path = folder / name
    pages[0].save(path, save_all=True, append_images=pages[1:])
    return path


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    folder = tmp_path / "batch"
    folder.mkdir()
    two_page_tiff(folder)
    (folder / "empty.png").write_bytes(b"")
    return folder


def _options(tmp_path: Path, **kwargs) -> Options:
    # The fakes stand in for the `tesseract` command: these runs use the command engine.
    return Options(
        db_url=f"sqlite:///{tmp_path / 'sohoa.db'}",
        data_dir=tmp_path / "data",
        ocr_engine="cli",
        **kwargs,
    )


@pytest.mark.slow
def test_fault_tesseract_crash_with_garbage_is_a_clear_per_file_error(
    batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, log = fake_tesseract(tmp_path / "bin", CRASH)
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(script))
    summary = run_digitise([str(batch)], _options(tmp_path, workers=2))
    outcomes = {o.name: o for o in summary.outcomes}
    crashed = outcomes["batch/two pages.tif"]
    assert crashed.error == "OcrError"
    assert crashed.reason.startswith("page ") and "unreadable" in crashed.reason
    assert len(crashed.reason) < 400
    assert outcomes["batch/empty.png"].error == "EmptyFileError"  # the batch went on
    assert len(_calls(log)) == 2  # a crash is not transient: no retry


@pytest.mark.slow
def test_fault_tesseract_hang_is_killed_retried_then_reported(
    batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, log = fake_tesseract(tmp_path / "bin", HANG)
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(script))
    started = time.monotonic()
    summary = run_digitise(
        [str(batch / "two pages.tif")], _options(tmp_path, workers=2, tesseract_timeout=1)
    )
    assert time.monotonic() - started < 60
    (outcome,) = summary.outcomes
    assert outcome.error == "OcrTimeoutError" and "longer than 1 s" in outcome.reason
    pids = _calls(log)
    assert len(pids) == 2 * 3  # each page: the first try and two retries
    for pid in pids:  # every hung Tesseract was killed, none left behind
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


@pytest.mark.slow
def test_fault_tesseract_crash_on_page_two_keeps_page_one(
    batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = [str(batch / "two pages.tif")]
    options = _options(tmp_path, workers=1)  # pages in order: the 2nd call is page 2
    script, _ = fake_tesseract(tmp_path / "bin", CRASH_ON_SECOND_CALL)
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(script))
    (outcome,) = run_digitise(target, options).outcomes
    assert outcome.error == "OcrError" and outcome.reason.startswith("page 2: ")
    assert "Segmentation fault" in outcome.reason
    store = get_store(options.db_url)
    assert store.counts()["pages"] == 1 and store.counts()["documents"] == 0

    # Tesseract fixed: the re-run OCRs page 2 only, and the file is done.
    script, log = fake_tesseract(tmp_path / "bin", COUNT_ONLY, name="counting")
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(script))
    (outcome,) = run_digitise(target, options).outcomes
    assert outcome.error is None and outcome.pages == 2
    assert len(_calls(log)) == 1
    assert store.counts()["pages"] == 2 and store.counts()["documents"] == 1


# PostgreSQL restarted mid-batch --------------------------------------------------------------


def _restart_command() -> list[str] | None:
    """How to restart the test server: ``SOHOA_TEST_PG_RESTART``, else the local Debian
    cluster's ``pg_ctlcluster`` (root, server on this machine)."""
    if custom := os.environ.get("SOHOA_TEST_PG_RESTART"):
        return shlex.split(custom)
    tool, conf = shutil.which("pg_ctlcluster"), Path("/etc/postgresql")
    if not tool or not conf.is_dir() or os.geteuid() != 0 or "127.0.0.1" not in PG_URL:
        return None
    versions = sorted((p.name for p in conf.iterdir() if p.name.isdigit()), key=int)
    if not versions:
        return None
    return [tool, "--skip-systemctl-redirect", versions[-1], "main", "restart"]


def _scans(samples_dir: Path, folder: Path) -> Path:
    shutil.copytree(samples_dir, folder, ignore=shutil.ignore_patterns("*.json", "*.md"))
    return folder


def _pg_count(url: str, table: str) -> int:
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(conninfo, connect_timeout=2) as conn:
            return conn.execute(f"select count(*) from {table}").fetchone()[0]
    except psycopg.Error:
        return -1  # not migrated yet, or down


@pytest.mark.slow
@pytest.mark.postgres
def test_fault_postgres_restart_mid_batch(pg_url: str, samples_dir: Path, tmp_path: Path) -> None:
    command = _restart_command()
    if command is None:
        message = "cannot restart PostgreSQL here: set SOHOA_TEST_PG_RESTART"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    scans = _scans(samples_dir, tmp_path / "scans")
    options = Options(db_url=pg_url, data_dir=tmp_path / "data", workers=1)
    result: dict = {}

    def batch() -> None:
        try:
            result["summary"] = run_digitise([str(scans)], options)
        except Exception as exc:  # reported by the assertion below
            result["error"] = exc

    worker = threading.Thread(target=batch)
    worker.start()
    deadline = time.monotonic() + 120
    while _pg_count(pg_url, "pages") < 1 and worker.is_alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert worker.is_alive(), "the batch finished before the restart: nothing was tested"
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    worker.join(300)
    assert "error" not in result, result.get("error")
    first = result["summary"]
    # The store waited for the server and retried: no file was lost to the restart.
    assert first.failures == [], [(f.name, f.reason) for f in first.failures]

    store = get_store(pg_url)
    counts = store.counts()
    second = run_digitise([str(scans)], options)
    assert second.failures == [] and second.totals()["skipped"] == len(second.outcomes)
    after = store.counts()
    assert {k: v for k, v in after.items() if k != "batches"} == {
        k: v for k, v in counts.items() if k != "batches"
    }
    assert counts["documents"] == len(first.outcomes)


# Killed with SIGKILL mid-batch ---------------------------------------------------------------


def _sqlite_rows(db: Path, query: str) -> list[tuple]:
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return conn.execute(query).fetchall()
    except sqlite3.OperationalError:
        return []  # not created or migrated yet


@pytest.mark.slow
def test_fault_sigkill_mid_batch_then_rerun_processes_each_file_once(
    samples_dir: Path, tmp_path: Path
) -> None:
    scans = _scans(samples_dir, tmp_path / "scans")
    db = tmp_path / "sohoa.db"
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    _, log = fake_tesseract(tmp_path / "bin", COUNT_ONLY)
    env = {
        **os.environ,
        "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "SOHOA_DATA_DIR": str(tmp_path / "data"),
        "SOHOA_OCR_ENGINE": "cli",
        "TMPDIR": str(private_tmp),
    }
    command = [sys.executable, "-m", "pipeline", "digitise", str(scans), "--db", f"sqlite:///{db}"]
    command += ["--workers", "1", "--quiet"]

    # start_new_session: the kill takes Prefect's temporary server (a child process) down too.
    victim = subprocess.Popen(command, env=env, cwd=tmp_path, start_new_session=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and victim.poll() is None:
        if _sqlite_rows(db, "select count(*) from pages") >= [(2,)]:
            break
        time.sleep(0.2)
    assert victim.poll() is None, "the batch finished before it could be killed"
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(30)
    cached = _sqlite_rows(db, "select id, file_id, number, created_at from pages order by id")
    calls_before = len(_calls(log))
    assert len(cached) >= 2

    rerun = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert rerun.returncode == 0, rerun.stderr

    files = _sqlite_rows(db, "select count(*), sum(status = 'done') from files")[0]
    documents = _sqlite_rows(db, "select count(*), count(distinct file_id) from documents")[0]
    records = _sqlite_rows(
        db, "select count(*), count(distinct document_id || ':' || position) from records"
    )[0]
    fields = _sqlite_rows(
        db, "select count(*), count(distinct record_id || ':' || name) from fields"
    )[0]
    pages = _sqlite_rows(db, "select id, file_id, number, created_at from pages order by id")
    assert files[0] == files[1] == documents[0] == documents[1]  # every file done, once
    assert records[0] == records[1] and fields[0] == fields[1] and records[0] >= files[0]
    # Pages finished before the kill were kept as they were, and not OCRed again.
    assert pages[: len(cached)] == cached
    assert len(_calls(log)) - calls_before == len(pages) - len(cached)
    # The killed run's temporary folders (page images) were swept by the next run.
    assert [p.name for p in private_tmp.iterdir() if p.name.startswith("sohoa-")] == []
