"""Contact details: phone numbers (digits only) and e-mail addresses.

>>> parse_phone("0912 345 678").value
'0912345678'
>>> parse_phone("+84 912.345.678").value
'0912345678'
"""

from __future__ import annotations

import re

from extractors import reasons as why
from extractors.text import Parsed

__all__ = ["parse_email", "parse_phone"]

_PHONE = re.compile(r"(\+?84\s?|0|O)[0-9O][0-9O .\-]{6,14}[0-9O]")
# The name starts with a letter or digit: a dot or dash before it is a speck.
_EMAIL = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._%+\-]*\s?@\s?[A-Za-z0-9\-]+(?:\s?\.\s?[A-Za-z0-9\-]+)+"
)


def parse_phone(text: str) -> Parsed | None:
    """Vietnamese phone numbers: 10 digits from 0 (mobile, new landline), 11 for old landlines."""
    match = _PHONE.search(text)
    if match is None:
        return None
    raw = match.group()
    digits = re.sub(r"[^0-9]", "", raw.replace("O", "0"))
    if raw.startswith(("+84", "84")):
        digits = "0" + digits[2:]
    reasons = [why.ocr_confusions(["O→0"])] if "O" in raw else []
    if not (len(digits) == 10 or (len(digits) == 11 and digits.startswith("02"))):
        reasons.append(why.phone_digits(len(digits)))
        return Parsed(digits, 0.5, tuple(reasons), *match.span())
    return Parsed(digits, 0.9 if reasons else 1.0, tuple(reasons), *match.span())


# What OCR reads for "@" between the two parts of an address: "an(gmail.com", "an©gmail.com".
_BESIDE_AT = re.compile(r"[(©®&]@(?=[A-Za-z0-9])")
_AT_MISREAD = re.compile(r"(?<=[A-Za-z0-9._])[(©®&]\s?(?=[A-Za-z0-9\-]+\s?\.\s?[A-Za-z]{2})")


def parse_email(text: str) -> Parsed | None:
    """An e-mail address, lower-cased, spaces OCR put around ``@`` and dots removed; an ``@``
    misread as ``(`` or ``©``, or read with one of them before it (``(@``), is put back, with a
    reason.

    >>> parse_email("diepnguyen90(yahoo.com").value
    'diepnguyen90@yahoo.com'
    >>> parse_email("duyen28(@gmail.com").value
    'duyen28@gmail.com'
    """
    match = _EMAIL.search(text)
    reasons: tuple[str, ...] = ()
    if match is None and (stray := _BESIDE_AT.search(text)) is not None:
        # "(@" for "@": the stray mark becomes a space, which the pattern allows and the value
        # drops (same length: same offsets).
        fixed = text[: stray.start()] + " @" + text[stray.end() :]
        match = _EMAIL.search(fixed)
        reasons = (why.ocr_confusions([f"{stray.group()}→@"]),)
    if match is None and "@" not in text:
        at = _AT_MISREAD.search(text)
        if at is not None:
            fixed = text[: at.start()] + "@" + text[at.start() + 1 :]  # same length: same offsets
            match = _EMAIL.search(fixed)
            reasons = (why.ocr_confusions([f"{at.group()[0]}→@"]),)
    if match is None:
        return None
    value = re.sub(r"\s", "", match.group()).lower()
    return Parsed(value, 0.9 if reasons else 1.0, reasons, *match.span())
