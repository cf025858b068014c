"""Page-level findings and clean-up: blank pages, scanner borders and punch holes, two-page
spreads.
"""

from __future__ import annotations

import copy
from typing import Any

import cv2
import numpy as np

from pipeline.preprocess.context import (
    PageContext,
    component_boxes,
    components,
    halved,
    ink_mask,
    small_copy,
    to_grey,
)

__all__ = [
    "detect_blank",
    "detect_spread",
    "find_gutter",
    "find_leaders",
    "ink_share",
    "remove_borders",
    "remove_leaders",
    "split_spread",
]


def ink_share(image: np.ndarray) -> float:
    """Share of the inner 90 % of the page that is ink (margins hold scanner edges and shadows)."""
    small, _ = small_copy(image, 800)
    h, w = small.shape
    inner = small[h // 20 : h - h // 20, w // 20 : w - w // 20]
    return cv2.countNonZero(ink_mask(inner)) / max(inner.size, 1)


def detect_blank(image: np.ndarray, ctx: PageContext) -> np.ndarray:
    """Flag a page with (almost) no ink: ``ctx.flags["blank"] = True``; OCR is then skipped.

    The threshold ``options.blank_ink_share`` (0.0002 = 0.02 %) is about one short word on A4;
    a printed page holds 3–10 % ink, a form with one filled line still ~0.3 %.
    """
    share = ink_share(image)
    blank = share < ctx.options.blank_ink_share
    ctx.flags["blank"] = blank
    ctx.record("blank", ink_share=round(share, 6), blank=blank)
    return image


def remove_borders(image: np.ndarray, ctx: PageContext) -> np.ndarray:
    """Paint white the dark regions touching the page edge (scanner lid, page edge shadows,
    desk left after cropping) and punch holes in the margins.

    Works on a ~1000 px copy; the regions found are painted at full size through an upscaled
    mask. Text never touches the edge of a scan, so an edge-touching blob is not text; a hole is
    a round dark blob of 4–9 mm (ISO 838 holes are 5.5–6 mm) in the outer 15 % of the page.
    """
    small, _ = small_copy(image, 1000)
    # A fixed level, not Otsu: on a photo lit from one side Otsu puts the shaded half of the page
    # with the dark class, and that half touches the edge (word F1 0.95 → 0.57 on phone photos).
    # Scanner lids and desks are below 100; the most shaded paper of the samples is above 170.
    dark = (small < 100).astype(np.uint8) * 255
    count, labels, stats, _ = components(dark)
    h, w = small.shape
    px_per_mm = w / 210.0  # the page is assumed A4-wide: holes are sized in millimetres
    remove, holes, borders = [], 0, 0
    for i in range(1, count):
        x, y, bw, bh, area = stats[i]
        touches = x == 0 or y == 0 or x + bw == w or y + bh == h
        # Edge blobs longer than 10 % of a side: a border, not a letter cut by a tight crop.
        if touches and max(bw / w, bh / h) > 0.10:
            remove.append(i)
            borders += 1
            continue
        in_margin = min(x, y, w - x - bw, h - y - bh) < 0.15 * min(w, h)
        size_mm = max(bw, bh) / px_per_mm
        round_enough = 0.75 <= bw / max(bh, 1) <= 1.33 and 0.6 <= area / (bw * bh) <= 0.9
        if in_margin and 4.0 <= size_mm <= 9.0 and round_enough:
            remove.append(i)
            holes += 1
    if not remove:
        return image
    mask = np.isin(labels, remove).astype(np.uint8) * 255
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))  # the blobs' soft edges too
    full = cv2.resize(mask, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_NEAREST)
    out = image.copy()
    out[full > 0] = 255
    ctx.record(
        "borders", borders=borders, holes=holes, share=round(cv2.countNonZero(mask) / mask.size, 4)
    )
    return out


def _widest_run(empty: np.ndarray, lo: int, hi: int) -> tuple[int, int] | None:
    """The widest run of True in ``empty`` that overlaps ``[lo, hi)`` (it may extend beyond)."""
    best: tuple[int, int] | None = None
    x = lo
    while x < hi:
        if not empty[x]:
            x += 1
            continue
        start, end = x, x
        while end < len(empty) and empty[end]:
            end += 1
        while start > 0 and empty[start - 1]:
            start -= 1
        if best is None or end - start > best[1] - best[0]:
            best = (start, end)
        x = end
    return best


# Dots are measured on a mosaic of their boxes: each box (at most 6 × 6 px) cut out into a tile
# of 8 × 8 with a blank pixel round it, _DOT_ROW tiles a row.
_DOT_TILE = 8
_DOT_ROW = 128


def _dot_stats(mask: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ink area and centroid row of the component of ``mask`` whose box is each row of ``boxes``
    (``x, y, w, h``, at most 6 × 6 px): what ``cv2.connectedComponentsWithStats`` gives for them,
    without labelling the whole mask.

    A box may hold pixels of another component (a dot beside a letter), so the ink of each box
    is labelled again on its own, all boxes at once on a mosaic (a few hundred thousand pixels
    instead of the half page); the box's component is the one that spans its tile.
    """
    n = len(boxes)
    x, y, w, h = (boxes[:, i] for i in range(4))
    d = np.arange(_DOT_TILE - 2)
    ys = y[:, None, None] + d[None, :, None]
    xs = x[:, None, None] + d[None, None, :]
    inside = (d[None, :, None] < h[:, None, None]) & (d[None, None, :] < w[:, None, None])
    rows_max, cols_max = mask.shape[0] - 1, mask.shape[1] - 1
    ink = (mask[np.minimum(ys, rows_max), np.minimum(xs, cols_max)] > 0) & inside
    rows = -(-n // _DOT_ROW)
    tiles = np.zeros((rows * _DOT_ROW, _DOT_TILE, _DOT_TILE), np.uint8)
    tiles[:n, 1:-1, 1:-1] = ink * np.uint8(255)
    mosaic = tiles.reshape(rows, _DOT_ROW, _DOT_TILE, _DOT_TILE).transpose(0, 2, 1, 3)
    _, _, stats, centroids = components(mosaic.reshape(rows * _DOT_TILE, _DOT_ROW * _DOT_TILE))
    stats, centroids = stats[1:], centroids[1:]
    tile_x, tile_y = stats[:, 0] // _DOT_TILE, stats[:, 1] // _DOT_TILE
    tile = np.minimum(tile_y * _DOT_ROW + tile_x, n - 1)
    spans = (stats[:, 0] % _DOT_TILE == 1) & (stats[:, 1] % _DOT_TILE == 1)
    spans &= (stats[:, 2] == w[tile]) & (stats[:, 3] == h[tile])
    area, row = np.zeros(n), np.zeros(n)
    own = tile[spans]
    area[own] = stats[spans, 4]
    row[own] = centroids[spans, 1] - tile_y[spans] * _DOT_TILE - 1 + y[own]
    return area, row


def find_leaders(grey: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes ``(x0, y0, x1, y1)`` of dot leaders (the ``.........`` of forms), full-size pixels.

    On a 1/2 copy, a leader is a row of at least 6 tiny dots (at most 6 × 6 px, so 3–12 px at
    full size: a dot of 9–14 pt type at 200–300 dpi), each within 4 dot widths of the next and on
    the same line (±2 px). Tone marks and the dots of i and nặng never form such rows.

    The components' boxes come from their contours (:func:`component_boxes`) and only the tiny
    ones are measured (:func:`_dot_stats`): 6 ms a page against 9 ms for labelling the whole
    mask, with the same leaders on all 323 dev-set pages.
    """
    small = halved(grey, 1)
    _, mask = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    boxes = component_boxes(mask)
    w, h = boxes[:, 2], boxes[:, 3]
    boxes = boxes[(w <= 6) & (h <= 6) & (w <= 2 * h) & (h <= 2 * w)]
    if len(boxes) < 6:
        return []
    area, cy = _dot_stats(mask, boxes)
    boxes, cy = boxes[area <= 30], cy[area <= 30]
    if len(boxes) < 6:
        return []
    order = np.lexsort((boxes[:, 0], np.round(cy / 3)))
    boxes, cy = boxes[order], cy[order]
    leaders: list[tuple[int, int, int, int]] = []
    chain = [0]

    def close(chain: list[int]) -> None:
        if len(chain) >= 6:
            c = boxes[chain]
            x0, y0 = c[:, 0].min(), c[:, 1].min()
            x1, y1 = (c[:, 0] + c[:, 2]).max(), (c[:, 1] + c[:, 3]).max()
            leaders.append((2 * int(x0) - 2, 2 * int(y0) - 2, 2 * int(x1) + 2, 2 * int(y1) + 2))

    for i in range(1, len(boxes)):
        prev = chain[-1]
        gap = boxes[i, 0] - (boxes[prev, 0] + boxes[prev, 2])
        if abs(cy[i] - cy[prev]) <= 2 and 0 <= gap <= 4 * max(boxes[prev, 2], 2):
            chain.append(i)
        else:
            close(chain)
            chain = [i]
    close(chain)
    return leaders


def remove_leaders(image: np.ndarray, ctx: PageContext) -> np.ndarray:
    """Erase the dot leaders of forms: Tesseract reads a row of dots as ``eeee`` or ``2222``,
    one to three false words per form line (the commonest error on flatbed forms in the
    samples)."""
    boxes = find_leaders(to_grey(image))
    if not boxes:
        return image
    out = image.copy()
    for x0, y0, x1, y1 in boxes:
        out[max(y0, 0) : y1, max(x0, 0) : x1] = 255
    ctx.record("leaders", count=len(boxes))
    return out


def find_gutter(image: np.ndarray) -> int | None:
    """The x of the fold of a two-page spread, or None for a single page.

    A spread is landscape (width ≥ 1.2 × height), has in the middle 40–60 % of its width either
    the fold's shadow (a full-height line with empty margins either side: cut there) or a band
    without text at least 2 % of the width wide (two page margins: cut in its middle), and
    substantial text on both sides (each ≥ 25 % of the ink) — an ID card, also landscape, has
    text across its middle and fails the test.
    """
    small, scale = small_copy(image, 1000)
    h, w = small.shape
    if w < 1.2 * h:
        return None
    ink = ink_mask(small)[h // 20 : h - h // 20]  # top and bottom margins hold shadows and edges
    columns = ink.sum(axis=0, dtype=np.float64) / 255.0
    total = columns.sum()
    if total == 0:
        return None
    empty = columns <= 0.01 * ink.shape[0]  # tolerate a speck or two
    lo, hi = int(0.4 * w), int(0.6 * w)
    margin = max(2, round(0.01 * w))
    folds = [
        x
        for x in range(lo, hi)
        if columns[x] >= 0.8 * ink.shape[0]
        and empty[x - margin - 3 : x - 3].all()
        and empty[x + 4 : x + margin + 4].all()
    ]
    if folds:
        centre = (folds[0] + folds[-1]) // 2
    else:
        best = _widest_run(empty, lo, hi)
        if best is None or best[1] - best[0] < 0.02 * w:
            return None
        centre = (best[0] + best[1]) // 2
    if not 0.25 <= columns[:centre].sum() / total <= 0.75:
        return None
    return round(centre / scale)


def detect_spread(image: np.ndarray, ctx: PageContext) -> np.ndarray:
    """Record whether the image is a two-page spread and where to cut it
    (``ctx.flags["spread"] = {"split_x": x}``); the image itself is left whole — the flow cuts
    it with :func:`split_spread` and numbers the halves."""
    x = find_gutter(image)
    if x is not None:
        ctx.flags["spread"] = {"split_x": x}
        ctx.record("spread", split_x=x)
    return image


def split_spread(
    image: np.ndarray, provenance: dict[str, Any]
) -> list[tuple[np.ndarray, dict[str, Any]]]:
    """Cut a clean image that :func:`detect_spread` flagged into its left and right pages.

    Each half gets a copy of the provenance with a ``crop`` step (its translation), so
    :func:`~pipeline.preprocess.context.map_to_original` maps its boxes back to the original
    spread; ``half`` is ``left`` or ``right``. An image not flagged comes back alone, unchanged.
    """
    spread = provenance.get("spread")
    if not spread:
        return [(image, provenance)]
    x = int(spread["split_x"])
    halves = []
    for half, (x0, x1) in (("left", (0, x)), ("right", (x, image.shape[1]))):
        record = copy.deepcopy(provenance)
        shift = np.array([[1, 0, -x0], [0, 1, 0], [0, 0, 1]], dtype=np.float64)
        record["steps"].append(
            {"step": "crop", "half": half, "x": [x0, x1], "matrix": shift.tolist()}
        )
        record["half"] = half
        halves.append((image[:, x0:x1], record))
    return halves
