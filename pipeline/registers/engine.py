"""The OCR engine for ledger pages: Tesseract on the page with its ruling erased.

Tesseract reads a ruled table's lines as ``|``, ``_`` or ``—`` and glues the words on either
side of a rule into one ("|08/03/2008|Nam"), which puts one cell's text into its neighbour. The
word boxes stay in the coordinates of the page as given (erasing moves nothing), so the cached
page, the stored image and the grid found later all agree.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.models import Page
from pipeline.ocr import OcrEngine
from pipeline.preprocess.page import find_gutter
from pipeline.registers.grid import erase_rules

__all__ = ["RuledPageEngine"]


class RuledPageEngine(OcrEngine):
    """Wraps another engine: erases the page's rules, then lets ``inner`` read it."""

    name = "ruled"

    def __init__(self, inner: OcrEngine) -> None:
        self.inner = inner
        self.name = f"ruled-{inner.name}"

    def read(self, image: np.ndarray, *, number: int, dpi: int | None) -> Page:
        grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        # Each page of a spread lies at its own slant: their rules are found and erased apart
        # (one angle for both would miss one page's rules and cut through its text).
        x = find_gutter(grey)
        if x is None:
            clean = erase_rules(grey)
        else:
            clean = np.hstack([erase_rules(grey[:, :x]), erase_rules(grey[:, x:])])
        return self.inner.read(clean, number=number, dpi=dpi)
