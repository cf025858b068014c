"""Scan profiles: turn a clean rendering into what a scanner or a phone would deliver.

Each profile is a small set of physical parameters (resolution, colour mode, skew, noise, blur,
JPEG artefacts, perspective, uneven light) applied in the order the physics happens: the paper
lies crooked, the light falls on it, the optics blur it, the sensor samples and adds noise, the
firmware levels and compresses. All randomness comes from the ``numpy`` generator passed in.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

__all__ = ["PROFILES", "Profile", "degrade"]


@dataclass(frozen=True)
class Profile:
    """Parameters of one way of digitising paper.

    ``mode`` is ``auto`` (grey, but colour for colourful originals such as ID cards),
    ``grey``, ``bitonal`` or ``colour``. ``scale`` is output dpi over render dpi.
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
    )
}


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


def degrade(
    image: Image.Image,
    profile: Profile,
    rng: np.random.Generator,
    *,
    colour_original: bool = False,
    skew: float | None = None,
) -> tuple[Image.Image, float]:
    """Digitise a clean rendering with ``profile``.

    Args:
        image: the clean RGB rendering.
        profile: how it is digitised.
        rng: the only source of randomness.
        colour_original: the paper is colourful (an ID card): ``auto`` mode keeps colour.
        skew: force this skew in degrees instead of drawing one.

    Returns:
        The degraded image (mode ``1``, ``L`` or ``RGB``) and the skew applied, in degrees,
        counter-clockwise positive (rotate by its negative to straighten the page).
    """
    angle = float(rng.uniform(-profile.skew_deg, profile.skew_deg)) if skew is None else skew
    arr: np.ndarray = np.asarray(image.convert("RGB"), dtype=np.float32)
    arr = _warp(arr, profile, angle, rng)
    if profile.lighting:
        arr = _light(arr, profile.lighting, rng)
    if profile.scale != 1.0:
        h, w = arr.shape[:2]
        size = (round(w * profile.scale), round(h * profile.scale))
        arr = cv2.resize(arr, size, interpolation=cv2.INTER_AREA)
    if profile.blur:
        arr = cv2.GaussianBlur(arr, (0, 0), profile.blur)
    if profile.noise:
        arr = arr + rng.normal(0.0, profile.noise, arr.shape[:2])[..., None].astype(np.float32)
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
        out = out.point(lambda v: 255 if v > 150 else 0).convert("1", dither=Image.Dither.NONE)
    return out, round(angle, 3)
