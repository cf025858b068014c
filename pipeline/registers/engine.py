"""The OCR engine for ledger pages: Tesseract on the page with its ruling erased, upright.

Tesseract reads a ruled table's lines as ``|``, ``_`` or ``—`` and glues the words on either
side of a rule into one ("|08/03/2008|Nam"), which puts one cell's text into its neighbour. The
word boxes stay in the coordinates of the page as given (erasing moves nothing), so the cached
page, the stored image and the grid found later all agree.

A ledger page that lies upside down is read turned the right way up, its word boxes put back
on the page as given (in reading order, so their lines run right to left there:
:func:`~pipeline.registers.grid.read_turned` tells it later). Cleaning decides a page's
orientation by how top-heavy its text lines are, and the rules of a ledger weigh on that test:
it turned 5 of the 160 upright images of four bench books upside down. Read upside down, a page
gives nothing but garbage, and its column titles, then at the bottom, one "entry" more.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.models import Page, add_cpu
from pipeline.ocr import OcrEngine
from pipeline.preprocess.context import ink_mask, small_copy
from pipeline.preprocess.geometry import _straighten, _upright_score
from pipeline.preprocess.page import find_gutter
from pipeline.registers.grid import erase_rules, turn_page

__all__ = ["RuledPageEngine", "erase_ledger_rules", "looks_upside_down"]

MAX_SKEW = 15.0  # degrees tried when straightening the text for the orientation test
CRISP = 0.9  # a word read at this OCR confidence or more was read the right way up


def erase_ledger_rules(grey: np.ndarray) -> np.ndarray:
    """The page with its ruling erased; each page of a two-page spread apart, since the two
    pages lie at different slants (one angle for both would miss one page's rules and cut
    through its text)."""
    x = find_gutter(grey)
    if x is None:
        return erase_rules(grey)
    return np.hstack([erase_rules(grey[:, :x]), erase_rules(grey[:, x:])])


def looks_upside_down(erased: np.ndarray) -> bool:
    """Whether a ledger page, its rules erased, has bottom-heavy text lines.

    Text lines are top-heavy the right way up (ascenders, capitals, Vietnamese tone marks):
    with the rules gone, the 155 upright images of the bench books score +0.10 to +0.66 on
    :func:`pipeline.preprocess.geometry._upright_score`, the 5 upside-down ones −0.22 to −0.45.
    A screen, not the decision: :class:`RuledPageEngine` then reads the page both ways.
    """
    small, _ = small_copy(erased, 1000)
    mask = ink_mask(small)
    return cv2.countNonZero(mask) >= 200 and _upright_score(_straighten(mask, MAX_SKEW)) < 0


def _crisp(page: Page) -> int:
    return sum(w.confidence >= CRISP for w in page.words)


class RuledPageEngine(OcrEngine):
    """Wraps another engine: erases the page's rules, then lets ``inner`` read it, turned the
    right way up if it lies upside down (word boxes on the page as given)."""

    name = "ruled"

    def __init__(self, inner: OcrEngine) -> None:
        self.inner = inner
        self.name = f"ruled-{inner.name}"

    def read(self, image: np.ndarray, *, number: int, dpi: int | None) -> Page:
        grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        clean = erase_ledger_rules(grey)
        page = self.inner.read(clean, number=number, dpi=dpi)
        if not looks_upside_down(clean):
            return page
        # Read both ways: the right way up gives many more crisp words (the 5 upside-down bench
        # images: 50–260 turned, 4–13 as given; upright ones read turned drop from 63–193 to
        # 4–12), so a page is turned only when its turned reading has more than twice as many.
        # Tesseract's orientation detection (OSD) is no judge here: it took 26 of the 155
        # upright bench images for upside-down ones.
        turned = self.inner.read(cv2.rotate(clean, cv2.ROTATE_180), number=number, dpi=dpi)
        seconds = page.ocr_seconds + turned.ocr_seconds
        cpu = add_cpu(page.ocr_cpu_seconds, turned.ocr_cpu_seconds)
        if _crisp(turned) > 2 * _crisp(page):
            page = turn_page(turned)
        return page.model_copy(update={"ocr_seconds": seconds, "ocr_cpu_seconds": cpu})
