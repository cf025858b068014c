"""Identity cards: the chip-based CCCD (front and back) and the old 9-digit CMND.

Cards are drawn at 600 dpi, as offices scan them so their 5–7 pt print stays readable, and laid
on the scanner glass with a shadow. Registered in :data:`pipeline.samples.layouts.LAYOUTS`.
"""

from __future__ import annotations

import math
import random
from datetime import date

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from pipeline.mrz import check_digit
from pipeline.samples.data import ascii_fold, cmnd_number, make_person, random_date
from pipeline.samples.fonts import FAMILIES, FontFamily, load_font
from pipeline.samples.render import (
    RED,
    RenderedDocument,
    RenderedPage,
    Sheet,
    dmy,
    motto,
)

__all__ = [
    "CARD_DPI",
    "ISSUING_AUTHORITY",
    "cccd_back",
    "cccd_front",
    "cmnd",
    "mrz_check_digit",
    "mrz_lines",
    "width_scale",
]

CARD_DPI = 600  # an ID card is scanned at 600 dpi so its 5-7 pt print stays readable
CARD_MM = (85.6, 53.98)


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # born on 29 February
        return date(day.year + years, 2, 28)


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


def _on_glass(card: Image.Image, rng: random.Random) -> Image.Image:
    """Round the card's corners and lay it on the scanner glass, with a soft shadow under it."""
    mm = CARD_DPI / 25.4
    card_w, card_h = card.size
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
    return canvas


def _card_sheet(card: Image.Image, family: FontFamily, rng: random.Random) -> Sheet:
    mm = CARD_DPI / 25.4
    return Sheet(
        card,
        family,
        dpi=CARD_DPI,
        left=round(4 * mm),
        right=card.width - round(3 * mm),
        top=round(3 * mm),
        pt=5.5,
        rng=rng,
        scale=width_scale(family),
    )


def cccd_front(rng: random.Random, family: FontFamily, *, inconsistent: bool) -> RenderedDocument:
    """Front of the chip-based citizen ID card (2021 model), scanned on a flatbed at 600 dpi."""
    if width_scale(family) < 0.9:  # DejaVu: shrunk to fit, its text would get too small to read
        family = FAMILIES["LiberationSerif"]
    person = make_person(rng, inconsistent_id=inconsistent)
    earliest = max(date(2021, 1, 1), _years_after(person.date_of_birth, 14))
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
    motto(sheet, pt=6.2, x=head, leading=1.3)
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
            (x0 + sheet.width(dob_label), dmy(person.date_of_birth), "bold", value_pt),
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
    expiry_text = dmy(expiry) if expiry else "Không thời hạn"
    sheet.y = max(sheet.y, photo[3] + round(0.5 * mm))
    label = "Có giá trị đến / Date of expiry: "
    sheet.row(
        [
            (round(4 * mm), label, "regular", 5),
            (round(4 * mm) + sheet.width(label, "regular", 5), expiry_text, "bold", 5.5),
        ]
    )

    canvas = _on_glass(card, rng)

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


# ---- CCCD back ---------------------------------------------------------------------------

ISSUING_AUTHORITY = "CỤC TRƯỞNG CỤC CẢNH SÁT QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI"
_MARKS = (
    "Nốt ruồi C:1cm trên trước đầu mày trái",
    "Nốt ruồi C:2cm dưới sau mép phải",
    "Sẹo chấm C:2cm dưới sau cánh mũi phải",
    "Sẹo chấm C:1,5cm trên sau đuôi mắt trái",
    "Nốt ruồi C:3cm dưới trước dái tai trái",
)
mrz_check_digit = check_digit  # ICAO 9303 (pipeline.mrz): the extractors check what is printed


def mrz_lines(
    id_number: str, full_name: str, sex: str, born: date, expiry: date | None
) -> list[str]:
    """The three 30-character lines (ICAO TD1) on the back of a CCCD.

    Line 1 carries the last nine digits of the ID as document number, then the whole 12-digit
    ID in the optional field; line 2 birth date, sex, expiry and nationality; line 3 the name
    without diacritics, surname first.
    """
    doc = id_number[3:]
    line1 = f"IDVNM{doc}{mrz_check_digit(doc)}{id_number}<<{mrz_check_digit(id_number)}"
    dob = f"{born:%y%m%d}"
    exp = f"{expiry:%y%m%d}" if expiry else "<<<<<<"
    line2 = (
        f"{dob}{mrz_check_digit(dob)}{'M' if sex == 'male' else 'F'}{exp}{mrz_check_digit(exp)}VNM"
    )
    line2 += "<" * 11
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    line2 += mrz_check_digit(composite)
    surname, *given = ascii_fold(full_name).upper().split()
    line3 = (surname + "<<" + "<".join(given)).ljust(30, "<")[:30]
    return [line1, line2, line3]


def _fingerprint(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int]) -> None:
    """A grey whorl in a frame: concentric ellipses, as an inked fingertip prints."""
    x0, y0, x1, y1 = box
    draw.rectangle(box, outline=(90, 90, 96), width=3)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    for k in range(3, 15):
        rx, ry = k * (x1 - x0) / 34, k * (y1 - y0) / 30
        draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], outline=(120, 120, 126), width=3)


def cccd_back(rng: random.Random, family: FontFamily, *, inconsistent: bool) -> RenderedDocument:
    """Back of the chip-based CCCD: identification mark, issue date, issuing authority, MRZ."""
    if width_scale(family) < 0.9:
        family = FAMILIES["LiberationSerif"]
    person = make_person(rng, inconsistent_id=inconsistent)
    earliest = max(date(2021, 1, 1), _years_after(person.date_of_birth, 14))
    issued = random_date(rng, earliest, max(earliest, date(2024, 6, 30)))
    expiry = _expiry(person.date_of_birth, issued)
    mm = CARD_DPI / 25.4
    card = _card_background(rng, (round(CARD_MM[0] * mm), round(CARD_MM[1] * mm)))
    sheet = _card_sheet(card, family, rng)
    draw = sheet.draw
    # The chip, top left; two fingerprints, top right.
    draw.rounded_rectangle(
        [round(5 * mm), round(5 * mm), round(16 * mm), round(14 * mm)],
        radius=round(1.5 * mm),
        fill=(214, 178, 92),
        outline=(150, 120, 60),
        width=4,
    )
    centres = (round(56 * mm), round(74 * mm))
    for cx in centres:
        _fingerprint(draw, (cx - round(8 * mm), round(3 * mm), cx + round(8 * mm), round(19 * mm)))
    sheet.y = round(19.5 * mm)
    x0 = sheet.left
    finger = [("Ngón trỏ trái", "Left index finger"), ("Ngón trỏ phải", "Right index finger")]
    rows = (
        ("Đặc điểm nhân dạng / Personal identification:", "regular", 0),
        (rng.choice(_MARKS), "bold", 1),
    )
    for text, style, k in rows:
        spans: list[tuple[float, str, str] | tuple[float, str, str, float]] = [(x0, text, style)]
        for cx, labels in zip(centres, finger, strict=True):
            label = labels[k]
            spans.append((cx - sheet.width(label, "regular", 4.5) / 2, label, "regular", 4.5))
        sheet.row(spans, leading=1.3)
    label = "Ngày, tháng, năm / Date, month, year: "
    sheet.row(
        [(x0, label, "regular"), (x0 + sheet.width(label), dmy(issued), "bold", 6)], leading=1.3
    )
    head = round(25 * mm)
    sheet.center("CỤC TRƯỞNG CỤC CẢNH SÁT", pt=5.5, x=head, leading=1.25)
    sheet.center("QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI", pt=5.5, x=head, leading=1.25)
    sign_y = sheet.y + round(1.5 * mm)
    scale = sheet.scale
    sheet.scale = 0.3 * scale  # the squiggle is sized for A4 signatures
    sheet._squiggle(head, sign_y)
    sheet.scale = scale
    sheet.stamp((head + round(2 * mm), sign_y - round(2 * mm)), radius_mm=7)
    sheet.y = sign_y + round(2.5 * mm)
    director = make_person(rng, born=(date(1960, 1, 1), date(1975, 12, 31)), sex="male")
    sheet.center(director.full_name, pt=6, x=head, leading=1.3)
    # The MRZ is printed in OCR-B; a monospace face has its fixed pitch.
    mono = load_font("LiberationMono-Regular.ttf", sheet.px(10.5), "fonts-liberation2")
    top = card.height - round(14.5 * mm)
    for k, line in enumerate(mrz_lines(person.id_number, person.full_name, person.sex,
                                       person.date_of_birth, expiry)):  # fmt: skip
        draw.text((round(4 * mm), top + k * round(4.3 * mm)), line, font=mono, fill=(30, 30, 30))
        sheet.lines.append(line)
    fields: dict[str, object] = {
        "id_number": person.id_number,
        "issue_date": issued.isoformat(),
        "issuing_authority": ISSUING_AUTHORITY,
    }
    return RenderedDocument(
        "cccd_back",
        [RenderedPage(_on_glass(card, rng), sheet.lines, CARD_DPI, colour=True)],
        [{"role": "subject", "fields": fields}],
        family.name,
        ["id_number"] if inconsistent else [],
    )


# ---- CMND ----------------------------------------------------------------------------------


def cmnd(rng: random.Random, family: FontFamily, *, inconsistent: bool) -> RenderedDocument:
    """Front of the old 9-digit identity card (CMND, 1999 model), values typed or handwritten on
    dotted lines. No part of a CMND number can be checked, so ``inconsistent`` has no effect."""
    del inconsistent  # nothing on a CMND contradicts anything else
    if width_scale(family) < 0.9:
        family = FAMILIES["LiberationSerif"]
    person = make_person(rng, born=(date(1950, 1, 1), date(1998, 12, 31)))
    number = cmnd_number(rng, person.residence.province)
    mm = CARD_DPI / 25.4
    card = _card_background(rng, (round(CARD_MM[0] * mm), round(CARD_MM[1] * mm)))
    # The CMND is greener than the CCCD: tint the shared guilloche background.
    card = Image.fromarray((np.asarray(card) * np.array([0.93, 1.0, 0.94])).astype(np.uint8))
    sheet = _card_sheet(card, family, rng)
    _emblem(sheet.draw, round(12 * mm), round(12 * mm), round(7.5 * mm))
    photo = (round(4 * mm), round(24 * mm), round(21 * mm), round(47 * mm))
    card.paste(_photo((photo[2] - photo[0], photo[3] - photo[1])), photo[:2])
    x0 = round(24 * mm)
    head = (x0 + sheet.right) / 2
    motto(sheet, pt=5.8, x=head, leading=1.3)
    sheet.center("GIẤY CHỨNG MINH NHÂN DÂN", pt=8, x=head, leading=1.3)
    sheet.center(f"Số {number}", pt=9, x=head, fill=RED, leading=1.4)
    sheet.left = x0
    value_style = "hand" if rng.random() < 0.5 else "bold"
    for label, value in (
        ("Họ tên:", person.full_name.upper()),
        ("Sinh ngày:", f"{person.date_of_birth:%d-%m-%Y}"),
        ("Nguyên quán:", person.place_of_origin.short()),
        ("Nơi ĐKHK thường trú:", person.residence.short()),
    ):
        sheet.field(label, value, style=value_style, leader=True, pt=6)
    fields: dict[str, object] = {
        "old_id_number": number,
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth.isoformat(),
        "place_of_origin": person.place_of_origin.short(),
        "place_of_residence": person.residence.short(),
    }
    # The number is printed in red; the other values are typed or all written by hand.
    handwritten = [k for k in fields if k != "old_id_number"] if value_style == "hand" else []
    return RenderedDocument(
        "cmnd",
        [RenderedPage(_on_glass(card, rng), sheet.lines, CARD_DPI, colour=True)],
        [{"role": "subject", "fields": fields, "handwritten": handwritten}],
        family.name,
    )
