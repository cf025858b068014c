"""Numbers and dates written in Vietnamese words, as on birth certificates.

>>> from datetime import date
>>> date_in_words(date(1987, 3, 15))
'Ngày mười lăm, tháng ba, năm một nghìn chín trăm tám mươi bảy'
"""

from __future__ import annotations

from datetime import date

__all__ = ["date_in_words", "number_in_words"]

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
# Months are "tháng tư" (never "tháng bốn"); the rest read like the numbers.
_MONTHS = ("", "một", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười", "mười một",
           "mười hai")  # fmt: skip


def _below_hundred(n: int) -> str:
    tens, unit = divmod(n, 10)
    if tens == 0:
        return _DIGITS[unit]
    head = "mười" if tens == 1 else f"{_DIGITS[tens]} mươi"
    if unit == 0:
        return head
    # The unit changes its name after "mươi"/"mười": 1 → "mốt" (only after "mươi"),
    # 4 → "tư" (only after "mươi"), 5 → "lăm" (after both).
    if unit == 1 and tens > 1:
        tail = "mốt"
    elif unit == 4 and tens > 1:
        tail = "tư"
    elif unit == 5:
        tail = "lăm"
    else:
        tail = _DIGITS[unit]
    return f"{head} {tail}"


def _below_thousand(n: int, *, leading: bool) -> str:
    """``n`` < 1000; ``leading`` False means a higher group precedes it (say "không trăm")."""
    hundreds, rest = divmod(n, 100)
    words = []
    if hundreds or not leading:
        words.append(f"{_DIGITS[hundreds]} trăm")
    if rest:
        if rest < 10 and words:
            words.append("linh")  # 105 → "một trăm linh năm" (the south says "lẻ")
        words.append(_below_hundred(rest))
    return " ".join(words)


def number_in_words(n: int) -> str:
    """A number from 0 to 999 999 in words, northern usage (``"nghìn"``, ``"linh"``).

    >>> number_in_words(2024)
    'hai nghìn không trăm hai mươi tư'
    >>> number_in_words(1905)
    'một nghìn chín trăm linh năm'
    """
    if not 0 <= n < 1_000_000:
        raise ValueError(f"number_in_words handles 0..999999, not {n}")
    if n == 0:
        return _DIGITS[0]
    thousands, rest = divmod(n, 1000)
    if not thousands:
        return _below_thousand(rest, leading=True)
    words = f"{_below_thousand(thousands, leading=True)} nghìn"
    return f"{words} {_below_thousand(rest, leading=False)}" if rest else words


def date_in_words(day: date) -> str:
    """The date the way birth certificates spell it out.

    Days 1 to 10 take "mồng" as in everyday and administrative usage ("ngày mồng một").

        >>> date_in_words(date(2001, 1, 21))
        'Ngày hai mươi mốt, tháng một, năm hai nghìn không trăm linh một'
    """
    day_words = _below_hundred(day.day)
    if day.day <= 10:
        day_words = f"mồng {day_words}"
    return f"Ngày {day_words}, tháng {_MONTHS[day.month]}, năm {number_in_words(day.year)}"
