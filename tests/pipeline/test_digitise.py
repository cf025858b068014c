"""Per-page unit of work: cache, blank pages, provenance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from pipeline.digitise import get_store, read_page
from pipeline.load import expand_inputs
from pipeline.models import Page
from pipeline.ocr import OcrEngine
from pipeline.options import Options


class CountingEngine(OcrEngine):
    """Counts the pages it is asked to read; reads nothing."""

    name = "counting"

    def __init__(self) -> None:
        self.calls = 0

    def read(self, image: np.ndarray, *, number: int, dpi: int | None) -> Page:
        self.calls += 1
        return Page(number=number, width=image.shape[1], height=image.shape[0], dpi=dpi)


def test_digitise_blank_page_is_recorded_not_ocred_and_cached(
    tmp_path: Path, sqlite_url: str
) -> None:
    scan = tmp_path / "blank.png"
    Image.new("L", (1240, 1754), 250).save(scan, dpi=(150, 150))
    options = Options(db_url=sqlite_url, data_dir=tmp_path / "data")
    engine = CountingEngine()
    with expand_inputs([scan]) as (item,):
        get_store(sqlite_url).register_file(item.sha256, item.name, item.size, item.media_type, "t")
        page = read_page(item, 1, options, engine)
        again = read_page(item, 1, options, engine)
    assert engine.calls == 0
    assert page.lines == () and page.preprocess["blank"] is True
    assert again == page  # from the page cache


def _ledger_half(words: list[str], side: str) -> Image.Image:
    """A 150 dpi A4 page whose lines each hold one of ``words``, at fixed heights, set against
    the fold (right-aligned on the left page, left-aligned on the right page)."""
    from PIL import ImageDraw, ImageFont

    page = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 30)
    for row, word in enumerate(words):
        # Text runs to the fold, so a line of the left page and the line beside it on the right
        # page look like one line to a reader that sees the whole spread.
        text = f"{row + 1}. Nơi thường trú thôn Đông {word}"
        x = 1235 - draw.textlength(text, font=font) if side == "left" else 5
        draw.text((x, 150 + 60 * row), text, font=font)
    return page


def test_digitise_spread_halves_are_read_apart_and_joined_in_spread_pixels(
    tmp_path: Path, sqlite_url: str
) -> None:
    from pipeline.ocr import TesseractEngine
    from pipeline.preprocess import preprocess

    left = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"] * 2
    right = ["Hà Nội", "Huế", "Đà Nẵng", "Cần Thơ", "Vinh", "Hải Phòng", "Nha Trang", "Sơn La"] * 2
    spread = Image.new("L", (1240 * 2 + 60, 1754), 255)
    spread.paste(_ledger_half(left, "left"), (0, 0))
    spread.paste(_ledger_half(right, "right"), (1240 + 60, 0))
    spread.paste(150, (1240 + 28, 0, 1240 + 32, 1754))  # the binding's shadow
    scan = tmp_path / "spread.png"
    spread.save(scan, dpi=(150, 150))
    options = Options(db_url=sqlite_url, data_dir=tmp_path / "data")
    _, provenance = preprocess(np.asarray(spread), options.preprocess)
    assert provenance.get("spread"), "the test page must be taken for a spread"
    split_x = provenance["spread"]["split_x"]
    with expand_inputs([scan]) as (item,):
        get_store(sqlite_url).register_file(item.sha256, item.name, item.size, item.media_type, "t")
        page = read_page(item, 1, options, TesseractEngine())
    assert page.width == spread.width and page.preprocess["spread"]["split_x"] == split_x
    for line in page.lines:
        sides = {(w.bbox[0] + w.bbox[2]) / 2 >= split_x for w in line.words}
        assert len(sides) == 1, f"a line crosses the fold: {line.text!r}"
    text = page.text
    assert "Phạm" in text and "Cần Thơ" in text
    # Left page first, then the right page, each top to bottom.
    assert text.index("Nguyễn") < text.index("Bùi") < text.index("Hà Nội") < text.index("Sơn La")
    right_words = [w for w in page.words if w.text in {"Huế", "Vinh"}]
    assert right_words and all(w.bbox[0] > split_x for w in right_words)
