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

from extractors import reasons as why
from pipeline.models import Document, ExtractedRecord
from pipeline.preprocess.geometry import is_fax

if TYPE_CHECKING:
    from extractors.calibration import Calibration

__all__ = ["FAX_CONFIDENCE", "extract"]

FAX_CONFIDENCE = 0.9
"""The most a field read on a fax page is trusted, whatever its calibrated confidence, so it goes
to review: on the dev set's 40 fax documents 6 of the 76 fields the calibration would have
accepted were wrong (digits at 100 lines per inch: ``1966`` read ``1906``; docs/extraction.md,
*Fax pages*)."""


def extract(
    document: Document,
    doc_type: str,
    *,
    calibration: Calibration | None = None,
    cap_faxes: bool = True,
) -> list[ExtractedRecord]:
    """Extract one record per person in ``document`` (the subject first).

    Confidences are OCR × pattern strength mapped by ``calibration`` (default: the one shipped,
    :mod:`extractors.calibration`) to the probability that the value is right, before
    validation; see :mod:`extractors.records`. A field read on a page cleaning found to be a fax
    is then held at :data:`FAX_CONFIDENCE` at most, with a reason (``cap_faxes``; off when the
    calibration is fitted). Safe to call from several threads.
    """
    from extractors.calibration import get_calibration
    from extractors.nlp import get_nlp, make_doc
    from extractors.records import build_records

    nlp = get_nlp()
    records = build_records(nlp(make_doc(nlp, document)), doc_type)
    calibration = calibration or get_calibration()
    faxes = {page.number for page in document.pages if is_fax(page.preprocess)}
    for record in records:
        for field in record.fields.values():
            fax = field.page in faxes
            field.confidence = calibration.apply(field.name, field.confidence, fax=fax)
            if cap_faxes and fax and field.confidence > FAX_CONFIDENCE:
                field.confidence = FAX_CONFIDENCE
                field.reasons.append(f"{field.name}: {why.FAX_PAGE}")
    return records
