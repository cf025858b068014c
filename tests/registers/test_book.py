"""A register page end to end (the real Tesseract in the slow tests): OCR without rules, grid,
records; and the choice of template for ``--register auto``."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.ocr import TesseractEngine
from pipeline.preprocess.page import find_gutter
from pipeline.registers.book import read_register_page, resolve_template
from pipeline.registers.engine import RuledPageEngine
from pipeline.registers.entries import BookState
from pipeline.registers.templates import get_template
from tests.registers.ledger import draw_ledger

LEFT = [
    ("101", "Nguyễn Văn An", "01/02/1990", "Nam", "Kinh", "Việt Nam"),
    ("102", "Trần Thị Bình", "03/04/1990", "Nữ", "nt", "Việt Nam"),
]
RIGHT = [
    ("103", "Lê Hoàng Cường", "05/06/1990", "Nam", "Tày", "Việt Nam"),
    ("104", "Phạm Thị Dung", "07/08/1990", "Nữ", "Kinh", "Việt Nam"),
]


def _read(image: np.ndarray):
    page = RuledPageEngine(TesseractEngine()).read(image, number=1, dpi=300)
    split = find_gutter(image)
    if split is not None:
        page = page.model_copy(update={"preprocess": {"spread": {"split_x": split}}})
    template = get_template("khai_sinh_truoc_2016")
    return read_register_page(page, template, BookState(), image)


@pytest.mark.slow
def test_book_printed_page_gives_one_record_per_entry():
    records = _read(draw_ledger(LEFT).image)
    assert [r.fields["registration_number"].value for r in records] == ["101", "102"]
    assert records[0].fields["full_name"].value == "Nguyễn Văn An"
    assert records[1].fields["date_of_birth"].value == "1990-04-03"
    assert records[1].fields["sex"].value == "female"
    assert records[1].fields["ethnicity"].value == "Kinh"  # the ditto mark
    assert "ditto" in records[1].fields["ethnicity"].reasons[0]


@pytest.mark.slow
def test_book_two_page_spread_is_read_left_page_first():
    left = draw_ledger(LEFT, width=2400).image
    right = draw_ledger(RIGHT, width=2400).image
    fold = np.full((left.shape[0], 120), 255, np.uint8)
    fold[:, 57:63] = 30  # the shadow of the binding
    spread = np.hstack([left, fold, right])
    assert find_gutter(spread) is not None
    records = _read(spread)
    numbers = [r.fields["registration_number"].value for r in records]
    assert numbers == ["101", "102", "103", "104"]
    assert records[2].fields["full_name"].value == "Lê Hoàng Cường"
    # Boxes are on the whole spread: the right page's cells lie right of the fold.
    assert records[2].fields["full_name"].bbox[0] > left.shape[1]


def test_book_auto_template_follows_the_page_header():
    ledger = draw_ledger(LEFT)
    assert resolve_template("auto", ledger.page, ledger.image).name == "khai_sinh_truoc_2016"
    named = resolve_template("khai_tu_tu_2016", ledger.page, ledger.image)
    assert named.name == "khai_tu_tu_2016"  # a named template is taken as given


def test_book_calibration_keeps_handwriting_apart():
    from pipeline.models import ExtractedField
    from pipeline.registers.book import ILLEGIBLE_KEY, calibration_key, register_calibration
    from pipeline.registers.entries import ILLEGIBLE_REASON

    field = ExtractedField(name="sex", value="male", raw="Nam", confidence=0.9)
    assert calibration_key(field) == "sex"
    field.reasons.append(ILLEGIBLE_REASON)
    assert calibration_key(field) == ILLEGIBLE_KEY
    assert ILLEGIBLE_KEY in register_calibration().steps
