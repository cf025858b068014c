"""Rendering an evaluation: terminal tables, Markdown, plots, and the ``sohoa eval`` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rich.console import Console

from pipeline.evaluate.report import markdown_report, print_report, tables, write_report
from pipeline.evaluate.score import DocumentEval, FieldOutcome, score_text, summarise
from pipeline.exceptions import ExitCode

MACHINE = {
    "platform": "Linux-6.1-x86_64",
    "cores": 2,
    "cpu": "Test CPU",
    "python": "3.12.0",
    "tesseract": "tesseract 5.3.0",
    "sohoa": "0.1.0",
}


def _result() -> dict:
    outcome = FieldOutcome(
        file="a.png",
        doc_type="cccd_front",
        profile="phone_photo",
        role="subject",
        name="full_name",
        truth="Nguyễn Văn An",
        value="Nguyễn Văn An",
        extracted=True,
        confidence=0.93,
        status="auto_accepted",
    )
    doc = DocumentEval(
        file="a.png",
        doc_type="cccd_front",
        profile="phone_photo",
        predicted_doc_type="cccd_front",
        pages=1,
        text=score_text("Nguyễn Văn An", "Nguyễn Văn An"),
        fields=[outcome],
    )
    return summarise([doc]) | {"machine": MACHINE, "date": "2025-01-02T03:04:05+00:00"}


def test_report_tables_have_overall_fields_and_profiles() -> None:
    specs = tables(_result())
    assert [t.title for t in specs][:3] == ["Overall", "Fields by document type", "By scan profile"]
    assert specs[3].title.startswith("Printed values of non-register documents")
    assert specs[3].rows[0][:3] == ("all profiles", "1", "100.0 % (1/1)")
    assert specs[3].rows[1][0] == "phone_photo"
    overall = dict(specs[0].rows)
    assert overall["printed values, non-register documents: exact match (target ≥ 97 %)"] == (
        "100.0 % (1 of 1)"
    )
    assert specs[1].rows == [
        ("cccd_front", "full_name", "1", "1", "1", "100.0 %", "100.0 %", "100.0 %")
    ]
    assert specs[2].rows[0][0] == "phone_photo"
    assert all(len(row) == len(t.headers) for t in specs for row in t.rows)


def test_report_reads_results_written_before_the_printed_figures() -> None:
    result = _result()
    del result["printed"]
    assert len(tables(result)) == 3


def test_report_markdown_names_date_machine_and_command() -> None:
    md = markdown_report(_result(), "sohoa eval scans")
    assert md.startswith("## Evaluation — 2025-01-02")
    assert "`sohoa eval scans`" in md and "2 cores, Test CPU" in md
    assert "| cccd_front | full_name | 1 | 1 | 1 | 100.0 % | 100.0 % | 100.0 % |" in md


def test_report_prints_to_the_terminal() -> None:
    console = Console(record=True, width=160)
    print_report(_result() | {"problems": ["x.json: its scan x.pdf does not exist"]}, console)
    text = console.export_text()
    assert "OCR character error rate" in text and "left out: x.json" in text


def test_report_writes_json_markdown_and_plots(tmp_path: Path) -> None:
    written = write_report(_result(), tmp_path / "out", "sohoa eval scans")
    assert [p.name for p in written] == ["eval.json", "eval.md", "reliability.png", "fields.png"]
    assert all(p.read_bytes()[:4] in (b"\x89PNG",) for p in written[2:])


def test_report_cli_eval_without_truth_exits_no_input(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "eval", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == ExitCode.no_input
    assert "ground-truth" in done.stderr
