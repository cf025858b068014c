"""A register book through the flow holds a few pages at a time and stores its entries as it goes.

OCR is a fake engine (``pipeline.digitise.make_engine`` patched) that gives each page of a drawn
ledger book the words drawn on it; the grid comes from the stored page images, as in a real run.
What would grow with the book's length — pages' words kept until the book ends, or its records
stored only at the end — is counted, not timed.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import func, select

import flows.digitise as flow_module
import pipeline.digitise as digitise
from flows.digitise import run_digitise
from pipeline.digitise import get_store
from pipeline.models import Page
from pipeline.ocr import OcrEngine
from pipeline.options import Options, PreprocessOptions
from pipeline.storage.schema import FieldRow, RecordRow
from tests.registers.ledger import draw_ledger

pytestmark = pytest.mark.slow

PAGES = 10
PER_PAGE = 3


class LedgerEngine(OcrEngine):
    """Gives page ``number`` the words drawn on it (kept as plain data, not as pages)."""

    def __init__(self, words: dict[int, dict[str, Any]]) -> None:
        self.words = words

    def read(self, image: np.ndarray, *, number: int, dpi: int | None) -> Page:
        return Page.model_validate(self.words[number])

    def render(self, image: np.ndarray, *, fmt: str, dpi: int | None) -> str:
        raise NotImplementedError


def _book(folder: Path) -> tuple[Path, dict[int, dict[str, Any]]]:
    """A ``PAGES``-page TIFF of ledgers numbered on from page to page, a ditto mark on the
    first row of every page after the first."""
    images, words = [], {}
    for p in range(PAGES):
        rows = []
        for i in range(PER_PAGE):
            n = 1 + p * PER_PAGE + i
            ethnicity = "nt" if i == 0 and p else ("Kinh", "Tày", "Khmer")[n % 3]
            rows.append((str(n), "Nguyễn Văn An", "01/03/1990", "Nam", ethnicity, "Việt Nam"))
        ledger = draw_ledger(rows)
        images.append(Image.fromarray(ledger.image))
        words[p + 1] = ledger.page.model_copy(update={"number": p + 1}).model_dump(mode="json")
    path = folder / "so-khai-sinh.tif"
    images[0].save(path, save_all=True, append_images=images[1:], compression="tiff_lzw")
    return path, words


def test_book_flow_holds_a_few_pages_and_stores_entries_before_the_book_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book, words = _book(tmp_path)
    monkeypatch.setattr(digitise, "make_engine", lambda options: LedgerEngine(words))
    options = Options(
        db_url=f"sqlite:///{tmp_path / 'sohoa.db'}",
        data_dir=tmp_path / "data",
        workers=1,
        preprocess=PreprocessOptions.none(),
        register_template="khai_sinh_truoc_2016",
    )
    store = get_store(options.db_url)

    def stored() -> int:
        with store.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(RecordRow)) or 0

    seen: list[tuple[int, int]] = []  # per piece: pages alive, records stored before it
    real = flow_module.store_book

    def watching(store_, sha256, pieces, *args):
        def watched():
            for piece in pieces:
                gc.collect()
                alive = sum(isinstance(o, Page) for o in gc.get_objects())
                seen.append((alive, stored()))
                yield piece

        return real(store_, sha256, watched(), *args)

    monkeypatch.setattr(flow_module, "store_book", watching)
    summary = run_digitise([str(book)], options)
    assert summary.totals()["records"] == PAGES * PER_PAGE
    assert stored() == PAGES * PER_PAGE

    # One piece per page and one for the last entry; the pages' words alive at any of them
    # are those read ahead (2 × workers) and the one at hand, not the book's ten.
    assert len(seen) == PAGES + 1
    assert max(alive for alive, _ in seen) <= 2 * options.workers + 1
    # Entries are stored page by page: before the last page's entries are given out, the
    # pages before it are in the database (all but the entry held for its neighbour).
    assert seen[-2][1] == (PAGES - 1) * PER_PAGE - 1
    # The ditto marks at page boundaries copied the entry above, across the pieces.
    with store.engine.connect() as conn:
        values = conn.scalars(
            select(FieldRow.value)
            .join(RecordRow, FieldRow.record_id == RecordRow.id)
            .where(FieldRow.name == "ethnicity")
            .order_by(RecordRow.position)
        ).all()
    for p in range(1, PAGES):
        assert values[p * PER_PAGE] == values[p * PER_PAGE - 1]
