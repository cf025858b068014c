"""Civil-register pages: a landscape page of a sổ đăng ký khai sinh, one record per entry.

A ruled ledger with a header row of column titles and 5–10 entries, written by hand in older
books and typed in newer ones; the book number ("Quyển số") and the registering office head the
page. Registered in :data:`pipeline.samples.layouts.LAYOUTS`.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from pipeline.samples.certificates import office_of
from pipeline.samples.data import make_address, make_person
from pipeline.samples.fonts import FontFamily
from pipeline.samples.render import RenderedDocument, RenderedPage, blank_page, dmy

__all__ = ["COLUMNS", "civil_register_page"]

# Column titles and their share of the ledger's width.
COLUMNS = (
    ("Số TT", 0.05),
    ("Họ và tên", 0.14),
    ("Ngày sinh", 0.08),
    ("Giới tính", 0.06),
    ("Dân tộc", 0.06),
    ("Quốc tịch", 0.07),
    ("Nơi sinh", 0.16),
    ("Họ tên cha", 0.13),
    ("Họ tên mẹ", 0.13),
    ("Ngày đăng ký", 0.12),
)
_HEAD = {"book_number", "registration_office"}  # printed in the page's head, never by hand


def civil_register_page(
    rng: random.Random, family: FontFamily, *, inconsistent: bool, pages: int | None = None
) -> RenderedDocument:
    """One or two consecutive pages of a birth register (``pages``: drawn when None).

    Each entry is a record with role ``entry``; ``inconsistent`` has no effect (registers of
    that age carry no ID numbers).
    """
    del inconsistent  # no ID numbers in these books
    pages = pages or rng.choice((1, 1, 2))
    year = rng.randint(1976, 2015)
    hand = year < 2005 or rng.random() < 0.3  # typed registers came with computers
    commune = make_address(rng, house=False)
    office = office_of(commune)
    book = f"{rng.randint(1, 3):02d}"
    number = rng.randint(1, 300)
    day = date(year, 1, 1) + timedelta(days=rng.randint(0, 300))
    first_page = rng.randint(1, 60)
    rendered, records = [], []
    for page_number in range(first_page, first_page + pages):
        sheet = blank_page(rng, family, pt=10, landscape=True)
        sheet.row(
            [
                (sheet.left, office.upper(), "bold"),
                (
                    sheet.right - sheet.width(f"Quyển số: {book}", "bold", 11),
                    f"Quyển số: {book}",
                    "bold",
                    11,
                ),
            ]
        )
        sheet.center(f"SỔ ĐĂNG KÝ KHAI SINH NĂM {year}", pt=15)
        sheet.right_aligned(f"Trang {page_number}", pt=9)
        sheet.gap(4)
        width = sheet.right - sheet.left
        edges = [float(sheet.left)]
        for _, share in COLUMNS:
            edges.append(edges[-1] + share * width)
        style = "hand" if hand else "regular"
        rows = [[(title, "bold") for title, _ in COLUMNS]]
        for _ in range(rng.randint(5, 10)):
            born = day - timedelta(days=rng.randint(2, 50))
            father = make_person(
                rng, born=(date(year - 45, 1, 1), date(year - 20, 1, 1)), sex="male"
            )
            mother = make_person(
                rng, born=(date(year - 40, 1, 1), date(year - 18, 1, 1)), sex="female"
            )
            child = make_person(
                rng, born=(born, born), surname=father.surname, ethnicity=father.ethnicity,
                residence=commune,
            )  # fmt: skip
            place = rng.choice(
                (
                    f"Trạm Y tế {commune.short().split(', ')[0]}",
                    f"Bệnh viện Đa khoa {commune.province.short}",
                    f"{commune.short().split(', ')[0]}, {commune.province.short}",
                )
            )
            fields = {
                "registration_number": str(number),
                "full_name": child.full_name,
                "date_of_birth": child.date_of_birth.isoformat(),
                "sex": child.sex,
                "ethnicity": child.ethnicity,
                "nationality": "Việt Nam",
                "place_of_birth": place,
                "father_name": father.full_name,
                "mother_name": mother.full_name,
                "registration_date": day.isoformat(),
                "book_number": book,
                "registration_office": office,
            }
            printed = (
                str(number), child.full_name, dmy(child.date_of_birth), child.sex_vi,
                child.ethnicity, "Việt Nam", place, father.full_name, mother.full_name, dmy(day),
            )  # fmt: skip
            rows.append([(value, style) for value in printed])
            # The book number and the office are printed in the page's head, not in the row.
            handwritten = [k for k in fields if k not in _HEAD] if hand else []
            records.append({"role": "entry", "fields": fields, "handwritten": handwritten})
            number += 1
            day += timedelta(days=rng.randint(0, 4))
        sheet.grid(edges, rows, pt=10, wrap=False, min_height=38, header=1)
        rendered.append(RenderedPage(sheet.image, sheet.lines, 300))
    return RenderedDocument("civil_register_page", rendered, records, family.name)
