"""A book read page by page: the same records as the whole book at once, a bounded number of
pages held, and entries stored piece by piece, refreshed in place when stored again."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline.models import Document, DocumentResult, ExtractedRecord, FieldStatus, Page
from pipeline.options import Options
from pipeline.registers.book import (
    _load_grey,
    calibrate,
    interpret_register,
    iter_register,
    read_tables,
    register_calibration,
)
from pipeline.registers.entries import BookState, check_sequences, entries_from_table
from pipeline.registers.templates import get_template
from pipeline.storage import Store
from pipeline.storage.refresh import store_book
from pipeline.storage.review import apply_review
from pipeline.storage.schema import FieldRow, FileRow, RecordRow
from pipeline.validate import validate
from tests.registers.ledger import draw_ledger

TEMPLATE = "khai_sinh_truoc_2016"
NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thị Dung", "Lò Văn Em")


def _rows(first: int, count: int) -> list[tuple[str, ...]]:
    rows = []
    for i in range(count):
        n = first + i
        ethnicity = "nt" if i == 0 and first > 1 else ("Kinh", "Tày", "Khmer")[n % 3]
        rows.append((str(n), NAMES[n % 5], f"0{1 + n % 9}/03/1990", "Nam", ethnicity, "Việt Nam"))
    return rows


def _book(pages: int, per_page: int = 3) -> list[Page]:
    """Ledger pages (words only), numbered on from page to page, with a ditto mark on the first
    row of every page after the first."""
    out = []
    for p in range(pages):
        ledger = draw_ledger(_rows(1 + p * per_page, per_page))
        out.append(ledger.page.model_copy(update={"number": p + 1}))
    return out


def _doubtful(page: Page, text: str) -> Page:
    """``page`` with the words ``text`` read at OCR confidence 0.7."""
    lines = tuple(
        line.model_copy(
            update={
                "words": tuple(
                    w.model_copy(update={"confidence": 0.7}) if w.text == text else w
                    for w in line.words
                )
            }
        )
        for line in page.lines
    )
    return page.model_copy(update={"lines": lines})


def _whole_book(pages: list[Page], options: Options) -> list[ExtractedRecord]:
    """The book as it was read before it was read in pieces: every entry first, then the
    sequence checks, calibration and validation over all of them."""
    template = get_template(TEMPLATE)
    state = BookState()
    records: list[ExtractedRecord] = []
    for page in pages:
        for table in read_tables(page, template, _load_grey(None), options):
            records.extend(entries_from_table(table, template, state))
    check_sequences(records)
    calibrate(records, register_calibration())
    result = DocumentResult(
        doc_type="civil_register_page", doc_type_confidence=1.0, records=records
    )
    return validate(result, options.scoring).records


def _options(workers: int = 2) -> Options:
    return Options(register_template=TEMPLATE, workers=workers)


def test_stream_gives_the_records_of_the_whole_book_at_once():
    pages = _book(4)
    # Page 1 ends with number 9, out of step with the entry before it; page 2 starts at 10,
    # so only the next page's first entry keeps 9 from being flagged. Entry 9 leaves its
    # ethnicity blank: the ditto mark on page 2 copies entry 2's, read at OCR confidence 0.7.
    first = draw_ledger(
        [
            ("1", "Nguyễn Văn An", "01/03/1990", "Nam", "Kinh", "Việt Nam"),
            ("2", "Trần Thị Bình", "02/03/1990", "Nữ", "Tày", "Việt Nam"),
            ("9", "Lò Văn Em", "04/03/1990", "Nam", "", "Việt Nam"),
        ]
    )
    second = draw_ledger(
        [("10", "Mai Văn Giang", "05/03/1990", "Nam", "nt", "nt"), *_rows(11, 2)[1:]]
    )
    pages[0] = _doubtful(first.page, "Tày")
    pages[1] = second.page.model_copy(update={"number": 2})
    options = _options()
    expected = _whole_book(pages, options)
    pieces = list(iter_register(((p, None) for p in pages), options))
    got = [r for piece in pieces for r in piece.records]
    assert [r.model_dump() for r in got] == [r.model_dump() for r in expected]
    assert len(pieces) == len(pages) + 1  # one per page, then the book's last entry
    # Across the page boundary: the ditto mark copies the value above, as sure as it was read
    # (0.7 before calibration; entry 2 is given out, and calibrated, before page 2 is read:
    # the copy must not take the calibrated confidence), and 9 is in step with 10 on the next
    # page (it would be flagged if the next page were not looked at).
    two, nine, ten = expected[1].fields, expected[2].fields, expected[3].fields
    assert "ethnicity" not in nine
    assert ten["ethnicity"].value == "Tày" and ten["nationality"].value == "Việt Nam"
    assert ten["ethnicity"].confidence == two["ethnicity"].confidence < 0.99
    assert not any("liền số" in r for r in nine["registration_number"].reasons)
    # interpret_register is the pieces joined.
    document = Document(source="book.pdf", sha256="ab" * 32, pages=tuple(pages))
    joined = interpret_register(document, options, images=[None] * len(pages))
    assert [r.model_dump() for r in joined.records] == [r.model_dump() for r in expected]


@pytest.mark.parametrize("workers", [1, 2])
def test_stream_holds_a_few_pages_whatever_the_length_of_the_book(workers: int):
    """Pages are taken from the iterable only as the entries get to them, and dropped after:
    at every piece given out, at most ``2 × workers`` pages beyond it were taken, and as many
    are still alive (a book held whole would keep all 30)."""
    template_page = _book(1)[0]
    alive: list[weakref.ref[Page]] = []
    taken = 0

    def pages() -> Iterator[tuple[Page, Path | None]]:
        nonlocal taken
        for number in range(1, 31):
            page = template_page.model_copy(update={"number": number})
            alive.append(weakref.ref(page))
            taken += 1
            yield page, None

    most_alive = 0
    for i, piece in enumerate(iter_register(pages(), _options(workers))):
        if i < 30:
            assert taken <= i + 1 + 2 * workers
            assert piece.records  # page i's entries, before the book is read to its end
        gc.collect()
        most_alive = max(most_alive, sum(ref() is not None for ref in alive))
    assert taken == 30
    assert most_alive <= 2 * workers + 1


# Storing a book piece by piece ------------------------------------------------------------

SHA = "cd" * 32


def _pieces(pages: list[Page], options: Options) -> list[DocumentResult]:
    return list(iter_register(((p, None) for p in pages), options))


def _stored(store: Store) -> list[tuple[int, str, str | None]]:
    """(position, record id, registration number) of every stored record, by position."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(RecordRow.position, RecordRow.id, FieldRow.value)
            .join(FieldRow, (FieldRow.record_id == RecordRow.id), isouter=True)
            .where((FieldRow.name == "registration_number") | FieldRow.name.is_(None))
            .order_by(RecordRow.position)
        ).all()
    return [tuple(r) for r in rows]


def _file_status(store: Store) -> str:
    with store.engine.connect() as conn:
        return conn.scalar(select(FileRow.status).where(FileRow.sha256 == SHA))


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store(db_url) as store:
        store.register_file(SHA, "so-khai-sinh.pdf", 1000, "application/pdf", "test")
        yield store


def test_stream_store_writes_each_piece_before_the_next_is_read(store: Store):
    pieces = _pieces(_book(3), _options())
    seen: list[tuple[int, str]] = []

    def watched() -> Iterator[DocumentResult]:
        for piece in pieces:
            seen.append((len(_stored(store)), _file_status(store)))
            yield piece

    store_book(store, SHA, watched(), [1, 2, 3], "test", {"extract": "1"})
    # Before each piece is asked for, the pieces before it are stored, and the file is not
    # done until the last one is in (a run killed half-way is run again).
    stored = [n for n, _ in seen]
    assert stored == [0, *[sum(len(p.records) for p in pieces[:i]) for i in range(1, len(pieces))]]
    assert {status for _, status in seen} == {"processing"}
    assert _file_status(store) == "done"
    numbers = [n for _, _, n in _stored(store)]
    assert numbers == [str(n) for n in range(1, 10)]


def test_stream_store_again_refreshes_in_place_and_spares_the_stewards_work(store: Store):
    options = _options()
    pieces = _pieces(_book(3), options)
    # A run killed after its first two pieces: they stay, the file is not done; the run
    # again stores the whole book, nothing twice.

    def killed() -> Iterator[DocumentResult]:
        yield from pieces[:2]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store_book(store, SHA, killed(), [1, 2, 3], "test", {"extract": "1"})
    assert len(_stored(store)) == len(pieces[0].records) + len(pieces[1].records)
    assert _file_status(store) == "processing"
    store_book(store, SHA, iter(pieces), [1, 2, 3], "test", {"extract": "1"})
    assert _file_status(store) == "done"
    first = _stored(store)
    assert [n for _, _, n in first] == [str(n) for n in range(1, 10)]

    # A steward corrects entry 2's name and entry 9's number; then a new extraction reads
    # only the first two pages (six entries).
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(FieldRow.id, FieldRow.record_id, FieldRow.name, RecordRow.version_id)
            .join(RecordRow, FieldRow.record_id == RecordRow.id)
            .where(RecordRow.position.in_([1, 8]))
            .where(FieldRow.name.in_(["full_name", "registration_number"]))
        ).all()
    by = {(r.record_id, r.name): r for r in rows}
    second_id, ninth_id = first[1][1], first[8][1]
    name = by[(second_id, "full_name")]
    apply_review(store.engine, name.id, "correct", "lan", name.version_id, "Trần Thị Bính")
    number = by[(ninth_id, "registration_number")]
    apply_review(store.engine, number.id, "correct", "lan", number.version_id, "99")

    shorter = _pieces(_book(2), options)
    store_book(store, SHA, iter(shorter), [1, 2], "test", {"extract": "2"})
    after = _stored(store)
    # Six entries, then the reviewed ninth kept after them; the untouched 7th and 8th gone.
    assert [rid for _, rid, _ in after[:6]] == [rid for _, rid, _ in first[:6]]
    assert [(p, rid, n) for p, rid, n in after[6:]] == [(6, ninth_id, "99")]
    with store.engine.connect() as conn:
        corrected = conn.execute(
            select(FieldRow.value, FieldRow.status).where(
                FieldRow.record_id == second_id, FieldRow.name == "full_name"
            )
        ).one()
    assert tuple(corrected) == ("Trần Thị Bính", FieldStatus.verified.value)
