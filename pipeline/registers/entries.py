"""Ledger rows to records: cut a page's grid into cells, read each cell, one record per entry.

The words Tesseract read on the whole page are dealt into the grid's cells by their centres (one
OCR pass per page, not one per cell: a 10-column ledger would otherwise cost 80 Tesseract runs a
page). The header row maps grid columns to template columns; every row below it is an entry,
except the column titles repeated and a row with no number, no name and most cells blank. A row
with most cells written but no number or name read is kept, all its fields for review.
Each cell value goes through the same normaliser the label extractors use
(:data:`extractors.records.PARSERS`), and keeps its cell box as the field's bbox: the review page
crops the stored page image there.

Confidence of a cell: the lowest OCR word confidence × the parser's strength × how much of the
cell's ink the OCR words cover. Handwriting and faded ink show in all three: Tesseract's word
confidences drop, names stop looking like names, and strokes it could not read at all are ink no
word box covers. Ledger rules (numbers count up, dates go forward, the book's year) lower it
further; :func:`pipeline.registers.book.interpret_register` then calibrates it
(``docs/registers.md`` has the figures on generated books).

Ditto marks ("nt", "như trên", 〃, ", "-do-") copy the value of the entry above, with a reason.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from rapidfuzz import fuzz

from extractors.person import parse_text
from extractors.records import PARSERS
from extractors.text import fold
from pipeline.models import BBox, ExtractedField, ExtractedRecord, Line, Page, Word, union_bbox
from pipeline.registers.grid import Grid, Strip, text_rows, turn_box
from pipeline.registers.templates import Column, Template

__all__ = [
    "EXTRACTOR",
    "NO_DITTO",
    "BookState",
    "CellReading",
    "Reread",
    "TableReading",
    "check_sequences",
    "entries_from_table",
    "is_ditto",
    "map_columns",
    "office_case",
    "page_context",
    "read_cells",
    "read_entries",
    "read_table",
]

EXTRACTOR = "registers.cell.v1"
# A cell whose interior has less dark ink than this share of its area is empty (specks, the
# ends of erased rules); a single digit written in a 300-dpi ledger cell is several times more.
EMPTY_INK_SHARE = 0.003
# Ink the OCR words do not cover: below this coverage a cell holds strokes Tesseract did not
# read (handwriting, a stamp, a correction), and its confidence falls in proportion.
FULL_COVERAGE = 0.85
# Ditto marks as folded text: "nt", "n.t", "như trên", "do" (dto), and the quote-like marks.
_DITTO = re.compile(r"^[\s\-–—.]*(?:nt|n\s*\.\s*t|nhu\s*tren|d[o0]|dto|idem)[\s\-–—.]*$")
_DITTO_MARKS = set("\"'“”„‟″〃˝ʺ`´")
# Characters the remains of a rule leave at a word's ends.
_RULE_JUNK = "|[]_!¦"
Reread = Callable[[list[BBox]], list[list[Word]]]
"""OCR of cell boxes on their own: the words of each, in page coordinates."""
# Pages whose table words have a median OCR confidence under this read like handwriting (bench
# books: 0.50–0.61 handwritten, 0.96 printed). Their cells are marked, lowered, and calibrated
# apart from printed ones.
LEGIBLE_MEDIAN = 0.8
ILLEGIBLE_FACTOR = 0.91
ILLEGIBLE_REASON = "trang giống chữ viết tay (độ tin cậy OCR thấp trên cả bảng)"
SEQUENCE_PENALTY = 0.5
CARRIED_FACTOR = 0.9
DOUBT_CAP = 0.8  # the normaliser doubted the text: at most this, whatever the OCR said
CARRIED_REASON = "không đọc được trên trang này: lấy từ trang {page}"
"""The heading value of an earlier page, copied to an entry whose page heading was not read."""
UNNAMED_REASON = "dòng này không đọc được số đăng ký và họ tên: có thể không phải một mục đăng ký"
# Fields no entry shares with the one above: a "ditto" there is a misreading.
NO_DITTO = frozenset({"registration_number", "id_number", "husband_id_number", "wife_id_number"})
_BOOK_YEAR = re.compile(r"so dang ky .*\bnam\s+((?:19|20)\d\d)\b")
_BOOK = re.compile(r"quyen\s*so\s*[:.]?\s*([0-9a-z][0-9a-z./-]*)")
# What is left of "Quyển số: 01" after the office on its line when "Quyển" was misread or lost:
# "số" (folded "so", a word no Vietnamese unit name holds), a mangled "quyển" before it.
_BOOK_REST = re.compile(r"\s+(?:\S*y\S*n\s+)?so\b.*$")


def is_ditto(text: str) -> bool:
    """Whether a cell's text is a ditto mark ("same as above").

    >>> [is_ditto(t) for t in ("nt", "Như trên", "〃", '"', "-do-", "Nam")]
    [True, True, True, True, True, False]
    """
    stripped = text.strip()
    if stripped and all(c in _DITTO_MARKS or c.isspace() for c in stripped):
        return True
    return bool(_DITTO.match(fold(stripped)))


def _clean_word(word: Word) -> Word | None:
    text = word.text.strip(_RULE_JUNK)
    if not text:
        return None
    return word if text == word.text else word.model_copy(update={"text": text})


@dataclass
class CellReading:
    """The words of one cell, its box on the page and its ink."""

    row: int
    col: int
    bbox: BBox
    words: list[Word]
    ink_share: float = 0.0
    coverage: float = 1.0

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def empty(self) -> bool:
        return not self.words and self.ink_share < EMPTY_INK_SHARE


def _ink_measures(
    ink: np.ndarray | None, box: BBox, words: list[Word], margin: int
) -> tuple[float, float]:
    """Share of the cell interior that is ink, and share of that ink inside word boxes."""
    if ink is None:
        return (0.01 if words else 0.0), 1.0
    x0, y0, x1, y1 = box
    x0, y0, x1, y1 = x0 + margin, y0 + margin, x1 - margin, y1 - margin
    if x1 <= x0 or y1 <= y0:
        return 0.0, 1.0
    interior = ink[y0:y1, x0:x1] > 0
    total = int(interior.sum())
    if total == 0:
        return 0.0, 1.0
    covered = np.zeros_like(interior)
    pad = 6  # Tesseract's boxes cut off accents and descenders by a few pixels
    for w in words:
        a, b = max(w.bbox[0] - pad - x0, 0), max(w.bbox[1] - pad - y0, 0)
        covered[b : max(w.bbox[3] + pad - y0, 0), a : max(w.bbox[2] + pad - x0, 0)] = True
    return total / interior.size, float((interior & covered).sum()) / total


def read_cells(page: Page, grid: Grid, ink: np.ndarray | None = None) -> list[list[CellReading]]:
    """Every cell of ``grid`` with the page words whose centres fall in it, row by row.

    Args:
        page: the OCRed page (words in page coordinates).
        grid: the page's grid (or the grid of one half of a spread).
        ink: a binary ink mask of the page without its rules (non-zero = ink), or None.
    """
    cells = [
        [CellReading(r, c, grid.cell_box(r, c), []) for c in range(grid.n_cols)]
        for r in range(grid.n_rows)
    ]
    for word in page.words:
        cleaned = _clean_word(word)
        if cleaned is None:
            continue
        x0, y0, x1, y1 = word.bbox
        at = grid.locate((x0 + x1) / 2, (y0 + y1) / 2)
        if at is not None:
            cells[at[0]][at[1]].words.append(cleaned)
    # Slant moves a cell's axis-aligned box over its neighbours' rules: keep clear of them.
    margin = 8 + int(abs(np.tan(np.radians(grid.angle))) * 40)
    for row in cells:
        for cell in row:
            # Reading order inside a cell: by text line, then left to right.
            cell.words = [w for line in text_rows(cell.words) for w in line]
            cell.ink_share, cell.coverage = _ink_measures(ink, cell.bbox, cell.words, margin)
    return cells


def _title_key(text: str) -> str:
    return " ".join(fold(text).replace(",", " ").replace(".", " ").split())


def _title_score(column: Column, text: str) -> float:
    key = _title_key(text)
    return max(fuzz.ratio(_title_key(t), key) for t in column.titles) if key else 0.0


def map_columns(headers: list[str], template: Template) -> dict[int, Column]:
    """Grid column → template column, from the header cells' text.

    An order-keeping alignment (dynamic programming over both sequences) maximising the sum of
    title likenesses: a ledger may lack a column of the template or have one more, but never
    prints its columns in another order.
    """
    n, m = len(headers), len(template.columns)
    score = [[_title_score(c, h) for c in template.columns] for h in headers]
    best = np.zeros((n + 1, m + 1))
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = best[i + 1, j + 1] + (score[i][j] if score[i][j] >= 60 else -1e6)
            best[i, j] = max(take, best[i + 1, j], best[i, j + 1])
    mapping: dict[int, Column] = {}
    i = j = 0
    while i < n and j < m:
        take = best[i + 1, j + 1] + (score[i][j] if score[i][j] >= 60 else -1e6)
        if best[i, j] == take:
            mapping[i] = template.columns[j]
            i, j = i + 1, j + 1
        elif best[i, j] == best[i + 1, j]:
            i += 1
        else:
            j += 1
    # Header cells OCR could not read ("Số TT" in a narrow cell): between two mapped columns,
    # as many unmapped grid columns as unmapped template columns pair up in order.
    anchors = [(-1, -1), *sorted((i, template.columns.index(c)) for i, c in mapping.items())]
    anchors.append((n, m))
    for (i0, j0), (i1, j1) in itertools.pairwise(anchors):
        if 0 < i1 - i0 - 1 == j1 - j0 - 1:
            for k in range(1, i1 - i0):
                mapping[i0 + k] = template.columns[j0 + k]
    return dict(sorted(mapping.items()))


def _titles_row(row: list[CellReading], template: Template) -> bool:
    """Whether a row's cells read as the template's column titles (a header row)."""
    texts = [c.text for c in row if c.text]
    titled = sum(max(_title_score(col, t) for col in template.columns) >= 70 for t in texts)
    return bool(texts) and titled >= max(2, 0.4 * len(row))


def _header_rows(cells: list[list[CellReading]], template: Template) -> int:
    """How many leading rows are header rows (0 for a continuation page without one)."""
    count = 0
    for row in cells[:3]:
        if _titles_row(row, template):
            count += 1
        elif count:
            break
    return count


@dataclass
class BookState:
    """What carries from page to page of one book: the last entry (for ditto marks on a page's
    first row), the column mapping of the last header seen, the book number and office."""

    previous: dict[str, ExtractedField] = field(default_factory=dict)
    mapping: dict[int, Column] | None = None
    book_number: ExtractedField | None = None
    office: ExtractedField | None = None
    year: int | None = None


_UNITS = ("thanh pho", "thi tran", "thi xa", "phuong", "quan", "huyen", "tinh", "xa")


def office_case(text: str) -> str:
    """An office heading printed in capitals, written as records write it.

    >>> office_case("ỦY BAN NHÂN DÂN PHƯỜNG 7, THÀNH PHỐ CÀ MAU, TỈNH CÀ MAU")
    'Ủy ban nhân dân phường 7, thành phố Cà Mau, tỉnh Cà Mau'
    """
    if not text.isupper():
        return text
    parts = []
    for part in (p.strip() for p in text.split(",")):
        low = part.lower()
        head = ""
        if fold(low).startswith("uy ban nhan dan"):
            head, low = "Ủy ban nhân dân", low[len("uy ban nhan dan") :].strip()
        key = fold(low)
        for unit in _UNITS:
            if key.startswith(unit + " "):
                low = f"{low[: len(unit)]} {low[len(unit) + 1 :].title()}"
                break
        parts.append(f"{head} {low}".strip())
    return ", ".join(parts)


def _legible(rows: list[list[CellReading]]) -> bool:
    """Whether the entries of a page read like print: the median word confidence of the
    table body. Handwriting reads at ~0.55 on generated pages, print at ~0.96 (measured on the
    bench books, docs/registers.md); the cut is between them."""
    confidences = [w.confidence for row in rows for cell in row for w in cell.words]
    return not confidences or float(np.median(confidences)) >= LEGIBLE_MEDIAN


def check_sequences(
    records: list[ExtractedRecord], start: int = 0, stop: int | None = None
) -> None:
    """Ledger rules across neighbouring entries, in place: registration numbers count up by
    one and registration dates never go back. A value out of step with its neighbours (with
    both where there are two) loses confidence and says why: handwritten digits misread with
    high OCR confidence are caught here and nowhere else.

    Only ``records[start:stop]`` are checked (and flagged); the others are their neighbours,
    so a book given in pieces is checked as a whole (:func:`pipeline.registers.book.iter_register`).
    """

    def number(i: int) -> int | None:
        f = records[i].fields.get("registration_number") if 0 <= i < len(records) else None
        return int(f.value) if f and f.value and f.value.isdigit() else None

    def date(i: int) -> str | None:
        f = records[i].fields.get("registration_date") if 0 <= i < len(records) else None
        return f.value if f and f.value and len(f.value) == 10 else None

    flagged: list[tuple[ExtractedField, str]] = []
    for i in range(start, len(records) if stop is None else stop):
        record = records[i]
        n, before, after = number(i), number(i - 1), number(i + 1)
        known = [x for x in (before, after) if x is not None]
        if n is not None and known and n - 1 != before and n + 1 != after:
            flagged.append(
                (record.fields["registration_number"], "không liền số với các mục trước và sau")
            )
        d, d_before, d_after = date(i), date(i - 1), date(i + 1)
        checks = (
            [
                ok
                for ok in (d_before and d >= d_before, d_after and d <= d_after)
                if ok is not None and ok != ""
            ]
            if d
            else []
        )
        if checks and not any(checks):
            flagged.append(
                (
                    record.fields["registration_date"],
                    "ngày đăng ký không theo thứ tự với các mục trước và sau",
                )
            )
    for f, reason in flagged:
        f.confidence *= SEQUENCE_PENALTY
        f.reasons.append(reason)


def _names_entry(column: Column) -> bool:
    """Whether a column says which entry a row is: its number or the name of a person."""
    kind = column.parse_as or column.field
    return column.field == "registration_number" or kind == "full_name" or kind.endswith("_name")


def _mean_confidence(words: list[Word]) -> float:
    return sum(w.confidence for w in words) / len(words) if words else 0.0


def _word_confidence(words: list[Word]) -> float:
    return min(w.confidence for w in words) if words else 0.0


def page_context(page: Page, state: BookState, grid: Grid) -> set[str]:
    """Read the book number ("Quyển số: 02") and the registering office (the "ỦY BAN NHÂN
    DÂN …" line) from the text above the table of ``grid`` into ``state``.

    Returns:
        The names of the fields found on this page (the others keep an earlier page's value).
    """
    from extractors.places import parse_place

    found: set[str] = set()

    top = grid.cell_box(0, 0)[1]
    left, right = grid.cell_box(0, 0)[0], grid.cell_box(0, grid.n_cols - 1)[2]
    slack = (right - left) // 20  # headings overhang the table a little
    # Words, not Tesseract's lines: across a spread one "line" can run over both pages.
    above = [
        w
        for w in page.words
        if w.bbox[3] <= top and left - slack <= (w.bbox[0] + w.bbox[2]) / 2 <= right + slack
    ]
    for words in text_rows(above):
        line = Line(words=tuple(words))
        key = fold(line.text)
        year = _BOOK_YEAR.search(key)
        if year:
            state.year = int(year[1])
        match = _BOOK.search(key)
        if match:
            words = list(line.words)
            found.add("book_number")
            state.book_number = ExtractedField(
                name="book_number",
                value=match[1].upper().strip(".-/"),
                raw=line.text[match.start() : match.end()],
                confidence=_word_confidence(words),
                page=page.number,
                bbox=union_bbox([w.bbox for w in words]),
                ocr_confidence=_word_confidence(words),
                extractor=EXTRACTOR,
                reasons=["lấy từ tiêu đề của trang"],
            )
        start = re.search(r"(?:uy ban nhan dan|ubnd)\b", key)
        if start:
            # fold() keeps lengths, so the folded match cuts the line's own text.
            text = line.text[: match.start()].strip() if match else line.text
            rest = _BOOK_REST.search(fold(text), start.end())
            text = text[: rest.start()].strip() if rest else text
            words = list(line.words[: len(text.split())])
            parsed = parse_place(text)
            if parsed is not None and parsed.value:
                ocr = _word_confidence(words)
                found.add("registration_office")
                state.office = ExtractedField(
                    name="registration_office",
                    value=office_case(parsed.value),
                    raw=text,
                    confidence=ocr * parsed.strength,
                    page=page.number,
                    bbox=union_bbox([w.bbox for w in words]),
                    ocr_confidence=ocr,
                    extractor=EXTRACTOR,
                    reasons=["lấy từ tiêu đề của trang", *parsed.reasons],
                )
    return found


def _read_cell(
    cell: CellReading,
    column: Column,
    page: Page,
    above: ExtractedField | None,
) -> ExtractedField | None:
    text = cell.text
    ocr = _word_confidence(cell.words)
    mean_ocr = sum(w.confidence for w in cell.words) / len(cell.words) if cell.words else 0.0
    base = {
        "name": column.field,
        "raw": text,
        "page": page.number,
        "bbox": cell.bbox,
        "ocr_confidence": mean_ocr,
        "extractor": EXTRACTOR,
    }
    if cell.empty:
        return None
    if not cell.words:
        return ExtractedField(
            value=None,
            confidence=0.0,
            reasons=["ô có nét chữ nhưng không đọc được chữ nào"],
            **base,
        )
    if is_ditto(text) and column.field not in NO_DITTO:
        if above is None or above.value is None:
            return ExtractedField(
                value=None,
                confidence=0.0,
                reasons=[f'dấu "như trên" {text!r} nhưng phía trên không có giá trị để chép'],
                **base,
            )
        return ExtractedField(
            value=above.value,
            # As sure as the value above and as the reading of the mark itself: OCR makes
            # quote-like marks out of specks, and a wrong copy must not pass unseen.
            confidence=min(above.confidence, ocr),
            reasons=[f'dấu "như trên" {text!r}: chép giá trị của mục phía trên', *above.reasons],
            **base,
        )
    _, parser = PARSERS.get(column.parse_as or column.field, ("person", parse_text))
    parsed = parser(text)
    if parsed is None or parsed.value is None:
        return ExtractedField(
            value=None, confidence=0.0, reasons=["trong ô không có giá trị thuộc loại này"], **base
        )
    reasons = list(parsed.reasons)
    coverage = min(1.0, cell.coverage / FULL_COVERAGE)
    if coverage < 1.0:
        reasons.append(f"chỉ đọc được {cell.coverage:.0%} nét chữ trong ô")
    confidence = ocr * parsed.strength * coverage
    if parsed.strength < 1.0:
        # The normaliser doubted the text (a rare surname, a partial date, letters in a
        # number): in a ledger that is mostly a misreading, however crisp the print.
        confidence = min(confidence, DOUBT_CAP)
    return ExtractedField(value=parsed.value, confidence=confidence, reasons=reasons, **base)


@dataclass
class TableReading:
    """One grid of one page with its cells read: the pixel and OCR work, which needs no state
    from earlier pages and so can run for many pages at once (:func:`read_table`)."""

    page: Page
    grid: Grid
    cells: list[list[CellReading]]
    header: int  # leading header rows
    live: list[int]  # columns holding a word somewhere
    legible: bool  # reads like print (see _legible)
    # The band of the page read turned by 180° (it lies upside down), if any: page and grid
    # are upright, the cell boxes on the page as stored (pipeline.registers.book.read_tables).
    turned: Strip | None = None


def read_table(
    page: Page,
    grid: Grid,
    template: Template,
    ink: np.ndarray | None = None,
    reread: Reread | None = None,
) -> TableReading:
    """Cut ``grid`` into cells, deal the page's words into them and reread what OCR missed.

    Args:
        page: the OCRed page.
        grid: the grid of the page (or of one half of a spread).
        template: the register's template (its titles find the header row).
        ink: binary ink mask of the page with its rules erased (see :func:`read_cells`).
        reread: OCRs cell boxes on their own (words in page coordinates), for cells with ink
            that the page's OCR left without words; None to leave them empty.
    """
    cells = read_cells(page, grid, ink)
    header = _header_rows(cells, template)
    # Columns without a word in any row (the strip between a spread's fold and its table) are
    # not columns of the register: leaving them out keeps the header alignment unambiguous.
    live = [c for c in range(grid.n_cols) if any(row[c].words for row in cells)]
    legible = _legible(cells[header:])
    if reread is not None:
        # Ink the page's OCR skipped: short words alone in narrow cells ("Nữ") are what
        # Tesseract's layout analysis drops most. On pages that read like handwriting, every
        # cell: one cell a line, Tesseract segments a hand better than on the whole page.
        todo = [
            c for row in cells[header:] for c in row if not c.empty and (not c.words or not legible)
        ]
        # No header row found: the first row may still be one the page's OCR garbled (bold
        # titles squeezed into cells, a page cached upside down). Read cell by cell, its titles
        # come out right; read as an entry, it would be one record more than the page holds.
        queued = {id(c) for c in todo}
        probe = []
        if not header and cells:
            probe = [c for c in cells[0] if not c.empty and id(c) not in queued]
        boxes = [c.bbox for c in todo + probe]
        again = {
            id(c): [w for w in (_clean_word(w) for w in words) if w is not None]
            for c, words in zip(todo + probe, reread(boxes) if boxes else [], strict=True)
        }
        first = [replace(c, words=again.get(id(c), c.words)) for c in cells[0]] if cells else []
        if not header and first and _titles_row(first, template):
            for cell in cells[0]:
                if id(cell) in again:
                    cell.words, cell.coverage = again[id(cell)], 1.0
            header = _header_rows(cells, template)
        for cell in todo:
            words = again[id(cell)]
            if cell.row >= header and (
                not cell.words or _mean_confidence(words) > _mean_confidence(cell.words)
            ):
                cell.words = words
                cell.coverage = 1.0 if words else 0.0
    return TableReading(page, grid, cells, header, live, legible)


def entries_from_table(
    table: TableReading, template: Template, state: BookState
) -> list[ExtractedRecord]:
    """One record (role ``entry``) per filled row below the header of a read table.

    Args:
        table: the cells of one grid (:func:`read_table`).
        template: the register's template (column titles → fields).
        state: carried from the previous table of the same book, and updated; tables must
            come in book order.
    """
    page, grid, cells, header = table.page, table.grid, table.cells, table.header
    if header:
        titles = [cells[header - 1][c].text for c in table.live]
        state.mapping = {table.live[i]: c for i, c in map_columns(titles, template).items()}
    mapping = state.mapping
    fallback = False
    if not mapping:
        # A page without a header row and no header seen before: columns by position.
        mapping = dict(enumerate(template.columns[: grid.n_cols]))
        fallback = True
    legible = table.legible
    heading = page_context(page, state, grid)
    if table.turned:
        # Read on the page turned upright: the boxes go back onto the page as stored.
        for found in (state.book_number, state.office):
            if found is not None and found.name in heading and found.bbox is not None:
                found.bbox = turn_box(found.bbox, table.turned, page.height)
    records = []
    for row in cells[header:]:
        if all(c.empty for c in row):
            continue
        if _titles_row(row, template):
            continue  # the column titles again (a header repeated down the page): no entry
        fields: dict[str, ExtractedField] = {}
        for index, column in mapping.items():
            if index >= len(row):
                continue
            above = state.previous.get(column.field)
            value = _read_cell(row[index], column, page, above)
            if value is None:
                continue
            if fallback:
                value.reasons.append("trang không có dòng tiêu đề: cột được xác định theo vị trí")
                value.confidence *= 0.8
            if not legible and value.value is not None:
                value.reasons.append(ILLEGIBLE_REASON)
                value.confidence *= ILLEGIBLE_FACTOR
            if (
                column.field == "registration_date"
                and state.year
                and value.value
                and not value.value.startswith(str(state.year))
            ):
                value.reasons.append(f"không thuộc năm {state.year} của sổ")
                value.confidence *= SEQUENCE_PENALTY
            fields[column.field] = value
        columns = {i: c for i, c in mapping.items() if i < len(row)}
        naming = [c.field for c in columns.values() if _names_entry(c)]
        if naming and not any(fields.get(n) and fields[n].value for n in naming):
            if 2 * sum(not row[i].empty for i in columns) < len(columns):
                continue  # no number, no name, most cells blank: a stray mark or a note
            # Most cells written, yet nothing says which entry this is: an entry whose
            # number and names are unreadable, or the overflow of the entry above. A person
            # decides, so nothing in it is accepted unseen.
            for value in fields.values():
                value.reasons.append(UNNAMED_REASON)
                value.confidence = min(value.confidence, DOUBT_CAP)
        elif not any(f.value for f in fields.values()):
            continue
        for shared in (state.book_number, state.office):
            if shared is not None:
                copy = shared.model_copy(deep=True)
                if shared.name not in heading:
                    # Most books repeat the heading on every page; one not read here may
                    # belong to another book bound in, so a person confirms it.
                    copy.confidence *= CARRIED_FACTOR
                    copy.reasons.append(CARRIED_REASON.format(page=copy.page))
                fields[shared.name] = copy
        # A copy: the record's own fields are checked and calibrated later, which a book read
        # page by page does before the next page's ditto marks copy these values.
        state.previous = {
            **state.previous,
            **{n: f.model_copy(deep=True) for n, f in fields.items()},
        }
        records.append(ExtractedRecord(role="entry", fields=fields))
    return records


def read_entries(
    page: Page,
    grid: Grid,
    template: Template,
    state: BookState,
    ink: np.ndarray | None = None,
    reread: Reread | None = None,
) -> list[ExtractedRecord]:
    """:func:`read_table` then :func:`entries_from_table`: the records of one grid."""
    return entries_from_table(read_table(page, grid, template, ink, reread), template, state)
