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
