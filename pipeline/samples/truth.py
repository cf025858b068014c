"""The ground-truth format ``sohoa-truth/1``: one JSON file per document, next to it.

Documented for users in ``docs/ground-truth.md``; :func:`read_truth` is what an evaluation loads.

    >>> t = GroundTruth(file="a.png", doc_type="cccd_front", pages=[TruthPage(number=1, text="x")])
    >>> GroundTruth.model_validate_json(t.to_json()) == t
    True
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["SCHEMA", "GroundTruth", "TruthPage", "TruthRecord", "read_truth", "write_truth"]

SCHEMA = "sohoa-truth/1"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TruthPage(_Strict):
    """What is printed on one page: lines top to bottom, side-by-side pieces joined by a space."""

    number: int = Field(ge=1)
    text: str
    skew_deg: float | None = None  # skew applied by the generator, counter-clockwise positive
    rotation_deg: int | None = None  # quarter turn applied by the generator: 0, 90, 180 or 270


class TruthRecord(_Strict):
    """One person (or register entry) of the document; field names and values as in DESIGN.md."""

    role: str = "subject"
    fields: dict[str, str]
    # Fields whose value is nowhere printed on the page, only written by hand (a CMND filled in
    # with a pen, a form filled in at the counter); None when every value is printed.
    handwritten: list[str] | None = None


class GroundTruth(_Strict):
    """Ground truth of one document file (or of one member of a zip file)."""

    schema_: Literal["sohoa-truth/1"] = Field(default="sohoa-truth/1", alias="schema")
    file: str  # relative to the JSON file's folder
    member: str | None = None  # path inside ``file`` when it is an archive
    doc_type: str
    profile: str | None = None  # scan profile(s), "a+b" when combined; None for real scans
    seed: int | None = None
    index: int | None = None  # position in the generator run, to regenerate one document
    font: str | None = None
    dpi: int | None = None
    layout: str | None = None  # form layout (application forms), see pipeline.samples.forms
    pages: list[TruthPage]
    records: list[TruthRecord] = []
    inconsistent: list[str] = []  # fields printed deliberately wrong (e.g. a mismatching ID)

    def to_json(self) -> str:
        """Stable, human-readable JSON (keys in schema order, UTF-8, no ASCII escapes)."""
        data = self.model_dump(by_alias=True, exclude_none=True)
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_truth(truth: GroundTruth, path: Path) -> Path:
    """Write ``truth`` to ``path`` (UTF-8) and return the path."""
    path.write_text(truth.to_json(), encoding="utf-8")
    return path


def read_truth(path: Path) -> GroundTruth:
    """Load and validate a ground-truth file (raises ``pydantic.ValidationError`` if malformed)."""
    return GroundTruth.model_validate_json(path.read_text(encoding="utf-8"))
