"""Preprocess stage: grayscale and deskew, with provenance."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.options import PreprocessOptions
from pipeline.preprocess import estimate_skew, preprocess

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _text_page(angle: float) -> np.ndarray:
    img = Image.new("L", (1600, 1200), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 36)
    for row in range(14):
        draw.text((100, 100 + 70 * row), "Nơi thường trú: thôn Đông, xã Hải Bình " * 2, font=font)
    return np.asarray(img.rotate(angle, fillcolor=255, resample=Image.BILINEAR))


@pytest.mark.parametrize("angle", [-9.0, -2.5, 0.0, 1.3, 7.0])
def test_preprocess_estimate_skew_finds_the_angle(angle: float) -> None:
    # PIL rotates counter-clockwise for positive angles; the estimate is the correction.
    assert estimate_skew(_text_page(angle)) == pytest.approx(-angle, abs=0.25)


def test_preprocess_records_steps_and_straightens() -> None:
    rgb = np.stack([_text_page(4.0)] * 3, axis=-1)
    clean, provenance = preprocess(rgb, PreprocessOptions())
    assert clean.ndim == 2
    assert [s["step"] for s in provenance["steps"]] == ["grayscale", "deskew"]
    assert provenance["steps"][1]["angle"] == pytest.approx(-4.0, abs=0.25)
    assert provenance["original"] == {"width": 1600, "height": 1200}
    assert abs(estimate_skew(clean)) < 0.25


def test_preprocess_steps_can_be_switched_off() -> None:
    rgb = np.stack([_text_page(4.0)] * 3, axis=-1)
    clean, provenance = preprocess(rgb, PreprocessOptions(grayscale=False, deskew=False))
    assert clean is rgb and provenance["steps"] == []


def test_preprocess_blank_page_is_left_alone() -> None:
    blank = np.full((500, 400), 255, np.uint8)
    clean, provenance = preprocess(blank, PreprocessOptions())
    assert clean is blank and provenance["steps"] == []
