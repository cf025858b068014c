"""The ``sohoa register`` commands, in process (typer's runner) on a store seeded by hand."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest
from lxml import etree
from typer.testing import CliRunner

from pipeline.archive import ALTO_XSD
from pipeline.cli import app
from pipeline.models import DocumentResult, ExtractedField, ExtractedRecord, FieldStatus
from pipeline.storage import Store
from tests.registers.ledger import draw_ledger

SHA = "ab" * 32


def _seed(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'book.db'}"
    ledger = draw_ledger([("12", "Nguyễn Văn An", "01/02/1990", "Nam", "Kinh", "Việt Nam")])
    image = tmp_path / "0001.png"
    cv2.imwrite(str(image), ledger.image)
    name = ExtractedField(
        name="full_name", value="Nguyễn Văn An", raw="Nguyễn Văn An", confidence=0.95,
        status=FieldStatus.auto_accepted, page=1, bbox=(100, 300, 700, 410),
    )  # fmt: skip
    result = DocumentResult(
        doc_type="civil_register_page",
        doc_type_confidence=1.0,
        records=[ExtractedRecord(role="entry", fields={"full_name": name})],
    )
    with Store(url) as store:
        store.register_file(SHA, "so-khai-sinh-1990.pdf", 1000, "application/pdf", "test")
        store.save_page(SHA, 1, "key", ledger.page, str(image))
        store.save_document(SHA, result, [1], "test")
    return url


def test_cli_register_templates_lists_every_shipped_template():
    result = CliRunner().invoke(app, ["register", "templates"])
    assert result.exit_code == 0
    for name in ("khai_sinh_truoc_2016", "khai_sinh_tu_2016", "ket_hon_tu_2016", "khai_tu_tu_2016"):
        assert name in result.stdout


def test_cli_register_export_writes_alto_pdf_and_csv(tmp_path: Path):
    url = _seed(tmp_path)
    out = tmp_path / "archive"
    result = CliRunner().invoke(
        app, ["register", "export", SHA[:10], "--out", str(out), "--db", url, "--mode", "bitonal"]
    )
    assert result.exit_code == 0, result.output
    schema = etree.XMLSchema(etree.parse(str(ALTO_XSD)))
    schema.assertValid(etree.parse(str(out / "alto" / "0001.xml")))
    assert (out / "so-khai-sinh-1990.pdf").stat().st_size > 1000
    rows = list(csv.DictReader((out / "so-khai-sinh-1990.csv").open(encoding="utf-8")))
    assert [r["full_name"] for r in rows] == ["Nguyễn Văn An"]


def test_cli_register_export_unknown_book_is_a_usage_error(tmp_path: Path):
    url = _seed(tmp_path)
    result = CliRunner().invoke(
        app, ["register", "export", "nope", "--out", str(tmp_path), "--db", url]
    )
    assert result.exit_code != 0
    assert not np.any([p.suffix == ".pdf" for p in tmp_path.iterdir()])


@pytest.mark.slow
def test_cli_register_detect_prints_the_best_template_first(tmp_path: Path):
    rows = [("12", "Nguyễn Văn An", "01/02/1990", "Nam", "Kinh", "Việt Nam")] * 3
    page = tmp_path / "page.png"
    cv2.imwrite(str(page), draw_ledger(rows).image)
    result = CliRunner().invoke(app, ["register", "detect", str(page)])
    assert result.exit_code == 0, result.output
    table = result.stdout[result.stdout.index("template") :]
    assert table.index("khai_sinh_truoc_2016") < table.index("khai_sinh_tu_2016")
