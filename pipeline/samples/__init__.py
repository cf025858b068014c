"""Deterministic generator of realistic Vietnamese document scans with ground truth.

    >>> from pathlib import Path
    >>> from pipeline.samples import generate
    >>> truth_files = generate(Path("/tmp/devset"), n=6, seed=7)  # doctest: +SKIP

Modules: :mod:`~pipeline.samples.data` (people, places, ID numbers), :mod:`~.words` (dates in
words), :mod:`~.fonts`, :mod:`~.render` (layouts), :mod:`~.degrade` (scan profiles),
:mod:`~.truth` (the ``sohoa-truth/1`` format), :mod:`~.generate` (files on disk).
"""

from pipeline.samples.degrade import PROFILES
from pipeline.samples.generate import FORMATS, generate, generate_demo_samples
from pipeline.samples.render import LAYOUTS
from pipeline.samples.truth import GroundTruth, read_truth
from pipeline.samples.words import date_in_words

DOC_TYPES = tuple(LAYOUTS)

__all__ = [
    "DOC_TYPES",
    "FORMATS",
    "PROFILES",
    "GroundTruth",
    "date_in_words",
    "generate",
    "generate_demo_samples",
    "read_truth",
]
