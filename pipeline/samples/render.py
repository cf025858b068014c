"""Drawing primitives: a :class:`Sheet` draws a page and says exactly what was drawn.

Every text row a :class:`Sheet` draws is recorded, so a page's ground-truth text is by
construction what is on the pixels. The layouts (:mod:`~pipeline.samples.cards`,
:mod:`~.certificates`, :mod:`~.forms`, :mod:`~.register`, registered in :mod:`~.layouts`) are
written from these primitives: rows, label–value fields with optional dotted leaders, ruled grids,
check boxes, handwriting, signature columns and stamps.

Sizes are given in typographic points and converted with the page's dpi, so a layout reads like
the paper it imitates (11 pt body text on A4, 5.5 pt labels on an ID card).
"""

from __future__ import annotations

import math
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from PIL import Image, ImageChops, ImageDraw, ImageFont

from pipeline.samples.data import Address, ModernAddress, Person, make_address, make_person
from pipeline.samples.fonts import HANDWRITING, SYMBOLS, FontFamily, load_font

__all__ = [
    "A4_300DPI",
    "INK",
    "PEN",
    "RED",
    "Item",
    "RenderedDocument",
    "RenderedPage",
    "Sheet",
    "blank_page",
    "dmy",
    "make_family",
    "motto",
    "nfc",
    "place_date",
    "shift_span",
]

A4_300DPI = (2480, 3508)
INK = (28, 28, 32)
PEN = (28, 48, 150)  # ballpoint blue
RED = (196, 32, 40)
DOT_SCALE = 0.5  # leader dots at half size: full-size ones make Tesseract hallucinate
Colour = tuple[int, int, int]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass
class RenderedPage:
    """One drawn page: RGB image, its rows of text top to bottom, its resolution."""

    image: Image.Image
    lines: list[str]
    dpi: int
    colour: bool = False  # colourful original (an ID card): colour scans keep it

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class RenderedDocument:
    """A drawn document and its truth: records of ``role`` → DESIGN.md field values."""

    doc_type: str
    pages: list[RenderedPage]
    records: list[dict[str, object]]
    font: str
    inconsistent: list[str] = field(default_factory=list)
    layout: str | None = None  # the form layout, for documents that come in several


@dataclass(frozen=True)
class Item:
    """One entry of a signature column: ``kind`` is ``text``, ``hand`` (handwritten) or ``sign``."""

    kind: str
    text: str = ""
    style: str = "regular"
    pt: float = 11.0
    fill: Colour = INK


class Sheet:
    """A page being laid out top to bottom; every text row drawn is recorded in ``lines``."""

    def __init__(
        self,
        image: Image.Image,
        family: FontFamily,
        *,
        dpi: int,
        left: int,
        right: int,
        top: int,
        pt: float = 11.0,
        rng: random.Random,
        scale: float = 1.0,
    ) -> None:
        self.image, self.family, self.dpi = image, family, dpi
        self.draw = ImageDraw.Draw(image)
        self.left, self.right, self.y = left, right, top
        self.pt, self.rng, self.scale = pt, rng, scale
        self.lines: list[str] = []

    def px(self, pt: float) -> int:
        """Points → pixels at this sheet's resolution (times ``scale``, see :func:`width_scale`)."""
        return round(pt * self.scale * self.dpi / 72)

    def font(self, style: str = "regular", pt: float | None = None) -> ImageFont.FreeTypeFont:
        """The sheet's family in ``style``; ``hand`` is the handwriting font, ``symbol`` the
        check-box font (neither depends on the family)."""
        family = {"hand": HANDWRITING, "symbol": SYMBOLS}.get(style, self.family)
        file_name = family.regular if style in {"hand", "symbol"} else getattr(family, style)
        return load_font(file_name, self.px(pt or self.pt), family.package)

    def width(self, text: str, style: str = "regular", pt: float | None = None) -> float:
        return self.font(style, pt).getlength(text)

    def gap(self, pt: float) -> None:
        self.y += self.px(pt)

    def row(
        self,
        spans: Sequence[tuple[float, str, str] | tuple[float, str, str, float]],
        *,
        pt: float | None = None,
        fill: Colour = INK,
        leading: float = 1.5,
    ) -> None:
        """Draw ``(x, text, style[, pt])`` spans on one baseline; the line joins them by x."""
        sizes = [span[3] if len(span) == 4 else pt or self.pt for span in spans]
        size = self.px(max(sizes))
        baseline = self.y + round(1.1 * size)  # room for stacked Vietnamese marks above caps
        for span, span_pt in zip(spans, sizes, strict=True):
            x, text, style = span[:3]
            if style == "hand":
                self.scrawl(x, baseline, text, span_pt)
                continue
            self.draw.text(
                (x, baseline), nfc(text), font=self.font(style, span_pt), fill=fill, anchor="ls"
            )
        ordered = sorted(spans, key=lambda s: s[0])
        self.lines.append(" ".join(nfc(s[1]).strip() for s in ordered if s[1].strip()))
        self.y += round(leading * size)

    def center(
        self,
        text: str,
        *,
        style: str = "bold",
        pt: float | None = None,
        x: float | None = None,
        fill: Colour = INK,
        underline: bool = False,
        leading: float = 1.5,
    ) -> None:
        """One centred row (around ``x``, by default the middle of the margins)."""
        mid = (self.left + self.right) / 2 if x is None else x
        w = self.width(text, style, pt)
        y_line = self.y + round(1.35 * self.px(pt or self.pt))
        self.row([(mid - w / 2, text, style)], pt=pt, fill=fill, leading=leading)
        if underline:
            third = w / 3
            self.draw.line([(mid - third, y_line), (mid + third, y_line)], fill=fill, width=3)

    def right_aligned(self, text: str, *, style: str = "italic", pt: float | None = None) -> None:
        self.row([(self.right - self.width(text, style, pt), text, style)], pt=pt)

    def wrap(self, text: str, first: float, rest: float, style: str, pt: float | None) -> list[str]:
        """Greedy word wrap: the first line gets ``first`` pixels, later lines ``rest``."""
        lines: list[str] = []
        current = ""
        for word in text.split():
            trial = f"{current} {word}".strip()
            if current and self.width(trial, style, pt) > (rest if lines else first):
                lines.append(current)
                current = word
            else:
                current = trial
        return [*lines, current]

    def paragraph(
        self, text: str, *, style: str = "regular", pt: float | None = None, indent: float = 0
    ) -> None:
        """Running text wrapped between the margins, first line indented."""
        width = self.right - self.left
        for i, chunk in enumerate(self.wrap(text, width - indent, width, style, pt)):
            self.row([(self.left + (indent if i == 0 else 0), chunk, style)], pt=pt)

    def field(
        self,
        label: str,
        value: str,
        *,
        style: str = "regular",
        leader: bool = False,
        x: float | None = None,
        pt: float | None = None,
    ) -> None:
        """``label value`` on one row, the value wrapping onto following rows if long.

        With ``leader`` the gaps are filled with dots, as on printed forms filled in by hand or
        typewriter: ``1. Họ và tên: ........ NGUYỄN VĂN AN ...........``.
        """
        x = self.left if x is None else x
        pt = pt or self.pt
        # Three spaces around the value and dots a size smaller, as a word processor's leader
        # tab draws them: with one space and full-size dots Tesseract merges dots and value.
        space = 3 * self.width(" ", "regular", pt)
        dot_pt = DOT_SCALE * pt
        dot = self.width(".", "regular", dot_pt)
        start = x + self.width(label, "regular", pt) + space
        spans: list[tuple[float, str, str] | tuple[float, str, str, float]] = [
            (x, label, "regular")
        ]
        if not value:  # an empty line of a form: the label, then dots (or nothing) to the margin
            if leader:
                spans.append((start, "." * int((self.right - start) / dot), "regular", dot_pt))
            self.row(spans, pt=pt)
            return
        if leader:
            lead = "." * self.rng.randint(4, 12)
            spans.append((start, lead, "regular", dot_pt))
            start += self.width(lead, "regular", dot_pt) + space
        chunks = self.wrap(value, self.right - start, self.right - x, style, pt)
        for i, chunk in enumerate(chunks):
            at = start if i == 0 else x
            spans.append((at, chunk, style))
            end = at + self.width(chunk, style, pt) + space
            if leader and i == len(chunks) - 1:
                trail = "." * int((self.right - end) / dot)
                if len(trail) >= 3:
                    spans.append((end, trail, "regular", dot_pt))
            self.row(spans, pt=pt)
            spans = []

    def columns(self, blocks: Sequence[tuple[float, Sequence[Item]]]) -> list[tuple[float, int]]:
        """Side-by-side blocks (signature columns), each centred on its x, row by row.

        Returns:
            The ``(x, y)`` centre of every ``sign`` item, for stamps.
        """
        signs = []
        for index in range(max(len(items) for _, items in blocks)):
            spans: list[tuple[float, str]] = []
            height = 0
            for x_mid, items in blocks:
                if index >= len(items):
                    continue
                item = items[index]
                if item.kind == "sign":
                    height = max(height, self.px(40))
                    signs.append((x_mid, self.y + self.px(20)))
                    self._squiggle(x_mid, self.y + self.px(20))
                    continue
                size = self.px(item.pt)
                height = max(height, round(1.5 * size))
                width = self.width(item.text, item.style, item.pt)
                if item.kind == "hand":
                    self._handwrite(x_mid, self.y, item.text, item.pt)
                else:
                    self.draw.text(
                        (x_mid - width / 2, self.y + round(1.1 * size)),
                        item.text,
                        font=self.font(item.style, item.pt),
                        fill=item.fill,
                        anchor="ls",
                    )
                if item.text:
                    spans.append((x_mid - width / 2, nfc(item.text)))
            if spans:
                self.lines.append(" ".join(t for _, t in sorted(spans)))
            self.y += height
        return signs

    def _squiggle(self, x_mid: float, y_mid: float) -> None:
        """A signature: a few loops of a damped sine, in pen ink."""
        rng, w, h = self.rng, self.px(90), self.px(14)
        phase, loops = rng.uniform(0, math.pi), rng.uniform(3, 5)
        points = []
        for i in range(120):
            t = i / 119
            x = x_mid - w / 2 + t * w + h * 0.8 * math.sin(2 * math.pi * loops * t * 1.7)
            y = y_mid + h * math.sin(2 * math.pi * loops * t + phase) * (1 - 0.6 * t)
            points.append((x, y - h * t * 0.8))
        self.draw.line(points, fill=PEN, width=max(3, self.px(0.9)), joint="curve")

    def _handwrite(self, x_mid: float, top: int, text: str, pt: float) -> None:
        """Text in pen ink, italic, slightly rotated: the look of a name written by hand."""
        font = self.font("italic", pt)
        w, size = int(self.width(text, "italic", pt)) + 20, self.px(pt)
        mask = Image.new("L", (w, round(1.6 * size)), 0)
        ImageDraw.Draw(mask).text((10, round(1.15 * size)), text, font=font, fill=255, anchor="ls")
        mask = mask.rotate(self.rng.uniform(-3, 3), resample=Image.Resampling.BICUBIC, expand=True)
        self.image.paste(PEN, (round(x_mid - mask.width / 2), top), mask)

    def stamp(self, centre: tuple[float, int], *, radius_mm: float = 17) -> None:
        """A red round office seal, multiplied over the ink like a real one."""
        r = round(radius_mm * self.dpi / 25.4)
        cx, cy = round(centre[0] - r * 0.6), round(centre[1] + r * 0.1)
        layer = Image.new("RGB", self.image.size, (255, 255, 255))
        d = ImageDraw.Draw(layer)
        tint = (232, 105, 110)
        for k, width in ((1.0, 7), (0.93, 3), (0.62, 3)):
            rk = round(r * k)
            d.ellipse([cx - rk, cy - rk, cx + rk, cy + rk], outline=tint, width=width)
        star = [
            (
                cx + 0.3 * r * math.cos(a) * (1 if i % 2 == 0 else 0.4),
                cy + 0.3 * r * math.sin(a) * (1 if i % 2 == 0 else 0.4),
            )
            for i, a in enumerate(-math.pi / 2 + k * math.pi / 5 for k in range(10))
        ]
        d.polygon(star, fill=tint)
        self.image.paste(ImageChops.multiply(self.image, layer))

    def scrawl(self, x: float, baseline: int, text: str, pt: float) -> None:
        """``text`` written by hand in pen ink, word by word, starting at ``x`` on ``baseline``.

        The handwriting font alone is too regular: each word gets its own small rise or fall,
        tilt and pen pressure (stroke width), and the line drifts slightly, so no two entries of
        a ledger look the same. Word widths are kept, so :meth:`width` still measures the text.
        """
        rng, font = self.rng, self.font("hand", pt)
        size = self.px(pt)
        drift = rng.uniform(-0.015, 0.015)  # slope of the whole line, pixels per pixel
        space = font.getlength(" ")
        at = x
        for word in nfc(text).split(" "):
            width = font.getlength(word)
            if word:
                pressure = 1 if size > 30 and rng.random() < 0.2 else 0
                pad = size
                mask = Image.new("L", (round(width) + 2 * pad, 2 * size + pad), 0)
                ImageDraw.Draw(mask).text(
                    (pad, round(1.4 * size)),
                    word,
                    font=font,
                    fill=255,
                    anchor="ls",
                    stroke_width=pressure,
                    stroke_fill=255,
                )
                mask = mask.rotate(rng.uniform(-2.5, 2.5), resample=Image.Resampling.BICUBIC)
                rise = rng.gauss(0, 0.05 * size) + drift * (at - x)
                top = round(baseline - 1.4 * size + rise)
                self.image.paste(PEN, (round(at - pad), top), mask)
            at += width + space * rng.uniform(0.9, 1.3)

    def grid(
        self,
        edges: Sequence[float],
        rows: Sequence[Sequence[tuple[str, str]]],
        *,
        pt: float | None = None,
        wrap: bool = True,
        min_height: float = 0,
        header: int = 0,
    ) -> None:
        """A ruled table: ``edges`` are the column x positions (one more than the columns),
        each row a ``(text, style)`` per cell, drawn from the current ``y`` down.

        With ``wrap`` a long cell wraps within its column and the row grows; without, the text
        shrinks until it fits (as a clerk writes smaller in a narrow ledger column). The first
        ``header`` rows are centred. ``min_height`` (points) keeps ledger rows evenly tall.
        Every printed line of a row is one line of text: the cells' pieces side by side.
        """
        pt = pt or self.pt
        pad = self.px(0.35 * pt)
        top = self.y
        ys = [top]
        for index, cells in enumerate(rows):
            pieces: list[list[tuple[float, str, str, float]]] = []
            for (text, style), x0, x1 in zip(cells, edges, edges[1:], strict=False):
                room = x1 - x0 - 2 * pad
                size = pt
                while not wrap and size > 0.55 * pt and self.width(text, style, size) > room:
                    size *= 0.94
                chunks = self.wrap(text, room, room, style, size) if wrap else [text]
                centred = index < header
                pieces.append(
                    [
                        (
                            (x0 + x1) / 2 - self.width(c, style, size) / 2 if centred else x0 + pad,
                            c,
                            style,
                            size,
                        )
                        for c in chunks
                        if c
                    ]
                )
            lines = max(1, *(len(p) for p in pieces))
            height = max(round(lines * 1.45 * self.px(pt)) + pad, self.px(min_height))
            self.y = ys[-1] + (height - round(lines * 1.45 * self.px(pt))) // 2
            for k in range(lines):
                spans = [p[k] for p in pieces if k < len(p)]
                if spans:
                    self.row(spans, pt=pt, leading=1.45)
                else:
                    self.y += round(1.45 * self.px(pt))
            ys.append(ys[-1] + height)
        width = max(2, self.px(0.6))
        for y in ys:
            self.draw.line([(edges[0], y), (edges[-1], y)], fill=INK, width=width)
        for x in edges:
            self.draw.line([(x, top), (x, ys[-1])], fill=INK, width=width)
        self.y = ys[-1] + self.px(6)

    def choices(
        self, label: str, options: Sequence[str], chosen: str, *, x: float | None = None
    ) -> None:
        """``Giới tính: ☒ Nam ☐ Nữ``: printed boxes, the chosen one crossed in pen.

        The page text shows ``☒`` for the crossed box and ``☐`` for the others, as a reader
        (and the issue's examples) would transcribe them.
        """
        x = self.left if x is None else x
        spans: list[tuple[float, str, str] | tuple[float, str, str, float]] = [
            (x, label, "regular")
        ]
        at = x + self.width(label + "  ")
        boxes = []
        for option in options:
            spans.append((at, "☐", "symbol"))
            boxes.append((at, option))
            at += self.width("☐ ", "symbol")
            spans.append((at, option, "regular"))
            at += self.width(option + "      ")
        top = self.y
        self.row(spans)
        size = self.px(self.pt)
        box = self.width("☐", "symbol")
        for left, option in boxes:
            if option != chosen:
                continue
            # A pen cross over the box, drawn quickly: slightly larger than the box.
            y0, y1 = top + round(0.35 * size), top + round(1.15 * size)
            width = max(3, self.px(0.9))
            self.draw.line([(left, y0), (left + box, y1)], fill=PEN, width=width)
            self.draw.line([(left, y1), (left + box, y0)], fill=PEN, width=width)
        text = label
        for option in options:
            text += f" {'☒' if option == chosen else '☐'} {option}"
        self.lines[-1] = nfc(text)


def motto(sheet: Sheet, *, pt: float, x: float | None = None, leading: float = 1.5) -> None:
    sheet.center("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", pt=pt, x=x, leading=leading)
    sheet.center("Độc lập - Tự do - Hạnh phúc", pt=pt, x=x, underline=True, leading=leading + 0.1)


def blank_page(
    rng: random.Random, family: FontFamily, pt: float, *, landscape: bool = False
) -> Sheet:
    """An empty A4 page at 300 dpi with administrative margins (``landscape`` for ledgers)."""
    if landscape:
        image = Image.new("RGB", A4_300DPI[::-1], (255, 255, 255))
        return Sheet(
            image,
            family,
            dpi=300,
            left=rng.randint(200, 260),
            right=A4_300DPI[1] - rng.randint(170, 220),
            top=rng.randint(170, 220),
            pt=pt,
            rng=rng,
        )
    image = Image.new("RGB", A4_300DPI, (255, 255, 255))
    # Margins of Decree 30/2020: 20-25 mm top, 30-35 mm left, 15-20 mm right.
    return Sheet(
        image,
        family,
        dpi=300,
        left=rng.randint(330, 400),
        right=2480 - rng.randint(190, 230),
        top=rng.randint(230, 290),
        pt=pt,
        rng=rng,
    )


def place_date(sheet: Sheet, address: Address | ModernAddress, day: date) -> None:
    """``"Đông Hải, ngày 20 tháng 03 năm 2020"``, right aligned, italic."""
    levels = 2 if isinstance(address, ModernAddress) else 3
    place = address.short().split(", ")[-levels]  # the commune
    sheet.right_aligned(f"{place}, ngày {day:%d} tháng {day:%m} năm {day.year}")


def make_family(
    rng: random.Random,
    child_born: tuple[date, date],
    *,
    inconsistent: bool,
) -> tuple[Person, Person, Person]:
    """A father, a mother and their child, who share a residence and the father's surname."""
    residence = make_address(rng, house=True)
    father = make_person(
        rng, born=shift_span(child_born, -45, -21), sex="male", residence=residence
    )
    mother = make_person(
        rng,
        born=shift_span(child_born, -40, -19),
        sex="female",
        residence=residence,
        ethnicity=father.ethnicity if rng.random() < 0.9 else None,
    )
    child = make_person(
        rng,
        born=child_born,
        surname=father.surname,
        ethnicity=father.ethnicity,
        birth_province=residence.province,
        residence=residence,
        inconsistent_id=inconsistent,
    )
    return father, mother, child


def shift_span(span: tuple[date, date], low: int, high: int) -> tuple[date, date]:
    return date(span[0].year + low, 1, 1), date(span[0].year + high, 12, 31)
