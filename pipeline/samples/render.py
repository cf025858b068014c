"""Layouts: draw a document for made-up people and say exactly what was drawn.

Each layout is a function ``(rng, family) -> RenderedDocument`` registered in :data:`LAYOUTS`;
it draws with a :class:`Sheet`, which records every text row it draws, so a page's ground-truth
text is by construction what is on the pixels. Adding a document type means writing one such
function from the :class:`Sheet` primitives (rows, label–value fields with optional dotted leaders,
signature columns, stamps) and registering it.

Sizes are given in typographic points and converted with the page's dpi, so a layout reads like
the paper it imitates (11 pt body text on A4, 5.5 pt labels on an ID card).
"""

from __future__ import annotations

import math
import random
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from pipeline.samples.data import Address, Person, make_address, make_person, random_date
from pipeline.samples.fonts import FAMILIES, FontFamily, load_font
from pipeline.samples.words import date_in_words

__all__ = [
    "A4_300DPI",
    "FORMS",
    "LAYOUTS",
    "FormTemplate",
    "Item",
    "RenderedDocument",
    "RenderedPage",
    "Sheet",
    "render",
    "width_scale",
]

A4_300DPI = (2480, 3508)
INK = (28, 28, 32)
PEN = (28, 48, 150)  # ballpoint blue
RED = (196, 32, 40)
DOT_SCALE = 0.5  # leader dots at half size: full-size ones make Tesseract hallucinate
Colour = tuple[int, int, int]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _dmy(day: date) -> str:
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
        file_name = getattr(self.family, style)
        return load_font(file_name, self.px(pt or self.pt), self.family.package)

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
            self.draw.text(
                (x, baseline), _nfc(text), font=self.font(style, span_pt), fill=fill, anchor="ls"
            )
        ordered = sorted(spans, key=lambda s: s[0])
        self.lines.append(" ".join(_nfc(s[1]).strip() for s in ordered if s[1].strip()))
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
                    spans.append((x_mid - width / 2, _nfc(item.text)))
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


def _motto(sheet: Sheet, *, pt: float, x: float | None = None, leading: float = 1.5) -> None:
    sheet.center("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", pt=pt, x=x, leading=leading)
    sheet.center("Độc lập - Tự do - Hạnh phúc", pt=pt, x=x, underline=True, leading=leading + 0.1)


def _blank_a4(rng: random.Random, family: FontFamily, pt: float) -> Sheet:
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


def _place_date(sheet: Sheet, address: Address, day: date) -> None:
    """``"Đông Hải, ngày 20 tháng 03 năm 2020"``, right aligned, italic."""
    place = address.short().split(", ")[-3]  # the commune
    sheet.right_aligned(f"{place}, ngày {day:%d} tháng {day:%m} năm {day.year}")


def _family(
    rng: random.Random,
    child_born: tuple[date, date],
    *,
    inconsistent: bool,
) -> tuple[Person, Person, Person]:
    """A father, a mother and their child, who share a residence and the father's surname."""
    residence = make_address(rng, house=True)
    father = make_person(rng, born=_shift(child_born, -45, -21), sex="male", residence=residence)
    mother = make_person(
        rng,
        born=_shift(child_born, -40, -19),
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


def _shift(span: tuple[date, date], low: int, high: int) -> tuple[date, date]:
    return date(span[0].year + low, 1, 1), date(span[0].year + high, 12, 31)


def _birth_place(rng: random.Random, home: Address) -> str:
    province = home.province
    if rng.random() < 0.35:
        return f"Trạm Y tế {home.commune}, {home.district.name}, {province.name}"
    if province.name.startswith("thành phố"):
        return f"Bệnh viện Phụ sản {province.short}"
    return f"Bệnh viện Đa khoa {province.name}"


def birth_certificate(
    rng: random.Random,
    family: FontFamily,
    *,
    inconsistent: bool,
    born: tuple[date, date] | None = None,
) -> RenderedDocument:
    """Giấy khai sinh: the child is the ``subject``; father and mother get records too.

    Certificates registered since 2016 print the child's personal ID number; older ones do not.
    """
    if born is None:
        born = (date(1980, 1, 1), date(2015, 12, 31))
        if rng.random() < 0.7:  # most certificates handled today carry the personal ID
            born = (date(2016, 1, 1), date(2024, 6, 30))
    father, mother, child = _family(rng, born, inconsistent=inconsistent)
    home = child.residence
    registered = child.date_of_birth + timedelta(days=rng.randint(3, 60))
    shows_id = registered.year >= 2016
    place_of_birth = _birth_place(rng, home)
    office = f"Ủy ban nhân dân {home.commune}, {home.district.name}, {home.province.name}"
    number = f"{rng.randint(1, 400)}/{registered.year}"
    book = f"{rng.randint(1, 3):02d}"

    sheet = _blank_a4(rng, family, pt=11.5)
    _motto(sheet, pt=12.5)
    sheet.gap(14)
    sheet.center("GIẤY KHAI SINH", pt=20)
    sheet.gap(6)
    sheet.row(
        [
            (sheet.left, f"Số: {number}", "regular"),
            (sheet.left + 1000, f"Quyển số: {book}", "regular"),
        ]
    )
    sheet.gap(6)
    sheet.field("Họ, chữ đệm, tên:", child.full_name.upper(), style="bold")
    sheet.field("Ngày, tháng, năm sinh:", _dmy(child.date_of_birth))
    sheet.field("Ghi bằng chữ:", date_in_words(child.date_of_birth))
    col = (sheet.right - sheet.left) / 3
    sheet.row(
        [
            (sheet.left, f"Giới tính: {child.sex_vi}", "regular"),
            (sheet.left + col, f"Dân tộc: {child.ethnicity}", "regular"),
            (sheet.left + 2 * col, "Quốc tịch: Việt Nam", "regular"),
        ]
    )
    sheet.field("Nơi sinh:", place_of_birth)
    sheet.field("Quê quán:", child.place_of_origin.full())
    if shows_id:
        sheet.field("Số định danh cá nhân:", child.id_number)
    parents = []
    for role, parent in (("mẹ", mother), ("cha", father)):
        sheet.gap(8)
        sheet.field(f"Họ, chữ đệm, tên người {role}:", parent.full_name.upper(), style="bold")
        sheet.row(
            [
                (sheet.left, f"Năm sinh: {parent.date_of_birth.year}", "regular"),
                (sheet.left + col, f"Dân tộc: {parent.ethnicity}", "regular"),
                (sheet.left + 2 * col, "Quốc tịch: Việt Nam", "regular"),
            ]
        )
        sheet.field("Nơi cư trú:", parent.residence.full())
        parents.append(parent)
    sheet.gap(8)
    sheet.field("Nơi đăng ký khai sinh:", office)
    sheet.gap(8)
    _place_date(sheet, home, registered)
    declarant = rng.choice(parents)
    signer = make_person(rng, born=(date(1960, 1, 1), date(1990, 1, 1)))
    left_mid, right_mid = sheet.left + col * 0.75, sheet.right - col * 0.8
    signs = sheet.columns(
        [
            (
                left_mid,
                [
                    Item("text", "NGƯỜI ĐI KHAI SINH", "bold", 11),
                    Item("text", "(Ký, ghi rõ họ, chữ đệm, tên)", "italic", 10),
                    Item("text", "", pt=10),
                    Item("sign"),
                    Item("hand", declarant.full_name, pt=13),
                ],
            ),
            (
                right_mid,
                [
                    Item("text", "NGƯỜI KÝ GIẤY KHAI SINH", "bold", 11),
                    Item("text", "(Ký, ghi rõ họ, chữ đệm, tên, chức vụ và đóng dấu)", "italic", 9),
                    Item("text", "KT. CHỦ TỊCH - PHÓ CHỦ TỊCH", "bold", 10),
                    Item("sign"),
                    Item("text", signer.full_name, "bold", 11),
                ],
            ),
        ]
    )
    sheet.stamp(signs[-1])

    subject: dict[str, object] = {
        "full_name": child.full_name,
        "date_of_birth": child.date_of_birth.isoformat(),
        "sex": child.sex,
        "ethnicity": child.ethnicity,
        "nationality": "Việt Nam",
        "place_of_birth": place_of_birth,
        "place_of_origin": child.place_of_origin.full(),
        "father_name": father.full_name,
        "mother_name": mother.full_name,
        "registration_number": number,
        "book_number": book,
        "registration_office": office,
        "registration_date": registered.isoformat(),
    }
    if shows_id:
        subject["id_number"] = child.id_number
    records: list[dict[str, object]] = [{"role": "subject", "fields": subject}]
    for role, parent in (("mother", mother), ("father", father)):
        records.append(
            {
                "role": role,
                "fields": {
                    "full_name": parent.full_name,
                    "date_of_birth": str(parent.date_of_birth.year),
                    "ethnicity": parent.ethnicity,
                    "nationality": "Việt Nam",
                    "place_of_residence": parent.residence.full(),
                },
            }
        )
    return RenderedDocument(
        "birth_certificate",
        [RenderedPage(sheet.image, sheet.lines, 300)],
        records,
        family.name,
        ["id_number"] if inconsistent and shows_id else [],
    )


# ---- CCCD ----------------------------------------------------------------------------------

CARD_DPI = 600  # an ID card is scanned at 600 dpi so its 5-7 pt print stays readable
CARD_MM = (85.6, 53.98)


def _expiry(dob: date, issued: date) -> date | None:
    """Law 59/2014: the card is renewed at 25, 40 and 60; one issued within two years before a
    renewal age lasts to the next one, and after 58 it never expires."""
    for age in (25, 40, 60):
        if issued.year - dob.year < age - 2:
            try:
                return dob.replace(year=dob.year + age)
            except ValueError:  # born on 29 February
                return date(dob.year + age, 2, 28)
    return None


def width_scale(family: FontFamily) -> float:
    """Shrink factor that makes ``family`` set text no wider than Liberation Serif does.

    The card has no room to spare: wide faces (DejaVu is about 20 % wider) would run off it.
    """
    sample = "Nơi thường trú / Place of residence: CỘNG HÒA XÃ HỘI CHỦ NGHĨA"
    reference = load_font("LiberationSerif-Bold.ttf", 100, "fonts-liberation2").getlength(sample)
    width = load_font(family.bold, 100, family.package).getlength(sample)
    return min(1.0, reference / width)


def _card_background(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """Pale blue-to-cream gradient with faint guilloche waves, like the security print."""
    w, h = size
    x = np.linspace(0.0, 1.0, w)[None, :, None]
    y = np.linspace(0.0, 1.0, h)[:, None, None]
    left, right = np.array([214, 232, 240]), np.array([246, 240, 222])
    t = 0.7 * x + 0.3 * y
    img = (1 - t) * left + t * right
    phase = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w]
    waves = np.sin(xx / 37.0 + 6 * np.sin(yy / 91.0 + phase)) > 0.96
    img[waves] -= 14
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")


def _emblem(draw: ImageDraw.ImageDraw, cx: int, cy: int, r: int) -> None:
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(212, 170, 60))
    draw.ellipse([cx - r * 0.86, cy - r * 0.86, cx + r * 0.86, cy + r * 0.86], fill=(200, 30, 36))
    star = [
        (
            cx + r * 0.55 * math.cos(a) * (1 if i % 2 == 0 else 0.4),
            cy - r * 0.1 + r * 0.55 * math.sin(a) * (1 if i % 2 == 0 else 0.4),
        )
        for i, a in enumerate(-math.pi / 2 + k * math.pi / 5 for k in range(10))
    ]
    draw.polygon(star, fill=(250, 220, 60))


def _qr(rng: random.Random, size: int) -> Image.Image:
    """A QR-looking module grid with the three finder squares (not decodable: it is decoration)."""
    n = 29
    grid = np.array([[rng.random() < 0.5 for _ in range(n)] for _ in range(n)])
    for r0, c0 in ((0, 0), (0, n - 7), (n - 7, 0)):
        grid[r0 : r0 + 7, c0 : c0 + 7] = False
        grid[r0 : r0 + 7, c0] = grid[r0 : r0 + 7, c0 + 6] = True
        grid[r0, c0 : c0 + 7] = grid[r0 + 6, c0 : c0 + 7] = True
        grid[r0 + 2 : r0 + 5, c0 + 2 : c0 + 5] = True
    img = Image.fromarray(np.where(grid, 0, 255).astype(np.uint8), "L")
    return img.resize((size, size), Image.Resampling.NEAREST)


def _photo(size: tuple[int, int]) -> Image.Image:
    """The grey placeholder of the holder's portrait: a head and shoulders silhouette."""
    w, h = size
    img = Image.new("RGB", size, (178, 180, 184))
    draw = ImageDraw.Draw(img)
    shade = (120, 122, 128)
    draw.ellipse([w * 0.28, h * 0.15, w * 0.72, h * 0.55], fill=shade)
    draw.pieslice([w * 0.05, h * 0.6, w * 0.95, h * 1.4], 180, 360, fill=shade)
    return img


def cccd_front(rng: random.Random, family: FontFamily, *, inconsistent: bool) -> RenderedDocument:
    """Front of the chip-based citizen ID card (2021 model), scanned on a flatbed at 600 dpi."""
    if width_scale(family) < 0.9:  # DejaVu: shrunk to fit, its text would get too small to read
        family = FAMILIES["LiberationSerif"]
    person = make_person(rng, inconsistent_id=inconsistent)
    earliest = max(
        date(2021, 1, 1), person.date_of_birth.replace(year=person.date_of_birth.year + 14)
    )
    issued = random_date(rng, earliest, max(earliest, date(2024, 12, 31)))
    expiry = _expiry(person.date_of_birth, issued)
    mm = CARD_DPI / 25.4
    card_w, card_h = round(CARD_MM[0] * mm), round(CARD_MM[1] * mm)
    card = _card_background(rng, (card_w, card_h))
    sheet = Sheet(
        card,
        family,
        dpi=CARD_DPI,
        left=round(4 * mm),
        right=card_w - round(3 * mm),
        top=round(3 * mm),
        pt=5.5,
        rng=rng,
        scale=width_scale(family),
    )
    draw = sheet.draw
    _emblem(draw, round(10 * mm), round(10 * mm), round(6.5 * mm))
    card.paste(_qr(rng, round(13 * mm)), (card_w - round(17 * mm), round(3 * mm)))
    head = (round(18 * mm) + card_w - round(18 * mm)) / 2
    _motto(sheet, pt=6.2, x=head, leading=1.3)
    sheet.center("SOCIALIST REPUBLIC OF VIET NAM", style="regular", pt=5.2, x=head, leading=1.3)
    sheet.center("Independence - Freedom - Happiness", style="regular", pt=5.2, x=head, leading=1.3)
    sheet.center("CĂN CƯỚC CÔNG DÂN", pt=8.5, x=head, fill=RED, leading=1.25)
    sheet.center("Citizen Identity Card", style="regular", pt=5.5, x=head, leading=1.3)
    top = sheet.y
    photo = (round(4 * mm), top + round(1 * mm), round(22 * mm), top + round(24 * mm))
    card.paste(_photo((photo[2] - photo[0], photo[3] - photo[1])), photo[:2])

    x0 = round(25 * mm)
    sheet.left = x0
    label = "Số / No.: "
    sheet.row(
        [(x0, label, "regular", 5.5), (x0 + sheet.width(label), person.id_number, "bold", 8)],
        leading=1.3,
    )
    sheet.row([(x0, "Họ và tên / Full name:", "regular")], leading=1.3)
    sheet.row([(x0, person.full_name.upper(), "bold")], pt=8, leading=1.3)
    value_pt = 6.5
    dob_label = "Ngày sinh / Date of birth: "
    sheet.row(
        [
            (x0, dob_label, "regular", 5.5),
            (x0 + sheet.width(dob_label), _dmy(person.date_of_birth), "bold", value_pt),
        ],
        leading=1.35,
    )
    sex_label, nat_label = "Giới tính / Sex: ", "Quốc tịch / Nationality: "
    nat_x = x0 + round(27 * mm)
    sex = [
        (x0, sex_label, "regular", 5.5),
        (x0 + sheet.width(sex_label), person.sex_vi, "bold", value_pt),
    ]
    nat_end = nat_x + sheet.width(nat_label) + sheet.width("Việt Nam", "bold", value_pt)
    if nat_end > sheet.right:  # wide fonts (DejaVu): nationality gets its own row
        sheet.row(sex, leading=1.35)
        nat_x = x0
        sex = []
    sheet.row(
        [
            *sex,
            (nat_x, nat_label, "regular", 5.5),
            (nat_x + sheet.width(nat_label), "Việt Nam", "bold", value_pt),
        ],
        leading=1.35,
    )
    for label, value in (
        ("Quê quán / Place of origin:", person.place_of_origin.short()),
        ("Nơi thường trú / Place of residence:", person.residence.short()),
    ):
        sheet.row([(x0, label, "regular")], leading=1.3)
        for chunk in sheet.wrap(value, sheet.right - x0, sheet.right - x0, "bold", value_pt):
            sheet.row([(x0, chunk, "bold")], pt=value_pt, leading=1.3)
    expiry_text = _dmy(expiry) if expiry else "Không thời hạn"
    sheet.y = max(sheet.y, photo[3] + round(0.5 * mm))
    label = "Có giá trị đến / Date of expiry: "
    sheet.row(
        [
            (round(4 * mm), label, "regular", 5),
            (round(4 * mm) + sheet.width(label, "regular", 5), expiry_text, "bold", 5.5),
        ]
    )

    # Round the corners and lay the card on the scanner glass, with a soft shadow under it.
    mask = Image.new("L", card.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        [0, 0, card_w - 1, card_h - 1], radius=round(3 * mm), fill=255
    )
    margin = round(rng.uniform(6, 9) * mm)
    canvas = Image.new("RGB", (card_w + 2 * margin, card_h + 2 * margin), (250, 250, 248))
    shadow = Image.new("L", canvas.size, 0)
    shadow.paste(mask, (margin + 8, margin + 10))
    shadow = shadow.filter(ImageFilter.GaussianBlur(12)).point(lambda v: v * 0.35)
    canvas.paste((150, 150, 150), (0, 0), shadow)
    canvas.paste(card, (margin, margin), mask)

    fields: dict[str, object] = {
        "id_number": person.id_number,
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth.isoformat(),
        "sex": person.sex,
        "nationality": "Việt Nam",
        "place_of_origin": person.place_of_origin.short(),
        "place_of_residence": person.residence.short(),
    }
    if expiry:
        fields["expiry_date"] = expiry.isoformat()
    return RenderedDocument(
        "cccd_front",
        [RenderedPage(canvas, sheet.lines, CARD_DPI, colour=True)],
        [{"role": "subject", "fields": fields}],
        family.name,
        ["id_number"] if inconsistent else [],
    )


# ---- application forms ---------------------------------------------------------------------


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
        "date_of_birth": (_dmy(person.date_of_birth), person.date_of_birth.isoformat()),
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


def application_form(
    rng: random.Random,
    family: FontFamily,
    *,
    inconsistent: bool,
    template: FormTemplate | None = None,
) -> RenderedDocument:
    """A tờ khai with numbered labels and dotted leaders, signed by hand by the declarant."""
    template = template or rng.choice(FORMS)
    born = (date(1950, 1, 1), date(2008, 12, 31))
    father, mother, person = _family(rng, born, inconsistent=inconsistent)
    facts = _facts(rng, person, father, mother)
    filed = random_date(rng, date(2021, 7, 1), date(2025, 6, 30))
    pages = []
    sheet = _blank_a4(rng, family, pt=12)
    sheet.right_aligned(template.code, style="italic", pt=10)
    _motto(sheet, pt=12.5)
    sheet.gap(16)
    sheet.center(template.title, pt=15)
    sheet.gap(10)
    if template.addressee:
        office = f"{person.residence.commune}, {person.residence.district.name}"
        sheet.center(template.addressee.format(office=office), style="regular", pt=12)
        sheet.gap(6)
    truth: dict[str, object] = {}
    for number, (label, key) in enumerate(template.fields, start=1):
        printed, value = facts[key]
        bold = "bold" if key in {"full_name", "father_name", "mother_name"} else "regular"
        sheet.field(f"{number}. {label}:", printed, style=bold, leader=True)
        if value is not None:
            truth[key] = value
    closing = "Tôi xin cam đoan những thông tin kê khai trên là đúng sự thật và chịu trách nhiệm trước pháp luật về nội dung đã kê khai."  # noqa: E501
    if template.pages == 2:
        sheet.field(
            f"{len(template.fields) + 1}. Nội dung đề nghị:",
            f"Điều chỉnh thông tin về cư trú theo {rng.choice(('giấy khai sinh', 'căn cước'))} "
            f"số {person.id_number}",
            leader=True,
        )
        pages.append(RenderedPage(sheet.image, sheet.lines, 300))
        sheet = _blank_a4(rng, family, pt=12)
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
    sheet.paragraph(closing, pt=12, indent=sheet.px(28))
    sheet.gap(10)
    _place_date(sheet, person.residence, filed)
    mid = sheet.right - (sheet.right - sheet.left) / 4
    sheet.columns(
        [
            (
                mid,
                [
                    Item("text", "NGƯỜI KHAI", "bold", 12),
                    Item("text", "(Ký, ghi rõ họ tên)", "italic", 11),
                    Item("sign"),
                    Item("hand", person.full_name, pt=14),
                ],
            )
        ]
    )
    pages.append(RenderedPage(sheet.image, sheet.lines, 300))
    return RenderedDocument(
        "application_form",
        pages,
        [{"role": "subject", "fields": truth}],
        family.name,
        ["id_number"] if inconsistent else [],
    )


Layout = Callable[..., RenderedDocument]
LAYOUTS: dict[str, Layout] = {
    "birth_certificate": birth_certificate,
    "cccd_front": cccd_front,
    "application_form": application_form,
}


def render(
    doc_type: str,
    rng: random.Random,
    family: FontFamily,
    *,
    inconsistent: bool = False,
    **options: object,
) -> RenderedDocument:
    """Draw one document of ``doc_type`` (a key of :data:`LAYOUTS`) with the given font family."""
    try:
        layout = LAYOUTS[doc_type]
    except KeyError:
        raise ValueError(f"unknown doc_type {doc_type!r}; known: {', '.join(LAYOUTS)}") from None
    return layout(rng, family, inconsistent=inconsistent, **options)
