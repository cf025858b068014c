"""Dates as Vietnamese documents print them, to ISO ``YYYY-MM-DD``.

Forms understood (matched on folded text, so OCR tone errors do not matter):

* numeric ``15/03/1987``, ``15-03-1987``, ``15.03.1987`` (``O``/``l`` read for ``0``/``1``);
* ``ngày 15 tháng 3 năm 1987``;
* in words, as on birth certificates:
  ``Ngày mười lăm, tháng ba, năm một nghìn chín trăm tám mươi bảy``;
* partial dates keep what is known: ``03/1987`` → ``1987-03``, ``Năm sinh: 1960`` → ``1960``.

>>> parse_date("Ngày mười lăm, tháng ba, năm một nghìn chín trăm tám mươi bảy").value
'1987-03-15'
>>> parse_date("Ngày mồng năm, tháng tư, năm hai nghìn không trăm linh năm").value
'2005-04-05'

(The writer of dates in words, :func:`pipeline.samples.words.date_in_words`, lives with the
sample generator; tests check the round trip.)
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from extractors import reasons as why
from extractors.labels import line_ranges
from extractors.text import LEADER, Parsed, fold

__all__ = ["find_date_candidates", "parse_date", "words_to_int"]

# Folded number words. "mười" (ten) and "mươi" (-ty) fold alike: position tells them apart.
# "mốt" (1), "tư" (4), "lăm"/"nhăm" (5) are the forms used after "mươi"; "bẩy" is a variant.
_UNITS = {
    "khong": 0, "mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "lam": 5,
    "nham": 5, "sau": 6, "bay": 7, "tam": 8, "chin": 9,
}  # fmt: skip
_MONTH_NAMES = {"gieng": 1, "chap": 12}  # "tháng Giêng", "tháng Chạp"
_D = "[0-9oil]"  # a digit, or a letter OCR reads for one (folded text is lowercase)
_DIGIT_REPAIR = str.maketrans("oil", "011")
# Separators: "/", ".", "-", and what OCR reads for a slash ("21I08I1989", "21|08|1989", "21!08",
# "⁄").
_SEP = r"[/.\-|il!⁄]"
# Between a date's parts: blanks, or what is left of a dotted slot's leader ("09 _/ 05 /._ 1973")
_GAP = r"[\s._,'`]{0,6}"
_NUMERIC = re.compile(
    rf"(?<![0-9])({_D}{{1,2}}){_GAP}{_SEP}{_GAP}({_D}{{1,2}}){_GAP}{_SEP}{_GAP}({_D}{{4}})(?![0-9])"
)
_TEXTUAL = re.compile(
    # "ngày" may be the label's ("Sinh ngày 15 tháng 3 năm 1987": the value starts at the day)
    rf"(?:\bng[a-z]?y|^)\s*({_D}{{1,2}})\s*[,.]?\s*thang\s*({_D}{{1,2}})\s*[,.]?\s*nam\s*"
    rf"({_D}{{4}})(?![0-9])"
)
_WORDS = re.compile(
    r"\bngay\s+(?:(?:mung|mong)\s+)?([a-z ]+?)\s*[,.]?\s*"
    r"thang\s+([a-z ]+?)\s*[,.]?\s*nam\s+([a-z ]+)"
)
_MONTH_YEAR = re.compile(
    rf"(?<![0-9/.\-])({_D}{{1,2}})\s?[/.\-]\s?([12][0-9]{{3}})(?![0-9])"
    rf"|\bthang\s*({_D}{{1,2}})\s*[,.]?\s*nam\s*({_D}{{4}})(?![0-9])"
)
_LEADERS = re.compile(LEADER)
_YEAR = re.compile(r"(?<![0-9])([12][0-9]{3})(?![0-9])")


def words_to_int(words: list[str]) -> tuple[int | None, int]:
    """Value of the leading Vietnamese number words (folded) and how many words it used.

    >>> words_to_int("mot nghin chin tram tam muoi bay".split())
    (1987, 7)
    """
    total = chunk = used = 0
    digit: int | None = None
    for word in words:
        if word in _UNITS:
            if digit is not None:
                break  # two unit words in a row: the number ended before
            digit = _UNITS[word]
        elif word == "muoi":
            chunk += 10 if digit is None else digit * 10  # "mười" vs "<n> mươi"
            digit = None
        elif word in {"linh", "le"}:
            if digit is not None:
                break
        elif word == "tram":
            chunk += 100 * (1 if digit is None else digit)
            digit = None
        elif word in {"nghin", "ngan"}:
            total += 1000 * ((chunk + (digit or 0)) or 1)
            chunk, digit = 0, None
        else:
            break
        used += 1
    if not used:
        return None, 0
    return total + chunk + (digit or 0), used


def _int(text: str) -> int:
    return int(text.translate(_DIGIT_REPAIR))


def _iso(year: int, month: int | None = None, day: int | None = None) -> str:
    parts = [f"{year:04d}"]
    if month is not None:
        parts.append(f"{month:02d}")
    if day is not None:
        parts.append(f"{day:02d}")
    return "-".join(parts)


def _repaired(*groups: str) -> tuple[str, ...]:
    if any(not g.isdigit() for g in groups):
        return (why.ocr_confusions(),)
    return ()


def _parse_words(match: re.Match[str]) -> tuple[int, int, int] | None:
    day, _ = words_to_int(match[1].split())
    month_words = match[2].split()
    month = _MONTH_NAMES.get(month_words[0]) if month_words else None
    if month is None:
        month, _ = words_to_int(month_words)
    year, _ = words_to_int(match[3].split())
    if day is None or month is None or year is None:
        return None
    return year, month, day


def _partial_strength(key: str, match: re.Match[str]) -> float:
    """A partial date is as printed ("Năm sinh: 1960") unless more digits stand around it: then
    it is what could be read of a garbled full date ("10I112I1954")."""
    rest = key[: match.start()] + key[match.end() :]
    return 0.5 if any(c.isdigit() for c in rest) else 1.0


def parse_date(text: str) -> Parsed | None:
    """Find the first date in ``text``, full or partial (see module docstring).

    The value is ISO (``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``); whether it is a real calendar
    date is left to validation, which says so instead of guessing another date.
    """
    # Same length, so offsets stay valid: a form's leaders ("…12…/…03…/…1990…") read as blanks.
    key = _LEADERS.sub(lambda m: " " * len(m[0]), re.sub(r"\s", " ", fold(text)))
    for pattern in (_NUMERIC, _TEXTUAL):
        match = pattern.search(key)
        if match:
            day, month, year = (_int(g) for g in match.groups())
            between = key[match.end(1) : match.start(2)] + key[match.end(2) : match.start(3)]
            letters = ("x",) if pattern is _NUMERIC and re.search(r"[il|!⁄]", between) else ()
            return Parsed(
                _iso(year, month, day),
                1.0,
                _repaired(*match.groups(), *letters),
                match.start(),
                match.end(),
            )
    match = _WORDS.search(key)
    if match:
        parsed = _parse_words(match)
        if parsed is not None:
            return Parsed(_iso(*parsed), 1.0, (why.DATE_FROM_WORDS,), *match.span())
    match = _MONTH_YEAR.search(key)
    if match:
        month_text, year_text = (match[1], match[2]) if match[1] else (match[3], match[4])
        reasons = (why.partial_date("month"), *_repaired(month_text, year_text))
        value = _iso(_int(year_text), _int(month_text))
        return Parsed(value, _partial_strength(key, match), reasons, *match.span())
    match = _YEAR.search(key)
    if match:
        reasons = (why.partial_date("year"),)
        return Parsed(match[1], _partial_strength(key, match), reasons, *match.span())
    match = re.search(r"\bnam\s+([a-z ]+)", key)
    if match:
        year, _ = words_to_int(match[1].split())
        if year is not None and 1000 <= year < 3000:
            reason = why.partial_date("year", in_words=True)
            return Parsed(str(year), 1.0, (reason,), match.start())
    return None


@Language.component(
    "sohoa_date_candidates_v1", assigns=["doc.spans"], requires=["token.norm"], retokenizes=False
)
def find_date_candidates(doc: Doc) -> Doc:
    """Set ``doc.spans["date_candidates"]``: unlabelled "ngày … tháng … năm …" dates.

    On a birth certificate the one at the bottom (place and date of signing) is the
    registration date.
    """
    spans = []
    for start, end in line_ranges(doc):
        line = doc[start:end]
        key = fold(line.text)
        for match in _TEXTUAL.finditer(key):
            span = line.char_span(*match.span(), "date", alignment_mode="expand")
            if span is not None:
                spans.append(span)
    doc.spans["date_candidates"] = spans
    return doc
