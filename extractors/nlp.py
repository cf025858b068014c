"""The spaCy pipeline and the bridge from the OCR tree to a spaCy ``Doc``.

``spacy.blank("vi")`` alone splits on whitespace only (its word segmentation needs pyvi), which
leaves ``"tên:"`` as one token; OCR text needs punctuation split off, so the pipeline uses spaCy's
rule-based ``Tokenizer`` with the default prefix/suffix/infix rules.

Each OCR word is tokenized on its own, so every token belongs to exactly one OCR word
(``token._.word`` indexes ``doc.user_data["sohoa_words"]``, giving page, box and confidence), and
each OCR line starts a sentence.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache
from itertools import pairwise
from typing import NamedTuple

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Token
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

# Imported for their side effect: registering the components named in PIPELINE.
from extractors import dates, ids, labels  # noqa: F401
from extractors.text import nfc
from pipeline.models import BBox, Document, Page, Word

__all__ = ["PIPELINE", "OcrWord", "get_nlp", "make_doc"]

PIPELINE = (
    "sohoa_fold_norms_v1",
    "sohoa_label_ruler_v1",
    "sohoa_label_values_v1",
    "sohoa_id_candidates_v1",
    "sohoa_date_candidates_v1",
)

if not Token.has_extension("word"):
    Token.set_extension("word", default=None)

# The tokenizer keeps a cache that it mutates; documents are built from several threads.
_TOKENIZER_LOCK = threading.Lock()


class OcrWord(NamedTuple):
    """An OCR word, the page it is on, and its box in reading orientation.

    ``box`` is ``word.bbox`` turned so that lines run left to right and follow each other
    downwards, whatever the orientation of the pixels the boxes refer to (a page scanned sideways
    and turned upright by preprocessing may report boxes in the scan's frame). Layout rules use
    ``box``; provenance keeps ``word.bbox``.
    """

    page: int
    word: Word
    box: BBox


def _reading_frame(page: Page) -> Callable[[BBox], BBox]:
    """How to turn ``page``'s boxes into reading orientation, judged from its lines' shapes.

    Text lines are wider than tall and follow each other down the page; when the boxes say
    otherwise the page's boxes are rotated by 90°, 180° or 270°.
    """
    boxes = [b for line in page.lines if len(line.words) >= 2 and (b := line.bbox) is not None]
    if len(boxes) < 3:
        return lambda box: box
    tall = sum((b[3] - b[1]) > (b[2] - b[0]) for b in boxes) > len(boxes) / 2
    axis = 0 if tall else 1  # the axis along which successive lines advance
    steps = [(b[axis] + b[axis + 2]) - (a[axis] + a[axis + 2]) for a, b in pairwise(boxes)]
    backwards = sum(d < 0 for d in steps) > len(steps) / 2
    big = 10 * max(page.width, page.height)  # any offset keeping coordinates positive
    if not tall and not backwards:
        return lambda box: box
    if not tall:  # upside down
        return lambda b: (big - b[2], big - b[3], big - b[0], big - b[1])
    if backwards:  # lines advance towards -x: reading "down" is -x, "right" is +y
        return lambda b: (b[1], big - b[2], b[3], big - b[0])
    return lambda b: (big - b[3], b[0], big - b[1], b[2])  # "down" is +x, "right" is -y


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The extraction pipeline (built once per process; safe to call ``nlp(doc)`` from threads)."""
    nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"@tokenizers": "spacy.Tokenizer.v1"}}})
    tokenizer = nlp.tokenizer
    # OCR glues labels, colons, leaders and table bars to words: "sinh:.....NGUYỄN", "|NAM|",
    # and item numbers to labels: "2.Ngày, tháng, năm sinh".
    tokenizer.prefix_search = compile_prefix_regex(
        [*nlp.Defaults.prefixes, r"\|", r"\.(?=\w)", r"\d{1,2}\.(?=[^\W\d_])"]
    ).search
    # Footnote marks glued to a label: "sinh(1):", "sinh¹:", "trú*:".
    tokenizer.suffix_search = compile_suffix_regex(
        [*nlp.Defaults.suffixes, r"\|", r":", r"[¹²³⁴⁵⁶⁷⁸⁹⁰*]+"]
    ).search
    # "năm⁄Date": a fraction slash (U+2044) read for "/" splits like one.
    tokenizer.infix_finditer = compile_infix_regex(
        [*nlp.Defaults.infixes, r"[:|⁄]", r"(?<=[^\W\d_])\((?=\w)"]
    ).finditer
    for name in PIPELINE:
        nlp.add_pipe(name)
    return nlp


def _speck_test(page: Page, turn: Callable[[BBox], BBox]) -> Callable[[Word], bool]:
    """Is a word a speck OCR read as a character: one character in a box far smaller than
    the page's letters, or a hairline (where a table's rules cross, Tesseract reads ``Ï``,
    ``¡`` or ``'`` in a box 1–5 px wide)? Measured against the median height of the page's
    words of two characters or more, in reading orientation (``turn``)."""
    boxes = [turn(w.bbox) for line in page.lines for w in line.words if len(w.text) >= 2]
    heights = sorted(b[3] - b[1] for b in boxes)
    if len(heights) < 10:
        return lambda word: False
    letter = heights[len(heights) // 2]

    def speck(word: Word) -> bool:
        if len(word.text) != 1:
            return False
        x0, y0, x1, y1 = turn(word.bbox)
        width, height = x1 - x0, y1 - y0
        return max(width, height) <= 0.3 * letter or width <= 0.06 * letter

    return speck


def make_doc(nlp: Language, document: Document) -> Doc:
    """A ``Doc`` of all pages of ``document``, one token run per OCR word, lines as sentences."""
    words: list[OcrWord] = []
    tokens: list[str] = []
    spaces: list[bool] = []
    sent_starts: list[bool] = []
    owners: list[int] = []
    with _TOKENIZER_LOCK:
        for page in document.pages:
            turn = _reading_frame(page)
            speck = _speck_test(page, turn)
            for line in page.lines:
                line_start = True
                for word in line.words:
                    if speck(word):
                        continue
                    pieces = [t for t in nlp.tokenizer(nfc(word.text)) if not t.is_space]
                    if not pieces:
                        continue
                    words.append(OcrWord(page.number, word, turn(word.bbox)))
                    for n, piece in enumerate(pieces):
                        tokens.append(piece.text)
                        spaces.append(n == len(pieces) - 1 or bool(piece.whitespace_))
                        sent_starts.append(line_start)
                        owners.append(len(words) - 1)
                        line_start = False
    doc = Doc(nlp.vocab, words=tokens, spaces=spaces, sent_starts=sent_starts or None)
    for token, owner in zip(doc, owners, strict=True):
        token._.word = owner
    doc.user_data["sohoa_words"] = words
    return doc
