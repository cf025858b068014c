"""The benchmark's arithmetic, its table and its memory probe (speeds themselves live in its
output, never in assertions)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.bench import PeakRss, markdown_table, ratios, verdicts


def _result(**overrides) -> dict:
    result = {
        "pages": 60,
        "workers": 2,
        "inputs": "book.pdf + images/",
        "machine": {"cpu": "test CPU", "cores": 2, "tesseract": "tesseract 5.3.0"},
        "date": "2026-11-24T00:00:00+00:00",
        "tesseract": {"seconds": 60.0, "cpu_seconds": 118.0},
        "sohoa": {"seconds": 66.0, "cpu_seconds": 130.0, "flow_seconds": 61.0},
        "rerun": {"seconds": 1.5, "cpu_seconds": 1.2},
        "ocrmypdf": {"seconds": 150.0, "cpu_seconds": 280.0},
    }
    return result | overrides


def test_bench_ratios_are_throughput_ratios() -> None:
    r = ratios(_result())
    assert r["tesseract_pps"] == 1.0 and r["sohoa_pps"] == pytest.approx(60 / 66, abs=1e-3)
    assert r["sohoa_vs_tesseract"] == pytest.approx(60 / 66, abs=1e-3)
    assert r["sohoa_flow_vs_tesseract"] == pytest.approx(60 / 61, abs=1e-3)
    assert r["sohoa_vs_ocrmypdf"] == pytest.approx(150 / 66, abs=1e-3)
    assert r["rerun_speedup"] == 44.0
    assert r["cpu_sohoa_vs_tesseract"] == pytest.approx(118 / 130, abs=1e-3)


@pytest.mark.parametrize(
    ("sohoa_seconds", "rerun_seconds", "expected"),
    [
        (66.0, 1.5, (True, True, True)),
        (80.0, 1.5, (False, False, True)),  # 0.75 × Tesseract, 1.9 × OCRmyPDF
        (66.0, 4.0, (True, True, False)),
    ],
)
def test_bench_verdicts_follow_the_targets(sohoa_seconds, rerun_seconds, expected) -> None:
    result = _result(
        sohoa={"seconds": sohoa_seconds, "cpu_seconds": 1.0},
        rerun={"seconds": rerun_seconds, "cpu_seconds": 1.0},
    )
    result["ratios"] = ratios(result)
    met = verdicts(result)
    assert (met["sohoa_vs_tesseract"], met["sohoa_vs_ocrmypdf"], met["rerun_speedup"]) == expected
    assert met["memory_peak_mb"] is None  # not measured without --memory-pages


def test_bench_table_says_what_was_missed_and_what_was_not_measured() -> None:
    result = _result(sohoa={"seconds": 80.0, "cpu_seconds": 150.0}, ocrmypdf=None)
    result["ratios"] = ratios(result)
    result["verdicts"] = verdicts(result)
    table = markdown_table(result)
    assert "| sohoa ≥ 0.85 × bare Tesseract | 0.75 ×" in table and "**missed**" in table
    assert "| sohoa ≥ 2 × OCRmyPDF | — ×" in table and "not measured" in table


def test_bench_peak_rss_counts_child_processes() -> None:
    # The parent is a small Python; its child holds ~200 MB: the tree's peak must include it.
    child = (
        "import time; b = bytearray(200 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(2)"
    )
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"
    proc = subprocess.Popen([sys.executable, "-c", parent])
    with PeakRss(proc.pid, interval=0.05) as peak:
        proc.wait()
    assert peak.mb > 180
    # Both are ``python -c`` processes: their kind holds the child's memory, and the first
    # sample of the timeline was taken at the start.
    kinds = peak.kinds_mb()
    python = f"{Path(sys.executable).name} -c"
    assert list(kinds) == [python] and kinds[python] > 180
    assert peak.timeline and peak.timeline[0][0] < 1.0


def test_bench_peak_rss_does_not_count_a_fork_twice() -> None:
    # A 200 MB process forks; the child waits a second before it becomes `sleep`: in that
    # second it shares its parent's pages (the moment every Tesseract goes through).
    script = (
        "import os, time; b = bytearray(200 * 2**20); b[::4096] = b'x' * len(b[::4096])\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    time.sleep(1.0); os.execv('/bin/sleep', ['sleep', '0.5'])\n"
        "os.waitpid(pid, 0)"
    )
    proc = subprocess.Popen([sys.executable, "-c", script])
    with PeakRss(proc.pid, interval=0.05) as peak:
        proc.wait()
    assert peak.forks_skipped > 0
    assert 180 < peak.mb < 300  # the parent once, not twice
    assert set(peak.kinds_mb()) >= {f"{Path(sys.executable).name} -c", "sleep"}


def test_bench_peak_rss_names_processes_by_what_they_run() -> None:
    kind = PeakRss.kind
    assert kind(["/x/.venv/bin/python", "-m", "pipeline", "digitise", "a.pdf"]) == "sohoa"
    assert kind(["/x/python3.11", "-m", "uvicorn", "--app-dir", "/x", "app"]) == "uvicorn"
    assert kind(["/usr/bin/tesseract", "in.png", "stdout"]) == "tesseract"
    assert kind(["/x/.venv/bin/python", "/x/.venv/bin/sohoa", "serve"]) == "sohoa"


@pytest.mark.slow
def test_bench_book_run_digitises_a_register_book_and_keeps_its_entries(tmp_path) -> None:
    from pipeline.bench import run_book
    from pipeline.registers.bench import make_book, score_book

    book = tmp_path / "book.pdf"
    make_book(book, pages=2, kind="printed", seed=3)
    result = run_book(book, "khai_sinh_truoc_2016", tmp_path / "out", workers=2)
    assert result["pages"] == 2 and result["peak_rss_mb"] > 100
    assert (tmp_path / "out" / "book-book.json").is_file()
    # The entries stay in the book's database, where the register scorer finds them.
    score = score_book(book, result["database"])
    assert score["entries"] > 0 and score["records"] > 0


def test_bench_same_engine_ratio_holds_the_ocr_engine_equal() -> None:
    """sohoa against the command and against the library it runs: two different questions."""
    result = _result(library={"seconds": 40.0, "cpu_seconds": 80.0})
    result["ratios"] = r = ratios(result)
    assert r["sohoa_vs_tesseract"] == pytest.approx(60 / 66, abs=1e-3)
    assert r["sohoa_vs_library"] == pytest.approx(40 / 66, abs=1e-3)
    assert r["sohoa_flow_vs_library"] == pytest.approx(40 / 61, abs=1e-3)
    result["verdicts"] = met = verdicts(result)
    assert met["sohoa_vs_tesseract"] is True and met["sohoa_vs_library"] is False
    table = markdown_table(result)
    assert "bare libtesseract" in table and "0.61 ×" in table


def test_bench_without_a_library_run_leaves_the_same_engine_ratio_unmeasured() -> None:
    result = _result()
    result["ratios"] = ratios(result)
    assert result["ratios"]["sohoa_vs_library"] is None
    assert verdicts(result)["sohoa_vs_library"] is None
