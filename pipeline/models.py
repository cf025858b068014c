"""Typed data that flows through the pipeline.

Two families live here:

* the OCR tree ``Document → Page → Line → Word`` (text, confidence, box), built in one place
  (:mod:`pipeline.ocr`) and serialised with a lossless JSON round trip::

      >>> page = Page(number=1, width=10, height=10, lines=[])
      >>> Page.model_validate_json(page.model_dump_json()) == page
      True

* the extraction results ``ExtractedField`` / ``ExtractedRecord`` / ``DocumentResult`` that the
  extractors fill, validation scores and storage keeps.

Boxes are ``(x0, y0, x1, y1)`` in pixels of the page image that was OCRed (after cleaning).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BBox",
    "Document",
    "DocumentResult",
    "ExtractedField",
    "ExtractedRecord",
    "FieldStatus",
    "Line",
    "Page",
    "Word",
    "add_cpu",
    "union_bbox",
]

BBox = tuple[int, int, int, int]


def union_bbox(boxes: list[BBox]) -> BBox | None:
    """Smallest box holding all ``boxes`` (None for an empty list)."""
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Word(_Frozen):
    """One OCR word: its text (Unicode NFC), Tesseract confidence in [0, 1] and box."""

    text: str
    confidence: float = Field(ge=0.0, le=1.0)
    bbox: BBox


class Line(_Frozen):
    """A text line as Tesseract segmented it; ``block`` groups lines of one layout block."""

    words: tuple[Word, ...]
    block: int = 0

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def bbox(self) -> BBox | None:
        return union_bbox([w.bbox for w in self.words])


class Page(_Frozen):
    """One OCRed page. ``number`` is 1-based within its file.

    ``preprocess`` records what cleaning did to the image (steps, angles, scale) so that a box can
    be mapped back to the original pixels.
    """

    number: int = Field(ge=1)
    width: int
    height: int
    lines: tuple[Line, ...] = ()
    dpi: int | None = None
    preprocess: dict[str, Any] = Field(default_factory=dict)
    ocr_seconds: float = 0.0
    # CPU seconds of the OCR, when the engine runs in this process (None for the command).
    ocr_cpu_seconds: float | None = None

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line.words]

    @property
    def mean_confidence(self) -> float:
        words = self.words
        return sum(w.confidence for w in words) / len(words) if words else 0.0


class Document(_Frozen):
    """All OCRed pages of one input file."""

    source: str
    sha256: str
    pages: tuple[Page, ...] = ()

    @property
    def text(self) -> str:
        """Text of every page, pages separated by a form feed (as ``sohoa ocr`` prints it)."""
        return "\f".join(p.text for p in self.pages)


class FieldStatus(StrEnum):
    auto_accepted = "auto_accepted"
    needs_review = "needs_review"
    verified = "verified"
    rejected = "rejected"


class ExtractedField(BaseModel):
    """One extracted value with everything a reviewer needs to trust or fix it.

    ``value`` is normalised (ISO dates, 12-digit IDs, NFC name case); ``raw`` is what OCR read.
    ``confidence`` starts as OCR confidence × pattern strength and is lowered by validation;
    ``reasons`` says why (shown to reviewers).
    """

    name: str
    value: str | None
    raw: str
    confidence: float = Field(ge=0.0, le=1.0)
    status: FieldStatus = FieldStatus.needs_review
    page: int = 1
    bbox: BBox | None = None
    ocr_confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    extractor: str = ""
    reasons: list[str] = Field(default_factory=list)


class ExtractedRecord(BaseModel):
    """One person (or register entry) in one document."""

    role: str = "subject"
    fields: dict[str, ExtractedField] = Field(default_factory=dict)

    @property
    def status(self) -> FieldStatus:
        if not self.fields or any(
            f.status == FieldStatus.needs_review for f in self.fields.values()
        ):
            return FieldStatus.needs_review
        return FieldStatus.auto_accepted


class DocumentResult(BaseModel):
    """What classification and extraction made of one document."""

    doc_type: str
    doc_type_confidence: float = Field(ge=0.0, le=1.0)
    records: list[ExtractedRecord] = Field(default_factory=list)


def add_cpu(a: float | None, b: float | None) -> float | None:
    """Sum of two OCR CPU times, unknown (None) when either is: a page read in two parts."""
    return None if a is None or b is None else a + b
