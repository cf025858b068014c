"""Steps that move pixels: page boundary and perspective, orientation, deskew, resolution.

Each estimates on a small grey copy and applies one warp at full resolution, recording the 3×3
forward matrix so :func:`~pipeline.preprocess.context.map_to_original` can undo it.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytesseract

from pipeline.preprocess.context import (
    PageContext,
    component_boxes,
    ink_mask,
    small_copy,
    to_grey,
)

__all__ = [
    "deskew",
    "estimate_cap_height",
    "estimate_orientation",
    "estimate_skew",
    "find_page",
    "is_fax",
    "normalise_resolution",
    "orient",
    "osd_orientation",
    "reads_better_turned",
    "redraw_fax_lines",
    "restore_fax_lines",
    "rotate_matrix",
]

_WHITE = (255, 255, 255)


def _fill(image: np.ndarray) -> tuple[int, ...] | int:
    return 255 if image.ndim == 2 else _WHITE


# Page boundary and perspective ---------------------------------------------------------------


def _order_corners(points: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left."""
    points = points.reshape(4, 2).astype(np.float64)
    total, diff = points.sum(axis=1), np.diff(points, axis=1).ravel()
    return np.array(
        [
            points[np.argmin(total)],
            points[np.argmin(diff)],
            points[np.argmax(total)],
            points[np.argmax(diff)],
        ]
    )


def find_page_quad(grey_small: np.ndarray) -> np.ndarray | None:
    """The paper's four corners on a small grey copy, or None when no page stands out.

    The page must be a bright convex quadrilateral covering 25–97 % of the picture: below, it is
    more likely a bright object on the page; above, there is no background to remove (a flatbed
    scan), and cropping would only shave margins.
    """
    blurred = cv2.GaussianBlur(grey_small, (5, 5), 0)
    _, mask = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    # Close the text "holes" so the page is one blob; 2 % of the side bridges a text line.
    k = max(3, round(0.02 * max(mask.shape)))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    share = cv2.contourArea(contour) / float(mask.size)
    if not 0.25 <= share <= 0.97:
        return None
    hull = cv2.convexHull(contour)
    quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
    if len(quad) != 4:
        return None
    return _order_corners(quad)


def find_page(image: np.ndarray, ctx: PageContext) -> np.ndarray:
    """Find the paper in a photo (dark desk around it) and warp it flat to a rectangle.

    Records the quadrilateral found (original pixels) and the perspective matrix.
    """
    small, scale = small_copy(image, 800)  # 877 px for A4 at 300 dpi: corners to ±2 px
    quad = find_page_quad(small)
    if quad is None:
        return image
    src = (quad / scale).astype(np.float32)
    top, bottom = np.linalg.norm(src[1] - src[0]), np.linalg.norm(src[2] - src[3])
    left, right = np.linalg.norm(src[3] - src[0]), np.linalg.norm(src[2] - src[1])
    width, height = round(max(top, bottom)), round(max(left, right))
    dst = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    flat = cv2.warpPerspective(
        image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=_fill(image)
    )
    ctx.record("page", matrix, quad=src.round(1).tolist())
    return flat


# Orientation ---------------------------------------------------------------------------------


def _row_sums(mask: np.ndarray) -> np.ndarray:
    """Sum of each row of a uint8 mask (OpenCV: a tenth of the time of numpy's float sum)."""
    return cv2.reduce(mask, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel().astype(np.float64)


def _line_balance(mask: np.ndarray) -> tuple[float, float]:
    """Ink above and below the x-height band, summed over the text lines of ``mask``.

    Lines are runs of inked rows; a line's core is its rows at least half as dense as its
    densest row (the x-height band, where every letter has ink).
    """
    rows = _row_sums(mask)
    if not rows.any():
        return 0.0, 0.0
    inked = np.concatenate([[False], rows > 0.02 * rows.max(), [False]])
    edges = np.flatnonzero(np.diff(inked.astype(np.int8)))
    above = below = 0.0
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        line = rows[start:end]
        core = np.flatnonzero(line >= 0.5 * line.max())
        if len(line) >= 4:
            above += line[: core[0]].sum()
            below += line[core[-1] + 1 :].sum()
    return above, below


def _upright_score(mask: np.ndarray) -> float:
    """(above − below) / (above + below) over vertical strips of a straight text mask; > 0 for
    upright text.

    Latin script has more ascenders and capitals than descenders, and Vietnamese adds tone marks
    and circumflexes above (only the dot of nặng goes below): an upright line is top-heavy.
    Strips of 1/4 of the width keep two-column lines and a residual skew from merging lines.
    """
    above = below = 0.0
    step = max(1, mask.shape[1] // 4)
    for x in range(0, mask.shape[1] - step + 1, step):
        a, b = _line_balance(mask[:, x : x + step])
        above, below = above + a, below + b
    return (above - below) / (above + below) if above + below else 0.0


def _straighten(mask: np.ndarray, max_degrees: float, angle: float | None = None) -> np.ndarray:
    """``mask`` rotated so its lines are horizontal, to the nearest degree (the angle is found
    on a 1/4 copy: 31 trial rotations of a 250 px mask cost ~3 ms, of the full mask ~90 ms),
    or by ``angle`` when given (:func:`_coarse_angle`)."""
    if angle is None:
        angle = _coarse_angle(mask, max_degrees)
    h, w = mask.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(mask, matrix, (w, h), flags=cv2.INTER_NEAREST)


def _coarse_angle(mask: np.ndarray, max_degrees: float) -> float:
    """The rotation, to the nearest degree, that makes the lines of ``mask`` horizontal."""
    coarse = cv2.resize(mask, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    return float(_best_angle(coarse, np.arange(-max_degrees, max_degrees + 0.5, 1.0)))


_OSD = threading.local()  # whether this thread's osd model failed to load
_OSD_SIDE = 1700  # px: at 1000 px OSD misjudged 2 more of the 61 doubtful dev-set pages
_OSD_MIDDLE = 0.6  # share of the width and of the height of the page that OSD reads


def _osd_api():  # type: ignore[no-untyped-def]
    """This thread's Tesseract orientation model (``osd``); None if it cannot be loaded."""
    if getattr(_OSD, "failed", False):
        return None
    try:
        import tesserocr

        from pipeline.ocr import thread_model

        # min_characters_to_try: ID cards carry little text (default 50)
        return thread_model("osd", tesserocr.PSM.OSD_ONLY, min_characters_to_try="10")
    except (ImportError, RuntimeError):
        _OSD.failed = True  # no tesserocr, or no osd data: the command is asked instead
        return None


# The check of a half turn by reading (:func:`reads_better_turned`): the band of the page read,
# as shares of its height and width, how sure the turned reading must be to be taken without
# reading the page as it lies, and by how much it must beat that reading otherwise.
_TURN_BAND = ((0.4, 0.6), (0.1, 0.9))
_TURN_SURE = 0.75
_TURN_MARGIN = 0.10
_TURN_MIN_CHARACTERS = 20


def _reading_confidence(api, image: np.ndarray) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """Tesseract's mean word confidence (0–1, weighted by length) over the words of ``image``
    with two or more letters or digits, and how many characters those words have."""
    from pipeline.ocr import set_image

    set_image(api, image)
    api.Recognize(10_000)
    try:
        pairs = api.MapWordConfidences()
    except RuntimeError:  # tesserocr: "No text returned"
        pairs = []
    api.Clear()
    words = [(w, c) for w, c in pairs if sum(ch.isalnum() for ch in w) >= 2]
    characters = sum(len(w) for w, _ in words)
    if not characters:
        return 0.0, 0
    return sum(c * len(w) for w, c in words) / characters / 100, characters


def reads_better_turned(image: np.ndarray) -> bool | None:
    """Whether the page reads better turned over: Tesseract reads a band across the middle of
    the page (:data:`_TURN_BAND`, on a ~1,700 px copy) turned over, and when it is not sure of
    that reading (:data:`_TURN_SURE`), as it lies too; the turn wins by :data:`_TURN_MARGIN`.
    Text read the wrong way up comes out as unsure as noise (0.14–0.47 on the dev set's
    pages, against 0.41–0.94 for print the right way up). None when it cannot tell: no
    Vietnamese model, or too little text in the band.
    """
    try:
        import tesserocr

        from pipeline.ocr import thread_model

        api = thread_model("vie", tesserocr.PSM.SINGLE_BLOCK)
    except (ImportError, RuntimeError):
        return None
    small, _ = small_copy(image, _OSD_SIDE)
    h, w = small.shape[:2]
    (top, bottom), (left, right) = _TURN_BAND
    band = small[round(h * top) : round(h * bottom), round(w * left) : round(w * right)]
    turned, turned_characters = _reading_confidence(api, np.ascontiguousarray(band[::-1, ::-1]))
    if turned_characters >= _TURN_MIN_CHARACTERS and turned >= _TURN_SURE:
        return True
    lying, lying_characters = _reading_confidence(api, np.ascontiguousarray(band))
    if max(turned_characters, lying_characters) < _TURN_MIN_CHARACTERS:
        return None
    return turned_characters >= _TURN_MIN_CHARACTERS and turned > lying + _TURN_MARGIN


def osd_orientation(image: np.ndarray) -> tuple[int, float] | None:
    """Tesseract's orientation detection: the clockwise turn (0, 90, 180, 270) that makes the
    page upright and Tesseract's confidence in it (0 to ~10; under 1 is a guess), or None when
    there is too little text to judge. In-process (~0.15 s a page on a 1,700 px copy), else
    through the ``tesseract`` command (~0.35 s); both give the same answer and confidence.

    OSD sees the middle of the page only (:data:`_OSD_MIDDLE` of each side): the margins'
    headings, photos, fingerprint boxes and MRZ lines misled it more than they helped, and it is
    a fifth faster (docs/cleaning.md, *Orientation*)."""
    small, _ = small_copy(image, _OSD_SIDE)
    h, w = small.shape[:2]
    dy, dx = round(h * (1 - _OSD_MIDDLE) / 2), round(w * (1 - _OSD_MIDDLE) / 2)
    small = np.ascontiguousarray(small[dy : h - dy, dx : w - dx])
    api = _osd_api()
    if api is not None:
        from pipeline.ocr import set_image

        set_image(api, small)
        found = api.DetectOrientationScript()
        api.Clear()
        if not found:
            return None
        return (360 - int(found["orient_deg"])) % 360, float(found["orient_conf"])
    try:
        osd = pytesseract.image_to_osd(small, config="--psm 0 -c min_characters_to_try=10")
    except pytesseract.TesseractError:
        return None  # too little text to decide
    turn = int(osd.split("Rotate:")[1].split()[0]) % 360
    return turn, float(osd.split("Orientation confidence:")[1].split()[0])


def _gap_share(mask: np.ndarray) -> float:
    """Share of empty rows between the first and the last inked row.

    Across text lines every line ends in an empty gap (30–50 % of rows); along them word spaces
    seldom line up, so few columns are empty (forms with aligned values reach ~15 %).
    """
    rows = mask.sum(axis=1, dtype=np.float64)
    inked = np.flatnonzero(rows > 0)
    if len(inked) < 2:
        return 0.0
    span = rows[inked[0] : inked[-1] + 1]
    return float(np.mean(span <= 0.01 * span.max()))


def without_rules(mask: np.ndarray) -> np.ndarray:
    """``mask`` without its long straight strokes (table rules, underlines, box edges).

    A ruled ledger has a rule under every row: left in, it makes each line bottom-heavy and the
    upright test below takes upright ledgers for upside-down ones. On 16 generated register pages
    (8 printed, 8 handwritten), upright pages scored -0.14 to +0.59 with their rules and +0.16 to
    +0.51 without; turned over, +0.07 to -0.55 with and -0.17 to -0.55 without.
    """
    h, w = mask.shape
    horizontal = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((1, max(15, w // 20)), np.uint8))
    vertical = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((max(15, h // 20), 1), np.uint8))
    return cv2.subtract(mask, cv2.bitwise_or(horizontal, vertical))


# Thresholds of the own test (upright-score of the straightened mask, see _own_reading).
_FLIP = -0.25  # below: upside down, surely (upside-down A4 pages score -0.4 to -0.7)
# A sideways page at or above this is turned the way its lines say, without OSD: the 25 such
# pages of the dev set and seed 4343 were all turned right by the own test, and its 9 wrong
# turns of sideways pages scored -0.51 to +0.01 (docs/cleaning.md, *Orientation*).
_SIDEWAYS_SURE = 0.1


_CROOKED = 3.0  # degrees: a page straightened by this much is checked again for lying sideways


def _own_reading(image: np.ndarray, max_skew: float) -> tuple[bool, float] | None:
    """Whether the lines run up the page (sideways) and the upright score once they run across;
    None when there is too little ink to judge."""
    small, _ = small_copy(image, 1000)
    mask = ink_mask(small)  # not Otsu: a dark desk around a photo would count as ink
    if cv2.countNonZero(mask) < 200:
        return None
    sideways = _gap_share(mask.T) > 1.5 * _gap_share(mask)  # 1.5: see _gap_share
    if sideways and abs(angle := _coarse_angle(mask, max_skew)) >= _CROOKED:
        # Lines tilted by some degrees leave no empty row between them (a portrait page 8.5°
        # crooked had been taken for sideways): count the gaps again on the straightened page.
        sideways = _gap_share(mask.T) > 1.5 * _gap_share(_straighten(mask, max_skew, angle))
    if sideways:
        mask = cv2.rotate(mask, cv2.ROTATE_90_CLOCKWISE)
    return sideways, _upright_score(_straighten(without_rules(mask), max_skew))


def _own_rotation(reading: tuple[bool, float]) -> int:
    # Upright sample pages score +0.13 to +0.72 (ID cards lowest; suppressing a card's red print
    # moved one from +0.14 to -0.11), upside-down A4 pages -0.4 to -0.7. A wrong turn costs the
    # whole page, a missed one only what was already lost: turn over only below _FLIP.
    sideways, score = reading
    return (90 if sideways else 0) + (180 if score < _FLIP else 0)


def estimate_orientation(image: np.ndarray, method: str = "auto", max_skew: float = 15.0) -> int:
    """Clockwise rotation (0, 90, 180 or 270) that makes the page upright.

    ``own`` (~20 ms): lines run along the axis with the spikier projection profile (0/180
    against 90/270), then the top-heavy test of :func:`_upright_score` on the straightened mask
    picks the direction. ``osd``: Tesseract's orientation detection alone
    (:func:`osd_orientation`). ``auto`` (the default): ``own`` decides the pages it is sure of
    (not sideways, and clearly top- or bottom-heavy); the doubtful ones — every sideways page,
    and scores between -0.25 and +0.13, where ID cards sit — are OSD's, which is believed when
    it is sure: confidence ≥ 1 on a sideways page; on the others only a half turn, with
    confidence ≥ 1.5 on a bottom-heavy page (so OSD is asked about straight pages scoring
    -0.25 to 0 only). A half turn, by either, is then checked by reading the middle of the
    page both ways (:func:`reads_better_turned`). On the 323 dev-set pages (31 turned) ``own``
    left 10 pages wrongly turned (5 upright pages sideways, 4 sideways pages the wrong way, 1
    upside down), ``auto`` 0 of its 282 non-register pages; on 140 pages of two other seeds,
    0 (docs/cleaning.md, *Orientation*).
    """
    if method == "osd":
        found = osd_orientation(image)
        return found[0] if found else 0
    reading = _own_reading(image, max_skew)
    if reading is None:
        return 0
    own = _own_rotation(reading)
    sideways, score = reading
    # OSD is asked only where its answer can change the page: a sideways page the own test is
    # not sure of, or a straight page that may lie upside down (OSD may only turn a straight
    # page over, and only a bottom-heavy one: below). Straight pages scoring 0 to +0.13, where
    # upright dev-set pages begin, keep their own answer.
    doubtful = score < _SIDEWAYS_SURE if sideways else _FLIP <= score < 0
    if method == "own":
        return own
    if not doubtful:
        return _half_turn_checked(image) if own == 180 else own
    found = osd_orientation(image)
    if found is None:
        return own
    turn, confidence = found
    if sideways:
        return turn if confidence >= 1.0 else own
    # Not sideways: the empty-row test that says so has never been wrong on a turned page, so
    # OSD may only turn the page over, when sure (only bottom-heavy straight pages get here).
    if turn == 180 and confidence >= 1.5:
        return _half_turn_checked(image)
    return own


def _half_turn_checked(image: np.ndarray) -> int:
    """180, unless reading the page says it lies the right way up already (an upright ID card
    back scored -0.42 on the top-heavy test: :func:`reads_better_turned`)."""
    return 0 if reads_better_turned(image) is False else 180


def rotate_matrix(rotation: int, width: int, height: int) -> np.ndarray:
    """The 3×3 matrix of a clockwise quarter turn of a ``width``×``height`` image, in continuous
    coordinates (pixel ``i`` covers ``[i, i + 1)``, so box edges map exactly)."""
    return {
        0: np.eye(3),
        90: np.array([[0, -1, height], [1, 0, 0], [0, 0, 1]], dtype=np.float64),
        180: np.array([[-1, 0, width], [0, -1, height], [0, 0, 1]], dtype=np.float64),
        270: np.array([[0, 1, 0], [-1, 0, width], [0, 0, 1]], dtype=np.float64),
    }[rotation]


def orient(image: np.ndarray, ctx: PageContext) -> np.ndarray:
    """Turn a sideways or upside-down page upright (lossless quarter turns)."""
    rotation = estimate_orientation(
        image, ctx.options.orientation_method, ctx.options.max_skew_degrees
    )
    if rotation == 0:
        return image
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    h, w = image.shape[:2]
    ctx.record("orient", rotate_matrix(rotation, w, h), rotation=rotation)
    return cv2.rotate(image, codes[rotation])


# Deskew --------------------------------------------------------------------------------------


def _profile_scores(mask: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """For each angle, the variance of the row profile of ``mask`` rotated by it about its
    centre (counter-clockwise positive, as OpenCV rotates): text lines aligned with the rows
    give a spiky profile.

    The ink pixels' rotated row numbers are counted directly, all angles at once, instead of
    warping the mask once per angle: the same profile (up to the warp's nearest-pixel sampling)
    at a tenth of the cost.
    """
    h, w = mask.shape
    ys, xs = np.nonzero(mask)
    if not len(ys):
        return np.zeros(len(angles))
    values = mask[ys, xs]
    radians = np.deg2rad(np.asarray(angles, dtype=np.float64))
    cos, sin = np.cos(radians).astype(np.float32), np.sin(radians).astype(np.float32)
    y, x = ys.astype(np.float32) - h / 2, xs.astype(np.float32) - w / 2
    rows = cos[:, None] * y - sin[:, None] * x + (h / 2 + 0.5)
    # Rows -1 and h collect the ink turned out of the frame (a warp would lose it); dropped.
    bins = np.clip(np.floor(rows), -1, h).astype(np.intp) + 1
    bins += (np.arange(len(angles)) * (h + 2))[:, None]
    weights = (
        None if (values == values[0]).all() else np.tile(values.astype(np.float64), len(angles))
    )
    counts = np.bincount(bins.ravel(), weights, minlength=len(angles) * (h + 2))
    return counts.reshape(len(angles), h + 2)[:, 1 : h + 1].var(axis=1)


def _best_angle(mask: np.ndarray, candidates: np.ndarray) -> float:
    return float(candidates[int(np.argmax(_profile_scores(mask, candidates)))])


def estimate_skew(grey: np.ndarray, max_degrees: float = 15.0) -> float:
    """Skew angle in degrees (counter-clockwise positive, as OpenCV rotates) by the projection
    profile method: 1° search on a ~300 px copy, then 0.1° refinement (±0.6° around it) on a
    ~880 px copy (0.1° is one pixel over 600 px)."""
    # Ink by local contrast, not Otsu: on a photo lit from one side Otsu takes the shaded part
    # of the page for ink, and the "lines" found are the shadow's edge (-15.6° on a straight
    # page of the phone_photo samples).
    coarse_mask = ink_mask(small_copy(grey, 300)[0])
    if cv2.countNonZero(coarse_mask) < 20:
        return 0.0
    best = _best_angle(coarse_mask, np.arange(-max_degrees, max_degrees + 0.5, 1.0))
    mask = ink_mask(small_copy(grey, 1000)[0])
    return round(_best_angle(mask, np.arange(best - 0.6, best + 0.65, 0.1)), 2)


def deskew(image: np.ndarray, ctx: PageContext) -> np.ndarray:
    """Rotate the page so text lines are horizontal. Below ``min_skew_degrees`` the rotation
    costs more (resampling blur) than it gains: Tesseract follows a slight slope itself, and on
    the flatbed samples (skew ≤ 0.5°) rotating cost 0.5 point of word F1 (docs/cleaning.md)."""
    angle = estimate_skew(to_grey(image), ctx.options.max_skew_degrees)
    if abs(angle) < ctx.options.min_skew_degrees:
        return image
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += new_w / 2 - w / 2
    matrix[1, 2] += new_h / 2 - h / 2
    rotated = cv2.warpAffine(
        image, matrix, (new_w, new_h), flags=cv2.INTER_LINEAR, borderValue=_fill(image)
    )
    ctx.record("deskew", np.vstack([matrix, [0, 0, 1]]), angle=angle)
    return rotated


# Resolution ----------------------------------------------------------------------------------


def fax_lines(image: np.ndarray) -> np.ndarray | None:
    """The rows that hold a fax's lines once each, or None for a page that is not a fax.

    A fax sent at standard resolution has 100 lines per inch down and 200 dots across; fax
    software shows it with each line twice, square pixels again. Such a page is bitonal and, of
    the neighbouring rows that hold ink, every other pair is the same row twice: 0.505–0.541 of
    them on the dev set's 45 fax pages, against at most 0.43 on its bitonal flatbed scans (large
    solid areas) and none on its grey ones, where such pairs also come in runs rather than
    alternating. The doubling is not always regular (a page of 2,339 rows from 1,170 lines has
    one line shown once), so the pairs are found as they come, not by parity.
    """
    return _doubled_rows(to_grey(image)) if _two_levels(image) else None


def _two_levels(image: np.ndarray) -> bool:
    """A quick look (0.1 ms) at every 50th row: a page of more than two grey levels, or a tiny
    one, is no fax."""
    rows = to_grey(image[::50])
    dark, light = int(rows.min()), int(rows.max())
    between = cv2.countNonZero(cv2.inRange(rows, dark + 1, light - 1)) if dark + 1 < light else 0
    return image.shape[0] >= 200 and not between


def _doubled_rows(grey: np.ndarray) -> np.ndarray | None:
    """:func:`fax_lines` of a bitonal grey page."""
    ink = (grey < 128).any(axis=1)
    same = (grey[1:] == grey[:-1]).all(axis=1)
    both = ink[1:] & ink[:-1]
    if both.sum() < 50:
        return None
    share = float(same[both].mean())
    pairs = same & both
    alternating = float((pairs[:-1] != pairs[1:])[both[:-1] & both[1:]].mean())
    if not (0.45 <= share <= 0.6 and alternating >= 0.8):
        return None
    keep, i, h = [], 0, grey.shape[0]
    while i < h:
        keep.append(i)
        i += 2 if i + 1 < h and same[i] else 1
    return np.asarray(keep)


def is_fax(provenance: dict[str, Any]) -> bool:
    """Whether cleaning found the page to be a fax (a page's ``preprocess`` record)."""
    return any("fax_lines" in step for step in provenance.get("steps", ()))


FAX_LINES_MODEL = Path(__file__).with_name("data") / "fax_lines_v1.onnx"
_FAX_TILE = (128, 256)  # fax lines × dots per pass of the network
_FAX_MARGIN = 16  # … with this much context around each tile (the network sees 23 lines)
_fax_nets = threading.local()


def _fax_net() -> tuple[Any, np.ndarray]:
    """This thread's copy of the fax network (an OpenCV DNN net is not safe to share) and the
    two rows it draws for blank paper, computed once."""
    loaded = getattr(_fax_nets, "loaded", None)
    if loaded is None:
        net = cv2.dnn.readNetFromONNX(str(FAX_LINES_MODEL))
        (th, tw), m = _FAX_TILE, _FAX_MARGIN
        net.setInput(np.zeros((1, 1, th + 2 * m, tw + 2 * m), np.float32))
        loaded = _fax_nets.loaded = (net, net.forward()[0][:, m, m].copy())
    return loaded


def redraw_fax_lines(lines: np.ndarray) -> np.ndarray:
    """A fax's lines (bitonal grey, one row per line) as a grey page of two rows per line.

    The network (:mod:`pipeline.preprocess.fax_training`) was fitted on generated pages faxed
    and drawn clean: where the doubled line has a staircase, or a hairline the low threshold
    dropped, it draws what the clean page has. It runs on tiles of :data:`_FAX_TILE` with a
    margin of context, all of one shape; a tile with no ink in reach is blank paper, as the
    network draws it, without running it (about half a form's tiles: 28 % less time).
    """
    ink = (lines < 128).astype(np.float32)
    h, w = ink.shape
    (th, tw), m = _FAX_TILE, _FAX_MARGIN
    padded = np.zeros((h + 2 * m + th, w + 2 * m + tw), np.float32)
    padded[m : m + h, m : m + w] = ink
    net, paper = _fax_net()
    out = np.empty((2, h, w), np.float32)
    out[0], out[1] = paper[0], paper[1]
    for y in range(0, h, th):
        for x in range(0, w, tw):
            window = padded[y : y + th + 2 * m, x : x + tw + 2 * m]
            if not window.any():
                continue
            net.setInput(np.ascontiguousarray(window)[None, None])
            rows = net.forward()[0][:, m : m + th, m : m + tw]  # each line's upper, lower row
            out[:, y : y + th, x : x + tw] = rows[:, : min(th, h - y), : min(tw, w - x)]
    page = np.empty((2 * h, w), np.float32)
    page[0::2], page[1::2] = out[0], out[1]
    return np.clip(page * 255, 0, 255).astype(np.uint8)


def restore_fax_lines(image: np.ndarray, ctx: PageContext) -> np.ndarray:
    """A fax's lines (:func:`fax_lines`) drawn once each and scaled by ``fax_scale`` with cubic
    interpolation: letters get smooth grey edges instead of staircases, which Tesseract reads
    better (docs/cleaning.md, *Fax*). Any other page passes untouched."""
    if not _two_levels(image):
        return image
    grey = to_grey(image)
    rows = _doubled_rows(grey)
    if rows is None:
        return image
    factor = ctx.options.fax_scale
    size = (round(grey.shape[1] * factor), round(grey.shape[0] * factor))
    lines = redraw_fax_lines(grey[rows]) if ctx.options.fax_redraw else grey[rows]
    scaled = cv2.resize(lines, size, interpolation=cv2.INTER_CUBIC)
    sx, sy = size[0] / grey.shape[1], size[1] / grey.shape[0]
    ctx.record("scale", np.diag([sx, sy, 1.0]), scale=round(factor, 4), fax_lines=len(rows))
    return scaled


def estimate_cap_height(image: np.ndarray) -> float | None:
    """Typical height in pixels of capitals and ascender letters, from connected components.

    On a copy of 1,000 to 2,000 px, components between 3 px and 5 % of the page high are
    letters (smaller: dots, tone marks, noise; larger: rules, photos, stamps); their 80th
    percentile height is the ascender/capital height (the median is nearer the x-height). One
    copy pixel is ±6 % of a 36 px capital at 300 dpi: enough to tell whether it lies in
    Tesseract's 20–40 px. None without enough letters.
    """
    # 1,754 px for A4 at 300 dpi, 1,170 px at 200 dpi: a letter's height on a copy reads about
    # one copy pixel tall too many (its blurred edges), so a coarser copy overestimates: 36 px
    # capitals read 36 at 1/2, 39 at 1/3 and 40–44 at 1/4 on the dev set's forms.
    small, scale = small_copy(image, 1400)
    boxes = component_boxes(ink_mask(small))
    widths, heights = boxes[:, 2], boxes[:, 3]
    keep = (heights >= 3) & (heights <= 0.05 * small.shape[0]) & (widths <= 3 * heights)
    if keep.sum() < 30:  # fewer than a short line of letters: no reliable estimate
        return None
    return float(np.percentile(heights[keep], 80)) / scale


def normalise_resolution(image: np.ndarray, ctx: PageContext) -> np.ndarray:
    """Scale the page so capitals are ``target_cap_height`` px high, when they are outside
    ``[min_cap_height, max_cap_height]`` (Tesseract's LSTM reads best at 20–40 px; inside that
    range resampling only blurs)."""
    options = ctx.options
    cap = estimate_cap_height(image)
    if cap is None or options.min_cap_height <= cap <= options.max_cap_height:
        return image
    scale = options.target_cap_height / cap
    shrink = cv2.INTER_AREA if options.resize == "area" else cv2.INTER_LINEAR
    interpolation = shrink if scale < 1 else cv2.INTER_CUBIC
    scaled = cv2.resize(image, None, fx=scale, fy=scale, interpolation=interpolation)
    sx, sy = scaled.shape[1] / image.shape[1], scaled.shape[0] / image.shape[0]
    ctx.record("scale", np.diag([sx, sy, 1.0]), scale=round(scale, 4), cap_height=round(cap, 1))
    return scaled
