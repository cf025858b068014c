"""Documents citizens fill in: application forms (tờ khai, đơn) in seven layouts, and contracts.

A form's *template* says which facts it asks for (:data:`FORMS`: the CC01 and CT01 tờ khai); its
*layout* says how they are laid out on paper (:data:`FORM_LAYOUTS`):

========== ===================================================================================
dotted     numbered labels, values on dotted leaders (``1. Họ và tên: ..... AN .....``)
lines      numbered ``label: value`` lines, no leaders
table      a ruled table, labels in the left cells, values in the right cells
checkbox   labels and values, with ``Giới tính: ☒ Nam ☐ Nữ`` check boxes; filled in by hand
letter     a "Đơn đề nghị" in running prose (``Tôi tên là: …, sinh ngày …, CCCD số …``)
two_column short fields in pairs side by side, long ones across the page (**held out**)
stacked    each label on its own line, the value on an underlined line below (**held out**)
captioned  each ``label:`` on its own line, the value below it, indented (**probe**)
boxed      a ruled grid, two cells a row for short facts: a small caption, the value under it
           (**probe**)
========== ===================================================================================

The :data:`HELD_OUT_LAYOUTS` are never generated unless asked for by name or with
``layouts="held-out"``: a separate set of them measures how extraction generalises to layouts it
was not tuned on. The :data:`PROBE_LAYOUTS` (``layouts="probe"``) are the dev side's own
values-below-their-labels and side-by-side forms, drawn differently from the held-out ones, to
develop against; they are left out of the default cycle so that the dev set of a seed stays the
set the calibration was fitted on. Layouts are registered in
:data:`pipeline.samples.layouts.LAYOUTS`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from pipeline.samples.certificates import office_of
from pipeline.samples.data import Person, address_as_of, make_address, make_person, random_date
from pipeline.samples.fonts import FontFamily
from pipeline.samples.render import (
    DOT_SCALE,
    Item,
    RenderedDocument,
    RenderedPage,
    Sheet,
    blank_page,
    dmy,
    make_family,
    motto,
    place_date,
)

__all__ = [
    "DEV_LAYOUTS",
    "FORMS",
    "FORM_LAYOUTS",
    "HELD_OUT_LAYOUTS",
    "NAMED_PROBE_LAYOUTS",
    "PROBE_LAYOUTS",
    "FormTemplate",
    "application_form",
    "contract",
    "pick_layouts",
]

FORM_LAYOUTS = (
    "dotted", "lines", "table", "checkbox", "letter", "two_column", "stacked", "captioned", "boxed",
    "annotated",
)  # fmt: skip
HELD_OUT_LAYOUTS = ("two_column", "stacked")
PROBE_LAYOUTS = ("captioned", "boxed")
# Probe layouts added later, chosen by name only: "probe" keeps giving the set it gave.
NAMED_PROBE_LAYOUTS = ("annotated",)
DEV_LAYOUTS = tuple(
    n for n in FORM_LAYOUTS if n not in HELD_OUT_LAYOUTS + PROBE_LAYOUTS + NAMED_PROBE_LAYOUTS
)
# The CCCD's issuing authority as citizens copy it into forms and contracts.
_AUTHORITY = "Cục Cảnh sát quản lý hành chính về trật tự xã hội"
_NAMES = {"full_name", "father_name", "mother_name"}
# The check boxes of the "checkbox" layout: fact key → printed options.
_BOXES = {
    "sex": ("Nam", "Nữ"),
    "nationality": ("Việt Nam", "Nước ngoài"),
    "religion": ("Không", "Phật giáo", "Công giáo", "Khác"),
}


def pick_layouts(selection: str | Sequence[str] | None) -> tuple[str, ...]:
    """Form layouts for a selection: ``"dev"`` (default: all but the held-out and probe ones),
    ``"held-out"``, ``"probe"``, ``"all"``, or layout names.

    Raises:
        ValueError: an unknown selection or layout name.
    """
    if selection is None or selection == "dev":
        return DEV_LAYOUTS
    if selection == "held-out":
        return HELD_OUT_LAYOUTS
    if selection == "probe":
        return PROBE_LAYOUTS
    if selection == "all":
        return FORM_LAYOUTS
    names = (selection,) if isinstance(selection, str) else tuple(selection)
    unknown = [n for n in names if n not in FORM_LAYOUTS]
    if unknown or not names:
        raise ValueError(
            f"unknown layout {unknown}; known: dev, held-out, probe, all, {', '.join(FORM_LAYOUTS)}"
        )
    return names


@dataclass(frozen=True)
class FormTemplate:
    """A label–value form: which labels (in order) ask for which person facts."""

    code: str  # the "Mẫu" printed at the top right
    title: str
    addressee: str  # "Kính gửi: ..." with {office} filled in, or ""
    fields: tuple[tuple[str, str], ...]  # (printed label, fact key of _facts())
    pages: int = 1


FORMS: tuple[FormTemplate, ...] = (
    FormTemplate(
        "Mẫu CC01",
        "TỜ KHAI CĂN CƯỚC",
        "",
        (
            ("Họ, chữ đệm và tên khai sinh", "full_name"),
            ("Ngày, tháng, năm sinh", "date_of_birth"),
            ("Giới tính", "sex"),
            ("Số định danh cá nhân", "id_number"),
            ("Dân tộc", "ethnicity"),
            ("Tôn giáo", "religion"),
            ("Quốc tịch", "nationality"),
            ("Quê quán", "place_of_origin"),
            ("Nơi thường trú", "place_of_residence"),
            ("Họ, chữ đệm và tên của cha", "father_name"),
            ("Họ, chữ đệm và tên của mẹ", "mother_name"),
            ("Số điện thoại", "phone"),
            ("Email", "email"),
        ),
    ),
    FormTemplate(
        "Mẫu CT01",
        "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ",
        "Kính gửi: Công an {office}",
        (
            ("Họ, chữ đệm và tên", "full_name"),
            ("Ngày, tháng, năm sinh", "date_of_birth"),
            ("Giới tính", "sex"),
            ("Số định danh cá nhân", "id_number"),
            ("Số điện thoại liên hệ", "phone"),
            ("Email", "email"),
            ("Nơi thường trú", "place_of_residence"),
            ("Nơi tạm trú", "temporary_residence"),
            ("Nghề nghiệp, nơi làm việc", "occupation"),
        ),
        pages=2,
    ),
)
_OCCUPATIONS = (
    "Công nhân",
    "Giáo viên",
    "Nông dân",
    "Kinh doanh tự do",
    "Nhân viên văn phòng",
    "Kỹ sư xây dựng",
    "Điều dưỡng",
    "Sinh viên",
    "Lái xe",
)


def _facts(
    rng: random.Random, person: Person, father: Person, mother: Person
) -> dict[str, tuple[str, str | None]]:
    """Fact key → (printed value, ground-truth value or None when it is no contract field)."""
    temporary = make_address(rng, house=True) if rng.random() < 0.4 else None
    return {
        "full_name": (person.full_name.upper(), person.full_name),
        "date_of_birth": (dmy(person.date_of_birth), person.date_of_birth.isoformat()),
        "sex": (person.sex_vi, person.sex),
        "id_number": (person.id_number, person.id_number),
        "ethnicity": (person.ethnicity, person.ethnicity),
        "religion": (rng.choice(("Không", "Không", "Không", "Phật giáo", "Công giáo")), None),
        "nationality": ("Việt Nam", "Việt Nam"),
        "place_of_origin": (person.place_of_origin.full(), person.place_of_origin.full()),
        "place_of_residence": (person.residence.full(), person.residence.full()),
        "temporary_residence": (temporary.full(), temporary.full()) if temporary else ("", None),
        "father_name": (father.full_name.upper(), father.full_name),
        "mother_name": (mother.full_name.upper(), mother.full_name),
        "phone": (person.phone, person.phone),
        "email": (person.email, person.email) if person.email else ("", None),
        "occupation": (rng.choice(_OCCUPATIONS), None),
    }


def _pair(sheet: Sheet, pair: Sequence[tuple[str, str, str]]) -> None:
    """Two short ``label value`` fields side by side on one row."""
    half = (sheet.right - sheet.left) / 2
    spans: list[tuple[float, str, str] | tuple[float, str, str, float]] = []
    for n, (label, style, value) in enumerate(pair):
        x = sheet.left + n * half
        spans += [(x, label, "regular"), (x + sheet.width(label + "  "), value, style)]
    sheet.row(spans)


def _body(sheet: Sheet, layout: str, items: list[tuple[str, str, str]], *, hand: bool) -> None:
    """A form's ``(label, fact key, printed value)`` items laid out in ``layout``."""

    def style(key: str) -> str:
        if hand:
            return "hand"
        return "bold" if key in _NAMES else "regular"

    if layout in {"dotted", "lines"}:
        for label, key, printed in items:
            sheet.field(label, printed, style=style(key), leader=layout == "dotted")
    elif layout == "table":
        split = sheet.left + 0.42 * (sheet.right - sheet.left)
        rows = [
            [(label.rstrip(":"), "regular"), (printed, style(key))] for label, key, printed in items
        ]
        sheet.grid([sheet.left, split, sheet.right], rows)
    elif layout == "checkbox":
        for label, key, printed in items:
            if key in _BOXES:
                sheet.choices(label, _BOXES[key], printed)
            else:
                sheet.field(label, printed, style=style(key), leader=True)
    elif layout == "two_column":
        # Short facts pair up side by side; anything long takes the whole row.
        pending: list[tuple[str, str, str]] = []
        for label, key, printed in items:
            if key in _SHORT and printed:
                pending.append((label, style(key), printed))
                if len(pending) == 2:
                    _pair(sheet, pending)
                    pending = []
                continue
            sheet.field(label, printed, style=style(key))
        if pending:
            _pair(sheet, pending)
    elif layout == "stacked":
        rule = max(2, sheet.px(0.5))
        indent = sheet.px(10)
        for label, key, printed in items:
            sheet.row([(sheet.left, label.rstrip(":").upper(), "italic")], pt=9.5, leading=1.3)
            room = sheet.right - sheet.left - indent
            for chunk in sheet.wrap(printed, room, room, style(key), None) if printed else [""]:
                if chunk:
                    sheet.row([(sheet.left + indent, chunk, style(key))], leading=1.3)
                else:
                    sheet.gap(sheet.pt * 1.3)
                line_y = sheet.y - sheet.px(2)
                sheet.draw.line(
                    [(sheet.left, line_y), (sheet.right, line_y)], fill=(140, 140, 140), width=rule
                )
            sheet.gap(4)
    elif layout == "captioned":
        indent = sheet.px(18)
        for label, key, printed in items:
            sheet.row([(sheet.left, label, "regular")], leading=1.25)
            room = sheet.right - sheet.left - indent
            chunks = sheet.wrap(printed, room, room, style(key), None) if printed else []
            for chunk in chunks:
                sheet.row([(sheet.left + indent, chunk, style(key))], leading=1.3)
            if not chunks:
                sheet.gap(sheet.pt * 1.3)
            sheet.gap(3)
    elif layout == "boxed":
        _boxes(sheet, [(label, style(key), text, key in _SHORT) for label, key, text in items])
    elif layout == "annotated":
        for label, key, printed in items:
            if key in _ANNOTATIONS:
                label = f"{label.rstrip(':')} {_ANNOTATIONS[key]}:"
            if key == "date_of_birth" and printed:
                _date_slots(sheet, label, printed, style(key))
            else:
                sheet.field(label, printed, style=style(key), leader=True)
    else:
        raise ValueError(f"layout {layout!r} is not a label-value layout")


# What printed forms put between a label and its colon: footnote marks, and instructions to
# whoever fills them in (the "annotated" layout).
_ANNOTATIONS = {
    "full_name": "(viết chữ in hoa)",
    "date_of_birth": "(ghi bằng số)",
    "id_number": "(1)",
    "place_of_origin": "(2)",
    "place_of_residence": "(ghi rõ số nhà, đường phố, tổ/thôn)",
    "temporary_residence": "(nếu có)",
    "phone": "(*)",
    "email": "(nếu có)",
}


def _date_slots(sheet: Sheet, label: str, printed: str, style: str) -> None:
    """``label ……12……/……03……/……1990……``: a date's parts written into the dotted slots
    the form prints for them."""
    pt = sheet.pt
    dot_pt = DOT_SCALE * pt
    space = sheet.width(" ", "regular", pt)
    x = sheet.left + sheet.width(label, "regular", pt) + 3 * space
    spans: list[tuple[float, str, str] | tuple[float, str, str, float]] = [
        (sheet.left, label, "regular")
    ]
    for n, part in enumerate(printed.split("/")):
        if n:
            spans.append((x, "/", "regular"))
            x += sheet.width("/", "regular", pt) + space
        for text, part_style, size in ((".." * 3, "regular", dot_pt), (part, style, pt)):
            spans.append((x, text, part_style, size))
            x += sheet.width(text, part_style, size) + space
        spans.append((x, "." * 6, "regular", dot_pt))
        x += sheet.width("." * 6, "regular", dot_pt) + space
    sheet.row(spans)


# Facts short enough to share a row with another in the side-by-side layouts.
_SHORT = {"date_of_birth", "sex", "ethnicity", "religion", "nationality", "phone"}


def _boxes(sheet: Sheet, items: Sequence[tuple[str, str, str, bool]]) -> None:
    """``(label, style, value, short)`` items in ruled cells, a small caption over each value;
    two short items share a row, a long one takes the row alone (its value may wrap)."""
    rows: list[list[tuple[str, str, str]]] = []
    open_row = False  # the last row holds one short item and takes another
    for label, style, value, short in items:
        if short and open_row:
            rows[-1].append((label, style, value))
            open_row = False
        else:
            rows.append([(label, style, value)])
            open_row = short
    caption_pt, pad, rule = sheet.pt * 0.8, sheet.px(4), max(2, sheet.px(0.6))
    half = (sheet.left + sheet.right) / 2
    for cells in rows:
        top = sheet.y
        edges = [sheet.left, half, sheet.right] if len(cells) == 2 else [sheet.left, sheet.right]
        sheet.gap(2)
        sheet.row(
            [(x + pad, label.rstrip(":"), "regular", caption_pt) for x, (label, _, _) in
             zip(edges, cells, strict=False)],
            leading=1.2,
        )  # fmt: skip
        chunked = [
            sheet.wrap(value, x1 - x0 - 2 * pad, x1 - x0 - 2 * pad, style, None) if value else []
            for (_, style, value), x0, x1 in zip(cells, edges, edges[1:], strict=False)
        ]
        for k in range(max(1, *(len(c) for c in chunked))):
            spans = [
                (x + pad, chunks[k], style)
                for x, chunks, (_, style, _) in zip(edges, chunked, cells, strict=False)
                if k < len(chunks) and chunks[k]
            ]
            if spans:
                sheet.row(spans, leading=1.35)
            else:
                sheet.gap(sheet.pt * 1.35)
        bottom = sheet.y + pad
        for x in edges:
            sheet.draw.line([(x, top), (x, bottom)], fill=(60, 60, 60), width=rule)
        for y in (top, bottom):
            sheet.draw.line([(sheet.left, y), (sheet.right, y)], fill=(60, 60, 60), width=rule)
        sheet.y = bottom


def _signature(sheet: Sheet, title: str, name: str) -> None:
    mid = sheet.right - (sheet.right - sheet.left) / 4
    sheet.columns(
        [
            (
                mid,
                [
                    Item("text", title, "bold", 12),
                    Item("text", "(Ký, ghi rõ họ tên)", "italic", 11),
                    Item("sign"),
                    Item("hand", name, pt=14),
                ],
            )
        ]
    )


_CLOSING = (
    "Tôi xin cam đoan những thông tin kê khai trên là đúng sự thật và chịu trách nhiệm trước "
    "pháp luật về nội dung đã kê khai."
)


def application_form(
    rng: random.Random,
    family: FontFamily,
    *,
    inconsistent: bool,
    template: FormTemplate | None = None,
    layout: str | None = None,
    layouts: Sequence[str] = DEV_LAYOUTS,
) -> RenderedDocument:
    """A tờ khai or đơn signed by hand by the declarant, in ``layout`` (drawn from ``layouts``
    when None); ``template`` is ignored by the ``letter`` layout."""
    template = template or rng.choice(FORMS)
    layout = layout or rng.choice(tuple(layouts))
    if layout == "letter":
        return _letter(rng, family, inconsistent=inconsistent)
    born = (date(1950, 1, 1), date(2008, 12, 31))
    father, mother, person = make_family(rng, born, inconsistent=inconsistent)
    facts = _facts(rng, person, father, mother)
    filed = random_date(rng, date(2021, 7, 1), date(2025, 6, 30))
    # The committed demo forms are "dotted" and printed; other layouts are filled in by hand
    # some of the time (always for check-box forms, which are filled at the counter).
    hand = layout == "checkbox" or (layout != "dotted" and rng.random() < 0.4)
    pages = []
    sheet = blank_page(rng, family, pt=12)
    sheet.right_aligned(template.code, style="italic", pt=10)
    motto(sheet, pt=12.5)
    sheet.gap(16)
    sheet.center(template.title, pt=15)
    sheet.gap(10)
    if template.addressee:
        office = f"{person.residence.commune}, {person.residence.district.name}"
        sheet.center(template.addressee.format(office=office), style="regular", pt=12)
        sheet.gap(6)
    items = []
    truth: dict[str, object] = {}
    for number, (label, key) in enumerate(template.fields, start=1):
        printed, value = facts[key]
        if hand and key in _NAMES:
            printed = value or printed  # names are written by hand in name case, not capitals
        items.append((f"{number}. {label}:", key, printed))
        if value is not None:
            truth[key] = value
    _body(sheet, layout, items, hand=hand)
    # Filled in by hand: every value but the printed check-box options (the crossed box is the
    # answer) and, on two-page forms, the ID number, which the request also prints.
    handwritten = set(truth) - set(_BOXES if layout == "checkbox" else ()) if hand else set()
    if template.pages == 2:
        handwritten.discard("id_number")
    if template.pages == 2:
        sheet.field(
            f"{len(template.fields) + 1}. Nội dung đề nghị:",
            f"Điều chỉnh thông tin về cư trú theo {rng.choice(('giấy khai sinh', 'căn cước'))} "
            f"số {person.id_number}",
            leader=True,
        )
        pages.append(RenderedPage(sheet.image, sheet.lines, 300))
        sheet = blank_page(rng, family, pt=12)
        sheet.field(
            f"{len(template.fields) + 2}. Những thành viên trong hộ gia đình cùng thay đổi:",
            "Không",
            leader=True,
        )
        sheet.gap(10)
        sheet.center("Ý KIẾN CỦA CHỦ HỘ", pt=12)
        sheet.center("Đồng ý cho đăng ký thay đổi thông tin cư trú.", style="italic", pt=11.5)
        sheet.gap(20)
    sheet.gap(10)
    sheet.paragraph(_CLOSING, pt=12, indent=sheet.px(28))
    sheet.gap(10)
    place_date(sheet, person.residence, filed)
    _signature(sheet, "NGƯỜI KHAI", person.full_name)
    pages.append(RenderedPage(sheet.image, sheet.lines, 300))
    return RenderedDocument(
        "application_form",
        pages,
        [{"role": "subject", "fields": truth, "handwritten": sorted(handwritten)}],
        family.name,
        ["id_number"] if inconsistent else [],
        layout=layout,
    )


_REQUESTS = (
    ("cấp bản sao trích lục khai sinh", "cấp 02 bản sao trích lục khai sinh của tôi"),
    ("xác nhận thông tin về cư trú", "xác nhận thông tin về cư trú của tôi tại địa phương"),
    ("xác nhận tình trạng hôn nhân", "cấp giấy xác nhận tình trạng hôn nhân cho tôi"),
    ("đăng ký thường trú", "đăng ký thường trú cho tôi tại địa chỉ trên"),
)


def _letter(rng: random.Random, family: FontFamily, *, inconsistent: bool) -> RenderedDocument:
    """A "Đơn đề nghị" letter: the applicant's facts in one running sentence."""
    filed = random_date(rng, date(2021, 7, 1), date(2026, 6, 30))
    person = make_person(
        rng, born=(date(1950, 1, 1), date(2006, 12, 31)), inconsistent_id=inconsistent
    )
    earliest = max(date(2021, 1, 1), person.date_of_birth + timedelta(days=366 * 14))
    issued = random_date(rng, min(earliest, filed), filed)
    home = address_as_of(person.residence, filed)
    residence = home.full()
    subject, request = rng.choice(_REQUESTS)
    sheet = blank_page(rng, family, pt=12.5)
    motto(sheet, pt=12.5)
    sheet.gap(18)
    sheet.center("ĐƠN ĐỀ NGHỊ", pt=16)
    sheet.center(f"(V/v: {subject})", style="italic", pt=12)
    sheet.gap(10)
    sheet.center(f"Kính gửi: {office_of(home)}", style="regular", pt=12.5)
    sheet.gap(10)
    sex = "Nam" if person.sex == "male" else "Nữ"
    sheet.paragraph(
        f"Tôi tên là: {person.full_name.upper()}, sinh ngày {dmy(person.date_of_birth)}, "
        f"giới tính: {sex}, CCCD số {person.id_number}, cấp ngày {dmy(issued)} tại "
        f"{_AUTHORITY}, thường trú tại {residence}, số điện thoại: {person.phone}.",
        indent=sheet.px(28),
    )
    sheet.paragraph(
        f"Nay tôi làm đơn này kính đề nghị {office_of(home)} xem xét, {request}.",
        indent=sheet.px(28),
    )
    sheet.paragraph(
        "Tôi xin cam đoan những nội dung trình bày trên là đúng sự thật. "
        "Kính mong quý cơ quan xem xét, giải quyết.",
        indent=sheet.px(28),
    )
    sheet.paragraph("Tôi xin chân thành cảm ơn!", indent=sheet.px(28))
    sheet.gap(12)
    place_date(sheet, home, filed)
    _signature(sheet, "NGƯỜI LÀM ĐƠN", person.full_name)
    fields: dict[str, object] = {
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth.isoformat(),
        "sex": person.sex,
        "id_number": person.id_number,
        "issue_date": issued.isoformat(),
        "issuing_authority": _AUTHORITY,
        "place_of_residence": residence,
        "phone": person.phone,
    }
    return RenderedDocument(
        "application_form",
        [RenderedPage(sheet.image, sheet.lines, 300)],
        [{"role": "subject", "fields": fields}],
        family.name,
        ["id_number"] if inconsistent else [],
        layout="letter",
    )


# ---- contracts -----------------------------------------------------------------------------

# (title, role of party A, role of party B, object clause)
_CONTRACTS = (
    ("HỢP ĐỒNG THUÊ NHÀ", "Bên cho thuê", "Bên thuê", "Bên A đồng ý cho Bên B thuê nhà ở tại"),
    ("HỢP ĐỒNG MUA BÁN XE", "Bên bán", "Bên mua", "Bên A đồng ý bán cho Bên B chiếc xe mô tô "
     "đăng ký tại"),
    ("HỢP ĐỒNG CHUYỂN NHƯỢNG QUYỀN SỬ DỤNG ĐẤT", "Bên chuyển nhượng", "Bên nhận chuyển nhượng",
     "Bên A đồng ý chuyển nhượng cho Bên B quyền sử dụng thửa đất tại"),
)  # fmt: skip


def _party(sheet: Sheet, tag: str, role: str, person: Person, issued: date, residence: str) -> None:
    title = "Ông" if person.sex == "male" else "Bà"
    sheet.row([(sheet.left, f"{tag} ({role}):", "bold")])
    sheet.field(f"{title}:", person.full_name.upper(), style="bold")
    sheet.field("Sinh năm:", str(person.date_of_birth.year))
    sheet.field("CCCD số:", f"{person.id_number}, cấp ngày {dmy(issued)} tại {_AUTHORITY}")
    sheet.field("Thường trú:", residence)
    sheet.gap(6)


def contract(rng: random.Random, family: FontFamily, *, inconsistent: bool) -> RenderedDocument:
    """A two-page contract between two citizens (``party_a``, ``party_b``), certified by the
    commune with a stamp over the certifying official's name."""
    signed = random_date(rng, date(2021, 7, 1), date(2026, 6, 30))
    title, role_a, role_b, clause = rng.choice(_CONTRACTS)
    parties = []
    for k in range(2):
        person = make_person(
            rng,
            born=(date(1950, 1, 1), date(signed.year - 20, 1, 1)),
            inconsistent_id=inconsistent and k == 0,
        )
        earliest = max(date(2021, 1, 1), person.date_of_birth + timedelta(days=366 * 14))
        issued = random_date(rng, min(earliest, signed), signed)
        parties.append((person, issued, address_as_of(person.residence, signed).full()))
    object_place = address_as_of(parties[0][0].residence, signed)
    sheet = blank_page(rng, family, pt=12)
    motto(sheet, pt=12.5)
    sheet.gap(16)
    sheet.center(title, pt=15)
    sheet.center(f"Số: {rng.randint(1, 99):02d}/{signed.year}/HĐ", style="italic", pt=11.5)
    sheet.gap(8)
    sheet.paragraph(
        f"Hôm nay, ngày {signed:%d} tháng {signed:%m} năm {signed.year}, "
        f"tại {office_of(object_place)}, chúng tôi gồm có:",
        indent=sheet.px(28),
    )
    sheet.gap(4)
    for tag, role, (person, issued, residence) in zip(
        ("BÊN A", "BÊN B"), (role_a, role_b), parties, strict=True
    ):
        _party(sheet, tag, role, person, issued, residence)
    sheet.paragraph(
        "Hai bên thống nhất ký kết hợp đồng này với các điều khoản sau đây:", indent=sheet.px(28)
    )
    price = rng.randrange(3, 90) * 1_000_000
    articles = (
        f"Điều 1. Đối tượng của hợp đồng: {clause} {object_place.full()}.",
        f"Điều 2. Giá và phương thức thanh toán: {price:,} đồng".replace(",", ".")
        + ", thanh toán bằng tiền mặt hoặc chuyển khoản.",
        "Điều 3. Thời hạn thực hiện: kể từ ngày ký hợp đồng này.",
        "Điều 4. Quyền và nghĩa vụ của Bên A: giao đúng đối tượng, đúng thời hạn đã thỏa thuận; "
        "nhận đủ tiền theo Điều 2.",
        "Điều 5. Quyền và nghĩa vụ của Bên B: thanh toán đủ và đúng hạn; sử dụng đúng mục đích.",
        "Điều 6. Cam kết chung: hai bên cam kết thực hiện đúng các điều khoản đã thỏa thuận; "
        "tranh chấp được giải quyết bằng thương lượng, nếu không thành sẽ đưa ra Tòa án có thẩm "
        "quyền.",
    )
    pages = []
    for number, article in enumerate(articles):
        if number == 3:  # the last articles and the signatures go on the second sheet
            pages.append(RenderedPage(sheet.image, sheet.lines, 300))
            sheet = blank_page(rng, family, pt=12)
        sheet.paragraph(article, indent=sheet.px(28))
    sheet.paragraph(
        "Hợp đồng được lập thành 02 bản có giá trị pháp lý như nhau, mỗi bên giữ 01 bản.",
        indent=sheet.px(28),
    )
    sheet.gap(12)
    width = sheet.right - sheet.left
    sheet.columns(
        [
            (
                sheet.left + width * x,
                [
                    Item("text", tag, "bold", 12),
                    Item("text", "(Ký, ghi rõ họ tên)", "italic", 11),
                    Item("sign"),
                    Item("hand", person.full_name, pt=14),
                ],
            )
            for x, tag, (person, _, _) in ((0.22, "BÊN A", parties[0]), (0.78, "BÊN B", parties[1]))
        ]
    )
    sheet.gap(16)
    sheet.center("LỜI CHỨNG THỰC", pt=12.5)
    sheet.paragraph(
        f"Chứng thực chữ ký của các bên trong hợp đồng trên là đúng. "
        f"Số chứng thực {rng.randint(1, 900)}, "
        f"quyển số {rng.randint(1, 3):02d}/{signed.year}-SCT/CK.",
        pt=11.5,
        indent=sheet.px(28),
    )
    signer = make_person(rng, born=(date(1960, 1, 1), date(1990, 1, 1)))
    signs = sheet.columns(
        [
            (
                sheet.right - width * 0.25,
                [
                    Item("text", "TM. ỦY BAN NHÂN DÂN", "bold", 11),
                    Item("text", "PHÓ CHỦ TỊCH", "bold", 11),
                    Item("sign"),
                    Item("text", signer.full_name, "bold", 11),
                ],
            )
        ]
    )
    sheet.stamp(signs[-1])
    pages.append(RenderedPage(sheet.image, sheet.lines, 300))
    records: list[dict[str, object]] = []
    for role, (person, issued, residence) in zip(("party_a", "party_b"), parties, strict=True):
        fields = {
            "full_name": person.full_name,
            "date_of_birth": str(person.date_of_birth.year),
            "id_number": person.id_number,
            "issue_date": issued.isoformat(),
            "issuing_authority": _AUTHORITY,
            "place_of_residence": residence,
        }
        records.append({"role": role, "fields": fields})
    return RenderedDocument(
        "contract", pages, records, family.name, ["id_number"] if inconsistent else []
    )
