"""Scores: pure functions from (truth, pipeline output) to numbers. No I/O here.

* OCR text: character error rate and bag-of-words precision / recall / F1 (:func:`score_text`).
* Fields: records matched to truth by role then by overlap (:func:`match_records`), one
  :class:`FieldOutcome` per field on either side (:func:`score_document`), counted by any key
  (:func:`field_scores`).
* Routing: auto-accept rate and the error rate among auto-accepted fields (:func:`routing_score`).
* Reliability: confidence bins, observed accuracy, expected calibration error
  (:func:`reliability`).
* :func:`summarise`: all of the above for a set of documents, as JSON-ready data.

    >>> score_text("Hòa Bình", "Hoà Binh").cer
    0.125
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from rapidfuzz.distance import Levenshtein

from pipeline.classify import REGISTER_TYPES
from pipeline.evaluate.normalise import normalise_text, strip_diacritics, strip_leaders, words

__all__ = [
    "AUTO_ERROR_TARGET",
    "EXACT_MATCH_TARGET",
    "KEY_FIELDS",
    "KEY_FIELD_TARGET",
    "PRINTED_SCOPE",
    "REGISTER_TYPES",
    "DocumentEval",
    "FieldOutcome",
    "FieldScore",
    "Reliability",
    "ReliabilityBin",
    "RoutingScore",
    "TextScore",
    "field_scores",
    "match_records",
    "normalise_value",
    "printed_figures",
    "reliability",
    "routing_score",
    "score_document",
    "score_text",
    "summarise",
    "wilson_upper",
]

AUTO_ERROR_TARGET = 0.005  # DESIGN.md: at most 0.5 % of auto-accepted fields may be wrong
EXACT_MATCH_TARGET = 0.97  # printed values of non-register documents, every field
KEY_FIELD_TARGET = 0.99  # … and for each of KEY_FIELDS
KEY_FIELDS = ("id_number", "date_of_birth")
PRINTED_SCOPE = "non-register documents, values printed (not handwritten)"


def _rate(numerator: float, denominator: float) -> float | None:
    """A ratio, or None when it is undefined (nothing to divide by)."""
    return numerator / denominator if denominator else None


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def wilson_upper(errors: int, total: int, z: float = 1.96) -> float | None:
    """Upper end of the 95 % Wilson interval of an error rate.

    "0 wrong out of 40" does not show an error rate under 0.5 %: this bound (8.8 % there) says how
    much the sample can vouch for.

    Example:
        >>> round(wilson_upper(0, 1000), 4)
        0.0038
    """
    if total == 0:
        return None
    p = errors / total
    centre = p + z * z / (2 * total)
    spread = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return min(1.0, (centre + spread) / (1 + z * z / total))


# OCR text ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextScore:
    """Counts behind CER and word scores; add them up to pool pages (micro average)."""

    char_errors: int = 0
    ref_chars: int = 0
    word_matches: int = 0
    ref_words: int = 0
    ocr_words: int = 0

    def __add__(self, other: TextScore) -> TextScore:
        return TextScore(*(a + b for a, b in zip(_fields(self), _fields(other), strict=True)))

    @property
    def cer(self) -> float | None:
        """Edit distance / reference length (can exceed 1 when OCR adds much text)."""
        return _rate(self.char_errors, self.ref_chars)

    @property
    def word_precision(self) -> float | None:
        return _rate(self.word_matches, self.ocr_words)

    @property
    def word_recall(self) -> float | None:
        return _rate(self.word_matches, self.ref_words)

    @property
    def word_f1(self) -> float | None:
        return _f1(self.word_precision, self.word_recall)

    def figures(self) -> dict[str, Any]:
        """Counts and rates, for JSON."""
        return asdict(self) | {
            "cer": self.cer,
            "word_precision": self.word_precision,
            "word_recall": self.word_recall,
            "word_f1": self.word_f1,
        }


def _fields(score: TextScore) -> tuple[int, ...]:
    return tuple(asdict(score).values())


def score_text(truth: str, ocr: str, *, diacritics: bool = True) -> TextScore:
    """Compare a page's true text with its OCR text, both normalised the same way.

    Dot leaders are removed (:func:`~pipeline.evaluate.normalise.strip_leaders`), then
    :func:`~pipeline.evaluate.normalise.normalise_text` applies (NFC, tone placement, spaces).

    Args:
        truth: what is printed.
        ocr: what OCR read.
        diacritics: False to strip every accent first (the secondary, "base letters" figure).

    Example:
        >>> s = score_text("Họ và tên", "Họ va tên")
        >>> s.char_errors, s.word_matches, round(s.word_f1, 3)
        (1, 2, 0.667)
    """
    ref, hyp = normalise_text(strip_leaders(truth)), normalise_text(strip_leaders(ocr))
    if not diacritics:
        ref, hyp = strip_diacritics(ref), strip_diacritics(hyp)
    ref_words, hyp_words = words(ref), words(hyp)
    matches = sum((Counter(ref_words) & Counter(hyp_words)).values())  # multiset intersection
    return TextScore(
        char_errors=Levenshtein.distance(ref, hyp),
        ref_chars=len(ref),
        word_matches=matches,
        ref_words=len(ref_words),
        ocr_words=len(hyp_words),
    )


# Fields ------------------------------------------------------------------------------------


def normalise_value(value: object) -> str | None:
    """A field value as it is compared: NFC, one tone placement, whitespace collapsed.

    Nothing else is forgiven: case ("NGUYỄN" for "Nguyễn"), date format and separators in IDs are
    part of the normalisation the export contract promises. None and "" mean "no value".
    """
    if value is None:
        return None
    text = normalise_text(str(value))
    return text or None


@dataclass(frozen=True)
class FieldOutcome:
    """One field of one matched record pair: in truth, extracted, or both.

    ``value``/``truth`` are normalised; ``extracted`` is True when the pipeline output the field
    (even with no value: a reviewer still has to deal with it).
    """

    file: str
    doc_type: str
    profile: str
    role: str
    name: str
    truth: str | None
    value: str | None
    extracted: bool
    confidence: float | None = None
    status: str | None = None
    inconsistent: bool = False  # printed deliberately wrong: routing must send it to review
    handwritten: bool = False  # the truth says the value is only written by hand on the page

    @property
    def printed(self) -> bool:
        """In the printed scope of :data:`PRINTED_SCOPE`: a typed value, not a register row."""
        return not self.handwritten and self.doc_type not in REGISTER_TYPES

    @property
    def in_truth(self) -> bool:
        return self.truth is not None

    @property
    def correct(self) -> bool:
        return self.extracted and self.in_truth and self.value == self.truth


@dataclass(frozen=True)
class FieldScore:
    """Field counts and rates for one group (a field, a doc type × field, a profile …)."""

    in_truth: int = 0
    extracted: int = 0
    correct: int = 0
    found: int = 0  # in truth and extracted, right or wrong

    @property
    def precision(self) -> float | None:
        """Correct / extracted: spurious and wrong fields lower it, missing ones do not."""
        return _rate(self.correct, self.extracted)

    @property
    def recall(self) -> float | None:
        """Correct / in truth: missing and wrong fields lower it, spurious ones do not."""
        return _rate(self.correct, self.in_truth)

    @property
    def exact_match(self) -> float | None:
        """Share of the truth's fields whose extracted value is exactly right (= recall)."""
        return self.recall

    @property
    def f1(self) -> float | None:
        return _f1(self.precision, self.recall)

    @property
    def found_rate(self) -> float | None:
        """Found (right or wrong) / in truth: recall minus the values misread."""
        return _rate(self.found, self.in_truth)

    def figures(self) -> dict[str, Any]:
        return asdict(self) | {
            "precision": self.precision,
            "recall": self.recall,
            "exact_match": self.exact_match,
            "f1": self.f1,
            "found_rate": self.found_rate,
        }


def _truth_fields(record: Any) -> dict[str, str]:
    fields = record["fields"] if isinstance(record, Mapping) else record.fields
    normalised = {name: normalise_value(value) for name, value in fields.items()}
    return {name: value for name, value in normalised.items() if value is not None}


def _role(record: Any) -> str:
    return record["role"] if isinstance(record, Mapping) else record.role


def _handwritten(record: Any) -> set[str]:
    hand = record.get("handwritten") if isinstance(record, Mapping) else record.handwritten
    return set(hand or ())


def _extracted_values(record: Mapping[str, Any]) -> dict[str, str | None]:
    return {
        name: normalise_value(f.get("value") if isinstance(f, Mapping) else f)
        for name, f in record.get("fields", {}).items()
    }


def _overlap(truth: dict[str, str], got: dict[str, str | None]) -> tuple[int, float]:
    shared = [n for n in truth if n in got]
    equal = sum(truth[n] == got[n] for n in shared)
    # Tie-break by closeness so two records both misread still pair with their nearest truth.
    closeness = sum(Levenshtein.normalized_similarity(truth[n], got[n] or "") for n in shared)
    return equal, closeness


def match_records(
    truth: Sequence[Any], extracted: Sequence[Mapping[str, Any]]
) -> list[tuple[int | None, int | None]]:
    """Pair truth records with extracted records: same role, then most equal fields.

    Within a role, pairs are taken greedily by (equal fields, closeness of the others); a record
    left without a partner is paired with None (all its fields missing, or all spurious).

    Args:
        truth: truth records (``.role``/``.fields`` objects or dicts), values as plain strings.
        extracted: export records (``role``, ``fields`` → ``{"value": …}``).

    Returns:
        ``(truth index or None, extracted index or None)`` pairs, truth order first.

    Example:
        >>> a = {"role": "subject", "fields": {"full_name": {"value": "An"}}}
        >>> match_records([{"role": "subject", "fields": {"full_name": "An"}}], [a, a])
        [(0, 0), (None, 1)]
    """
    truth_values = [_truth_fields(r) for r in truth]
    got_values = [_extracted_values(r) for r in extracted]
    candidates = sorted(
        (
            (*_overlap(truth_values[t], got_values[e]), -t, -e)
            for t in range(len(truth))
            for e in range(len(extracted))
            if _role(truth[t]) == _role(extracted[e])
        ),
        reverse=True,
    )
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for _, _, neg_t, neg_e in candidates:
        t, e = -neg_t, -neg_e
        if t not in pairs and e not in used:
            pairs[t] = e
            used.add(e)
    matched: list[tuple[int | None, int | None]] = [(t, pairs.get(t)) for t in range(len(truth))]
    matched += [(None, e) for e in range(len(extracted)) if e not in used]
    return matched


def score_document(
    truth: Any, extracted: Sequence[Mapping[str, Any]], *, file: str = ""
) -> list[FieldOutcome]:
    """Every field of one document, truth against export.

    Args:
        truth: a :class:`~pipeline.samples.truth.GroundTruth` (or anything with ``doc_type``,
            ``profile``, ``records`` and ``inconsistent``).
        extracted: the export records of the same file.
        file: the file's name relative to the evaluated folder.

    Returns:
        One outcome per field name present on either side of each matched record pair.
    """
    profile = getattr(truth, "profile", None) or "unspecified"
    inconsistent = set(getattr(truth, "inconsistent", ()) or ())
    outcomes: list[FieldOutcome] = []
    for t, e in match_records(truth.records, extracted):
        want = _truth_fields(truth.records[t]) if t is not None else {}
        hand = _handwritten(truth.records[t]) if t is not None else set()
        got_record = extracted[e] if e is not None else {"fields": {}}
        got = got_record.get("fields", {})
        role = _role(truth.records[t]) if t is not None else got_record["role"]
        for name in sorted(want.keys() | got.keys()):
            meta = got.get(name)
            meta = meta if isinstance(meta, Mapping) else {"value": meta}
            outcomes.append(
                FieldOutcome(
                    file=file,
                    doc_type=truth.doc_type,
                    profile=profile,
                    role=role,
                    name=name,
                    truth=want.get(name),
                    value=normalise_value(meta.get("value")),
                    extracted=name in got,
                    confidence=meta.get("confidence"),
                    status=meta.get("status"),
                    inconsistent=name in inconsistent,
                    handwritten=name in hand and name in want,
                )
            )
    return outcomes


def field_scores(
    outcomes: Iterable[FieldOutcome], key: Callable[[FieldOutcome], Hashable]
) -> dict[Hashable, FieldScore]:
    """Count outcomes grouped by ``key`` (e.g. ``lambda o: (o.doc_type, o.name)``), keys sorted."""
    counts: dict[Hashable, Counter[str]] = defaultdict(Counter)
    for o in outcomes:
        c = counts[key(o)]
        c["in_truth"] += o.in_truth
        c["extracted"] += o.extracted
        c["correct"] += o.correct
        c["found"] += o.in_truth and o.extracted
    return {k: FieldScore(**counts[k]) for k in sorted(counts, key=str)}


# Routing and reliability -------------------------------------------------------------------


@dataclass(frozen=True)
class RoutingScore:
    """How well routing separates fields a human must see from fields that may pass unseen."""

    extracted: int = 0
    auto_accepted: int = 0
    auto_wrong: int = 0
    needs_review: int = 0
    review_wrong: int = 0
    inconsistent: int = 0  # extracted fields the truth marks as printed deliberately wrong
    inconsistent_auto: int = 0  # … of which auto-accepted: a validation miss

    @property
    def auto_accept_rate(self) -> float | None:
        return _rate(self.auto_accepted, self.extracted)

    @property
    def auto_error_rate(self) -> float | None:
        """Wrong auto-accepted / auto-accepted; spurious auto-accepted fields are wrong too."""
        return _rate(self.auto_wrong, self.auto_accepted)

    @property
    def auto_error_upper95(self) -> float | None:
        return wilson_upper(self.auto_wrong, self.auto_accepted)

    @property
    def review_error_rate(self) -> float | None:
        return _rate(self.review_wrong, self.needs_review)

    @property
    def meets_target(self) -> bool | None:
        """The measured auto-accept error rate is within :data:`AUTO_ERROR_TARGET`."""
        rate = self.auto_error_rate
        return None if rate is None else rate <= AUTO_ERROR_TARGET

    @property
    def target_proven(self) -> bool | None:
        """Even the upper 95 % bound of the error rate is within the target."""
        bound = self.auto_error_upper95
        return None if bound is None else bound <= AUTO_ERROR_TARGET

    def figures(self) -> dict[str, Any]:
        return asdict(self) | {
            "auto_accept_rate": self.auto_accept_rate,
            "auto_error_rate": self.auto_error_rate,
            "auto_error_upper95": self.auto_error_upper95,
            "review_error_rate": self.review_error_rate,
            "auto_error_target": AUTO_ERROR_TARGET,
            "meets_target": self.meets_target,
            "target_proven": self.target_proven,
        }


def routing_score(outcomes: Iterable[FieldOutcome]) -> RoutingScore:
    """Count extracted fields by routing status and correctness."""
    c: Counter[str] = Counter()
    for o in outcomes:
        if not o.extracted:
            continue
        c["extracted"] += 1
        c["inconsistent"] += o.inconsistent
        if o.status == "auto_accepted":
            c["auto_accepted"] += 1
            c["auto_wrong"] += not o.correct
            c["inconsistent_auto"] += o.inconsistent
        elif o.status == "needs_review":
            c["needs_review"] += 1
            c["review_wrong"] += not o.correct
    return RoutingScore(**c)


@dataclass(frozen=True)
class ReliabilityBin:
    """Fields whose confidence lies in ``[lower, upper)`` (the last bin includes 1.0)."""

    lower: float
    upper: float
    count: int
    mean_confidence: float | None
    accuracy: float | None


@dataclass(frozen=True)
class Reliability:
    """Does a confidence of 0.9 mean 90 % of such fields are right?"""

    bins: tuple[ReliabilityBin, ...]
    count: int
    ece: float | None  # expected calibration error: Σ n_b/N · |accuracy_b − confidence_b|

    def figures(self) -> dict[str, Any]:
        return {"count": self.count, "ece": self.ece, "bins": [asdict(b) for b in self.bins]}


def reliability(pairs: Iterable[tuple[float, bool]], n_bins: int = 10) -> Reliability:
    """Bin ``(confidence, correct)`` pairs into ``n_bins`` equal-width bins over [0, 1].

    Example:
        >>> r = reliability([(0.95, True), (0.95, False), (0.15, False)])
        >>> r.bins[9].accuracy, r.bins[1].count, round(r.ece, 3)
        (0.5, 1, 0.35)
    """
    sums: list[list[float]] = [[0, 0.0, 0] for _ in range(n_bins)]  # count, Σconf, Σcorrect
    for confidence, correct in pairs:
        index = min(n_bins - 1, max(0, int(confidence * n_bins)))
        sums[index][0] += 1
        sums[index][1] += confidence
        sums[index][2] += bool(correct)
    total = int(sum(s[0] for s in sums))
    bins = tuple(
        ReliabilityBin(
            lower=i / n_bins,
            upper=(i + 1) / n_bins,
            count=int(n),
            mean_confidence=_rate(conf, n),
            accuracy=_rate(right, n),
        )
        for i, (n, conf, right) in enumerate(sums)
    )
    ece = (
        sum(b.count / total * abs(b.accuracy - b.mean_confidence) for b in bins if b.count)  # type: ignore[operator]
        if total
        else None
    )
    return Reliability(bins=bins, count=total, ece=ece)


# A whole evaluation ------------------------------------------------------------------------


@dataclass
class DocumentEval:
    """Everything measured on one document (one truth file)."""

    file: str
    doc_type: str
    profile: str
    predicted_doc_type: str | None = None  # None: no document was stored for the file
    pages: int = 0
    text: TextScore = TextScore()
    text_plain: TextScore = TextScore()  # without diacritics
    fields: list[FieldOutcome] = field(default_factory=list)
    error: str | None = None  # the pipeline failed on the file

    @property
    def exact(self) -> bool:
        """Every truth field right and nothing spurious."""
        return not self.error and all(o.correct for o in self.fields)


def _text_figures(docs: Sequence[DocumentEval]) -> dict[str, Any]:
    text = sum((d.text for d in docs), TextScore())
    plain = sum((d.text_plain for d in docs), TextScore())
    return {"text": text.figures(), "text_without_diacritics": plain.figures()}


def _group_figures(docs: Sequence[DocumentEval]) -> dict[str, Any]:
    outcomes = [o for d in docs for o in d.fields]
    fields = field_scores(outcomes, lambda o: "all").get("all", FieldScore())
    return {
        "documents": len(docs),
        "pages": sum(d.pages for d in docs),
        "failed": sum(d.error is not None for d in docs),
        "documents_exact": _rate(sum(d.exact for d in docs), len(docs)),
        "doc_type_accuracy": _rate(
            sum(d.predicted_doc_type == d.doc_type for d in docs), len(docs)
        ),
        **_text_figures(docs),
        "fields": fields.figures(),
        "routing": routing_score(outcomes).figures(),
    }


def _printed_group(outcomes: Sequence[FieldOutcome]) -> dict[str, Any]:
    fields = field_scores(outcomes, lambda o: "all").get("all", FieldScore())
    by_name = field_scores(outcomes, lambda o: o.name)
    return {
        "fields": fields.figures(),
        **{name: by_name.get(name, FieldScore()).figures() for name in KEY_FIELDS},
        "routing": routing_score(outcomes).figures(),
    }


def printed_figures(outcomes: Iterable[FieldOutcome]) -> dict[str, Any]:
    """Exact match and routing on printed values of non-register documents (the targets' scope).

    Register ledgers are left out (they are evaluated with ``--register``), and so are truth
    fields the ground truth marks ``handwritten``; fields the pipeline output without a truth
    (spurious) stay in, in their document's group. Keys: ``scope``, ``targets``, ``overall``,
    ``by_profile``, ``by_doc_type`` (each: ``fields``, one entry per :data:`KEY_FIELDS`,
    ``routing``) and ``by_field`` (field scores).

    Example:
        >>> o = FieldOutcome("a", "cmnd", "fax", "subject", "id_number", "1", "1", True)
        >>> printed_figures([o])["overall"]["id_number"]["exact_match"]
        1.0
    """
    kept = [o for o in outcomes if o.printed]

    def grouped(key: Callable[[FieldOutcome], str]) -> dict[str, Any]:
        groups: dict[str, list[FieldOutcome]] = defaultdict(list)
        for o in kept:
            groups[key(o)].append(o)
        return {k: _printed_group(groups[k]) for k in sorted(groups)}

    return {
        "scope": PRINTED_SCOPE,
        "targets": {
            "exact_match": EXACT_MATCH_TARGET,
            **{name: KEY_FIELD_TARGET for name in KEY_FIELDS},
            "auto_error": AUTO_ERROR_TARGET,
        },
        "overall": _printed_group(kept),
        "by_profile": grouped(lambda o: o.profile),
        "by_doc_type": grouped(lambda o: o.doc_type),
        "by_field": {str(k): v.figures() for k, v in field_scores(kept, lambda o: o.name).items()},
    }


def summarise(docs: Sequence[DocumentEval], n_bins: int = 10) -> dict[str, Any]:
    """All figures for a set of evaluated documents, as JSON-ready data.

    Keys: ``overall``, ``by_profile`` and ``by_doc_type`` (the same figures per group),
    ``by_field`` and ``by_doc_type_field`` (field scores), ``printed`` (the targets' scope,
    :func:`printed_figures`), ``reliability``, ``documents``.
    """
    outcomes = [o for d in docs for o in d.fields]

    def grouped(key: Callable[[DocumentEval], str]) -> dict[str, Any]:
        groups: dict[str, list[DocumentEval]] = defaultdict(list)
        for d in docs:
            groups[key(d)].append(d)
        return {k: _group_figures(groups[k]) for k in sorted(groups)}

    return {
        "overall": _group_figures(docs),
        "by_profile": grouped(lambda d: d.profile),
        "by_doc_type": grouped(lambda d: d.doc_type),
        "by_field": {
            str(k): v.figures() for k, v in field_scores(outcomes, lambda o: o.name).items()
        },
        "by_doc_type_field": [
            {"doc_type": k[0], "field": k[1], **v.figures()}  # type: ignore[index]
            for k, v in field_scores(outcomes, lambda o: (o.doc_type, o.name)).items()
        ],
        "printed": printed_figures(outcomes),
        "reliability": reliability(
            (
                (o.confidence, o.correct)
                for o in outcomes
                if o.extracted and o.confidence is not None
            ),
            n_bins,
        ).figures(),
        "documents": [
            {
                "file": d.file,
                "doc_type": d.doc_type,
                "predicted_doc_type": d.predicted_doc_type,
                "profile": d.profile,
                "pages": d.pages,
                "error": d.error,
                "exact": d.exact,
                "cer": d.text.cer,
                "word_f1": d.text.word_f1,
                "wrong_fields": [
                    {
                        "role": o.role,
                        "field": o.name,
                        "truth": o.truth,
                        "value": o.value,
                        "status": o.status,
                        "confidence": o.confidence,
                        "handwritten": o.handwritten,
                    }
                    for o in d.fields
                    if not o.correct
                ],
            }
            for d in docs
        ],
    }
