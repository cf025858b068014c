"""The runner end to end on one small hand-made scan: real pipeline, real Tesseract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.evaluate.report import write_report
from pipeline.evaluate.runner import evaluate_folder, find_truths
from pipeline.samples.truth import GroundTruth, TruthPage, TruthRecord, write_truth

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
LINES = (
    "TỜ KHAI THÔNG TIN CÁ NHÂN",
    "Họ và tên: NGUYỄN VĂN AN",
    "Ngày sinh: 02/09/1990",
    "Số định danh cá nhân: 001090012345",
)


def _make_scan(folder: Path) -> Path:
    """A 300 dpi strip of text (small, so OCR takes a second) and its truth JSON."""
    font = ImageFont.truetype(str(FONT), 42)  # about 10 pt at 300 dpi
    image = Image.new("L", (1400, 120 + 80 * len(LINES)), 255)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(LINES):
        draw.text((80, 60 + 80 * row), line, font=font, fill=0)
    scan = folder / "form_001.png"
    image.save(scan, dpi=(300, 300))
    truth = GroundTruth(
        file=scan.name,
        doc_type="application_form",
        profile="clean_test",
        pages=[TruthPage(number=1, text="\n".join(LINES))],
        records=[
            TruthRecord(
                role="subject",
                fields={
                    "full_name": "Nguyễn Văn An",
                    "date_of_birth": "1990-09-02",
                    "id_number": "001090012345",
                },
            )
        ],
    )
    write_truth(truth, folder / "form_001.json")
    return scan


def test_runner_finds_truths_and_reports_problems(tmp_path: Path) -> None:
    _make_scan(tmp_path)
    (tmp_path / "other.json").write_text('{"not": "truth"}', encoding="utf-8")
    (tmp_path / "orphan.json").write_text(
        json.dumps(
            {"schema": "sohoa-truth/1", "file": "gone.pdf", "doc_type": "cmnd", "pages": []}
        ),
        encoding="utf-8",
    )
    (tmp_path / "bad.json").write_text('{"schema": "sohoa-truth/1"}', encoding="utf-8")
    found, problems = find_truths(tmp_path)
    assert [t.relative for t in found] == ["form_001.png"]
    assert found[0].name == str(tmp_path / "form_001.png")
    assert len(problems) == 2 and any("gone.pdf" in p for p in problems)


@pytest.mark.slow
def test_runner_evaluates_a_tiny_folder_and_writes_the_report(tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    _make_scan(folder)
    result = evaluate_folder(folder, workers=1)

    overall = result["overall"]
    assert overall["documents"] == 1 and overall["pages"] == 1 and overall["failed"] == 0
    assert overall["text"]["cer"] < 0.1
    assert overall["fields"]["in_truth"] == 3
    assert result["speed"]["pages"] == 1 and result["speed"]["ratio"] > 0
    assert result["by_profile"].keys() == {"clean_test"}

    written = write_report(result, tmp_path / "report", "sohoa eval scans")
    assert {p.name for p in written} == {"eval.json", "eval.md", "reliability.png", "fields.png"}
    assert all(p.stat().st_size > 0 for p in written)
    saved = json.loads((tmp_path / "report" / "eval.json").read_text(encoding="utf-8"))
    assert saved["command"] == "sohoa eval scans"
    assert "| measure | value |" in (tmp_path / "report" / "eval.md").read_text(encoding="utf-8")
