"""Document classification: which kind of paper is this page set?

Keyword cues on folded text (lowercase, no tone marks: OCR drops and confuses them), weighted:
a document's title ("GIẤY KHAI SINH", "CĂN CƯỚC CÔNG DÂN") counts most, and more when it is in
the first lines where titles are printed; labels typical of a type count less. The confidence is
the winner's share of all evidence, damped when the evidence is thin.

>>> from tests.conftest import document_from_text  # doctest: +SKIP
>>> classify(document_from_text("GIẤY KHAI SINH\\nHọ, chữ đệm, tên: A"))  # doctest: +SKIP
('birth_certificate', 0.9)
"""

from __future__ import annotations

import re

from extractors.text import fold
from pipeline.models import Document

__all__ = ["CUES", "DOC_TYPES", "REGISTER_TYPES", "classify"]

DOC_TYPES = (
    "cccd_front",
    "cccd_back",
    "cmnd",
    "birth_certificate",
    "marriage_certificate",
    "death_certificate",
    "household_book",
    "application_form",
    "contract",
    "civil_register_page",
    "unknown",
)

REGISTER_TYPES = frozenset({"civil_register_page"})
"""Ledger pages: one record per entry, read by :mod:`pipeline.registers` (their rules erased)."""

_TITLE, _STRONG, _WEAK = 4.0, 2.0, 1.0
CUES: dict[str, tuple[tuple[str, float], ...]] = {
    "cccd_front": (
        ("can cuoc cong dan", _TITLE),
        ("citizen identity card", _TITLE),
        ("can cuoc", _WEAK),
        ("identity card", _STRONG),
        ("full name", _WEAK),
        ("date of birth", _WEAK),
        ("place of origin", _WEAK),
        ("place of residence", _WEAK),
        ("date of expiry", _STRONG),
        ("co gia tri den", _STRONG),
    ),
    "cccd_back": (
        ("dac diem nhan dang", _TITLE),
        ("personal identification", _STRONG),
        ("ngon tro trai", _STRONG),
        ("ngon tro phai", _STRONG),
        ("left index finger", _STRONG),
        ("idvnm", _TITLE),
        ("cuc truong cuc canh sat", _STRONG),
    ),
    "cmnd": (
        ("chung minh nhan dan", _TITLE),
        ("nguyen quan", _WEAK),
        ("noi dkhk thuong tru", _STRONG),
    ),
    "birth_certificate": (
        ("giay khai sinh", _TITLE),
        ("ban sao giay khai sinh", _TITLE),
        ("trich luc khai sinh", _TITLE),
        ("noi dang ky khai sinh", _STRONG),
        ("ghi bang chu", _STRONG),
        ("ten nguoi me", _STRONG),
        ("ten nguoi cha", _STRONG),
        ("so dinh danh ca nhan", _WEAK),
        ("quyen so", _WEAK),
    ),
    "marriage_certificate": (
        ("giay chung nhan ket hon", _TITLE),
        ("dang ky ket hon", _STRONG),
        ("thong tin nguoi chong", _STRONG),
        ("thong tin nguoi vo", _STRONG),
        ("ho ten chong", _STRONG),
        ("ho ten vo", _STRONG),
    ),
    "death_certificate": (
        ("trich luc khai tu", _TITLE),
        ("giay chung tu", _TITLE),
        ("giay bao tu", _TITLE),
        ("khai tu", _STRONG),
        ("ngay chet", _STRONG),
        ("noi chet", _STRONG),
        ("nguyen nhan chet", _STRONG),
    ),
    "household_book": (
        ("so ho khau", _TITLE),
        ("chu ho", _STRONG),
        ("quan he voi chu ho", _STRONG),
        ("ho so ho khau so", _STRONG),
    ),
    "application_form": (
        ("to khai", _TITLE),
        ("don de nghi", _TITLE),
        ("don xin", _TITLE),
        ("phieu de nghi", _TITLE),
        ("kinh gui", _STRONG),
        ("toi ten la", _STRONG),
        ("toi xin cam doan", _STRONG),
        ("nguoi khai", _WEAK),
        ("nguoi lam don", _WEAK),
        ("so dien thoai", _WEAK),
        ("email", _WEAK),
    ),
    "contract": (
        ("hop dong", _TITLE),
        ("ben a", _STRONG),
        ("ben b", _STRONG),
        ("dieu 1", _WEAK),
        ("hai ben", _WEAK),
    ),
    "civil_register_page": (
        ("so dang ky khai sinh", _TITLE),
        ("so dang ky ket hon", _TITLE),
        ("so dang ky khai tu", _TITLE),
        ("so ho tich", _TITLE),
        ("so thu tu", _STRONG),
        ("ngay thang nam dang ky", _STRONG),
    ),
}
"""Folded cue phrases per document type with their weights."""

_HEAD_LINES = 8  # titles are printed within the first lines of a page
_MIN_SCORE = 2.0  # below this, nothing is recognised: "unknown"
_NON_WORD = re.compile(r"[\W_]+")


def _key(text: str) -> str:
    """Folded words separated by single spaces, padded so cues match whole words only."""
    return " " + _NON_WORD.sub(" ", fold(text)).strip() + " "


_CUES = {t: tuple((_key(c), w) for c, w in cues) for t, cues in CUES.items()}


def _score(cues: tuple[tuple[str, float], ...], body: str, heads: list[str]) -> float:
    score = 0.0
    for cue, weight in cues:
        if cue not in body:
            continue
        if weight == _TITLE:
            # A title opens one of the first lines; inside a longer title ("TỜ KHAI CĂN CƯỚC
            # CÔNG DÂN") or in running text it only says what the document is about.
            weight = _TITLE * 1.5 if any(h.startswith(cue) for h in heads) else _WEAK
        score += weight
    return score


def classify(document: Document) -> tuple[str, float]:
    """The document's type (one of :data:`DOC_TYPES`) and a confidence in [0, 1].

    Returns ``("unknown", confidence)`` when no type has enough evidence.
    """
    heads = [_key(line.text) for page in document.pages for line in page.lines[:_HEAD_LINES]]
    body = _key(document.text)
    scores = {doc_type: _score(cues, body, heads) for doc_type, cues in _CUES.items()}
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < _MIN_SCORE:
        return "unknown", round(1.0 - top / _MIN_SCORE * 0.5, 3)
    share = top / (top + second)
    strength = min(1.0, top / (2 * _TITLE))
    return best, round(share * (0.5 + 0.5 * strength), 3)
