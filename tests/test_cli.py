"""The ``sohoa`` command as users run it: a real subprocess, real Tesseract, a real database."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

NOISE = (
    "Traceback",
    "database is locked",
    "telemetry",
    "Starting temporary server",
    "INFO",
    "Warning",  # e.g. pydantic on a form field named like a BaseModel attribute
    "Error in ",  # leptonica, from the in-process Tesseract
)
EXPORT_KEYS = {"record_id", "document_id", "doc_type", "role", "status", "source", "fields"}
FIELD_KEYS = {"value", "raw", "confidence", "status", "page", "bbox"}


def sohoa(*args: str, cwd: Path, db: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOHOA_DATA_DIR": str(cwd / "data")}
    if db:
        env["SOHOA_DB_URL"] = db
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def scans(tmp_path: Path, samples_dir: Path) -> Path:
    folder = tmp_path / "scans"
    shutil.copytree(samples_dir, folder, ignore=shutil.ignore_patterns("*.json", "*.md"))
    return folder


def test_cli_digitise_prints_a_clean_summary_and_exports_the_schema(
    scans: Path, tmp_path: Path, db_url: str
) -> None:
    run = sohoa("digitise", str(scans), cwd=tmp_path, db=db_url)
    assert run.returncode == 0, run.stderr
    output = run.stdout + run.stderr
    assert "Batch summary" in run.stdout
    for noise in NOISE:
        assert noise not in output, f"{noise!r} in output:\n{output}"

    export = sohoa("export", "--format", "jsonl", cwd=tmp_path, db=db_url)
    assert export.returncode == 0, export.stderr
    records = [json.loads(line) for line in export.stdout.splitlines()]
    assert records and all(set(r) == EXPORT_KEYS for r in records)
    assert all(set(r["source"]) == {"file", "sha256", "pages"} for r in records)
    fields = [f for r in records for f in r["fields"].values()]
    assert fields and all(set(f) == FIELD_KEYS for f in fields)
    names = {r["fields"]["full_name"]["value"] for r in records if "full_name" in r["fields"]}
    assert any(" " in n and n == n.strip() and not n.isupper() for n in names), names

    again = sohoa("digitise", str(scans), cwd=tmp_path, db=db_url)
    assert again.returncode == 0
    export_again = sohoa("export", "--format", "jsonl", cwd=tmp_path, db=db_url)
    assert export_again.stdout == export.stdout


def test_cli_names_a_file_that_gave_no_record(tmp_path: Path, samples_dir: Path) -> None:
    from PIL import Image

    folder = tmp_path / "scans"
    folder.mkdir()
    shutil.copy(samples_dir / "cccd_front_002.jpg", folder)
    Image.new("L", (2480, 3508), 255).save(folder / "trang trắng.png", dpi=(300, 300))
    run = sohoa("digitise", str(folder), cwd=tmp_path)
    assert run.returncode == 0, run.stderr  # nothing failed: the blank page is no error
    output = " ".join((run.stdout + run.stderr).split())
    assert "1 file(s) gave no record" in output and "trang trắng.png" in output, output
    assert "cccd_front_002.jpg" not in output.split("gave no record")[1]


def test_cli_partial_failure_exit_code_lists_the_file(scans: Path, tmp_path: Path) -> None:
    (scans / "trang hỏng.pdf").write_bytes(b"%PDF-1.7\n%%EOF\n")
    run = sohoa("digitise", str(scans), "-q", cwd=tmp_path)
    assert run.returncode == 3
    assert "trang hỏng.pdf" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_cli_missing_path_exit_code(tmp_path: Path) -> None:
    run = sohoa("digitise", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert run.returncode == 4
    assert "nowhere" in run.stderr


def test_cli_digitise_cleaning_options_are_checked_before_anything_runs(
    scans: Path, tmp_path: Path
) -> None:
    run = sohoa(
        "digitise", str(scans), "--preprocess-json", '{"fax_redraw": "maybe"}', cwd=tmp_path
    )
    assert run.returncode == 2
    assert "--preprocess-json" in run.stderr and "fax_redraw" in run.stderr
    assert not (tmp_path / "data").exists()  # no database made, nothing stored


def test_cli_ocr_prints_pages_separated_by_form_feeds(samples_dir: Path, tmp_path: Path) -> None:
    tiff = next(samples_dir.glob("*.tif"))
    run = sohoa("ocr", str(tiff), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    pages = run.stdout.split("\f")
    assert len(pages) == 2 and all(p.strip() for p in pages)
    assert not (tmp_path / "data").exists()  # stores nothing


def test_cli_csv_export(scans: Path, tmp_path: Path) -> None:
    assert sohoa("digitise", str(scans), "-q", cwd=tmp_path).returncode == 0
    out = tmp_path / "records.csv"
    run = sohoa("export", "--format", "csv", "--out", str(out), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("record_id,document_id,doc_type,role")


def test_cli_export_without_a_database_says_so_and_creates_nothing(tmp_path: Path) -> None:
    run = sohoa("export", "--format", "jsonl", cwd=tmp_path)
    assert run.returncode == 5
    assert "no database" in run.stderr
    assert not (tmp_path / "data").exists()
