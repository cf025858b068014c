"""The cleaning-cost command: which pages it measures, and what it adds up."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.evaluate.cost import cost_pages, main, measure_cost
from pipeline.samples.truth import GroundTruth, TruthPage, write_truth

SAMPLES = Path(__file__).resolve().parents[2] / "sample_scans"


def _truth(folder: Path, stem: str, doc_type: str, profile: str) -> None:
    page = TruthPage(number=1, text="x")
    truth = GroundTruth(file=f"{stem}.png", doc_type=doc_type, profile=profile, pages=[page])
    write_truth(truth, folder / f"{stem}.json")
    (folder / f"{stem}.png").write_bytes(b"")


def test_cost_pages_are_one_per_type_and_profile_without_registers(tmp_path: Path) -> None:
    _truth(tmp_path, "a_1", "cccd_front", "flatbed_300dpi")
    _truth(tmp_path, "a_2", "cccd_front", "flatbed_300dpi")  # same kind: skipped
    _truth(tmp_path, "a_3", "cccd_front", "phone_photo")
    _truth(tmp_path, "b_1", "civil_register_page", "flatbed_300dpi")  # a ledger: skipped
    assert [p.name for p in cost_pages(tmp_path)] == ["a_1.png", "a_3.png"]
    assert [p.name for p in cost_pages(tmp_path, every=True)] == ["a_1.png", "a_2.png", "a_3.png"]


def test_cost_of_real_pages_adds_its_steps_up(tmp_path: Path) -> None:
    scans = cost_pages(SAMPLES)[:2]
    assert scans
    result = measure_cost(scans, repeat=1)
    assert result["pages"] == len(scans)
    assert {"orient", "deskew", "normalise_resolution"} <= set(result["steps_ms"])
    assert sum(result["steps_ms"].values()) == pytest.approx(result["cleaning_ms"], abs=0.1 * 12)
    assert result["ocr_ms"] > 0
    assert result["share"] == pytest.approx(result["cleaning_ms"] / result["ocr_ms"], rel=0.01)


def test_cost_command_refuses_a_folder_without_truth(tmp_path: Path, capsys) -> None:
    shutil.copy(next(SAMPLES.glob("*.png")), tmp_path / "scan.png")
    with pytest.raises(SystemExit) as stop:
        main([str(tmp_path)])
    assert stop.value.code == 2
    assert "no labelled scans" in capsys.readouterr().err
