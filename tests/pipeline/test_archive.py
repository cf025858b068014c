"""Archival outputs: ALTO 4 valid against the shipped schema, searchable PDF, entries CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest
from lxml import etree
from pypdf import PdfReader

from pipeline.archive import ALTO_NS, ALTO_XSD, alto_xml, write_entries_csv, write_searchable_pdf
from pipeline.models import Line, Page, Word


def _page(number: int = 1) -> Page:
    words = (
        Word(text="Nguyễn", confidence=0.91, bbox=(100, 100, 300, 150)),
        Word(text="Thị", confidence=0.5, bbox=(320, 100, 400, 150)),
        Word(text='"Nữ"&<x>', confidence=0.97, bbox=(420, 100, 600, 150)),
    )
    return Page(number=number, width=1200, height=800, lines=(Line(words=words, block=3),), dpi=150)


def _image(tmp_path: Path, *, bitonal: bool) -> Path:
    grey = np.full((800, 1200), 255, np.uint8)
    cv2.putText(grey, "Nguyen Thi Nu", (100, 150), cv2.FONT_HERSHEY_SIMPLEX, 2, 0, 4)
    if not bitonal:
        grey[400:700, 100:1100] = np.linspace(60, 230, 1000, dtype=np.uint8)  # a grey wash
    path = tmp_path / ("bw.png" if bitonal else "grey.png")
    cv2.imwrite(str(path), grey)
    return path


def test_archive_alto_is_valid_alto4_with_word_confidences():
    schema = etree.XMLSchema(etree.parse(str(ALTO_XSD)))
    document = etree.fromstring(alto_xml(_page(), image_name="0001.png"))
    schema.assertValid(document)
    strings = document.findall(f".//{{{ALTO_NS}}}String")
    assert [s.get("CONTENT") for s in strings] == ["Nguyễn", "Thị", '"Nữ"&<x>']
    assert [s.get("WC") for s in strings] == ["0.910", "0.500", "0.970"]
    assert strings[0].get("HPOS") == "100" and strings[0].get("WIDTH") == "200"


def test_archive_alto_schema_rejects_a_confidence_above_one():
    schema = etree.XMLSchema(etree.parse(str(ALTO_XSD)))
    document = etree.fromstring(alto_xml(_page()).replace(b'WC="0.910"', b'WC="91"'))
    assert not schema.validate(document)


@pytest.mark.parametrize(
    ("bitonal", "expected_filter"), [(True, "/CCITTFaxDecode"), (False, "/DCTDecode")]
)
def test_archive_pdf_has_image_and_searchable_text(tmp_path, bitonal, expected_filter):
    image = _image(tmp_path, bitonal=bitonal)
    out = tmp_path / "book.pdf"
    summary = write_searchable_pdf([(_page(1), image), (_page(2), image)], out)
    assert summary.pages == 2 and summary.bitonal_pages == (2 if bitonal else 0)
    reader = PdfReader(out)
    assert len(reader.pages) == 2
    text = reader.pages[0].extract_text()
    assert "Nguyễn" in text and "Thị" in text
    xobject = reader.pages[0]["/Resources"]["/XObject"]["/Im0"].get_object()
    assert xobject["/Filter"] == expected_filter
    # 1200 px at 150 dpi is 576 pt: the page has the scan's physical size.
    assert float(reader.pages[0].mediabox.width) == pytest.approx(576, abs=0.5)


def test_archive_bitonal_pdf_renders_black_ink_on_white(tmp_path):
    pdftoppm = pytest.importorskip("pdf2image")
    out = tmp_path / "book.pdf"
    write_searchable_pdf([(_page(), _image(tmp_path, bitonal=True))], out, mode="bitonal")
    (rendered,) = pdftoppm.convert_from_path(out, dpi=50, grayscale=True)
    pixels = np.asarray(rendered)
    assert pixels.mean() > 200  # paper stays white (the G4 polarity is right)
    assert pixels.min() < 60  # and the text is black


def test_archive_csv_has_one_row_per_entry_in_template_order(tmp_path):
    records = [
        {
            "record_id": f"r{i}",
            "status": "needs_review",
            "fields": {
                "full_name": {"value": name, "status": "auto_accepted", "page": 3},
                "registration_number": {"value": str(i), "status": "needs_review", "page": 3},
            },
        }
        for i, name in enumerate(("Nguyễn Văn An", "Lê Thị Bình"), start=1)
    ]
    out = tmp_path / "entries.csv"
    assert write_entries_csv(records, out, ["registration_number", "full_name"]) == 2
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["full_name"] for r in rows] == ["Nguyễn Văn An", "Lê Thị Bình"]
    assert rows[0]["page"] == "3" and rows[0]["registration_number_status"] == "needs_review"
    assert list(rows[0])[3:5] == ["registration_number", "full_name"]
