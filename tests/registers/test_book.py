"""A register page end to end (the real Tesseract in the slow tests): OCR without rules, grid,
records; and the choice of template for ``--register auto``."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.digitise import read_spread
from pipeline.models import Line, Page, Word
from pipeline.ocr import OcrEngine, TesseractEngine
from pipeline.preprocess.page import find_gutter
from pipeline.registers.book import read_register_page, resolve_template
from pipeline.registers.engine import RuledPageEngine, erase_ledger_rules, looks_upside_down
from pipeline.registers.entries import BookState
from pipeline.registers.grid import read_turned
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
    """OCR as the flow does it (a spread's pages apart), then the page's entries."""
    split = find_gutter(image)
    provenance = {"spread": {"split_x": split} if split is not None else None, "steps": []}
    page = read_spread(RuledPageEngine(TesseractEngine()), image, provenance, 1, 300)
    page = page.model_copy(update={"preprocess": provenance})
    template = get_template("khai_sinh_truoc_2016")
    return read_register_page(page, template, BookState(), image)


def _spread(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    fold = np.full((left.shape[0], 120), 255, np.uint8)
    fold[:, 57:63] = 30  # the shadow of the binding
    return np.hstack([left, fold, right])


@pytest.mark.slow
def test_book_printed_page_gives_one_record_per_entry():
    records = _read(draw_ledger(LEFT).image)
    assert [r.fields["registration_number"].value for r in records] == ["101", "102"]
    assert records[0].fields["full_name"].value == "Nguyễn Văn An"
    assert records[1].fields["date_of_birth"].value == "1990-04-03"
    assert records[1].fields["sex"].value == "female"
    assert records[1].fields["ethnicity"].value == "Kinh"  # the ditto mark
    assert "như trên" in records[1].fields["ethnicity"].reasons[0]


@pytest.mark.slow
def test_book_two_page_spread_is_read_left_page_first():
    left = draw_ledger(LEFT, width=2400).image
    right = draw_ledger(RIGHT, width=2400).image
    spread = _spread(left, right)
    assert find_gutter(spread) is not None
    records = _read(spread)
    numbers = [r.fields["registration_number"].value for r in records]
    assert numbers == ["101", "102", "103", "104"]
    assert records[2].fields["full_name"].value == "Lê Hoàng Cường"
    # Boxes are on the whole spread: the right page's cells lie right of the fold.
    assert records[2].fields["full_name"].bbox[0] > left.shape[1]


def _upside_down(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(image[::-1, ::-1])


@pytest.mark.slow
def test_book_upside_down_page_is_read_the_right_way_up():
    ledger = draw_ledger(LEFT)
    upside_down = _upside_down(ledger.image)
    assert not looks_upside_down(erase_ledger_rules(ledger.image))
    assert looks_upside_down(erase_ledger_rules(upside_down))
    records = _read(upside_down)
    # Its titles, at the bottom of the image, are no entry of their own.
    assert [r.fields["registration_number"].value for r in records] == ["101", "102"]
    assert records[0].fields["full_name"].value == "Nguyễn Văn An"
    assert records[1].fields["date_of_birth"].value == "1990-04-03"
    # Each field's box is on the image as given, where the review page crops it.
    h, w = ledger.image.shape
    x0, y0, x1, y1 = records[0].fields["full_name"].bbox
    middle = ((ledger.xs[1] + ledger.xs[2]) / 2, (ledger.ys[1] + ledger.ys[2]) / 2)
    assert x0 < w - middle[0] < x1 and y0 < h - middle[1] < y1


@pytest.mark.slow
@pytest.mark.parametrize("turned", ["sheet", "right page"])
def test_book_upside_down_spread_is_read_left_page_first(turned):
    left, right = draw_ledger(LEFT).image, draw_ledger(RIGHT).image
    if turned == "sheet":  # the whole spread scanned upside down: its pages swap sides
        image = _upside_down(_spread(left, right))
    else:  # the right page alone (a loose sheet laid in upside down)
        image = _spread(left, np.ascontiguousarray(right[::-1, ::-1]))
    records = _read(image)
    assert [r.fields["registration_number"].value for r in records] == ["101", "102", "103", "104"]
    assert records[2].fields["full_name"].value == "Lê Hoàng Cường"


class _TwoReadings(OcrEngine):
    """Gives ``first`` for the page as given, ``second`` for the page turned."""

    name = "stub"

    def __init__(self, first: Page, second: Page) -> None:
        self.readings = [first, second]

    def read(self, image, *, number, dpi):
        return self.readings.pop(0)


@pytest.mark.parametrize(("crisp", "turned"), [(0.95, True), (0.6, False)])
def test_book_bottom_heavy_page_is_turned_only_when_it_reads_better_turned(crisp, turned):
    ledger = draw_ledger(LEFT)
    as_given = Page(number=1, width=ledger.page.width, height=ledger.page.height, lines=(
        Line(words=(Word(text="ĐẠC", confidence=0.6, bbox=(100, 100, 200, 140)),)),
    ))  # fmt: skip
    words = tuple(w.model_copy(update={"confidence": crisp}) for w in ledger.page.words)
    upright = ledger.page.model_copy(update={"lines": (Line(words=words),)})
    page = RuledPageEngine(_TwoReadings(as_given, upright)).read(
        _upside_down(ledger.image), number=1, dpi=300
    )
    assert read_turned(page) is turned
    assert page.text == (upright.text if turned else as_given.text)


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
