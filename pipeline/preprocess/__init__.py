"""Preprocess stage: OpenCV cleaning before OCR.

Each step is a small function ``step(image, ctx) -> image`` that records what it did in
``ctx.steps`` (the page's provenance: a reviewer's box maps back to the original pixels with
:func:`map_to_original`). :func:`preprocess` chains them, one ``if`` per option; the order is the
order of the physics undone: stamp ink before colour is dropped, the paper found before its lines
are measured, geometry before tones, and the text height measured on the upright page.

Modules: :mod:`.context` (context, provenance, mapping back), :mod:`.geometry` (page, orientation,
deskew, resolution), :mod:`.tone` (stamps, grey, light, noise, binarisation), :mod:`.page`
(blank pages, borders and punch holes, two-page spreads). What each step costs and gains is
measured in ``docs/cleaning.md``.

    >>> import numpy as np
    >>> clean, provenance = preprocess(np.full((100, 80, 3), 255, np.uint8), PreprocessOptions())
    >>> clean.shape, provenance["blank"]
    ((100, 80), True)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from pipeline.options import PreprocessOptions
from pipeline.preprocess.context import (
    PageContext,
    bounding_box,
    clean_dpi,
    map_to_original,
    page_pyramids,
)
from pipeline.preprocess.geometry import (
    deskew,
    estimate_cap_height,
    estimate_orientation,
    estimate_skew,
    find_page,
    normalise_resolution,
    orient,
    reads_better_turned,
    restore_fax_lines,
)
from pipeline.preprocess.page import (
    detect_blank,
    detect_spread,
    find_gutter,
    remove_borders,
    remove_leaders,
    split_spread,
)
from pipeline.preprocess.tone import (
    binarise,
    denoise,
    flatten_illumination,
    grayscale,
    suppress_stamps,
)

__all__ = [
    "PageContext",
    "binarise",
    "bounding_box",
    "clean_dpi",
    "denoise",
    "deskew",
    "detect_blank",
    "detect_spread",
    "estimate_cap_height",
    "estimate_orientation",
    "estimate_skew",
    "find_gutter",
    "find_page",
    "flatten_illumination",
    "grayscale",
    "map_to_original",
    "normalise_resolution",
    "orient",
    "preprocess",
    "reads_better_turned",
    "remove_borders",
    "remove_leaders",
    "restore_fax_lines",
    "split_spread",
    "suppress_stamps",
]

Step = Callable[[np.ndarray, PageContext], np.ndarray]


def preprocess(image: np.ndarray, options: PreprocessOptions) -> tuple[np.ndarray, dict[str, Any]]:
    """Run the enabled cleaning steps on one page.

    Returns:
        The clean image and its provenance: ``original`` (size), ``size`` (of the clean image),
        ``steps`` (what was done, with a 3×3 ``matrix`` for every geometric step), ``blank``
        (no ink: the caller skips OCR), ``spread`` (``{"split_x": x}`` for a two-page spread,
        else None; cut it with :func:`split_spread`), ``timings_ms`` (wall) and ``cpu_ms`` (this
        thread's CPU) per step.
    """
    with page_pyramids():  # the steps' small copies of an image they hand on are made once
        return _preprocess(image, options)


def _preprocess(image: np.ndarray, options: PreprocessOptions) -> tuple[np.ndarray, dict[str, Any]]:
    ctx = PageContext(options=options)
    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def run(step: Step, page: np.ndarray) -> np.ndarray:
        start, start_cpu = time.perf_counter(), time.thread_time()
        out = step(page, ctx)
        timings[step.__name__] = round(1000 * (time.perf_counter() - start), 1)
        cpu[step.__name__] = round(1000 * (time.thread_time() - start_cpu), 1)
        return out

    original = {"width": int(image.shape[1]), "height": int(image.shape[0])}
    if options.blank:
        image = run(detect_blank, image)
    if not ctx.flags.get("blank"):
        if options.fax:  # first: every warp after it would blur the doubled lines together
            image = run(restore_fax_lines, image)
        if options.stamps:
            image = run(suppress_stamps, image)
        if options.grayscale:
            image = run(grayscale, image)
        if options.page_boundary:
            image = run(find_page, image)
        if options.borders:
            image = run(remove_borders, image)
        if options.orientation:
            image = run(orient, image)
        if options.deskew:
            image = run(deskew, image)
        if options.illumination:
            image = run(flatten_illumination, image)
        if options.leaders:  # before the median, which erases some dots and breaks the rows
            image = run(remove_leaders, image)
        if options.denoise:
            image = run(denoise, image)
        if options.resolution:
            image = run(normalise_resolution, image)
        if options.binarise != "none":
            image = run(binarise, image)
        if options.spread:
            image = run(detect_spread, image)
    elif options.grayscale:
        image = grayscale(image, ctx)  # what is kept of a blank page: small, grey
    return image, {
        "original": original,
        "size": {"width": int(image.shape[1]), "height": int(image.shape[0])},
        "steps": ctx.steps,
        "blank": bool(ctx.flags.get("blank", False)),
        "spread": ctx.flags.get("spread"),
        "timings_ms": timings,
        # This thread's CPU per step: what the step costs when pages compete for the cores
        # (wall time then counts the other pages' work too). Complete when OpenCV runs
        # single-threaded, as in a batch (pipeline.digitise).
        "cpu_ms": cpu,
    }
