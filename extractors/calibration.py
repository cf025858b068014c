"""Confidence calibration: a field's raw confidence → the probability that its value is right.

Raw confidences (OCR × label strength × value strength, lowered by validation) rank fields well
but are not probabilities: a crisp 0.96 name is nearly always right, a crisp 0.96 address less
so. Calibration maps them per field (or per field family when a field has too few examples) with
a monotone step function fitted by isotonic regression (pool-adjacent-violators) on generated
documents whose truth is known, each step's probability shrunk by a prior (the posterior mean
under Jeffreys' Beta(1/2, 1/2)) so that a step seen 100 times without error is not called
certain (100.5 / 101 = 0.995).

With calibrated confidences, ``scoring.accept_threshold = 0.995`` means: auto-accept only the
fields at most 0.5 % likely to be wrong.

The calibration is data (``extractors/data/calibration.json``), versioned; fit it on one
generated set and check it on another::

    python -m extractors.calibration fit DEV_DIR --cache /tmp/ocr.db
    python -m extractors.calibration report TEST_DIR --cache /tmp/ocr.db

``--cache`` keeps each page's OCR (keyed by the file's SHA-256), so re-running after a change to
the extractors costs seconds, not an OCR pass.
"""

from __future__ import annotations

import argparse
import json
import os
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "CALIBRATION_PATH",
    "FAX_KEY",
    "Calibration",
    "Outcome",
    "collect_outcomes",
    "fit",
    "get_calibration",
    "routing_figures",
]

CALIBRATION_PATH = Path(__file__).parent / "data" / "calibration.json"
FAMILIES = {
    "id_number": "ids", "old_id_number": "ids", "registration_number": "ids", "book_number": "ids",
    "date_of_birth": "dates", "issue_date": "dates", "expiry_date": "dates",
    "registration_date": "dates", "date_of_death": "dates",
    "full_name": "names", "father_name": "names", "mother_name": "names", "spouse_name": "names",
    "sex": "person", "ethnicity": "person", "nationality": "person",
    "phone": "contact", "email": "contact",
}  # fmt: skip
"""Field → family; fields not listed (places, authorities, …) are ``places``."""
_MIN_FIELD_EXAMPLES = 150  # fewer than this and a field borrows its family's curve
FAX_KEY = "fax"
"""The curve of every field read on a fax page (one, pooled: fax fields are few and alike)."""


LOW_RAW, LOW_RAW_MOST = 0.5, 0.9
"""A value whose raw confidence is under ``LOW_RAW`` is never calibrated above ``LOW_RAW_MOST``,
so it goes to review however clean its curve was where it was fitted."""


def family_of(field: str) -> str:
    return FAMILIES.get(field, "places")


class Calibration(BaseModel):
    """Monotone step functions: ``steps[key] = [[raw_from, probability], ...]``, ascending."""

    version: str
    fitted_on: str = ""
    accept_threshold: float = 0.995
    steps: dict[str, list[tuple[float, float]]] = Field(default_factory=dict)

    def apply(self, field: str, raw: float, *, fax: bool = False) -> float:
        """Calibrated confidence of a ``field`` whose raw confidence is ``raw``.

        A field's own curve holds from the lowest raw confidence it was fitted on; below that
        its family's curve is asked, then the curve of all fields: a field never seen wrong has
        one flat step (registering offices: 0.997 from raw 0.5 up), which must not say 0.997 of
        a value read with no confidence at all. The broadest curve's first step covers
        everything at or below its ``raw_from`` too: the isotonic fit's first block is the best
        estimate for the lowest confidences, including ones lower than any seen when fitting (a
        correct value read with a raw 0.07 is not certainly wrong). A field read on a fax page
        (``fax``) has one curve of its own, :data:`FAX_KEY`, when the calibration has it: fax
        pages are read so much worse that their errors would otherwise set every field's curve.
        """
        fax_steps = self.steps.get(FAX_KEY) if fax else None
        curves = [fax_steps] if fax_steps else [
            s for s in (self.steps.get(k) for k in (field, family_of(field), "*")) if s
        ]  # fmt: skip
        if not curves:
            return raw
        steps = next((c for c in curves if c[0][0] <= raw), curves[-1])
        index = max(0, bisect_right([s[0] for s in steps], raw) - 1)
        if raw < LOW_RAW:
            # A few hundred clean examples of a field (a sex ticked in a box, read at 0.2) do
            # not make a value read that poorly sure enough to go unseen.
            return min(steps[index][1], LOW_RAW_MOST)
        return steps[index][1]


IDENTITY = Calibration(version="identity")


@lru_cache(maxsize=1)
def get_calibration() -> Calibration:
    """The calibration shipped with the package (identity when there is none)."""
    if not CALIBRATION_PATH.exists():
        return IDENTITY
    return Calibration.model_validate_json(CALIBRATION_PATH.read_text(encoding="utf-8"))


def _isotonic(pairs: Sequence[tuple[float, bool]]) -> list[tuple[float, float]]:
    """Pool adjacent violators on (raw, correct) sorted by raw; steps with shrunk probabilities."""
    same: dict[float, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for raw, correct in pairs:  # equal raw confidences cannot be told apart: one block
        same[raw][0] += correct
        same[raw][1] += 1
    blocks: list[list[float]] = []  # [raw_from, correct, count]
    for raw in sorted(same):
        blocks.append([raw, *same[raw]])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            last = blocks.pop()
            blocks[-1][1] += last[1]
            blocks[-1][2] += last[2]
    # Posterior mean under Jeffreys' Beta(1/2, 1/2) prior, then made monotone again (shrinking
    # can break the order).
    steps: list[tuple[float, float]] = []
    best = 0.0
    for raw_from, correct, count in blocks:
        best = max(best, (correct + 0.5) / (count + 1))
        steps.append((round(raw_from, 6), round(best, 6)))
    return steps


def fit(outcomes: Iterable[Outcome], version: str, fitted_on: str = "") -> Calibration:
    """Fit one step function per field with enough examples, per family, and one for all;
    fields read on fax pages get one of their own (:data:`FAX_KEY`) and no say in the others."""
    groups: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for o in outcomes:
        if o.raw is None or o.value is None:
            continue
        pair = (o.raw, o.correct)
        if o.fax:
            groups[FAX_KEY].append(pair)
            continue
        groups["*"].append(pair)
        groups[family_of(o.name)].append(pair)
        groups[o.name].append(pair)
    steps = {
        key: _isotonic(pairs)
        for key, pairs in sorted(groups.items())
        if key in {"*", FAX_KEY}
        or key in FAMILIES.values()
        or key == "places"
        or len(pairs) >= _MIN_FIELD_EXAMPLES
    }
    return Calibration(version=version, fitted_on=fitted_on, steps=steps)


@dataclass(frozen=True)
class Outcome:
    """One truth or extracted field of a generated document, with its raw confidence."""

    file: str
    doc_type: str
    profile: str
    role: str
    name: str
    truth: str | None
    value: str | None
    raw: float | None
    correct: bool
    handwritten: bool = False  # the truth marks the value as written by hand only
    fax: bool = False  # read on a page cleaning found to be a fax: held for review in production

    @property
    def printed(self) -> bool:
        """A printed value of a non-register document: the scope of the accuracy targets."""
        from pipeline.evaluate.score import REGISTER_TYPES

        return not self.handwritten and self.doc_type not in REGISTER_TYPES


def _interpret_file(truth_file: Any, cache_db: str, predicted_type: bool) -> list[Outcome]:
    from extractors import extract
    from pipeline.classify import classify
    from pipeline.digitise import get_store, read_page
    from pipeline.evaluate.score import score_document
    from pipeline.load import expand_inputs, page_count
    from pipeline.models import Document, DocumentResult
    from pipeline.options import Options, ScoringOptions
    from pipeline.preprocess.geometry import is_fax
    from pipeline.validate import validate

    options = Options(
        db_url=cache_db,
        keep_page_images=False,
        workers=1,
        scoring=ScoringOptions(accept_threshold=1.0),
    )
    with expand_inputs([truth_file.scan]) as entries:
        item = entries[0]
        get_store(cache_db).register_file(
            item.sha256, item.name, item.size, item.kind, options.pipeline_version
        )
        pages = [read_page(item, n, options) for n in range(1, page_count(item, 2000) + 1)]
    document = Document(source=item.name, sha256=item.sha256, pages=tuple(pages))
    fax = any(is_fax(page.preprocess) for page in pages)
    doc_type, type_confidence = (
        classify(document) if predicted_type else (truth_file.truth.doc_type, 1.0)
    )
    result = DocumentResult(
        doc_type=doc_type,
        doc_type_confidence=type_confidence,
        records=extract(document, doc_type, calibration=IDENTITY, cap_faxes=False),
    )
    result = validate(result, options.scoring)
    records = [
        {"role": r.role, "doc_type": result.doc_type, "fields": {
            n: {"value": f.value, "confidence": f.confidence} for n, f in r.fields.items()}}
        for r in result.records
    ]  # fmt: skip
    outcomes = []
    for o in score_document(truth_file.truth, records, file=truth_file.relative):
        if not o.in_truth and not o.extracted:
            continue
        outcomes.append(
            Outcome(
                o.file,
                o.doc_type,
                o.profile,
                o.role,
                o.name,
                o.truth,
                o.value,
                o.confidence if o.extracted else None,
                o.correct,
                o.handwritten,
                fax,
            )
        )
    return outcomes


def collect_outcomes(
    folder: Path, cache_db: str, workers: int = 2, *, predicted_type: bool = True
) -> list[Outcome]:
    """OCR (or read from ``cache_db``) every labelled scan under ``folder``, extract, score."""
    from pipeline.digitise import get_store
    from pipeline.evaluate.runner import find_truths

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    truths, _ = find_truths(folder)
    get_store(cache_db)  # created (and migrated) once, before the threads share it
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(lambda t: _interpret_file(t, cache_db, predicted_type), truths)
        return [o for outcomes in results for o in outcomes]


def routing_figures(outcomes: Sequence[Outcome], calibration: Calibration) -> dict[str, Any]:
    """Exact match, and the auto-accept rate and error among accepted after ``calibration``.

    Fields of fax documents are never accepted, as in production (``extractors.FAX_CONFIDENCE``
    holds them below any threshold): the figures are the ones a batch would show.
    """
    from extractors import FAX_CONFIDENCE

    in_truth = [o for o in outcomes if o.truth is not None]
    extracted = [o for o in outcomes if o.raw is not None and o.value is not None]

    def confidence(o: Outcome) -> float:
        calibrated = calibration.apply(o.name, o.raw or 0.0, fax=o.fax)
        return min(calibrated, FAX_CONFIDENCE) if o.fax else calibrated

    accepted = [o for o in extracted if confidence(o) >= calibration.accept_threshold]
    wrong = [o for o in accepted if not o.correct]

    def em(name: str | None) -> float | None:
        group = [o for o in in_truth if name is None or o.name == name]
        return sum(o.correct for o in group) / len(group) if group else None

    return {
        "fields_in_truth": len(in_truth),
        "exact_match": em(None),
        "exact_match_id_number": em("id_number"),
        "exact_match_date_of_birth": em("date_of_birth"),
        "extracted": len(extracted),
        "auto_accepted": len(accepted),
        "auto_accept_rate": len(accepted) / len(extracted) if extracted else None,
        "error_among_accepted": len(wrong) / len(accepted) if accepted else None,
        "wrong_accepted": [(o.file, o.role, o.name, o.truth, o.value) for o in wrong],
    }


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m extractors.calibration")
    parser.add_argument("command", choices=["fit", "report", "errors"])
    parser.add_argument(
        "folders", type=Path, nargs="+", help="generated sets (fit: all of them, pooled)"
    )
    parser.add_argument("--cache", default="sqlite:////tmp/sohoa-ocr-cache.db")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=CALIBRATION_PATH)
    parser.add_argument(
        "--calibration",
        type=Path,
        help="report/errors: the calibration to judge (default: the shipped one)",
    )
    parser.add_argument("--version", default=f"sohoa.calibration.{date.today():%Y%m%d}")
    parser.add_argument("--truth-type", action="store_true", help="skip classification")
    parser.add_argument(
        "--skip-type", action="append", default=[], help="leave out documents of this type"
    )
    parser.add_argument(
        "--printed",
        action="store_true",
        help="only printed values of non-register documents (the accuracy targets' scope)",
    )
    args = parser.parse_args(argv)
    cache = args.cache if "://" in args.cache else f"sqlite:///{Path(args.cache).resolve()}"
    outcomes = [
        o
        for folder in args.folders
        for o in collect_outcomes(folder, cache, args.workers, predicted_type=not args.truth_type)
        if o.doc_type not in args.skip_type
    ]
    if args.printed:
        outcomes = [o for o in outcomes if o.printed]
    if args.command == "fit":
        fitted_on = " + ".join(str(folder) for folder in args.folders)
        calibration = fit(outcomes, args.version, fitted_on=fitted_on)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(calibration.model_dump_json(indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    elif args.calibration is not None:
        calibration = Calibration.model_validate_json(args.calibration.read_text("utf-8"))
    else:
        calibration = get_calibration()
    if args.command == "errors":
        for o in outcomes:
            if not o.correct:
                print(f"{o.file}\t{o.role}\t{o.name}\t{o.truth!r}\t{o.value!r}\t{o.raw}")
    figures = routing_figures(outcomes, calibration)
    for name, key in (("field", "name"), ("doc_type", "doc_type"), ("profile", "profile")):
        tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for o in outcomes:
            if o.truth is not None:
                tally[getattr(o, key)][0] += o.correct
                tally[getattr(o, key)][1] += 1
        figures[f"by_{name}"] = {k: f"{c}/{n}" for k, (c, n) in sorted(tally.items())}
    print(json.dumps(figures, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
