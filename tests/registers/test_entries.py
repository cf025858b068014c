"""Ledger rows to records: column mapping, ditto marks, confidence from OCR and ink."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.models import DocumentResult, FieldStatus, Line, Page, Word
from pipeline.options import ScoringOptions
from pipeline.registers.book import calibrate, register_calibration
from pipeline.registers.entries import (
    CARRIED_REASON,
    UNNAMED_REASON,
    BookState,
    is_ditto,
    map_columns,
    read_entries,
)
from pipeline.registers.grid import Grid
from pipeline.registers.templates import get_template
from pipeline.validate import validate
from tests.registers.ledger import TITLES, draw_ledger

TEMPLATE = get_template("khai_sinh_truoc_2016")


def _grid(ledger) -> Grid:
    return Grid(tuple(ledger.ys), tuple(ledger.xs))


def _routed(records):
    """Calibrated and routed as :func:`interpret_register` does it."""
    calibrate(records, register_calibration())
    result = DocumentResult(
        doc_type="civil_register_page", doc_type_confidence=1.0, records=records
    )
    return validate(result, ScoringOptions()).records


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nt", True),
        ("NT", True),
        ("n.t", True),
        ("Như trên", True),
        ("như trên.", True),
        ("〃", True),
        ('"', True),
        ("„", True),
        ("-do-", True),
        ("- nt -", True),
        ("Nam", False),
        ("Nguyễn Thị Nga", False),
        ("Đông", False),
        ("", False),
    ],
)
def test_entries_is_ditto(text, expected):
    assert is_ditto(text) is expected


def test_entries_one_record_per_row_with_cell_boxes():
    rows = [
        ("12", "Nguyễn Văn An", "01/02/1990", "Nam", "Kinh", "Việt Nam"),
        ("13", "Trần Thị Bình", "03/04/1991", "Nữ", "Tày", "Việt Nam"),
    ]
    ledger = draw_ledger(rows)
    records = read_entries(ledger.page, _grid(ledger), TEMPLATE, BookState())
    assert [r.role for r in records] == ["entry", "entry"]
    first = records[0].fields
    assert first["registration_number"].value == "12"
    assert first["full_name"].value == "Nguyễn Văn An"
    assert first["date_of_birth"].value == "1990-02-01"
    assert first["sex"].value == "male"
    assert records[1].fields["ethnicity"].value == "Tày"
    # The field's box is the cell on the page image: the review page crops it.
    assert first["full_name"].bbox == (ledger.xs[1], ledger.ys[1], ledger.xs[2], ledger.ys[2])
    assert all(f.extractor == "registers.cell.v1" for f in first.values())


def test_entries_ditto_copies_value_above_and_says_so():
    rows = [
        ("12", "Nguyễn Văn An", "01/02/1990", "Nam", "Kinh", "Việt Nam"),
        ("13", "Lò Thị Bình", "03/04/1991", "Nữ", "nt", "〃"),
    ]
    ledger = draw_ledger(rows)
    second = read_entries(ledger.page, _grid(ledger), TEMPLATE, BookState())[1].fields
    assert second["ethnicity"].value == "Kinh"
    assert second["nationality"].value == "Việt Nam"
    assert second["ethnicity"].raw == "nt"
    assert "như trên\" 'nt'" in second["ethnicity"].reasons[0]


def test_entries_ditto_on_first_row_of_page_copies_last_entry_of_previous_page():
    state = BookState()
    page1 = draw_ledger([("12", "Nguyễn Văn An", "01/02/1990", "Nam", "Khmer", "Việt Nam")])
    read_entries(page1.page, _grid(page1), TEMPLATE, state)
    page2 = draw_ledger([("13", "Thạch Bình", "03/04/1991", "Nam", "nt", "nt")], header=False)
    (record,) = read_entries(page2.page, _grid(page2), TEMPLATE, state)
    assert record.fields["ethnicity"].value == "Khmer"


def test_entries_ditto_is_never_a_registration_number():
    rows = [
        ("12", "Nguyễn Văn An", "01/02/1990", "Nam", "Kinh", "Việt Nam"),
        ('"', "Trần Văn Bình", "03/04/1991", "Nam", "Kinh", "Việt Nam"),
    ]
    ledger = draw_ledger(rows)
    second = read_entries(ledger.page, _grid(ledger), TEMPLATE, BookState())[1].fields
    assert second["registration_number"].value != "12"
    (routed,) = _routed([read_entries(ledger.page, _grid(ledger), TEMPLATE, BookState())[1]])
    assert routed.fields["registration_number"].status == FieldStatus.needs_review


def test_entries_low_ocr_confidence_goes_to_review():
    ledger = draw_ledger([("12", "Nguyễn Văn An", "01/02/1990", "Nam", "Kinh", "Việt Nam")])
    shaky = Page(
        number=1,
        width=ledger.page.width,
        height=ledger.page.height,
        lines=tuple(
            Line(words=tuple(w.model_copy(update={"confidence": 0.4}) for w in line.words))
            for line in ledger.page.lines
        ),
    )
    (record,) = _routed(read_entries(shaky, _grid(ledger), TEMPLATE, BookState()))
    assert {f.status for f in record.fields.values()} == {FieldStatus.needs_review}
    (crisp,) = _routed(read_entries(ledger.page, _grid(ledger), TEMPLATE, BookState()))
    assert FieldStatus.auto_accepted in {f.status for f in crisp.fields.values()}


def test_entries_ink_the_ocr_did_not_read_lowers_confidence():
    ledger = draw_ledger([("12", "Nguyễn Văn An", "01/02/1990", "Nam", "Kinh", "Việt Nam")])
    ink = (ledger.image < 128).astype(np.uint8) * 255
    # Strokes OCR never saw (a handwritten addition) in the name cell of the entry.
    ink[ledger.ys[1] + 20 : ledger.ys[2] - 20, ledger.xs[1] + 330 : ledger.xs[2] - 20] = 255
    (record,) = read_entries(ledger.page, _grid(ledger), TEMPLATE, BookState(), ink)
    name = record.fields["full_name"]
    assert name.confidence < 0.5
    assert any("nét chữ trong ô" in r for r in name.reasons)


def test_entries_cell_with_ink_but_no_words_is_kept_for_review():
    ledger = draw_ledger([("12", "Nguyễn Văn An", "01/02/1990", "Nam", "Kinh", "Việt Nam")])
    ink = (ledger.image < 128).astype(np.uint8) * 255
    lines = [line for line in ledger.page.lines if line.text != "Nam"]
    page = ledger.page.model_copy(update={"lines": tuple(lines)})
    (record,) = read_entries(page, _grid(ledger), TEMPLATE, BookState(), ink)
    assert record.fields["sex"].value is None
    assert record.fields["sex"].confidence == 0.0
    # With a reader for single cells, the skipped cell is read on its own.
    reread = lambda boxes: [[Word(text="Nam", confidence=0.9, bbox=b)] for b in boxes]  # noqa: E731
    (record,) = read_entries(page, _grid(ledger), TEMPLATE, BookState(), ink, reread)
    assert record.fields["sex"].value == "male"


def test_entries_map_columns_skips_missing_and_unreadable_titles():
    # "Giới tính" absent from this book; "Số TT" unreadable (OCR gave nothing).
    headers = ["", "Họ và tên", "Ngày sinh", "Dân tộc", "Quốc tịch"]
    mapping = {i: c.field for i, c in map_columns(headers, TEMPLATE).items()}
    assert mapping == {
        0: "registration_number",
        1: "full_name",
        2: "date_of_birth",
        3: "ethnicity",
        4: "nationality",
    }


def test_entries_book_number_and_office_come_from_page_heading():
    ledger = draw_ledger([("12", "Nguyễn Văn An", "01/02/1990", "Nam", "Kinh", "Việt Nam")])
    office = "ỦY BAN NHÂN DÂN XÃ AN BÌNH, HUYỆN LONG HỒ, TỈNH VĨNH LONG"
    heading = (
        Line(words=tuple(
            Word(text=t, confidence=0.95, bbox=(150 + 120 * i, 60, 250 + 120 * i, 100))
            for i, t in enumerate(office.split())
        )),
        Line(words=tuple(
            Word(text=t, confidence=0.95, bbox=(1750 + 110 * i, 120, 1850 + 110 * i, 160))
            for i, t in enumerate(("Quyển", "số:", "02"))
        )),
    )  # fmt: skip
    page = ledger.page.model_copy(update={"lines": heading + ledger.page.lines})
    grid = Grid(tuple(ledger.ys), tuple(ledger.xs))
    (record,) = read_entries(page, grid, TEMPLATE, BookState())
    assert record.fields["book_number"].value == "02"
    assert (
        record.fields["registration_office"].value
        == "Ủy ban nhân dân xã An Bình, huyện Long Hồ, tỉnh Vĩnh Long"
    )


@pytest.mark.parametrize("rest", [("số:",), ("Quyền", "số"), ("Ouyến", "số:", "0l")])
def test_entries_office_on_the_book_number_line_stops_before_a_misread_book_number(rest):
    # "Quyển số: 01" printed on the office's line and misread: what is left of it ("số:",
    # a mangled "Quyển") is not part of the office.
    ledger = draw_ledger([("12", "Nguyễn Văn An", "01/02/1990", "Nam", "Kinh", "Việt Nam")])
    heading_text = "ỦY BAN NHÂN DÂN XÃ TÀ NUNG, THÀNH PHỐ ĐÀ LẠT, TỈNH LÂM ĐỒNG"
    office = heading_text.split()
    heading = (
        Line(words=tuple(
            Word(text=t, confidence=0.97, bbox=(150 + 110 * i, 60, 250 + 110 * i, 100))
            for i, t in enumerate([*office, *rest])
        )),
    )  # fmt: skip
    page = ledger.page.model_copy(update={"lines": heading + ledger.page.lines})
    (record,) = read_entries(page, _grid(ledger), TEMPLATE, BookState())
    found = record.fields["registration_office"]
    assert found.value == "Ủy ban nhân dân xã Tà Nung, thành phố Đà Lạt, tỉnh Lâm Đồng"
    assert found.raw == " ".join(office)


def test_entries_book_number_carried_from_an_earlier_page_goes_to_review():
    ledger = draw_ledger([("12", "Nguyễn Văn An", "01/02/1990", "Nam", "Kinh", "Việt Nam")])
    heading = (
        Line(words=tuple(
            Word(text=t, confidence=0.97, bbox=(1750 + 110 * i, 120, 1850 + 110 * i, 160))
            for i, t in enumerate(("Quyển", "số:", "02"))
        )),
    )  # fmt: skip
    state = BookState()
    grid = Grid(tuple(ledger.ys), tuple(ledger.xs))
    read_entries(ledger.page.model_copy(update={"lines": heading + ledger.page.lines}), grid,
                 TEMPLATE, state)  # fmt: skip
    # The next page's heading was not read: its entry takes page 1's book number, for review.
    (record,) = _routed(read_entries(ledger.page.model_copy(update={"number": 2}), grid,
                                     TEMPLATE, state))  # fmt: skip
    book = record.fields["book_number"]
    assert book.value == "02" and book.status == FieldStatus.needs_review
    assert CARRIED_REASON.format(page=1) in book.reasons


def test_entries_titles_cover_the_drawn_ledger():
    assert set(TITLES) <= {t for c in TEMPLATE.columns for t in c.titles}


def _cell_reader(ledger, texts: dict[tuple[int, int], str]):
    """A cell reader that reads each drawn cell right: ``texts`` by (row, column)."""

    def reread(boxes):
        found = []
        for box in boxes:
            at = (ledger.ys.index(box[1]), ledger.xs.index(box[0]))
            found.append([Word(text=t, confidence=0.9, bbox=box) for t in texts[at].split()])
        return found

    return reread


def test_entries_header_row_the_page_ocr_garbled_is_read_again_and_is_no_entry():
    rows = [
        ("12", "Nguyễn Văn An", "01/02/1990", "Nam", "Kinh", "Việt Nam"),
        ("13", "Trần Thị Bình", "03/04/1991", "Nữ", "Tày", "Việt Nam"),
    ]
    ledger = draw_ledger(rows)
    # The whole-page OCR of a bench spread's header row: bold titles in cells, read as this.
    garbled = ("SD.E1", "Hướng", "NGHÿ HN.", "CHỦ THỨ,", ",D0HN VU:", "NHHỚU NẠDH")
    body = ledger.page.lines[len(TITLES) :]  # a line per drawn cell, the titles first
    words = []
    for c, text in enumerate(garbled):
        x = ledger.xs[c] + 18
        for token in text.split():
            words.append(Word(text=token, confidence=0.6, bbox=(x, 235, x + 90, 270)))
            x += 100
    page = ledger.page.model_copy(update={"lines": (Line(words=tuple(words)), *body)})
    texts = {(0, c): t for c, t in enumerate(TITLES)}
    texts |= {(r, c): t for r, row in enumerate(rows, 1) for c, t in enumerate(row)}
    reread = _cell_reader(ledger, texts)
    records = read_entries(page, _grid(ledger), TEMPLATE, BookState(), None, reread)
    assert [r.fields["registration_number"].value for r in records] == ["12", "13"]
    assert records[0].fields["full_name"].value == "Nguyễn Văn An"
    # Columns come from the titles read again, not from their position.
    assert not any(
        "không có dòng tiêu đề" in r for f in records[0].fields.values() for r in f.reasons
    )


def test_entries_first_row_of_a_page_without_header_stays_an_entry():
    rows = [("14", "Lê Văn Cường", "05/06/1991", "Nam", "Kinh", "Việt Nam")]
    state = BookState()
    first = draw_ledger([("13", "Trần Thị Bình", "03/04/1991", "Nữ", "Tày", "Việt Nam")])
    read_entries(first.page, _grid(first), TEMPLATE, state)
    ledger = draw_ledger(rows, header=False)
    reread = _cell_reader(ledger, {(0, c): t for c, t in enumerate(rows[0])})
    (record,) = read_entries(ledger.page, _grid(ledger), TEMPLATE, state, None, reread)
    assert record.fields["registration_number"].value == "14"
    assert record.fields["full_name"].value == "Lê Văn Cường"


def test_entries_column_titles_repeated_down_the_page_are_no_entry():
    rows = [
        ("12", "Nguyễn Văn An", "01/02/1990", "Nam", "Kinh", "Việt Nam"),
        TITLES,
        ("13", "Trần Thị Bình", "03/04/1991", "Nữ", "Tày", "Việt Nam"),
    ]
    ledger = draw_ledger(rows)
    records = read_entries(ledger.page, _grid(ledger), TEMPLATE, BookState())
    assert [r.fields["registration_number"].value for r in records] == ["12", "13"]


def test_entries_row_without_number_or_name_and_mostly_blank_is_no_entry():
    rows = [
        ("12", "Nguyễn Văn An", "01/02/1990", "Nam", "Kinh", "Việt Nam"),
        ("", "", "", "Nam", "", ""),  # a stray word in an otherwise blank row
    ]
    ledger = draw_ledger(rows)
    records = read_entries(ledger.page, _grid(ledger), TEMPLATE, BookState())
    assert [r.fields["registration_number"].value for r in records] == ["12"]


def test_entries_row_without_number_or_name_goes_to_review_and_says_why():
    rows = [
        ("12", "Nguyễn Văn An", "01/02/1990", "Nam", "Kinh", "Việt Nam"),
        ("", "", "03/04/1991", "Nữ", "Tày", "Việt Nam"),  # number and name unreadable
    ]
    ledger = draw_ledger(rows)
    first, second = _routed(read_entries(ledger.page, _grid(ledger), TEMPLATE, BookState()))
    assert second.fields["date_of_birth"].value == "1991-04-03"
    assert {f.status for f in second.fields.values()} == {FieldStatus.needs_review}
    assert all(UNNAMED_REASON in f.reasons for f in second.fields.values())
    assert FieldStatus.auto_accepted in {f.status for f in first.fields.values()}
