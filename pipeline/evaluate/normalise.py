"""Text normalisation for scoring: two spellings of the same Vietnamese text must compare equal.

Vietnamese has two accepted places for the tone mark in open syllables with ``oa``, ``oe`` and
``uy``: "hòa, hòe, thúy" and "hoà, hoè, thuý". Both are correct and both occur in print, in the
sample generator's fonts and in Tesseract's output, so a scorer that compared bytes would count
a correctly read name as wrong. :func:`normalise_tone_placement` rewrites every syllable with the
mark on the vowel chosen by one rule (the first form above: "hòa", "thúy"), whatever its input.

    >>> normalise_tone_placement("Nguyễn Thị Thuý Hoà")
    'Nguyễn Thị Thúy Hòa'
    >>> normalise_tone_placement("quỳnh giữa")  # the u of qu and the i of gi are not vowels here
    'quỳnh giữa'
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "TONE_MARKS",
    "normalise_text",
    "normalise_tone_placement",
    "strip_diacritics",
    "strip_leaders",
    "words",
]

# Combining marks in NFD: the five tones, kept apart from the vowel-quality marks (breve,
# circumflex, horn) which belong to the letter and never move.
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền sắc ngã hỏi nặng
_QUALITY_MARKS = frozenset("\u0306\u0302\u031b")  # ă, â ê ô, ơ ư
_VOWELS = frozenset("aeiouy")
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_WORD = re.compile(r"\w+")
# Dot leaders of forms ("Họ và tên: ....... NGUYỄN VĂN AN ......"): 3 or more dots, ellipses,
# underscores or middle dots, spaces between them allowed.
_LEADER = re.compile(r"(?:[.…_·](?:\s*[.…_·]){2,})")


def _tone_position(bases: list[str], marks: list[set[str]]) -> int | None:
    """Index of the letter that carries the tone in a syllable, or None if it is not one.

    ``bases`` are the lower-case letters without marks, ``marks`` their quality marks.
    """
    vowels = [i for i, b in enumerate(bases) if b in _VOWELS]
    if not vowels or vowels[-1] - vowels[0] + 1 != len(vowels):
        return None  # no vowel, or two vowel groups: a foreign word or OCR debris, left alone
    start, end = vowels[0], vowels[-1]
    # "qu" and "gi" are consonants when another vowel follows: quý, quỳnh, già, giữa.
    if (
        start > 0
        and end > start
        and (
            (bases[start - 1] == "q" and bases[start] == "u")
            or (bases[start - 1] == "g" and bases[start] == "i" and start == 1)
        )
    ):
        start += 1
    nucleus = list(range(start, end + 1))
    marked = [i for i in nucleus if marks[i]]
    if marked:
        return marked[-1]  # tiếng, người (ươ: on ơ), cứu
    if end + 1 < len(bases) or len(nucleus) == 1:
        return nucleus[-1]  # closed syllable: hoàng, toán, huỳnh
    if len(nucleus) == 3:
        return nucleus[1]  # ngoài, khuỷu, ngoẹo
    return nucleus[0]  # open pair: hòa, thúy, mía, tài (the rule this module chose)


def _renormalise_syllable(syllable: str) -> str:
    decomposed = unicodedata.normalize("NFD", syllable)
    letters: list[str] = []
    qualities: list[set[str]] = []
    tones: list[str] = []
    for char in decomposed:
        if char in TONE_MARKS:
            tones.append(char)
        elif unicodedata.combining(char):
            if not letters:
                return syllable
            qualities[-1].add(char)
        else:
            letters.append(char)
            qualities.append(set())
    if len(tones) != 1:
        return syllable  # untoned, or several tones (not Vietnamese): nothing to place
    if any(q - _QUALITY_MARKS for q in qualities):
        return syllable  # a mark Vietnamese does not use (ü, ç …): not ours to rewrite
    where = _tone_position([c.lower() for c in letters], qualities)
    if where is None:
        return syllable
    out = []
    for i, (letter, quality) in enumerate(zip(letters, qualities, strict=True)):
        # Canonical order: quality mark first, then the tone (as NFD of "ế" has it).
        out.append(letter + "".join(sorted(quality)) + (tones[0] if i == where else ""))
    return unicodedata.normalize("NFC", "".join(out))


def normalise_tone_placement(text: str) -> str:
    """``text`` in NFC with every Vietnamese tone mark on the vowel one rule picks.

    The rule: a vowel with a quality mark (ă â ê ô ơ ư; the last one in ươ) takes the tone;
    otherwise the last vowel of a closed syllable ("hoàng"), the middle one of three ("ngoài"),
    or the first of an open pair ("hòa", "thúy", "mía"). ``qu`` and ``gi`` before a vowel are
    consonants ("quý", "già"). Letter case is kept; words that are not one Vietnamese syllable
    with one tone are returned unchanged.

    Args:
        text: any text.

    Returns:
        The text in NFC, with tone marks moved where needed.

    Example:
        >>> normalise_tone_placement("HOÀ hòa Khoẻ")
        'HÒA hòa Khỏe'
    """
    text = unicodedata.normalize("NFC", text)
    return _LETTER_RUN.sub(lambda m: _renormalise_syllable(m.group()), text)


def normalise_text(text: str) -> str:
    """NFC, one tone placement, whitespace runs collapsed to one space, ends stripped.

    Case and punctuation are kept: they are part of what OCR must get right.

    Example:
        >>> normalise_text("  Hoà\\n  Bình ")
        'Hòa Bình'
    """
    return " ".join(normalise_tone_placement(text).split())


def strip_leaders(text: str) -> str:
    """``text`` with dot leaders replaced by a space.

    Forms print hundreds of leader dots; Tesseract reads some, drops others, and the count is no
    sign of reading quality. Left in, they made a perfectly read form score 50 % CER. Used for
    page text only: a field value with leader dots in it stays wrong.

    Example:
        >>> strip_leaders("Dân tộc: ...... Kinh ..........")
        'Dân tộc:   Kinh  '
    """
    return _LEADER.sub(" ", text)


def strip_diacritics(text: str) -> str:
    """``text`` without any accent or tone (``đ`` becomes ``d``), for the secondary figures.

    Example:
        >>> strip_diacritics("Đặng Thị Hường")
        'Dang Thi Huong'
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def words(text: str) -> list[str]:
    """Words of normalised text for word scores: runs of letters and digits.

    Punctuation is not a word ("tên:" gives "tên"), so a stray colon costs CER, not a word.
    """
    return _WORD.findall(text)
