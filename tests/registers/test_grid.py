"""Grid detection: ruled grids through broken, faded and slanted rules; the word fallback."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pipeline.registers.grid import (
    detect_grid,
    erase_rules,
    grid_from_words,
    read_turned,
    turn_box,
    turn_page,
)
from tests.registers.ledger import TITLES, draw_ledger

ROWS = [("1", "Nguyễn Văn An", "01/02/1990", "Nam", "Kinh", "Việt Nam")] * 4


def _rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), borderValue=255)


@pytest.mark.parametrize(
    ("broken", "rule_grey"), [(False, 0), (True, 0), (False, 185), (True, 170)]
)
def test_grid_finds_every_rule_even_broken_or_faded(broken, rule_grey):
    ledger = draw_ledger(ROWS, broken=broken, rule_grey=rule_grey)
    grid = detect_grid(ledger.image)
    assert grid is not None and grid.method == "rules"
    assert grid.n_rows == len(ROWS) + 1
    assert grid.n_cols == len(TITLES)
    assert np.allclose(grid.xs, ledger.xs, atol=3)
    assert np.allclose(grid.ys, ledger.ys, atol=3)


@pytest.mark.parametrize("degrees", [-4.0, 2.5, 6.0])
def test_grid_slanted_rules_put_each_word_in_its_cell(degrees):
    ledger = draw_ledger(ROWS)
    slanted = _rotate(ledger.image, degrees)
    grid = detect_grid(slanted)
    assert grid is not None
    assert abs(abs(grid.angle) - abs(degrees)) < 0.5
    assert (grid.n_rows, grid.n_cols) == (len(ROWS) + 1, len(TITLES))
    # The middle of cell (2, 1) on the straight page, carried onto the slanted page.
    x = (ledger.xs[1] + ledger.xs[2]) / 2
    y = (ledger.ys[2] + ledger.ys[3]) / 2
    h, w = slanted.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    sx, sy = m @ np.array([x, y, 1.0])
    assert grid.locate(sx, sy) == (2, 1)
    box = grid.cell_box(2, 1)
    assert box[0] <= sx <= box[2] and box[1] <= sy <= box[3]


def test_grid_page_without_rules_has_no_ruled_grid():
    page = np.full((1500, 2400), 255, np.uint8)
    cv2.putText(page, "khong ke bang", (200, 300), cv2.FONT_HERSHEY_SIMPLEX, 3, 0, 6)
    assert detect_grid(page) is None


def test_grid_erase_rules_keeps_text_and_drops_lines():
    ledger = draw_ledger(ROWS)
    erased = erase_rules(ledger.image)
    y = ledger.ys[1]
    assert erased[y, ledger.xs[0] + 5 : ledger.xs[-1] - 5].min() > 200  # rule gone
    word = ledger.page.lines[1].words[0].bbox  # "Nguyễn" of the first entry
    assert erased[word[1] : word[3], word[0] : word[2]].min() < 80  # text kept


def test_grid_from_words_places_columns_by_header_titles():
    ledger = draw_ledger(ROWS)
    grid = grid_from_words(ledger.page.words, [(t,) for t in TITLES])
    assert grid is not None and grid.method == "text"
    assert (grid.n_rows, grid.n_cols) == (len(ROWS) + 1, len(TITLES))
    first_entry = ledger.page.lines[len(TITLES) + 1].words[0]  # "Nguyễn"
    x0, y0, x1, y1 = first_entry.bbox
    assert grid.locate((x0 + x1) / 2, (y0 + y1) / 2) == (1, 1)


def test_grid_turn_page_puts_each_word_where_the_turned_image_has_it():
    ledger = draw_ledger(ROWS)
    h, w = ledger.image.shape
    page = ledger.page.model_copy(update={"preprocess": {"spread": {"split_x": 1000}}})
    turned = turn_page(page)
    upside_down = ledger.image[::-1, ::-1]
    for before, after in zip(page.words, turned.words, strict=True):
        assert after.text == before.text
        x0, y0, x1, y1 = after.bbox
        assert upside_down[y0:y1, x0:x1].min() < 80  # the word's ink, turned with the page
        assert after.bbox == turn_box(before.bbox, (0, w), h)
    assert turned.preprocess["spread"]["split_x"] == w - 1000
    assert turn_page(turned) == page
    # Read turned and put back, a page's lines run right to left: that is how it is told.
    assert read_turned(turned) and not read_turned(page)
