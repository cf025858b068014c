"""Options: one pydantic model, validated at the edge (CLI, web, flow parameter) and passed down.

Stages read only what they need from it; it is small and picklable so it can travel to Prefect
tasks and Dask workers.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline import __version__
from pipeline.exceptions import ConfigError

__all__ = [
    "DEFAULT_DB_URL",
    "Options",
    "PreprocessOptions",
    "ScoringOptions",
    "resolve_db_url",
]

DEFAULT_DB_URL = "sqlite:///./data/sohoa.db"


def resolve_db_url(cli_value: str | None = None) -> str:
    """``--db``, else ``SOHOA_DB_URL``, else the embedded SQLite default."""
    return cli_value or os.environ.get("SOHOA_DB_URL") or DEFAULT_DB_URL


class PreprocessOptions(BaseModel):
    """Which cleaning steps run (each is a function in :mod:`pipeline.preprocess`).

    The defaults are what won the ablation in ``docs/cleaning.md``, not what sounds right: a step
    that is off by default did not pay for itself on the measured profiles.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    blank: bool = True
    blank_ink_share: float = Field(default=0.0002, ge=0.0, le=0.05)
    # A fax's doubled lines drawn once each and the page scaled up by fax_scale, smoothly
    # (docs/cleaning.md, "Fax"); pages that are not faxes are left alone.
    fax: bool = True
    fax_scale: float = Field(default=1.5, ge=1.0, le=3.0)
    # Each fax line redrawn as the two rows of grey a clean page has there, by a small network
    # fitted on generated faxes (pipeline/preprocess/fax_training.py); off: the line doubled.
    fax_redraw: bool = True
    stamps: bool = True
    stamp_colours: tuple[Literal["red", "blue"], ...] = ("red",)
    grayscale: bool = True
    page_boundary: bool = True
    borders: bool = False
    orientation: bool = True
    orientation_method: Literal["own", "osd", "auto"] = "auto"
    deskew: bool = True
    max_skew_degrees: float = Field(default=15.0, gt=0.0, le=45.0)
    min_skew_degrees: float = Field(default=0.6, ge=0.0)
    illumination: bool = True
    denoise: bool = True
    denoise_above: float = Field(default=3.0, ge=0.0)
    leaders: bool = True
    # Capitals over 26 px (a 300 dpi scan) are brought to 24 px: Tesseract reads them as well or
    # better and a fifth faster (docs/cleaning.md, "Resolution").
    resolution: bool = True
    min_cap_height: float = Field(default=20.0, gt=0.0)
    max_cap_height: float = Field(default=26.0, gt=0.0)
    target_cap_height: float = Field(default=24.0, gt=0.0)
    # How a page is shrunk to that height: "linear" (bilinear, ~8 ms for an A4 page at 300 dpi)
    # or "area" (block averages, ~30 ms); as accurate either way (docs/cleaning.md, "Cost").
    resize: Literal["area", "linear"] = "linear"
    binarise: Literal["none", "auto", "otsu", "adaptive", "sauvola"] = "none"
    spread: bool = True

    @classmethod
    def none(cls) -> PreprocessOptions:
        """Every step off: the image goes to Tesseract as loaded."""
        return cls(
            **{name: False for name, f in cls.model_fields.items() if f.annotation is bool},
            binarise="none",
        )


class ScoringOptions(BaseModel):
    """Routing thresholds. A field whose confidence is at least ``accept_threshold`` is
    auto-accepted; anything lower goes to the review queue."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Confidences are calibrated (extractors/data/calibration.json): 0.995 means a field accepted
    # at the threshold is wrong at most 0.5 % of the time, the target in DESIGN.md.
    accept_threshold: float = Field(default=0.995, ge=0.0, le=1.0)


OCR_ENGINES = ("auto", "api", "cli")


def ocr_engine_from_env() -> Literal["auto", "api", "cli"]:
    """``SOHOA_OCR_ENGINE`` (default ``auto``); ConfigError (exit 2) for anything else, since
    pydantic does not check a default."""
    value = os.environ.get("SOHOA_OCR_ENGINE", "auto").strip().lower() or "auto"
    if value not in OCR_ENGINES:
        raise ConfigError(f"SOHOA_OCR_ENGINE={value!r} is not an OCR engine: use auto, api or cli")
    return value  # type: ignore[return-value]


class Options(BaseModel):
    """Everything a batch run needs to know."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    db_url: str = Field(default_factory=resolve_db_url)
    doc_type: str = "auto"
    register_template: str | None = None
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, le=64)
    lang: str = "vie"
    dpi: int = Field(default=300, ge=72, le=600)
    tesseract_psm: int = 3
    # "api": libtesseract in-process (tesserocr), "cli": one `tesseract` process per page,
    # "auto": the API when tesserocr is installed. See pipeline/ocr.py for the trade-off.
    ocr_engine: Literal["auto", "api", "cli"] = Field(default_factory=lambda: ocr_engine_from_env())
    tesseract_timeout: float = Field(default=180.0, gt=0)
    max_pages_per_file: int = Field(default=2000, ge=1)
    max_image_pixels: int = Field(default=12_000 * 12_000, ge=1)
    keep_page_images: bool = True
    data_dir: Path = Field(default_factory=lambda: Path(os.environ.get("SOHOA_DATA_DIR", "data")))
    preprocess: PreprocessOptions = PreprocessOptions()
    scoring: ScoringOptions = ScoringOptions()
    pipeline_version: str = __version__
