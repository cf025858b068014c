"""Generate documents: render, degrade, write the image file and its ground truth.

Every document ``i`` of a run draws from its own generators seeded with ``(seed, i)``, so a run
of 10 starts with the same 5 documents as a run of 5, and nothing reads the clock: the same
arguments give byte-identical files (PDF dates are pinned, zip entries carry a fixed time), also
when the documents are made by several processes (``workers``).
"""

from __future__ import annotations

import io
import random
import time
import zipfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from itertools import repeat
from pathlib import Path

import numpy as np
from PIL import Image

from pipeline.samples.degrade import DEVSET_PROFILES, PROFILES, degrade, parse_profile
from pipeline.samples.fonts import FAMILIES, FontFamily
from pipeline.samples.forms import DEV_LAYOUTS, FORMS, pick_layouts
from pipeline.samples.layouts import LAYOUTS, render
from pipeline.samples.render import RenderedDocument
from pipeline.samples.truth import GroundTruth, TruthPage, TruthRecord, write_truth

__all__ = [
    "FORMATS",
    "DocumentSpec",
    "generate",
    "generate_demo_samples",
    "make_document",
    "plan",
]

FORMATS = ("png", "jpeg", "pdf", "tiff")
_SUFFIX = {"png": ".png", "jpeg": ".jpg", "pdf": ".pdf", "tiff": ".tif"}
# A fixed PDF creation date: Pillow would otherwise stamp the current time into every PDF.
_PDF_DATE = time.struct_time((2024, 1, 1, 0, 0, 0, 0, 1, 0))
_ZIP_DATE = (2024, 1, 1, 0, 0, 0)
# Liberation Serif (Times New Roman metrics) is what most real dossiers are printed in.
_FAMILY_WEIGHTS = {
    "LiberationSerif": 4,
    "NotoSerif": 1,
    "DejaVuSerif": 1,
    "LiberationSans": 1,
    "NotoSans": 1,
    "DejaVuSans": 1,
}


@dataclass(frozen=True)
class DocumentSpec:
    """Everything that decides one generated document."""

    index: int
    seed: int
    doc_type: str
    profile: str  # a name of PROFILES, or several joined by "+"
    format: str
    inconsistent: bool = False
    skew: float | None = None  # force the skew (degrees) instead of the profile's random one
    options: dict[str, object] = field(default_factory=dict)  # layout options, e.g. template
    stem: str | None = None  # file name without suffix; default "<doc_type>_<index:03d>"
    archive: str | None = None  # wrap the file in a zip of this stem (truth named after it)


def _rngs(seed: int, index: int) -> tuple[random.Random, np.random.Generator]:
    # Seeding random.Random with a str hashes it with SHA-512: stable across runs and platforms.
    return random.Random(f"sohoa-samples:{seed}:{index}"), np.random.default_rng([seed, index])


def _write_images(images: list[Image.Image], path: Path, fmt: str, dpi: int, quality: int) -> None:
    """Write pages as one file; PNG/JPEG callers pass one page (see :func:`make_document`)."""
    first, rest = images[0], images[1:]
    if fmt == "png":
        first.save(path, "PNG", dpi=(dpi, dpi))  # optimize=True: 2 % smaller, 6 times slower
    elif fmt == "jpeg":
        first.convert("L" if first.mode == "1" else first.mode).save(
            path, "JPEG", quality=quality, dpi=(dpi, dpi), optimize=True
        )
    elif fmt == "pdf":
        first.save(
            path,
            "PDF",
            save_all=True,
            append_images=rest,
            resolution=float(dpi),
            quality=quality,
            creationDate=_PDF_DATE,
            modDate=_PDF_DATE,
        )
    elif fmt == "tiff":
        # CCITT group 4 is the archival standard for 1-bit pages; deflate for grey and colour.
        compression = "group4" if first.mode == "1" else "tiff_adobe_deflate"
        first.save(
            path, "TIFF", save_all=True, append_images=rest, compression=compression, dpi=(dpi, dpi)
        )
    else:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")


def _truth_record(record: dict[str, object]) -> TruthRecord:
    """A drawn record as truth; ``handwritten`` is kept only when some value was written by hand."""
    hand = sorted(record.get("handwritten") or ())  # type: ignore[call-overload]
    return TruthRecord(
        role=str(record["role"]),
        fields=record["fields"],  # type: ignore[arg-type]
        handwritten=hand or None,
    )


def pick_family(rng: random.Random) -> FontFamily:
    """A font family drawn with the weights of :data:`_FAMILY_WEIGHTS`."""
    names = list(_FAMILY_WEIGHTS)
    return FAMILIES[rng.choices(names, [_FAMILY_WEIGHTS[n] for n in names])[0]]


def make_document(spec: DocumentSpec, out_dir: Path) -> Path:
    """Render, degrade and write one document and its ground truth; returns the JSON path."""
    rng, np_rng = _rngs(spec.seed, spec.index)
    family = pick_family(rng)
    doc: RenderedDocument = render(
        spec.doc_type, rng, family, inconsistent=spec.inconsistent, **spec.options
    )
    profile = parse_profile(spec.profile)
    images, pages = [], []
    for number, page in enumerate(doc.pages, start=1):
        image, skew, turn = degrade(
            page.image, profile, np_rng, colour_original=page.colour, skew=spec.skew
        )
        images.append(image)
        pages.append(TruthPage(number=number, text=page.text, skew_deg=skew, rotation_deg=turn))
    dpi = round(doc.pages[0].dpi * profile.scale)
    # PNG and JPEG hold one page: a multi-page document falls back to a multi-page TIFF.
    fmt = "tiff" if len(images) > 1 and spec.format in {"png", "jpeg"} else spec.format
    stem = spec.stem or f"{spec.doc_type}_{spec.index:03d}"
    file_name = stem + _SUFFIX[fmt]
    quality = profile.jpeg_quality or 85
    out_dir.mkdir(parents=True, exist_ok=True)
    member = None
    if spec.archive:
        buffer = io.BytesIO()
        _write_images(images, buffer, fmt, dpi, quality)  # type: ignore[arg-type]
        info = zipfile.ZipInfo(file_name, date_time=_ZIP_DATE)  # fixed time: stable bytes
        info.compress_type = zipfile.ZIP_DEFLATED
        stem = spec.archive
        with zipfile.ZipFile(out_dir / f"{stem}.zip", "w") as archive:
            archive.writestr(info, buffer.getvalue())
        file_name, member = f"{stem}.zip", file_name
    else:
        _write_images(images, out_dir / file_name, fmt, dpi, quality)
    truth = GroundTruth(
        file=file_name,
        member=member,
        doc_type=doc.doc_type,
        profile=profile.name,
        seed=spec.seed,
        index=spec.index,
        font=doc.font,
        dpi=dpi,
        layout=doc.layout,
        pages=pages,
        records=[_truth_record(r) for r in doc.records],
        inconsistent=doc.inconsistent,
    )
    return write_truth(truth, out_dir / f"{stem}.json")


def plan(
    *,
    n: int,
    seed: int,
    doc_types: Sequence[str] | None = None,
    profiles: Sequence[str] | None = None,
    formats: Sequence[str] | None = None,
    inconsistent_share: float = 0.0,
    all_profiles: bool = False,
    layouts: str | Sequence[str] | None = None,
) -> list[DocumentSpec]:
    """The specs of a :func:`generate` run (same arguments), without drawing anything.

    Raises:
        ValueError: an unknown document type, profile, format or layout, or ``profiles``
            together with ``all_profiles``.
    """
    form_layouts = pick_layouts(layouts)
    if doc_types is None and not set(form_layouts) & set(DEV_LAYOUTS):
        doc_types = ["application_form"]  # a set of held-out or probe layouts is a set of forms
    doc_types = list(doc_types or LAYOUTS)
    if all_profiles and profiles:
        raise ValueError("give profiles or all_profiles, not both")
    profiles = list(DEVSET_PROFILES if all_profiles else profiles or PROFILES)
    formats = list(formats or ["png"])
    for names, known, kind in ((doc_types, LAYOUTS, "doc_type"), (formats, FORMATS, "format")):
        unknown = [x for x in names if x not in known]
        if unknown:
            raise ValueError(f"unknown {kind} {unknown}; known: {', '.join(known)}")
    for name in profiles:
        parse_profile(name)
    specs = []
    for index in range(1, n + 1):
        pick = random.Random(f"sohoa-pick:{seed}:{index}")
        doc_type = doc_types[(index - 1) % len(doc_types)]
        profile = pick.choice(profiles)
        if all_profiles:  # every type meets every profile equally often
            profile = profiles[((index - 1) // len(doc_types)) % len(profiles)]
        options: dict[str, object] = {}
        if doc_type == "application_form":
            options["layouts"] = form_layouts
        specs.append(
            DocumentSpec(
                index=index,
                seed=seed,
                doc_type=doc_type,
                profile=profile,
                format=pick.choice(formats),
                inconsistent=pick.random() < inconsistent_share,
                options=options,
            )
        )
    return specs


def generate(
    out_dir: Path,
    *,
    n: int,
    seed: int,
    doc_types: Sequence[str] | None = None,
    profiles: Sequence[str] | None = None,
    formats: Sequence[str] | None = None,
    inconsistent_share: float = 0.0,
    all_profiles: bool = False,
    layouts: str | Sequence[str] | None = None,
    workers: int = 1,
) -> list[Path]:
    """Generate ``n`` documents with ground truth into ``out_dir``.

    Args:
        out_dir: target folder, created if missing.
        n: number of documents.
        seed: the run's seed; the same arguments always give byte-identical files.
        doc_types: types to cycle through (default: every type of ``LAYOUTS``, or only
            ``application_form`` for a set of held-out or probe layouts).
        profiles: scan profiles drawn from at random, each a name of ``PROFILES`` or several
            joined by ``+`` (default: all of ``PROFILES``).
        formats: file formats drawn from at random (default: ``png`` only).
        inconsistent_share: share of documents whose ID number deliberately contradicts the
            printed sex / birth year / province (listed in the truth's ``inconsistent``).
        all_profiles: instead of drawing profiles, give every type each of
            ``DEVSET_PROFILES`` in turn (the dev set's balanced composition).
        layouts: form layouts of application forms: ``"dev"`` (default: all but the held-out
            and probe ones), ``"held-out"``, ``"probe"``, ``"all"`` or a list of names (see
            ``pipeline.samples.forms``).
        workers: processes drawing documents in parallel; the files do not depend on it.

    Returns:
        The ground-truth JSON paths, one per document, in order.

    Raises:
        ValueError: see :func:`plan`.

    Example:
        >>> paths = generate(Path("/tmp/devset"), n=3, seed=7)  # doctest: +SKIP
    """
    specs = plan(
        n=n,
        seed=seed,
        doc_types=doc_types,
        profiles=profiles,
        formats=formats,
        inconsistent_share=inconsistent_share,
        all_profiles=all_profiles,
        layouts=layouts,
    )
    out_dir = Path(out_dir)
    if workers <= 1 or len(specs) <= 1:
        return [make_document(spec, out_dir) for spec in specs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # Large chunks would leave a worker idle at the end: documents differ 10× in cost.
        return list(pool.map(make_document, specs, repeat(out_dir), chunksize=1))


DEMO_SEED = 2024
DEMO_SPECS = (
    DocumentSpec(
        1,
        DEMO_SEED,
        "birth_certificate",
        "flatbed_300dpi",
        "pdf",
        options={"born": (date(2016, 1, 1), date(2023, 12, 31))},
    ),
    DocumentSpec(2, DEMO_SEED, "cccd_front", "flatbed_300dpi", "jpeg"),
    DocumentSpec(
        3,
        DEMO_SEED,
        "application_form",
        "flatbed_300dpi",
        "png",
        skew=1.5,
        options={"template": FORMS[0], "layout": "dotted"},
    ),
    DocumentSpec(
        4,
        DEMO_SEED,
        "application_form",
        "flatbed_bw_300dpi",
        "tiff",
        options={"template": FORMS[1], "layout": "dotted"},
    ),
    DocumentSpec(5, DEMO_SEED, "cccd_front", "office_200dpi", "jpeg", archive="dossier_005"),
)


def generate_demo_samples(out_dir: Path) -> list[Path]:
    """The small committed set of ``sample_scans/``: one file per input format the pipeline takes.

    A birth certificate as PDF, a CCCD front as JPEG, a form as PNG (skewed 1.5°), a two-page
    form as a 1-bit multi-page TIFF and a zip holding a CCCD JPEG; see ``sample_scans/README.md``.
    """
    return [make_document(spec, Path(out_dir)) for spec in DEMO_SPECS]
