"""``sohoa eval``: measure OCR, field extraction, routing and speed against ground truth.

* :mod:`~pipeline.evaluate.normalise` — what "the same text" means (NFC, tone placement).
* :mod:`~pipeline.evaluate.score` — pure scoring functions.
* :mod:`~pipeline.evaluate.runner` — digitise a labelled folder, time it, score it.
* :mod:`~pipeline.evaluate.report` — terminal tables, JSON, Markdown, plots.

What each number means: ``docs/evaluation.md``.
"""

from pipeline.evaluate.normalise import normalise_text, normalise_tone_placement
from pipeline.evaluate.report import print_report, write_report
from pipeline.evaluate.runner import evaluate_folder

__all__ = [
    "evaluate_folder",
    "normalise_text",
    "normalise_tone_placement",
    "print_report",
    "write_report",
]
