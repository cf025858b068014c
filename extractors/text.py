"""Text normalisation for OCRed Vietnamese: NFC, tone-mark placement, folding for matching.

Two kinds of text leave this module:

* *values* (``normalize``): Unicode NFC with one consistent tone-mark placement, so that
  ``"Hoà"`` and ``"Hòa"`` — both correct Vietnamese, written in two styles — compare equal;
* *keys* (``fold``): lowercase, without tone marks or vowel marks, ``đ → d``; one character per
  input character so offsets in the folded text are offsets in the NFC text. Labels and keywords
  are matched on keys, which makes them immune to the tone marks Tesseract drops or misreads.

>>> fold("Họ và tên")
'ho va ten'
>>> normalize("Khánh Hoà, thuỷ")
'Khánh Hòa, thủy'
>>> name_case("NGUYỄN THỊ HỒNG NHUNG")
'Nguyễn Thị Hồng Nhung'
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal, NamedTuple

__all__ = [
    "LEADER",
    "Parsed",
    "clean_value",
    "fold",
    "name_case",
    "nfc",
    "normalize",
    "normalize_tone_marks",
    "strip_diacritics",
    "styled_like",
]

# Combining tone marks (the five tones other than level); vowel-quality marks (breve, circumflex,
# horn) are not tones and stay where they are.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
LEADER = r"\.{2,}|…+|_{2,}"
"""A dotted leader as OCR reads it: the dots, ellipses or underscores a form fills space with."""
_SYLLABLE = re.compile(r"\w+")
# Open syllables ending in oa / oe / uy are the only ones whose tone placement differs between the
# traditional ("hòa", "thủy") and the new ("hoà", "thuỷ") style; with a final consonant ("hoàng",
# "khuyến") both styles agree. "qu" + y is not such a case: the u belongs to the onset ("quý").
_AMBIGUOUS = re.compile(r"^(?P<onset>[bcdđghklmnpqrstvx]*)(?P<nucleus>oa|oe|uy)$")
# Dotted leaders, ellipses and stray bars that OCR leaves around form values.
_LEADER_EDGES = re.compile(r"^[\s.:;,…_|/\-–—·•*]+|[\s.:;,…_|/\-–—·•*]+$")
_SPACES = re.compile(r"[ \t\u00a0]+")


class Parsed(NamedTuple):
    """What a value parser made of a label's value text.

    ``strength`` is how well the text fits the field's pattern (1.0 = valid, lower = doubtful);
    ``start``/``end`` delimit the characters of the text actually used (for boxes and confidence).
    """

    value: str | None
    strength: float
    reasons: tuple[str, ...] = ()
    start: int = 0
    end: int | None = None


def nfc(text: str) -> str:
    """Unicode NFC (OCR and PDFs sometimes deliver decomposed marks)."""
    return unicodedata.normalize("NFC", text)


def _fold_char(char: str) -> str:
    if char in "đĐðÐ":  # Ð (eth) is OCR's reading of Đ in some fonts
        return "d"
    base = unicodedata.normalize("NFD", char)[0]
    lower = base.lower()
    # Keep one output character per input character so folded offsets stay valid.
    return lower if len(lower) == 1 else base


def fold(text: str) -> str:
    """Matching key: NFC, lowercase, no diacritics, ``đ → d``, same length as ``nfc(text)``."""
    return "".join(_fold_char(c) for c in nfc(text))


def strip_diacritics(text: str) -> str:
    """Remove tone and vowel marks but keep case: ``"Nguyễn Đức" → "Nguyen Duc"``."""
    out = []
    for char in nfc(text):
        if char == "đ":
            out.append("d")
        elif char == "Đ":
            out.append("D")
        else:
            out.append(unicodedata.normalize("NFD", char)[0])
    return "".join(out)


def _retone(syllable: str, style: Literal["old", "new"]) -> str:
    decomposed = unicodedata.normalize("NFD", syllable)
    tones = [c for c in decomposed if c in _TONES]
    if len(tones) != 1:
        return syllable
    toneless = nfc("".join(c for c in decomposed if c not in _TONES))
    match = _AMBIGUOUS.match(toneless.lower())
    if not match or (match["nucleus"] == "uy" and match["onset"].endswith("q")):
        return syllable
    target = len(match["onset"]) + (0 if style == "old" else 1)
    chars = list(toneless)
    chars[target] = nfc(chars[target] + tones[0])
    return "".join(chars)


def normalize_tone_marks(text: str, style: Literal["old", "new"] = "old") -> str:
    """Put tone marks of ``oa``/``oe``/``uy`` open syllables in one place.

    ``style="old"`` (the default, as in the official names "Hòa Bình", "Thanh Hóa") gives
    ``"hòa", "khỏe", "thủy"``; ``"new"`` gives ``"hoà", "khoẻ", "thuỷ"``.
    """
    return _SYLLABLE.sub(lambda m: _retone(m.group(), style), nfc(text))


def normalize(text: str) -> str:
    """NFC, traditional tone placement, single spaces, no surrounding blanks."""
    return _SPACES.sub(" ", normalize_tone_marks(text)).strip()


def clean_value(text: str) -> str:
    """Strip dotted leaders, colons and stray bars from both ends of a value, collapse spaces."""
    return _LEADER_EDGES.sub("", _SPACES.sub(" ", text))


def name_case(text: str) -> str:
    """``"NGUYỄN thị hồng NHUNG" → "Nguyễn Thị Hồng Nhung"`` (NFC, tone marks normalised)."""
    return " ".join(word[:1].upper() + word[1:].lower() for word in normalize(text).split())


def styled_like(spelled: str, written: str) -> str:
    """``spelled`` (lower case) in the case ``written`` was in: all capitals, a capital first,
    or as it is (``styled_like("quận", "QUẢN") == "QUẬN"``)."""
    if written.isupper():
        return spelled.upper()
    if written[:1].isupper():
        return spelled[:1].upper() + spelled[1:]
    return spelled
