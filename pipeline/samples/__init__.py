"""Deterministic generator of realistic Vietnamese document scans with ground truth.

    >>> from pathlib import Path
    >>> from pipeline.samples import generate
    >>> truth_files = generate(Path("/tmp/devset"), n=6, seed=7)  # doctest: +SKIP

Modules: :mod:`~pipeline.samples.data` (people, places, ID numbers), :mod:`~.words` (dates in
words), :mod:`~.fonts`, :mod:`~.render` (drawing primitives), the layouts (:mod:`~.cards`,
:mod:`~.certificates`, :mod:`~.forms`, :mod:`~.register`, registered in :mod:`~.layouts`),
:mod:`~.degrade` (scan profiles), :mod:`~.truth` (the ``sohoa-truth/1`` format),
:mod:`~.generate` (files on disk).
"""

from pipeline.samples.degrade import DEVSET_PROFILES, PROFILES, parse_profile
from pipeline.samples.forms import (
    FORM_LAYOUTS,
    HELD_OUT_LAYOUTS,
    NAMED_PROBE_LAYOUTS,
    PROBE_LAYOUTS,
)
from pipeline.samples.generate import FORMATS, generate, generate_demo_samples
from pipeline.samples.layouts import LAYOUTS
from pipeline.samples.truth import GroundTruth, read_truth
from pipeline.samples.words import date_in_words

DOC_TYPES = tuple(LAYOUTS)

__all__ = [
    "DEVSET_PROFILES",
    "DOC_TYPES",
    "FORMATS",
    "FORM_LAYOUTS",
    "HELD_OUT_LAYOUTS",
    "NAMED_PROBE_LAYOUTS",
    "PROBE_LAYOUTS",
    "PROFILES",
    "GroundTruth",
    "date_in_words",
    "generate",
    "generate_demo_samples",
    "parse_profile",
    "read_truth",
]
