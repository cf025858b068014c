"""The ablation table's arithmetic: per-profile cells, and cleaning's cost in wall and CPU time."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.evaluate.ablation import ablation_table


def _run(folder: Path, name: str, cleaning: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    group = {"text": {"word_f1": 0.9812}, "fields": {"exact_match": 0.875}}
    result = {"by_profile": {"flatbed_300dpi": group}, "cleaning": cleaning}
    (folder / f"{name}.json").write_text(json.dumps(result), encoding="utf-8")


def test_ablation_table_shares_of_ocr_wall_and_cpu_time(tmp_path: Path) -> None:
    _run(
        tmp_path,
        "default",
        {
            "pages": 2,
            "ocr_seconds": 2.0,  # 1,000 ms a page
            "steps_ms": {"deskew": 300.0, "orient": 100.0},
            "cpu_pages": 2,
            "ocr_cpu_seconds": 1.6,  # 800 ms a page
            "steps_cpu_ms": {"deskew": 160.0, "orient": 80.0},
        },
    )
    table = ablation_table(tmp_path)
    assert "| default | 0.9812 / 0.875 |" in table
    assert "| deskew | 150.0 | 15.0% | 80.0 | 10.0% |" in table
    assert "| **all cleaning** | 200.0 | 20.0% | 120.0 | 15.0% |" in table
    assert "| OCR (Tesseract) | 1000 | | 800 | |" in table


def test_ablation_table_without_cpu_times_says_unknown(tmp_path: Path) -> None:
    """Runs of the command engine (or older runs) have wall times only."""
    _run(tmp_path, "default", {"pages": 1, "ocr_seconds": 1.0, "steps_ms": {"deskew": 50.0}})
    table = ablation_table(tmp_path)
    assert "| deskew | 50.0 | 5.0% | — | — |" in table
    assert "| **all cleaning** | 50.0 | 5.0% | — | — |" in table


def test_ablation_table_merges_run_folders(tmp_path: Path) -> None:
    half = {"pages": 1, "ocr_seconds": 1.0, "steps_ms": {"deskew": 100.0}}
    _run(tmp_path / "a", "default", half)
    _run(tmp_path / "b", "default", half | {"steps_ms": {"deskew": 300.0}})
    assert "| deskew | 200.0 | 20.0% | — | — |" in ablation_table(tmp_path / "a", tmp_path / "b")
