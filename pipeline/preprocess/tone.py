"""Steps that change tones, not geometry: stamp suppression, grayscale, illumination,
denoising, binarisation.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.preprocess.context import PageContext, component_boxes, halved, to_grey

__all__ = [
    "binarise",
    "choose_binarisation",
    "denoise",
    "estimate_noise",
    "flatten_illumination",
    "grayscale",
    "grey_stamp_boxes",
    "sauvola",
    "stamp_mask",
    "suppress_stamps",
]

# OpenCV hue runs 0–180. Red wraps around 0; stamp red (vermilion) sits at 0–12 and 165–180,
# ballpoint and stamp blue at 100–130 (measured on the generator's stamps and on photos of
# real seals, which are printed in the same inks).
_HUES = {"red": ((0, 12), (165, 180)), "blue": ((100, 130),)}


def stamp_mask(rgb: np.ndarray, colours: tuple[str, ...]) -> np.ndarray:
    """Pixels of strongly coloured ink (255) in ``colours``.

    Saturation ≥ 70 separates stamp ink from black text and grey paper (both below 40 even under
    a yellowish lamp); value ≥ 60 keeps the black text where a stamp overlaps it, which is dark in
    every channel.
    """
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    mask = np.zeros(hue.shape, dtype=bool)
    for colour in colours:
        for low, high in _HUES[colour]:
            mask |= (hue >= low) & (hue <= high)
    mask &= (sat >= 70) & (val >= 60)
    return mask.astype(np.uint8) * 255


def _mid_grey(grey: np.ndarray) -> np.ndarray:
    """Mid-grey pixels (1) more than 2 px from a dark one: not the anti-aliased edge of a
    letter. In grey a red seal prints ~145 on the samples, text ≤ 40, paper ≥ 215."""
    near_dark = cv2.dilate((grey < 90).astype(np.uint8), np.ones((5, 5), np.uint8))
    return ((grey > 90) & (grey < 215) & (near_dark == 0)).astype(np.uint8)


def grey_stamp_boxes(grey: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes ``(x0, y0, x1, y1)`` of stamps already turned grey by the scanner.

    A stamp is a connected mid-grey shape (:func:`_mid_grey`, on a 1/2 copy) at least 5 % of the
    page wide and high: a seal is ~40 mm across; a letter, even faded to mid-grey on old paper,
    is a small shape of its own and is never taken.
    """
    small = halved(grey, 1)
    boxes = component_boxes(_mid_grey(small))
    side = 0.05 * small.shape[1]
    # Text crossing the seal cuts its ring into arcs, the largest of which is found: grow its
    # box by 15 % on each side so the other arcs fall inside.
    return [
        (
            2 * max(int(x - 0.15 * w), 0),
            2 * max(int(y - 0.15 * h), 0),
            2 * int(x + 1.15 * w),
            2 * int(y + 1.15 * h),
        )
        for x, y, w, h in boxes
        if w >= side and h >= side
    ]


def suppress_stamps(image: np.ndarray, ctx: PageContext) -> np.ndarray:
    """Turn stamps into paper. Tesseract's layout analysis takes a seal for a picture and drops
    the text in and around it (the signer's title and name: 20 words of a birth certificate).

    Colour pages, before grayscale: red (and optionally blue) ink takes its brightest channel
    (red ink is bright in R, blue in B), so the stamp fades to the paper's tone while black
    strokes under it stay dark. Stamps are looked for on a 1/4 copy and only their boxes are
    processed at full size: HSV on a whole colour A4 page costs ~20 ms, and most pages have no
    stamp at all. Grey pages: inside the boxes of :func:`grey_stamp_boxes`, every mid-grey
    pixel away from dark ink turns white (the ring, the star, the ring's small lettering); text
    crossing the seal is dark and stays.
    """
    if image.ndim == 2:
        boxes = grey_stamp_boxes(image)
        if not boxes:
            return image
        out = image.copy()
        for x0, y0, x1, y1 in boxes:
            roi = out[y0:y1, x0:x1]
            roi[_mid_grey(roi) > 0] = 255
        ctx.record("stamps", colours=["grey"], boxes=[list(b) for b in boxes])
        return out
    colours = ctx.options.stamp_colours
    # Every 4th pixel, not an area average: a stamp is hundreds of pixels across, and striding
    # costs nothing where averaging a colour A4 page costs ~15 ms.
    small = np.ascontiguousarray(image[::4, ::4])
    found = cv2.dilate(stamp_mask(small, colours), np.ones((5, 5), np.uint8))
    out, pixels = None, 0
    for x, y, w, h in component_boxes(found):
        # A seal is round and at least 4 % of the page wide (~1 cm on A4; real ones are 3–4 cm);
        # a line of red print (the title of an ID card) is long and flat, and is text to keep.
        if not (0.6 <= w / h <= 1.6 and min(w, h) >= 0.04 * small.shape[1]):
            continue
        if out is None:
            out = image.copy()
        box = np.s_[4 * y : 4 * (y + h), 4 * x : 4 * (x + w)]
        roi = out[box]
        mask = stamp_mask(roi, colours) > 0
        roi[mask] = roi.max(axis=2)[mask][:, None]
        pixels += int(mask.sum())
    if out is None:
        return image
    ctx.record("stamps", colours=list(colours), share=round(pixels / image[..., 0].size, 5))
    return out


def grayscale(image: np.ndarray, ctx: PageContext) -> np.ndarray:
    """Colour → grey. Tesseract binarises internally and reads grey as well as colour, at a third
    of the bytes to hand over."""
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        ctx.record("grayscale")
    return image


def _paper(grey: np.ndarray) -> tuple[np.ndarray, float]:
    """The paper's brightness on a 1/8 copy, text removed, and its spread (95th − 5th
    percentile): a grey closing (max filter then min) with a kernel wider than a stroke."""
    small = halved(grey, 3)
    # 9 px at 1/8 = 72 px full size: wider than any stroke of 14 pt bold at 300 dpi (~6 px),
    # narrow enough to follow a lamp's gradient and a shadow's edge.
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    closed = cv2.medianBlur(closed, 5)
    return closed, float(np.percentile(closed, 95)) - float(np.percentile(closed, 5))


def flatten_illumination(image: np.ndarray, ctx: PageContext) -> np.ndarray:
    """Divide by the estimated paper brightness: a lamp's gradient or a hand's shadow becomes
    white paper, while ink keeps its contrast against the paper around it."""
    grey = to_grey(image)
    paper, spread = _paper(grey)
    if spread < 12:  # even light already (a flatbed scan): dividing would only add noise
        return grey
    background = cv2.resize(paper, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(grey, np.maximum(background, 1), scale=255)
    ctx.record("illumination", spread=round(spread, 1))
    return flat


def estimate_noise(grey: np.ndarray) -> float:
    """Sensor noise in grey levels: 1.48 × the median absolute difference between the page and
    its 3 × 3 median, over 64 blocks of 32 × 32 px spread over the page (~2 ms). Letters are a
    few percent of the pixels and do not move the median."""
    h, w = grey.shape
    ys, xs = np.linspace(0, h - 32, 8).astype(int), np.linspace(0, w - 32, 8).astype(int)
    blocks = np.stack([grey[y : y + 32, x : x + 32] for y in ys for x in xs])
    tiles = blocks.reshape(-1, 32)  # one tall strip: one median filter call for all blocks
    residual = tiles.astype(np.int16) - cv2.medianBlur(np.ascontiguousarray(tiles), 3)
    # Paper clipped to white by a scanner's levels (or by flattening) hides its noise: only
    # unclipped pixels count, and a page with too few of them is taken as clean.
    unclipped = np.abs(residual[(tiles > 5) & (tiles < 250)])
    return 1.4826 * float(np.median(unclipped)) if unclipped.size > 2000 else 0.0


def denoise(image: np.ndarray, ctx: PageContext) -> np.ndarray:
    """A 3 × 3 median, on noisy pages only (noise above ``options.denoise_above`` grey levels).

    Measured (:func:`estimate_noise`): phone photos 4.4, old paper ≤ 1.5, flatbed scans 0 (their
    paper is clipped white); hence the default threshold of 3. On the phone photos the median
    lifts word F1 by 5 points; on flatbed scans it erodes thin serifs and costs one (measured with
    the other default steps on, docs/cleaning.md). Non-local means
    reads better still but costs ~2 s a page, more than the OCR.
    """
    grey = to_grey(image)
    noise = estimate_noise(grey)
    if noise < ctx.options.denoise_above:
        return grey
    ctx.record("denoise", method="median3", noise=round(noise, 2))
    return cv2.medianBlur(grey, 3)


def _local_stats(grey: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A 1/4 copy of ``grey`` and its local mean and standard deviation over ``window``-px
    boxes (``window`` in full-size pixels)."""
    small = halved(grey, 2)
    f = small.astype(np.float32)
    side = max(3, window // 4) | 1
    mean = cv2.boxFilter(f, -1, (side, side))
    std = np.sqrt(np.maximum(cv2.boxFilter(f * f, -1, (side, side)) - mean * mean, 0))
    return small, mean, std


def _apply_threshold(grey: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Compare ``grey`` with a threshold surface computed at 1/4 size, interpolated back as 8-bit:
    the surface varies slowly, and full-size float box filters cost ~0.3 s on an A4 page,
    more than a quarter of the OCR."""
    surface = np.clip(threshold, 0, 255).astype(np.uint8)
    full = cv2.resize(surface, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR)
    return cv2.compare(grey, full, cv2.CMP_GT)  # 255 where paper, 0 where ink


def sauvola(grey: np.ndarray, window: int, k: float = 0.2, r: float = 128.0) -> np.ndarray:
    """Sauvola's threshold T = m · (1 + k · (s / r − 1)) over ``window``-px boxes; k = 0.2 and
    r = 128 are the paper's values for 8-bit documents."""
    _, mean, std = _local_stats(grey, window)
    return _apply_threshold(grey, mean * (1 + k * (std / r - 1)))


def choose_binarisation(grey: np.ndarray) -> str:
    """Pick a method for one page: ``none`` when the page is already two-tone or evenly lit
    (Tesseract's own Otsu then does as well, and reads grey anti-aliased edges better),
    ``sauvola`` when the paper's brightness varies across the page."""
    histogram = np.bincount(grey[::8, ::8].ravel(), minlength=256)
    if histogram[[0, 255]].sum() > 0.95 * histogram.sum():
        return "none"  # a bitonal scan: nothing to choose
    _, spread = _paper(grey)
    return "sauvola" if spread > 25 else "none"


def binarise(image: np.ndarray, ctx: PageContext) -> np.ndarray:
    """Black and white by ``options.binarise``: ``otsu`` (one global threshold), ``adaptive``
    (local mean minus 15), ``sauvola`` or ``auto`` (:func:`choose_binarisation`)."""
    grey = to_grey(image)
    method = ctx.options.binarise
    if method == "auto":
        method = choose_binarisation(grey)
    # Local windows of ~1/40 of the page width: about three text lines at any resolution.
    window = max(15, (grey.shape[1] // 40) | 1)
    if method == "otsu":
        _, out = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    elif method == "adaptive":
        _, mean, _ = _local_stats(grey, window)
        out = _apply_threshold(grey, mean - 15)  # C = 15 grey levels, as OpenCV's examples
    elif method == "sauvola":
        out = sauvola(grey, window)
    else:
        return image
    ctx.record("binarise", method=method)
    return out
