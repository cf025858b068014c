"""Personal ID numbers (CCCD / số định danh cá nhân, old CMND) and register numbers.

A CCCD number is 12 digits: 3-digit province-of-birth code, a century/sex digit, the last two
digits of the birth year and 6 random digits. OCR reads boxed digits with spaces
("0 3 8 0 9 …") and confuses digits with look-alike letters (``O``/``0``, ``l``/``1``,
``B``/``8``, ``S``/``5``, ``Z``/``2``); letters are turned into digits only inside a digit run,
and only if the result is a valid ID (12 digits, known province code); a repaired ID is less
confident.

>>> parse_id("0 3 8 0 9 0 0 1 2 3 4 5").value
'038090012345'
>>> parse_id("O01087012345").strength
0.85
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spacy.language import Language
from spacy.tokens import Doc

from extractors import reasons as why
from extractors.labels import line_ranges
from extractors.text import Parsed, clean_value

__all__ = [
    "ID_LENGTHS",
    "PROVINCE_CODES",
    "find_id_candidates",
    "parse_id",
    "parse_number",
    "parse_registry_number",
]

PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn",
    "008": "Tuyên Quang", "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu",
    "014": "Sơn La", "015": "Yên Bái", "017": "Hòa Bình", "019": "Thái Nguyên",
    "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang", "025": "Phú Thọ",
    "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định",
    "037": "Ninh Bình", "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh",
    "044": "Quảng Bình", "045": "Quảng Trị", "046": "Thừa Thiên Huế", "048": "Đà Nẵng",
    "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định", "054": "Phú Yên",
    "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng",
    "070": "Bình Phước", "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu", "079": "Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang",
    "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long", "087": "Đồng Tháp",
    "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang",
    "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}  # fmt: skip
"""Province-of-birth codes used in CCCD numbers (the 63 provinces before the 2025 merger)."""

ID_LENGTHS = (12, 9)  # CCCD / định danh; old CMND
_CONFUSIONS = str.maketrans("OoDQIlBSZ", "000011852")
_DIGITISH = "0-9OoDQIlBSZ"
# A run of digits or look-alikes, possibly broken by single spaces, dots or dashes.
_RUN = re.compile(rf"(?<![^\W\d_])[{_DIGITISH}](?:[ .\-]?[{_DIGITISH}])*(?![^\W\d_])")
_PART = re.compile(rf"[{_DIGITISH}]+")
_REGISTRY = re.compile(r"[0-9]+(?:\s*/\s*[0-9]+)*(?:\s*/\s*[A-ZĐa-zđ.\-]+)*")
_MIN_REAL_DIGITS = 6  # fewer real digits than this and a "number" is just letters


def _valid(digits: str) -> bool:
    return len(digits) == 9 or (len(digits) == 12 and digits[:3] in PROVINCE_CODES)


def _candidates(text: str, lengths: tuple[int, ...]) -> Iterator[tuple[int, int]]:
    """Character ranges of digit-run pieces adding up to one of ``lengths`` digits.

    "001087012345 15" is one run (two space-separated parts): its first parts that add up to
    12 digits are the ID and the rest is something else.
    """
    for run in _RUN.finditer(text):
        parts = list(_PART.finditer(run.group()))
        for i, first in enumerate(parts):
            count = 0
            for part in parts[i:]:
                count += len(part.group())
                if count in lengths:
                    yield run.start() + first.start(), run.start() + part.end()
                if count >= max(lengths):
                    break


def _repair_reason(raw: str) -> str:
    pairs = sorted({f"{c}→{c.translate(_CONFUSIONS)}" for c in raw if not c.isdigit()})
    return why.ocr_confusions(pairs)


def parse_id(text: str, lengths: tuple[int, ...] = ID_LENGTHS) -> Parsed | None:
    """Find an ID number of one of ``lengths`` digits in ``text``.

    Returns the first clean number (strength 1.0), else the first one that validates after
    repairing look-alike letters (0.85), else any long digit run as read (0.3, flagged).
    """
    repaired: Parsed | None = None
    for length in lengths:  # the longest kind first: "0 3 8 0 9 0 0 1 2 3 4 5" holds 9 digits too
        for start, end in _candidates(text, (length,)):
            raw = re.sub(r"[ .\-]", "", text[start:end])
            if sum(c in "0123456789" for c in raw) < _MIN_REAL_DIGITS:
                continue
            if raw.isascii() and raw.isdigit():
                return Parsed(raw, 1.0, (), start, end)
            digits = raw.translate(_CONFUSIONS)
            if repaired is None and _valid(digits):
                repaired = Parsed(digits, 0.85, (_repair_reason(raw),), start, end)
        if repaired is not None:
            return repaired
    if 12 in lengths:
        # Every province code starts with 0, and OCR loses a leading 0 next to the label's
        # ":" now and then: 11 digits not starting with 0 that make a valid ID with it are
        # most likely that ID. (Starting with 0, the digit lost is elsewhere.)
        for run in _RUN.finditer(text):
            digits = run.group()
            if len(digits) == 11 and digits.isdigit() and digits[0] != "0" and _valid("0" + digits):
                return Parsed("0" + digits, 0.6, (why.LEADING_ZERO_ADDED,), *run.span())
    for run in _RUN.finditer(text):
        digits = re.sub(r"[^0-9]", "", run.group())
        if len(digits) >= _MIN_REAL_DIGITS:
            return Parsed(digits, 0.3, (why.digits_read(len(digits)),), run.start(), run.end())
    return None


# An "O" (or "Ô", "Ơ") OCR read for a zero next to a digit, in a word of its own: "Ô1", "1O".
_ZERO_READ_AS_O = re.compile(r"(?<![^\W\d_])[OÔƠoôơ](?=[0-9])|(?<=[0-9])[OÔƠoôơ](?![^\W\d_])")


def parse_registry_number(text: str) -> Parsed | None:
    """Register / book numbers as printed: ``"123/2020"``, ``"01"``, ``"45/2019/KS"``.

    >>> parse_registry_number("Ô1").value
    '01'
    """
    repaired = _ZERO_READ_AS_O.sub("0", text)  # one character for one: offsets stay valid
    match = _REGISTRY.search(repaired)
    if match is None:
        value = clean_value(text)
        if not value:
            return None
        return Parsed(value, 0.5, (why.NO_DIGITS,))
    value = re.sub(r"\s+", "", match.group()).upper()
    if repaired[match.start() : match.end()] != text[match.start() : match.end()]:
        return Parsed(value, 0.9, (why.ocr_confusions(["O→0"]),), match.start(), match.end())
    return Parsed(value, 1.0, (), match.start(), match.end())


def parse_number(text: str) -> tuple[str, Parsed] | None:
    """A bare "Số:" / "No.:" label: an ID when its value is one, else a register number."""
    parsed = parse_id(text, (12,))
    if parsed is not None and parsed.strength >= 0.85:
        return "id_number", parsed
    # Register numbers are short ("123/2020"): a long digit run is an ID missing a digit.
    if parsed is not None and len(parsed.value or "") >= 9:
        return "id_number", parsed
    parsed = parse_registry_number(text)
    return ("registration_number", parsed) if parsed is not None else None


@Language.component("sohoa_id_candidates_v1", assigns=["doc.spans"], requires=[], retokenizes=False)
def find_id_candidates(doc: Doc) -> Doc:
    """Set ``doc.spans["id_candidates"]``: every valid 12-digit ID anywhere, labelled or not.

    Used when the label of the ID is unreadable.
    """
    spans = []
    whole = doc.text  # built anew from the tokens on every access: once, not once per line
    for start, end in line_ranges(doc):
        line = doc[start:end]
        offset = line.start_char
        text = whole[offset : line.end_char]
        for first, last in _candidates(text, (12,)):
            parsed = parse_id(text[first:last], (12,))
            if parsed is None or parsed.strength < 0.85:
                continue
            span = doc.char_span(
                offset + first, offset + last, "id_number", alignment_mode="expand"
            )
            if span is not None:
                spans.append(span)
    doc.spans["id_candidates"] = spans
    return doc
