"""A ruled ledger page drawn with Pillow, for register tests that must not wait for the generator.

Columns are the pre-2016 birth register's first six; rules can be broken (gaps), faded (light
grey) or the whole page slanted. The words are known, so tests can build a Page without OCR.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipeline.models import Line, Page, Word

TITLES = ("Số TT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Quốc tịch")
WIDTHS = (180, 620, 360, 260, 260, 320)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@dataclass
class Ledger:
    image: np.ndarray  # grey
    page: Page  # the words as drawn, with full confidence
    xs: list[int]
    ys: list[int]


def draw_ledger(
    rows: list[tuple[str, ...]],
    *,
    broken: bool = False,
    rule_grey: int = 0,
    header: bool = True,
    x0: int = 120,
    width: int = 2400,
    height: int = 1500,
) -> Ledger:
    """Draw a header row (unless ``header`` is False) and ``rows`` of cell texts."""
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 34)
    xs = [x0]
    for w in WIDTHS:
        xs.append(xs[-1] + w)
    lines = ([TITLES] if header else []) + rows
    ys = [200 + 110 * i for i in range(len(lines) + 1)]
    for y in ys:
        if broken:  # a rule with a gap every 300 px, as on a worn ledger
            for start in range(xs[0], xs[-1], 300):
                draw.line([(start, y), (min(start + 220, xs[-1]), y)], fill=rule_grey, width=3)
        else:
            draw.line([(xs[0], y), (xs[-1], y)], fill=rule_grey, width=3)
    for x in xs:
        draw.line([(x, ys[0]), (x, ys[-1])], fill=rule_grey, width=3)
    words_by_line = []
    for r, texts in enumerate(lines):
        for c, text in enumerate(texts):
            x = xs[c] + 18
            words = []
            for token in text.split():
                left, top, right, bottom = draw.textbbox((x, ys[r] + 35), token, font=font)
                draw.text((x, ys[r] + 35), token, font=font, fill=0)
                words.append(Word(text=token, confidence=0.96, bbox=(left, top, right, bottom)))
                x = right + 14
            if words:
                words_by_line.append(Line(words=tuple(words)))
    page = Page(number=1, width=width, height=height, lines=tuple(words_by_line), dpi=300)
    return Ledger(np.asarray(image), page, xs, ys)
