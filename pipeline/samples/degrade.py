"""Scan profiles: turn a clean rendering into what a scanner, a fax or a phone would deliver.

Each profile is a small set of physical parameters (paper age, resolution, colour mode, skew,
rotation, noise, blur, streaks, JPEG artefacts, perspective, uneven light) applied in the order the
physics happens: the paper ages, it lies crooked (or upside down) on the glass, the light falls on
it, the optics blur it, the sensor samples and adds noise, the firmware levels, thresholds and
compresses. All randomness comes from the ``numpy`` generator passed in.

Profiles combine with ``+``: ``parse_profile("phone_photo+old_paper")`` is a phone photo of old
paper. The parts are applied left to right, each setting the parameters it names over those of the
parts before it (so in ``"office_200dpi+fax_bitonal"`` the fax's resolution wins); the physics then
runs in its fixed order whatever the order of the names.

    >>> parse_profile("phone_photo+old_paper").paper_age
    0.8
"""

from __future__ import annotations

import io
from dataclasses import dataclass, fields, replace

import cv2
import numpy as np
from PIL import Image

__all__ = ["DEVSET_PROFILES", "PROFILES", "Profile", "degrade", "parse_profile"]


@dataclass(frozen=True)
class Profile:
    """Parameters of one way of digitising paper.

    ``mode`` is ``auto`` (grey, but colour for colourful originals such as ID cards),
    ``grey``, ``bitonal`` or ``colour``. ``scale`` is output dpi over render dpi; ``y_scale``
    is vertical over horizontal resolution (a fax's 200 × 100 dpi is 0.5): the image is sampled
    at that resolution and stretched back to square pixels, as fax software displays it.
    """

    name: str
    mode: str = "auto"
    scale: float = 1.0
    skew_deg: float = 0.5  # maximum absolute skew, drawn uniformly
    noise: float = 2.0  # sensor noise, standard deviation in grey levels
    blur: float = 0.0  # optical blur, Gaussian sigma in output pixels
    levels: tuple[int, int] | None = (24, 232)  # scanner auto-levels: black, white points
    jpeg_quality: int | None = None  # JPEG round trip inside the device (artefacts)
    perspective: float = 0.0  # corner displacement, fraction of the page size
    lighting: float = 0.0  # depth of the uneven-light gradient, 0 = even
    surround: tuple[int, int, int] = (255, 255, 255)  # what shows around the page
    expand: bool = False  # grow the canvas when skewing, so a crooked page keeps its corners
    rotations: tuple[int, ...] = ()  # quarter turns drawn from (degrees), () = never rotated
    paper_age: float = 0.0  # yellowing, stains, faded ink and bleed-through, 0 = new paper
    y_scale: float = 1.0  # vertical resolution over horizontal
    streaks: int = 0  # most streaks (dirty glass, fax line drop-outs) drawn per page
    threshold: int = 150  # bitonal mode: grey level above which a pixel turns white


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        # A desk scanner at 300 dpi in grey: crisp, paper levelled to white, barely crooked.
        Profile("flatbed_300dpi"),
        # The same scanner in black-and-white "document" mode: 1-bit, as archives often store.
        Profile("flatbed_bw_300dpi", mode="bitonal", noise=6.0),
        # An office multifunction printer: 200 dpi, grey, JPEG-compressed for e-mail.
        Profile(
            "office_200dpi",
            mode="grey",
            scale=2 / 3,
            skew_deg=1.0,
            noise=4.0,
            blur=0.5,
            jpeg_quality=75,
        ),
        # A phone held over the desk: perspective, a lamp on one side, soft focus, JPEG.
        Profile(
            "phone_photo",
            mode="colour",
            scale=0.85,
            skew_deg=2.5,
            noise=5.0,
            blur=1.1,
            levels=None,
            jpeg_quality=80,
            perspective=0.035,
            lighting=0.35,
            surround=(96, 78, 62),
        ),
        # A fax: 200 dpi across, 100 lines per inch down ("standard" resolution), 1-bit with a
        # low threshold, dropped or smeared lines from the telephone line, a crooked feed.
        Profile(
            "fax_bitonal",
            mode="bitonal",
            scale=2 / 3,
            skew_deg=1.5,
            noise=9.0,
            blur=0.7,
            y_scale=0.5,
            streaks=6,
            threshold=130,
        ),
        # Modifiers, to combine with a capture profile (alone they mean a flatbed scan):
        # decades in a cupboard: yellowed, stained, faded ink, the verso showing through.
        Profile("old_paper", paper_age=0.8),
        # laid on the glass in a hurry: skewed up to ±10°.
        Profile("crooked", skew_deg=10.0, expand=True),
        # fed sideways or upside down: a quarter, half or three-quarter turn.
        Profile("rotated", rotations=(90, 180, 270)),
    )
}
# What ``--all-profiles`` cycles through: every capture profile once, then the combinations a
# commune office and an archive actually produce.
DEVSET_PROFILES = (
    "flatbed_300dpi",
    "flatbed_bw_300dpi",
    "office_200dpi",
    "fax_bitonal",
    "phone_photo",
    "old_paper",
    "phone_photo+old_paper",
    "office_200dpi+crooked",
    "flatbed_300dpi+rotated",
    "fax_bitonal+old_paper",
)
_DEFAULTS = Profile("defaults")


def parse_profile(name: str) -> Profile:
    """The profile called ``name``: one of :data:`PROFILES` or several joined by ``+``.

    Raises:
        ValueError: a part is not a known profile.
    """
    parts = [part.strip() for part in name.split("+")]
    unknown = [part for part in parts if part not in PROFILES]
    if unknown or not parts:
        raise ValueError(f"unknown profile {', '.join(unknown)!r}; known: {', '.join(PROFILES)}")
    changes: dict[str, object] = {}
    for part in parts:
        profile = PROFILES[part]
        for f in fields(Profile):
            value = getattr(profile, f.name)
            if f.name != "name" and value != getattr(_DEFAULTS, f.name):
                changes[f.name] = value
    return replace(_DEFAULTS, name="+".join(parts), **changes)  # type: ignore[arg-type]


def _warp(arr: np.ndarray, profile: Profile, angle: float, rng: np.random.Generator) -> np.ndarray:
    """Rotate by ``angle`` degrees (counter-clockwise) and, for photos, tilt the plane."""
    h, w = arr.shape[:2]
    fill = tuple(float(c) for c in profile.surround)
    if profile.perspective:
        pad = round(0.06 * max(w, h))
        arr = cv2.copyMakeBorder(arr, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=fill)
        corners = np.array(
            [[pad, pad], [pad + w, pad], [pad + w, pad + h], [pad, pad + h]], dtype=np.float32
        )
        jitter = rng.uniform(-1, 1, (4, 2)) * profile.perspective * np.array([w, h])
        matrix = cv2.getPerspectiveTransform(corners, (corners + jitter).astype(np.float32))
        h, w = arr.shape[:2]
        arr = cv2.warpPerspective(
            arr,
            matrix,
            (w, h),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=fill,
        )
    if angle:
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        if profile.expand:  # the canvas grows to the rotated page's bounding box
            cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
            new_w, new_h = round(w * cos + h * sin), round(w * sin + h * cos)
            matrix[0, 2] += (new_w - w) / 2
            matrix[1, 2] += (new_h - h) / 2
            w, h = new_w, new_h
        arr = cv2.warpAffine(
            arr,
            matrix,
            (w, h),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=fill,
        )
    return arr


def _light(arr: np.ndarray, depth: float, rng: np.random.Generator) -> np.ndarray:
    """A lamp to one side: brightness falls linearly across the page in a random direction."""
    h, w = arr.shape[:2]
    theta = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = (np.cos(theta) * xx / w + np.sin(theta) * yy / h).astype(np.float32)
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    gain = 1.04 - depth * ramp
    return arr * gain[..., None]


def _field(rng: np.random.Generator, shape: tuple[int, int], cells: int) -> np.ndarray:
    """A smooth random field in [-1, 1]: a coarse grid of ``cells`` across, upsampled."""
    h, w = shape
    coarse = rng.uniform(-1, 1, (max(2, round(cells * h / w)), cells)).astype(np.float32)
    return cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)


def _age(arr: np.ndarray, age: float, rng: np.random.Generator) -> np.ndarray:
    """Old paper: the ink fades, the verso shows through, the paper yellows unevenly and stains.

    Fields are computed at an eighth of the resolution and upsampled: stains and tints are soft,
    and an A4 page at 300 dpi stays fast.
    """
    h, w = arr.shape[:2]
    small = (max(8, w // 8), max(8, h // 8))
    # Faded ink: dark pixels move towards the paper, by up to half their darkness.
    arr = 255 - (255 - arr) * (1 - 0.45 * age * rng.uniform(0.6, 1.0))
    # Bleed-through: the mirrored page, blurred and faint, as the verso's ink seen through.
    verso = cv2.resize(arr[:, ::-1].mean(axis=2), small, interpolation=cv2.INTER_AREA)
    verso = cv2.GaussianBlur(verso, (0, 0), 1.2)
    verso = cv2.resize(verso, (w, h), interpolation=cv2.INTER_LINEAR)
    arr = arr - (255 - verso)[..., None] * 0.16 * age
    # Yellowing, uneven across the sheet.
    tint = np.array([1.0, 0.95, 0.80], dtype=np.float32) ** age
    shade = 1 + 0.05 * age * _field(rng, (h, w), 6)
    arr = arr * tint * shade[..., None]
    # Stains: a few brown blots with a darker rim (where the liquid dried).
    yy, xx = np.mgrid[0 : small[1], 0 : small[0]].astype(np.float32)
    stain = np.zeros(yy.shape, dtype=np.float32)
    for _ in range(int(rng.integers(1, 5))):
        cx, cy = rng.uniform(0, small[0]), rng.uniform(0, small[1])
        r = rng.uniform(0.03, 0.12) * small[0]
        d = np.hypot(xx - cx, (yy - cy) * rng.uniform(0.7, 1.3)) / r
        stain += np.clip(1 - d, 0, 1) ** 0.5 * 0.5 + np.exp(-((d - 1) ** 2) / 0.01) * 0.5
    stain = cv2.resize(np.clip(stain, 0, 1), (w, h), interpolation=cv2.INTER_LINEAR)
    brown = np.array([0.12, 0.22, 0.38], dtype=np.float32) * age
    return arr * (1 - stain[..., None] * brown)


def _streak(arr: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Horizontal streaks across part of the page: lines dropped to white or smeared black."""
    h, w = arr.shape[:2]
    for _ in range(int(rng.integers(0, count + 1))):
        y, height = int(rng.integers(0, h)), int(rng.integers(1, 4))
        x0 = int(rng.integers(0, w // 2))
        x1 = int(rng.integers(x0 + w // 4, w + 1))
        arr[y : y + height, x0:x1] = 255.0 if rng.random() < 0.6 else 40.0
    return arr


def degrade(
    image: Image.Image,
    profile: Profile,
    rng: np.random.Generator,
    *,
    colour_original: bool = False,
    skew: float | None = None,
) -> tuple[Image.Image, float, int]:
    """Digitise a clean rendering with ``profile``.

    Args:
        image: the clean RGB rendering.
        profile: how it is digitised.
        rng: the only source of randomness.
        colour_original: the paper is colourful (an ID card): ``auto`` mode keeps colour.
        skew: force this skew in degrees instead of drawing one.

    Returns:
        The degraded image (mode ``1``, ``L`` or ``RGB``), the skew applied in degrees and the
        quarter turn applied (0, 90, 180 or 270), both counter-clockwise (rotate by their
        negative to straighten the page).
    """
    arr: np.ndarray = np.asarray(image.convert("RGB"), dtype=np.float32)
    if profile.paper_age:
        arr = _age(arr, profile.paper_age, rng)
    angle = float(rng.uniform(-profile.skew_deg, profile.skew_deg)) if skew is None else skew
    arr = _warp(arr, profile, angle, rng)
    turn = int(rng.choice(profile.rotations)) if profile.rotations else 0
    if turn:
        arr = np.ascontiguousarray(np.rot90(arr, turn // 90))  # rot90 turns counter-clockwise
    if profile.lighting:
        arr = _light(arr, profile.lighting, rng)
    if profile.scale != 1.0:
        h, w = arr.shape[:2]
        size = (round(w * profile.scale), round(h * profile.scale))
        arr = cv2.resize(arr, size, interpolation=cv2.INTER_AREA)
    full_height = arr.shape[0]
    if profile.y_scale != 1.0:
        size = (arr.shape[1], round(full_height * profile.y_scale))
        arr = cv2.resize(arr, size, interpolation=cv2.INTER_AREA)
    if profile.blur:
        arr = cv2.GaussianBlur(arr, (0, 0), profile.blur)
    if profile.noise:
        arr = arr + rng.normal(0.0, profile.noise, arr.shape[:2])[..., None].astype(np.float32)
    if profile.streaks:
        arr = _streak(arr, profile.streaks, rng)
    if profile.levels:
        black, white = profile.levels
        arr = (arr - black) * (255.0 / (white - black))
    out = Image.fromarray(np.clip(arr, 0, 255).round().astype(np.uint8), "RGB")
    colour = profile.mode == "colour" or (profile.mode == "auto" and colour_original)
    if not colour:
        out = out.convert("L")
    if profile.jpeg_quality:
        buffer = io.BytesIO()
        out.save(buffer, "JPEG", quality=profile.jpeg_quality)
        out = Image.open(io.BytesIO(buffer.getvalue()))
        out.load()
    if profile.mode == "bitonal":
        # A fixed threshold, as scanner firmware does; Pillow's default would dither instead.
        cut = profile.threshold
        out = out.point(lambda v: 255 if v > cut else 0).convert("1", dither=Image.Dither.NONE)
    if out.height != full_height:  # fax lines doubled back to square pixels
        out = out.resize((out.width, full_height), Image.Resampling.NEAREST)
    return out, round(angle, 3), turn
