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

from pipeline.models import Document, ExtractedRecord

__all__ = ["extract"]


def extract(document: Document, doc_type: str) -> list[ExtractedRecord]:
    """Extract one record per person in ``document`` (the subject first).

    Confidences are OCR × pattern strength, before validation; see :mod:`extractors.records`.
    Safe to call from several threads.
    """
    from extractors.nlp import get_nlp, make_doc
    from extractors.records import build_records

    nlp = get_nlp()
    return build_records(nlp(make_doc(nlp, document)), doc_type)
