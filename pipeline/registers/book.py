"""A whole register book: its OCRed pages in, one validated record per entry out.

Pages are taken one at a time — the stored clean image is read, cut at the gutter when the page
is a two-page spread (:func:`pipeline.preprocess.find_gutter` found it during cleaning), the grid
found (or inferred from the words) and the rows read — so a 500-page book holds one page image
in memory, never the book. :func:`iter_register` goes further: it takes the pages from an
iterable and gives the validated entries back page by page, holding a few pages' words and one
entry not yet finished at a time, so a book of any length is read in the same memory.
"""

from __future__ import annotations

import bisect
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from extractors.calibration import Calibration
from pipeline.exceptions import OcrError
from pipeline.models import (
    BBox,
    Document,
    DocumentResult,
    ExtractedField,
    ExtractedRecord,
    Page,
    Word,
)
from pipeline.ocr import page_from_tsv, run_tesseract
from pipeline.options import Options
from pipeline.registers.engine import erase_ledger_rules
from pipeline.registers.entries import (
    CARRIED_REASON,
    DOUBT_CAP,
    ILLEGIBLE_REASON,
    UNNAMED_REASON,
    BookState,
    Reread,
    TableReading,
    check_sequences,
    entries_from_table,
    read_cells,
    read_table,
)
from pipeline.registers.grid import (
    Grid,
    Strip,
    detect_grid,
    grid_from_words,
    read_turned,
    turn_box,
    turn_page,
)
from pipeline.registers.templates import Template, get_template, rank_templates

__all__ = [
    "CALIBRATION_PATH",
    "ILLEGIBLE_KEY",
    "calibrate",
    "calibration_key",
    "cell_reader",
    "find_grids",
    "header_text",
    "interpret_register",
    "iter_register",
    "read_register_page",
    "read_tables",
    "register_calibration",
    "resolve_template",
    "upright",
]


def _halves(page: Page) -> list[tuple[int, int]]:
    spread = page.preprocess.get("spread")
    if spread:
        x = int(spread["split_x"])
        return [(0, x), (x, page.width)]
    return [(0, page.width)]


def find_grids(page: Page, grey: np.ndarray | None, titles: list[tuple[str, ...]]) -> list[Grid]:
    """The grid of each page half (one for a single page, two for a spread), ruled if the
    image shows rules, else inferred from the words under header titles ``titles``."""
    grids = []
    for x0, x1 in _halves(page):
        grid = None
        if grey is not None:
            found = detect_grid(grey[:, x0:x1])
            grid = found.shifted(x0) if found is not None else None
        if grid is None:
            words = [w for w in page.words if x0 <= (w.bbox[0] + w.bbox[2]) / 2 < x1]
            grid = grid_from_words(words, titles)
        if grid is not None:
            grids.append(grid)
    return grids


def header_text(page: Page, grid: Grid) -> str:
    """Text of the grid's first row (the column titles on a page that has them)."""
    cells = read_cells(page, grid)
    return " ".join(c.text for c in cells[0] if c.text) if cells else ""


def upright(
    page: Page, grey: np.ndarray | None
) -> tuple[Page, np.ndarray | None, np.ndarray | None, list[Strip]]:
    """The page the right way up: its words, its image and the image without rules, and the
    bands of it that were turned by 180° to get there.

    A page that lies upside down was read turned by
    :class:`~pipeline.registers.engine.RuledPageEngine` (each page of a spread apart), and its
    words say so (:func:`~pipeline.registers.grid.read_turned`). When every page of the image
    was, the whole sheet lies upside down and turns as one: its pages swap sides, and the left
    one is read first again.
    """
    erased = erase_ledger_rules(grey) if grey is not None else None
    halves = _halves(page)
    turned = [h for h in halves if read_turned(page, h)]
    if turned == halves:
        turned = [(0, page.width)]
        page = turn_page(page)
        if grey is not None and erased is not None:
            grey, erased = cv2.rotate(grey, cv2.ROTATE_180), cv2.rotate(erased, cv2.ROTATE_180)
        return page, grey, erased, turned
    if turned and grey is not None and erased is not None:
        grey, erased = grey.copy(), erased.copy()
    for x0, x1 in turned:
        page = turn_page(page, (x0, x1))
        for image in (grey, erased):
            if image is not None:
                image[:, x0:x1] = image[:, x0:x1][::-1, ::-1]
    return page, grey, erased, turned


def resolve_template(name: str, page: Page, grey: np.ndarray | None) -> Template:
    """``name``'s template, or for ``auto`` the template whose titles best match the page."""
    if name != "auto":
        return get_template(name)
    page, grey, _, _ = upright(page, grey)
    every = {t for s in rank_templates("") for t in s.template.columns for t in t.titles}
    grids = find_grids(page, grey, [tuple(every)])
    header = header_text(page, grids[0]) if grids else page.text
    return rank_templates(header, page.text)[0].template


def cell_reader(erased: np.ndarray, options: Options | None = None) -> Reread:
    """A :data:`~pipeline.registers.entries.Reread` for ``erased`` (the page without its
    rules): the cells are stacked one under another with white between them and read in one
    Tesseract run (``--psm 6``), since starting Tesseract costs more than reading a cell."""
    lang = options.lang if options else "vie"
    timeout = options.tesseract_timeout if options else 60.0
    gap = 40

    def reread(boxes: list[BBox]) -> list[list[Word]]:
        crops = [erased[max(0, y0) : y1, max(0, x0) : x1] for x0, y0, x1, y1 in boxes]
        width = max((c.shape[1] for c in crops), default=0) + 2 * gap
        height = sum(c.shape[0] + gap for c in crops) + gap
        sheet = np.full((height, width), 255, np.uint8)
        tops = []
        y = gap
        for crop in crops:
            sheet[y : y + crop.shape[0], gap : gap + crop.shape[1]] = crop
            tops.append(y)
            y += crop.shape[0] + gap
        try:
            tsv = run_tesseract(sheet, lang=lang, psm=6, dpi=300, timeout=timeout)
        except OcrError:
            return [[] for _ in boxes]  # the cells stay unread and go to review
        found: list[list[Word]] = [[] for _ in boxes]
        for word in page_from_tsv(tsv, number=1, width=width, height=height).words:
            middle = (word.bbox[1] + word.bbox[3]) / 2
            i = bisect.bisect_right(tops, middle) - 1
            if i < 0 or middle > tops[i] + crops[i].shape[0]:
                continue
            dx, dy = max(0, boxes[i][0]) - gap, max(0, boxes[i][1]) - tops[i]
            x0, y0, x1, y1 = word.bbox
            found[i].append(word.model_copy(update={"bbox": (x0 + dx, y0 + dy, x1 + dx, y1 + dy)}))
        return found

    return reread


def read_tables(
    page: Page, template: Template, grey: np.ndarray | None, options: Options | None = None
) -> list[TableReading]:
    """The read tables of one page (both halves of a spread, left first): everything that
    needs pixels or Tesseract, and nothing that needs the pages before.

    An upside-down page is read turned (:func:`upright`); its cell boxes are put back on the
    page as stored, where the review page crops them."""
    titles = [c.titles for c in template.columns]
    page, grey, erased, turned = upright(page, grey)
    ink = reread = None
    if erased is not None:
        _, ink = cv2.threshold(erased, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
        reread = cell_reader(erased, options)
    tables = [read_table(page, g, template, ink, reread) for g in find_grids(page, grey, titles)]
    for table in tables:
        grid = table.grid
        middle = (grid.cell_box(0, 0)[0] + grid.cell_box(0, grid.n_cols - 1)[2]) / 2
        strip = next((s for s in turned if s[0] <= middle < s[1]), None)
        if strip is None:
            continue
        table.turned = strip
        for row in table.cells:
            for cell in row:
                cell.bbox = turn_box(cell.bbox, strip, page.height)
    return tables


def read_register_page(
    page: Page,
    template: Template,
    state: BookState,
    grey: np.ndarray | None,
    options: Options | None = None,
) -> list[ExtractedRecord]:
    """The entries of one page (both halves of a spread, left first)."""
    tables = read_tables(page, template, grey, options)
    return [r for t in tables for r in entries_from_table(t, template, state)]


def _load_grey(path: Path | None) -> np.ndarray | None:
    if path is None or not path.is_file():
        return None
    return cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)


CALIBRATION_PATH = Path(__file__).parent / "calibration.json"
ILLEGIBLE_KEY = "illegible"


def calibration_key(field: ExtractedField) -> str:
    """The step function a cell is calibrated with: its field's, or for a cell on a page that
    reads like handwriting one pooled function for all fields (print and handwriting misread
    differently, and there are too few handwritten cells to fit one per field)."""
    return ILLEGIBLE_KEY if ILLEGIBLE_REASON in field.reasons else field.name


def calibrate(records: list[ExtractedRecord], calibration: Calibration) -> None:
    """Raw cell confidences to calibrated ones, in place.

    Register cells get their own calibration: the label extractors' was fitted without ledgers,
    and a ledger cell's raw confidence means something else (docs/registers.md). A row that may
    be no entry at all (no number, no name) stays under ``DOUBT_CAP`` whatever its cells say:
    a person decides whether it is one. So does a book number or office carried from an earlier
    page because this page's heading was not read: a generated 500-image book had 168 entries
    auto-accepted with the previous page's book number (calibrated 0.998) before this cap.
    """
    carried = CARRIED_REASON.split("{")[0]
    for record in records:
        for field in record.fields.values():
            field.confidence = calibration.apply(calibration_key(field), field.confidence)
            if UNNAMED_REASON in field.reasons or any(r.startswith(carried) for r in field.reasons):
                field.confidence = min(field.confidence, DOUBT_CAP)


@cache
def register_calibration() -> Calibration:
    """The calibration of cell confidences shipped with the package (fitted by
    ``python -m pipeline.registers.bench calibrate``; identity when there is none)."""
    from extractors.calibration import IDENTITY

    if not CALIBRATION_PATH.exists():
        return IDENTITY
    return Calibration.model_validate_json(CALIBRATION_PATH.read_text("utf-8"))


BookPage = tuple[Page, Path | None]
"""One OCRed page of a book and its stored clean image (None: no image, words only)."""


def _in_order(
    pool: ThreadPoolExecutor,
    work: Callable[[BookPage], list[TableReading]],
    items: Iterable[BookPage],
    ahead: int,
) -> Iterator[list[TableReading]]:
    """``work`` on each item on ``pool``, results in input order, at most ``ahead`` items taken
    from ``items`` and not yet given back (``pool.map`` would take the whole book at once)."""
    running: deque[Future[list[TableReading]]] = deque()
    for item in items:
        running.append(pool.submit(work, item))
        del item  # the future holds the page while it is read, nothing after
        if len(running) >= ahead:
            yield running.popleft().result()
    while running:
        yield running.popleft().result()


class _Sequence:
    """:func:`~pipeline.registers.entries.check_sequences` over a book given in pieces.

    A record's sequence checks need the record before it and the one after: each piece is
    checked with the last record given out before it, and its own last record is held back
    until the next piece (or the end of the book) brings its neighbour. The flags are those
    :func:`check_sequences` gives the whole book at once.
    """

    def __init__(self) -> None:
        self.done: ExtractedRecord | None = None  # the last record given out (context only)
        self.held: ExtractedRecord | None = None  # the last record in, its follower unknown

    def push(self, records: list[ExtractedRecord]) -> list[ExtractedRecord]:
        """The records whose neighbours are now known, checked, in book order."""
        if not records:
            return []
        pending = ([self.held] if self.held else []) + records
        context = [self.done] if self.done else []
        check_sequences(context + pending, start=len(context), stop=len(context) + len(pending) - 1)
        ready, self.held = pending[:-1], pending[-1]
        if ready:
            self.done = ready[-1]
        return ready

    def close(self) -> list[ExtractedRecord]:
        """The record held back, checked against the one before it (the book's last)."""
        if self.held is None:
            return []
        context = [self.done] if self.done else []
        check_sequences([*context, self.held], start=len(context))
        last, self.held = self.held, None
        self.done = last
        return [last]


def iter_register(
    pages: Iterable[BookPage],
    options: Options,
    calibration: Calibration | None = None,
) -> Iterator[DocumentResult]:
    """The validated entries of a book, page by page, in book order: one
    :class:`DocumentResult` per page read (its ``records`` possibly empty), then one for the
    book's last entry. Together they are what :func:`interpret_register` gives for the book.

    ``pages`` is taken lazily: at most ``2 × options.workers`` pages are read ahead of the
    entries given out (grid, cells and rereads run ``options.workers`` pages at a time), so
    what is held at once does not grow with the length of the book. Entries carry from page to
    page what a book needs (:class:`~pipeline.registers.entries.BookState`: ditto marks on a
    page's first row, the header of an earlier page, book number and office), and the ledger's
    sequence checks look across page boundaries (:class:`_Sequence`).

    Args:
        pages: the book's OCRed pages in order, each with its stored clean image or None (that
            page then falls back to the word-inferred grid).
        options: ``register_template`` names the template (``auto``: the best one for the
            first page); ``workers``; ``scoring`` routes the fields.
        calibration: as for :func:`interpret_register`.
    """
    from pipeline.validate import validate

    pages = iter(pages)
    first = next(pages, None)
    if first is None:
        return
    template = resolve_template(options.register_template or "auto", first[0], _load_grey(first[1]))
    calibration = calibration or register_calibration()

    def prepare(item: BookPage) -> list[TableReading]:
        return read_tables(item[0], template, _load_grey(item[1]), options)

    def routed(records: list[ExtractedRecord]) -> DocumentResult:
        calibrate(records, calibration)
        result = DocumentResult(
            doc_type=template.doc_type, doc_type_confidence=1.0, records=records
        )
        return validate(result, options.scoring)

    book = itertools.chain([first], pages)
    del first  # read with the others, then dropped like them
    state = BookState()
    sequence = _Sequence()
    workers = max(1, options.workers)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for tables in _in_order(pool, prepare, book, 2 * workers):
            records = [r for table in tables for r in entries_from_table(table, template, state)]
            del tables
            yield routed(sequence.push(records))
    yield routed(sequence.close())


def interpret_register(
    document: Document,
    options: Options,
    images: Iterable[Path | None] | None = None,
    calibration: Calibration | None = None,
) -> DocumentResult:
    """One validated record per register entry of ``document``: :func:`iter_register` on its
    pages, the pieces joined (the whole book's records in memory; the flow stores the pieces
    as they come instead).

    Args:
        document: the book's OCRed pages.
        options: ``register_template`` names the template (``auto`` picks one per book).
        images: the stored clean image of each page (default: where :func:`read_page` keeps
            them); a missing image makes that page fall back to the word-inferred grid.
        calibration: maps raw cell confidences to the probability that the value is right
            (default: :func:`register_calibration`; ``IDENTITY`` to get raw ones, for fitting).
    """
    from pipeline.digitise import page_image_path

    paths = list(
        images
        if images is not None
        else (page_image_path(options.data_dir, document.sha256, p.number) for p in document.pages)
    )
    doc_type = "civil_register_page"
    records: list[ExtractedRecord] = []
    for piece in iter_register(zip(document.pages, paths, strict=True), options, calibration):
        doc_type = piece.doc_type
        records.extend(piece.records)
    return DocumentResult(doc_type=doc_type, doc_type_confidence=1.0, records=records)
