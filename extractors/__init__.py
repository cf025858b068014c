"""Field extraction: a spaCy pipeline of versioned rule components, one module per field family.

>>> from extractors import extract
>>> records = extract(document, "cccd_front")  # doctest: +SKIP
>>> records[0].fields["id_number"].value  # doctest: +SKIP
'001087012345'

Modules: :mod:`~extractors.text` (normalisation), :mod:`~extractors.labels` (label variants, label
and value components), :mod:`~extractors.ids`, :mod:`~extractors.names`,
:mod:`~extractors.dates`, :mod:`~extractors.person`, :mod:`~extractors.places`,
:mod:`~extractors.phone` (value parsers), :mod:`~extractors.nlp` (pipeline and OCR → ``Doc``),
:mod:`~extractors.records` (fields, confidence, roles).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.models import Document, ExtractedRecord

if TYPE_CHECKING:
    from extractors.calibration import Calibration

__all__ = ["extract"]


def extract(
    document: Document, doc_type: str, *, calibration: Calibration | None = None
) -> list[ExtractedRecord]:
    """Extract one record per person in ``document`` (the subject first).

    Confidences are OCR × pattern strength mapped by ``calibration`` (default: the one shipped,
    :mod:`extractors.calibration`) to the probability that the value is right, before
    validation; see :mod:`extractors.records`. Safe to call from several threads.
    """
    from extractors.calibration import get_calibration
    from extractors.nlp import get_nlp, make_doc
    from extractors.records import build_records

    nlp = get_nlp()
    records = build_records(nlp(make_doc(nlp, document)), doc_type)
    calibration = calibration or get_calibration()
    for record in records:
        for field in record.fields.values():
            field.confidence = calibration.apply(field.name, field.confidence)
    return records
