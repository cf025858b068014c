"""The machine-readable zone of ID cards (ICAO 9303 TD1: three lines of 30 characters).

One place for its check digits and for judging how plausible a read line is: the generator
prints MRZs with :func:`check_digit`, the OCR stage picks between two readings of a line with
:func:`plausibility`, and extraction checks the ID it finds there.

    >>> check_digit("L898902C3"), check_digit("740812")
    ('6', '2')
    >>> plausibility("IDVNM0870123454001087012345<<5") > plausibility("TDVNM6876123454")
    True
"""

from __future__ import annotations

import re

__all__ = ["ALPHABET", "LENGTH", "check_digit", "looks_like_mrz", "plausibility"]

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
"""What an MRZ is printed with (OCR-B capitals, digits and the ``<`` filler)."""

LENGTH = 30
"""Characters per line of a TD1 card (the CCCD)."""

_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
_LIKE = re.compile(r"[A-Z0-9<]{20,}")


def check_digit(text: str) -> str:
    """ICAO 9303 check digit: weights 7, 3, 1 over digits, letters (A = 10) and ``<`` (0)."""
    total = sum(_VALUES.get(c, 0) * (7, 3, 1)[i % 3] for i, c in enumerate(text))
    return str(total % 10)


def looks_like_mrz(text: str) -> bool:
    """An OCR line (spaces ignored) that can only be an MRZ line: 20 or more of its characters,
    no others, and a ``<<`` filler."""
    joined = text.replace(" ", "")
    return "<<" in joined and _LIKE.fullmatch(joined) is not None


def plausibility(line: str) -> tuple[int, int, int]:
    """How much a reading of one TD1 line looks right, to compare two readings of it: whether
    it has the 30 characters, how many of the check digits it could carry agree (the
    document number's at 14 on line 1; birth date's at 6 and expiry's at 14 on line 2), and
    whether it holds only MRZ characters. Greater is better."""
    joined = line.replace(" ", "")
    checks = 0
    if len(joined) == LENGTH:
        # A line passes the checks of its own kind; a wrong reading passes one by chance in ten.
        checks = max(
            int(check_digit(joined[5:14]) == joined[14]),  # line 1: document number
            int(check_digit(joined[0:6]) == joined[6])
            + int(check_digit(joined[8:14]) == joined[14]),
        )
    return (int(len(joined) == LENGTH), checks, int(set(joined) <= set(ALPHABET)))
