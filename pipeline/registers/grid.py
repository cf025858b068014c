"""Find the ruled grid of a ledger page, or infer one from the OCRed words when there is none.

:func:`detect_grid` finds the slant of the rules with a Hough transform, straightens the page by
it, keeps long horizontal and vertical strokes with morphological openings and reads the rules
off the projections of those strokes. Projections, not contours, because old ledgers have broken
and faded rules: a rule interrupted every few centimetres still piles up in its row of the
projection. :func:`grid_from_words` is the fallback for unruled or badly scanned pages: rows are
clusters of word boxes by height on the page, columns are placed by the header titles.

A :class:`Grid` keeps its rules in the straightened frame and maps page points into it, so cell
membership is a pair of bisections and a cell box maps back onto the stored page image.

    >>> import numpy as np
    >>> page = np.full((400, 600), 255, np.uint8)
    >>> for y in (50, 150, 250, 350): page[y : y + 3, 40:560] = 0
    >>> for x in (40, 200, 400, 557): page[50:353, x : x + 3] = 0
    >>> grid = detect_grid(page)
    >>> grid.n_rows, grid.n_cols, grid.method
    (3, 3, 'rules')
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np
from rapidfuzz import fuzz

from extractors.text import fold
from pipeline.models import BBox, Page, Word

__all__ = [
    "Grid",
    "Strip",
    "detect_grid",
    "erase_rules",
    "grid_from_words",
    "read_turned",
    "rule_masks",
    "rule_slant",
    "text_rows",
    "turn_box",
    "turn_page",
]

# Rules are at least this share of the page's width (height) long in pieces: text strokes, even
# handwritten flourishes, are shorter. 1/40 of an A4 width at 300 dpi is ~80 px.
KERNEL_SHARE = 1 / 40
# A row (column) of the projection is a rule when it holds this share of the longest rule's ink:
# low enough that a rule with half of it faded away still counts.
RULE_SHARE = 0.35
# Rules closer than this (px at 300 dpi) are one rule drawn twice (double-ruled headers).
MERGE_PX = 14
MAX_SLANT = 8.0  # degrees; beyond that the page needs deskewing, not a slanted grid


@dataclass(frozen=True)
class Grid:
    """Ruled rows and columns of one ledger (or one half of a spread).

    ``ys``/``xs`` are the rules in a frame rotated by ``angle`` degrees about ``centre``, so that
    slanted rules are straight; cell ``(r, c)`` lies between ``ys[r]``–``ys[r+1]`` and
    ``xs[c]``–``xs[c+1]``. ``method`` is ``rules`` (found from ruling) or ``text`` (inferred).
    """

    ys: tuple[int, ...]
    xs: tuple[int, ...]
    angle: float = 0.0
    centre: tuple[float, float] = (0.0, 0.0)
    method: str = "rules"

    @property
    def n_rows(self) -> int:
        return len(self.ys) - 1

    @property
    def n_cols(self) -> int:
        return len(self.xs) - 1

    def _rotate(self, x: float, y: float, sign: float) -> tuple[float, float]:
        a = math.radians(sign * self.angle)
        cx, cy = self.centre
        dx, dy = x - cx, y - cy
        return cx + dx * math.cos(a) - dy * math.sin(a), cy + dx * math.sin(a) + dy * math.cos(a)

    def locate(self, x: float, y: float) -> tuple[int, int] | None:
        """The ``(row, column)`` of the cell holding page point ``(x, y)``, or None."""
        sx, sy = self._rotate(x, y, -1.0)
        r = bisect.bisect_right(self.ys, sy) - 1
        c = bisect.bisect_right(self.xs, sx) - 1
        if 0 <= r < self.n_rows and 0 <= c < self.n_cols:
            return r, c
        return None

    def cell_box(self, row: int, col: int) -> BBox:
        """Cell ``(row, col)`` as an axis-aligned box on the page image (holding its corners)."""
        corners = [
            self._rotate(x, y, 1.0)
            for x in (self.xs[col], self.xs[col + 1])
            for y in (self.ys[row], self.ys[row + 1])
        ]
        return (
            round(min(p[0] for p in corners)),
            round(min(p[1] for p in corners)),
            round(max(p[0] for p in corners)),
            round(max(p[1] for p in corners)),
        )

    def shifted(self, dx: int) -> Grid:
        """The same grid found on a crop starting ``dx`` pixels right of the page's left edge."""
        return replace(
            self,
            xs=tuple(x + dx for x in self.xs),
            centre=(self.centre[0] + dx, self.centre[1]),
        )


def _grey(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def _ink(grey: np.ndarray) -> np.ndarray:
    # Adaptive, not global: a faded rule is still darker than the paper right around it.
    return cv2.adaptiveThreshold(
        grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 12
    )


def rule_slant(grey: np.ndarray) -> float:
    """The slant of the page's long horizontal rules in degrees (0.0 when there are none).

    Probabilistic Hough on a reduced copy: long segments only (a quarter of the width, gaps
    bridged, so broken rules count), the median angle of the near-horizontal ones.
    """
    scale = min(1.0, 1000 / max(grey.shape))
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = _ink(small)
    w = small.shape[1]
    segments = cv2.HoughLinesP(
        ink, 1, np.pi / 720, threshold=w // 8, minLineLength=w // 4, maxLineGap=w // 50
    )
    if segments is None:
        return 0.0
    # OpenCV 4 returns (n, 1, 4), OpenCV 5 (n, 4).
    angles = [
        math.degrees(math.atan2(y1 - y0, x1 - x0))
        for x0, y0, x1, y1 in segments.reshape(-1, 4).astype(np.float64)
    ]
    angles = [a for a in angles if abs(a) <= MAX_SLANT]
    return float(np.median(angles)) if angles else 0.0


def rule_masks(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the horizontal and vertical rules of an upright page (255 on a rule)."""
    ink = _ink(grey)
    h, w = grey.shape
    # A slight thickening across the rule keeps a rule slanted by a degree or two in one run.
    horizontal = cv2.dilate(ink, np.ones((3, 1), np.uint8))
    horizontal = cv2.morphologyEx(
        horizontal, cv2.MORPH_OPEN, np.ones((1, max(20, int(w * KERNEL_SHARE))), np.uint8)
    )
    vertical = cv2.dilate(ink, np.ones((1, 3), np.uint8))
    vertical = cv2.morphologyEx(
        vertical, cv2.MORPH_OPEN, np.ones((max(20, int(h * KERNEL_SHARE)), 1), np.uint8)
    )
    return horizontal, vertical


def erase_rules(grey: np.ndarray) -> np.ndarray:
    """The page with its ruling painted over in paper colour (for Tesseract, which reads rules
    as ``|``, ``_`` and ``—`` and glues the words either side of them). Slanted rules are found
    on the straightened page and erased where they are on the page as given."""
    h, w = grey.shape
    angle = rule_slant(grey)
    if abs(angle) >= 0.1:
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        horizontal, vertical = rule_masks(cv2.warpAffine(grey, matrix, (w, h), borderValue=255))
        mask = cv2.bitwise_or(horizontal, vertical)
        mask = cv2.warpAffine(mask, cv2.invertAffineTransform(matrix), (w, h), borderValue=0)
    else:
        mask = cv2.bitwise_or(*rule_masks(grey))
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    out = grey.copy()
    out[mask > 0] = 255
    return out


def _peaks(profile: np.ndarray, share: float = RULE_SHARE) -> list[int]:
    """Centres of the runs of ``profile`` at or above ``share`` of its maximum."""
    if profile.size == 0 or profile.max() <= 0:
        return []
    above = np.flatnonzero(profile >= share * profile.max())
    runs: list[list[int]] = []
    for i in above:
        if runs and i - runs[-1][-1] <= MERGE_PX:
            runs[-1].append(int(i))
        else:
            runs.append([int(i)])
    return [round((r[0] + r[-1]) / 2) for r in runs]


def detect_grid(image: np.ndarray, *, min_rows: int = 2, min_cols: int = 2) -> Grid | None:
    """The ruled grid of a ledger page, or None when it has too few rules to be one.

    Args:
        image: the clean page (grey or RGB), one page (cut spreads first).
        min_rows: fewest cell rows a grid must have (header included).
        min_cols: fewest columns.
    """
    grey = _grey(image)
    h, w = grey.shape
    angle = rule_slant(grey)
    centre = (w / 2, h / 2)
    if abs(angle) >= 0.1:
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        grey = cv2.warpAffine(grey, matrix, (w, h), borderValue=255)
    horizontal, vertical = rule_masks(grey)
    ys = _peaks(horizontal.sum(axis=1, dtype=np.float64))
    if len(ys) < min_rows + 1:
        return None
    # Columns count only between the outer horizontal rules: text above the table is not ruling.
    band = vertical[ys[0] : ys[-1] + 1]
    xs = _peaks(band.sum(axis=0, dtype=np.float64))
    if len(xs) < min_cols + 1:
        return None
    # A vertical rule must span most of the table; a stroke of a tall letter does not.
    tall = [x for x in xs if band[:, max(0, x - 3) : x + 4].max(axis=1).mean() >= 0.5 * 255]
    if len(tall) < min_cols + 1:
        return None
    return Grid(tuple(ys), tuple(tall), angle, centre, "rules")


def _title_key(text: str) -> str:
    return " ".join(fold(text).replace(",", " ").split())


def text_rows(words: Sequence[Word]) -> list[list[Word]]:
    """Words grouped into text rows, each left to right: a word joins the row whose middle its
    middle is within half a median word height of."""
    if not words:
        return []
    height = float(np.median([w.bbox[3] - w.bbox[1] for w in words]))
    rows: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.bbox[1] + w.bbox[3]) / 2):
        middle = (word.bbox[1] + word.bbox[3]) / 2
        if rows:
            last = rows[-1]
            last_middle = sum((w.bbox[1] + w.bbox[3]) / 2 for w in last) / len(last)
            if abs(middle - last_middle) <= height / 2:
                last.append(word)
                continue
        rows.append([word])
    return [sorted(row, key=lambda w: w.bbox[0]) for row in rows]


def _title_spans(row: list[Word], titles: Sequence[Sequence[str]]) -> list[tuple[int, int]]:
    """For each column's titles in order, the x-span of the header words that spell one."""
    ordered = sorted(row, key=lambda w: w.bbox[0])
    spans: list[tuple[int, int]] = []
    at = 0
    for options in titles:
        best, best_end, best_score = at, at, 0.0
        for end in range(at + 1, min(len(ordered), at + 6) + 1):
            text = _title_key(" ".join(w.text for w in ordered[at:end]))
            score = max(fuzz.ratio(_title_key(t), text) for t in options)
            if score > best_score:
                best, best_end, best_score = at, end, score
        if best_score >= 70:
            spans.append((ordered[best].bbox[0], ordered[best_end - 1].bbox[2]))
            at = best_end
    return spans


def grid_from_words(words: Sequence[Word], titles: Sequence[Sequence[str]]) -> Grid | None:
    """Infer a grid from word boxes when the page has no usable ruling.

    The header is the text row that spells the most column titles; columns split halfway
    between neighbouring titles; every text row below the header is one entry (an entry wrapped
    onto two lines becomes two rows — ruled books rarely wrap, unruled ones rarely come alone).

    Args:
        words: the OCRed words of one page (or one half of a spread).
        titles: each column's accepted titles (``Column.titles``), in printed order.
    """
    rows = text_rows(words)
    best: tuple[int, list[tuple[int, int]]] | None = None
    for i, row in enumerate(rows):
        spans = _title_spans(row, titles)
        if len(spans) >= 2 and (best is None or len(spans) > len(best[1])):
            best = (i, spans)
    if best is None:
        return None
    header, spans = best
    body = rows[header:]
    left = min(w.bbox[0] for row in body for w in row) - 2
    right = max(w.bbox[2] for row in body for w in row) + 2
    xs = [left] + [(a[1] + b[0]) // 2 for a, b in itertools.pairwise(spans)] + [right]
    bands = [(min(w.bbox[1] for w in r), max(w.bbox[3] for w in r)) for r in body]
    ys = [bands[0][0] - 2]
    ys += [(a[1] + b[0]) // 2 for a, b in itertools.pairwise(bands)]
    ys.append(bands[-1][1] + 2)
    return Grid(tuple(ys), tuple(sorted(set(xs))), 0.0, (0.0, 0.0), "text")


Strip = tuple[int, int]
"""A band of a page from ``x0`` to ``x1`` (one page of a spread, or the whole page)."""


def turn_box(box: BBox, strip: Strip, height: int) -> BBox:
    """``box`` in the band ``strip`` of a page ``height`` high, the band turned by 180° where it
    is (its own inverse)."""
    x0, y0, x1, y1 = box
    right = strip[0] + strip[1]
    return (right - x1, height - y1, right - x0, height - y0)


def _middle(word: Word) -> float:
    return (word.bbox[0] + word.bbox[2]) / 2


def turn_page(page: Page, strip: Strip | None = None) -> Page:
    """``page`` with the word boxes of ``strip`` (default: the whole page, and then the fold of
    a spread too) turned by 180°: the words read on the upright image put back on the
    upside-down one, or the other way round. Words keep their reading order."""
    x0, x1 = strip or (0, page.width)

    def turn(word: Word) -> Word:
        if not x0 <= _middle(word) < x1:
            return word
        return word.model_copy(update={"bbox": turn_box(word.bbox, (x0, x1), page.height)})

    lines = tuple(
        line.model_copy(update={"words": tuple(turn(w) for w in line.words)}) for line in page.lines
    )
    update: dict[str, Any] = {"lines": lines}
    spread = page.preprocess.get("spread")
    if spread and strip is None:
        turned = {**spread, "split_x": page.width - int(spread["split_x"])}
        update["preprocess"] = {**page.preprocess, "spread": turned}
    return page.model_copy(update=update)


def read_turned(page: Page, strip: Strip | None = None) -> bool:
    """Whether the words of ``page`` (in ``strip``, default all) were read on the page turned
    upside down and put back (:func:`turn_page`): in reading order, their lines then run right
    to left on the page."""
    x0, x1 = strip or (0, page.width)
    forward = backward = 0
    for line in page.lines:
        words = [w for w in line.words if x0 <= _middle(w) < x1]
        for a, b in itertools.pairwise(words):
            forward += b.bbox[0] > a.bbox[0]
            backward += b.bbox[0] < a.bbox[0]
    return backward > forward
