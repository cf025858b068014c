"""Personal names: họ (surname) + chữ đệm (middle) + tên (given), printed in any case.

Values are NFC, with traditional tone placement and in name case, so the same person reads the
same on a card in capitals and on a form in lowercase:

>>> parse_name("........ NGUYỄN VĂN AN ......").value
'Nguyễn Văn An'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise
from typing import NamedTuple

from extractors import reasons as why
from extractors.text import Parsed, clean_value, fold, name_case, normalize

__all__ = ["KNOWN_SURNAMES", "SURNAMES", "NameParts", "parse_name", "split_name"]

# Stray marks OCR puts around and inside names (bars of table cells, leaders, quotes).
_JUNK = re.compile(r"[|_…*\"“”]+")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_CAPITALS_THEN_JUNK = re.compile(r"^\s*([^\W\d_]+(?:\s+[^\W\d_]+){1,5})\s*[.,;:'`|]+\s*(\S.*)$")
_MAX_WORDS = 7  # longer "names" are a sentence or two fields run together
_UNKNOWN_WORD = 0.95  # strength of a name with a middle or given word not among the known ones
_DOUBTFUL_MARKS = 0.8  # … with a word having a known word's letters but other marks
# A consonant standing alone is no name word ("A", "Y" and the Ê Đê "H" are): OCR split the
# first letter off the word after it ("N GỌC" for "NGỌC").
_LONE_CONSONANT = re.compile(r"(?<!\S)([BCDĐGKLMNPQRSTVXbcdđgklmnpqrstvx]) (?=\S)(\w)")
# The commonest surnames (and see KNOWN_SURNAMES for the rest).
SURNAMES = (
    "Nguyễn", "Trần", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Ngô",
    "Dương", "Đinh", "Đào", "Lương", "Trịnh", "Trương", "Phùng", "Triệu", "Quách", "Kiều",
    "Nông", "Hứa", "Lục",
)  # fmt: skip
KNOWN_SURNAMES = frozenset(
    normalize(s)
    for s in (
        *SURNAMES, "Lê", "Hồ", "Lý", "Mai", "Cao", "Đoàn", "Đàm", "Lâm", "Tạ", "Tô", "Hà", "Lưu",
        "Châu", "Văn", "Thái", "Tăng", "Vương", "Mạc", "Khúc", "Quan", "Lã", "La", "Tôn", "Thân",
        "Lò", "Quàng", "Cầm", "Vi", "Hoàng", "Giáp", "Chu", "Ninh", "Bế", "Hầu", "Sầm", "Ma",
        "Lục", "Ông", "Doãn", "Âu", "Khổng", "Phó", "Trình", "Từ", "Nghiêm", "Kim", "Tống",
        "Diệp", "Nhữ", "Mã", "Bạch", "Lại", "Đồng", "Viên", "Lạc", "Đường", "Thạch", "Danh",
        "Sơn", "Kha", "Y", "H", "Nay", "Ksor", "Rơ", "Siu", "Rah", "Đinh", "Phí", "Lường",
        "Lỗ", "Khương", "Ngụy", "Tiêu", "Hứa", "Trà", "Hàn", "Dư", "Lữ", "Vòng", "Sùng", "Giàng",
        "Thào", "Vàng", "Mua", "Hờ", "Ly", "Tòng", "Nguyễn",
    )
)  # fmt: skip
"""Surnames seen in Vietnamese registers (Kinh and the larger minority groups)."""


class NameParts(NamedTuple):
    """A Vietnamese name split: họ (surname), chữ đệm (middle, may be empty), tên (given)."""

    surname: str
    middle: str
    given: str
    known_surname: bool


def split_name(full_name: str) -> NameParts:
    """Split a name into họ / chữ đệm / tên; ``known_surname`` says if the họ is a usual one.

    >>> split_name("Nguyễn Thị Hồng Nhung")
    NameParts(surname='Nguyễn', middle='Thị Hồng', given='Nhung', known_surname=True)
    >>> split_name("An").given
    'An'
    """
    words = name_case(full_name).split()
    if not words:
        return NameParts("", "", "", False)
    if len(words) == 1:
        return NameParts("", "", words[0], False)
    return NameParts(words[0], " ".join(words[1:-1]), words[-1], words[0] in KNOWN_SURNAMES)


# One syllable, folded: onset, one to three vowels, coda (the spelling rules are not checked:
# a split only has to land between syllables).
_CODA = r"(?:ch|ng|nh|[cmnpt])"
_SYLLABLE = re.compile(
    rf"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{{1,3}}{_CODA}?"
)
_ENDS_IN_CODA = re.compile(rf"{_CODA}$")
_LONGEST_SYLLABLE = 7  # "nghiêng"
# Middle and given names seen most often, with the surnames: a split into these wins.
GIVEN_WORDS = (
        "Văn", "Thị", "Hữu", "Đức", "Minh", "Quang", "Ngọc", "Thanh", "Xuân", "Thu", "Hồng",
        "Kim", "Gia", "Công", "Đình", "Quốc", "Bảo", "Anh", "Tuấn", "Hùng", "Dũng", "Hải", "Hà",
        "Hương", "Lan", "Linh", "Mai", "Nga", "Hoa", "Huệ", "Hạnh", "Hằng", "Hiền", "Hiếu",
        "Hòa", "Huy", "Khánh", "Khang", "Khoa", "Kiên", "Lâm", "Long", "Lộc", "Lợi", "Luân",
        "Mạnh", "Nam", "Nghĩa", "Nhân", "Nhung", "Oanh", "Phong", "Phúc", "Phương", "Quân",
        "Quý", "Sơn", "Tài", "Tâm", "Tân", "Thắng", "Thành", "Thảo", "Thủy", "Thúy", "Tiến",
        "Toàn", "Trang", "Trung", "Trường", "Tú", "Tùng", "Tuyết", "Uyên", "Vân", "Việt",
        "Vinh", "Yến", "An", "Ánh", "Bình", "Chi", "Cường", "Dung", "Duy", "Duyên", "Giang",
        "Hân", "Hậu", "Hiệp", "Hoài", "Hưng", "Khải", "Lực", "Ly", "My", "Mỹ", "Nguyên", "Nhi",
        "Như", "Phát", "Phượng", "Quyên", "Quỳnh", "Sang", "Tiên", "Tín", "Trâm", "Trí",
        "Trinh", "Tuệ", "Vy", "Diệu", "Thùy", "Bích", "Diễm", "Đạt", "Định", "Hào", "Hiển",
        "Hoàn", "Hợp", "Kha", "Lập", "Nhật", "Phú", "Tấn", "Thái", "Thiện", "Thịnh", "Thông",
        "Trọng", "Tường", "Vĩnh", "Yên", "Ân", "Chiến", "Đông", "Loan", "Ngân", "Nhàn",
        "Sương", "Thơ", "Thư", "Trà", "Tuyền", "Quế", "Huyền", "Cúc", "Lệ", "Liên", "Liễu",
        "Na", "Thoa", "Thắm", "Ý", "Ái", "Em", "Út", "A", "Khôi", "Nhàn", "Đăng", "Gấm",
        "Lành", "Quyền", "Hạ",
        # Ê Đê and Gia Rai clan names, which end a name ("H Hen Niê")
        "Niê", "Mlô", "Ayun", "Byă", "Êban", "Adrơng", "Knul", "Hđơk", "Kpă", "Mdrang",
)  # fmt: skip


def _by_letters(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Folded key → the words of ``words`` with those letters ("yen" → Yên, Yến)."""
    spellings: dict[str, set[str]] = {}
    for word in words:
        spellings.setdefault(fold(word), set()).add(normalize(word))
    return {key: tuple(sorted(found)) for key, found in spellings.items()}


# Known words with marks, by their letters: a name word that is none of them but has the
# letters of exactly one (OCR dropped or changed a mark: "Hông", "Tuần", "Nghia") is put right,
# with a reason; one that has the letters of two ("Yen": Yên or Yến) is doubtful.
_SURNAME_SPELLINGS = _by_letters(KNOWN_SURNAMES)
_NAME_SPELLINGS = _by_letters((*GIVEN_WORDS, *KNOWN_SURNAMES))
_KNOWN_NAME_WORDS = frozenset(w for found in _NAME_SPELLINGS.values() for w in found)
NAME_WORDS = frozenset(_NAME_SPELLINGS)
"""Known name words, folded: a cut of run-together syllables into these wins."""


def _unknown_words(name: str) -> list[str]:
    """The words after the surname that no known name word is: rare names, or misreadings."""
    return [w for w in name.split()[1:] if w not in _KNOWN_NAME_WORDS]


def _spelled(word: str, spellings: dict[str, tuple[str, ...]]) -> str:
    """``word`` (name case) as the one known word with its letters spells it, or as it is."""
    found = spellings.get(fold(word), ())
    if word in found or len(found) != 1:
        return word
    return name_case(found[0])


def split_syllables(word: str) -> list[str] | None:
    """``word`` cut into the syllables OCR ran together ("Lêdiệutrang" → Lê, diệu, trang), or
    None when it cannot be cut into syllables. Of the ways to cut it, the one with the most
    known name words (:data:`NAME_WORDS`) wins, then the one giving consonants to the syllable
    after them ("Vithị" is Vi thị, not Vit hị)."""
    key = fold(word)  # same length: cuts in the key are cuts in the word
    best: dict[int, tuple[tuple[int, int, int], list[int]]] = {0: ((0, 0, 0), [])}
    for start in range(len(key)):
        if start not in best:
            continue
        (unknown, codas, parts), cuts = best[start]
        for end in range(start + 1, min(len(key), start + _LONGEST_SYLLABLE) + 1):
            if not _SYLLABLE.fullmatch(key, start, end):
                continue
            piece = key[start:end]
            score = (
                unknown + (piece not in NAME_WORDS),
                codas + bool(_ENDS_IN_CODA.search(piece)),
                parts + 1,
            )
            if end not in best or score < best[end][0]:
                best[end] = (score, [*cuts, end])
    if len(key) not in best or len(best[len(key)][1]) < 2:
        return None
    bounds = [0, *best[len(key)][1]]
    return [word[a:b] for a, b in pairwise(bounds)]


def _junk_after_capitals(text: str) -> str | None:
    """The printed name of ``text`` when OCR read junk after it: "NGUYỄN THỊ THẢO. tọg:nyAU"
    (two or more words in capitals, a mark, then anything not in capitals), else None."""
    match = _CAPITALS_THEN_JUNK.match(text)
    if match is None or not match[1].isupper():
        return None
    rest = [c for c in match[2] if c.isalpha()]
    return match[1] if rest and not all(c.isupper() for c in rest) else None


def parse_name(text: str) -> Parsed | None:
    """Name-case the name in ``text``; names that are not made of letters are flagged."""
    flat = text.replace("\n", " ")  # same length: offsets in it are offsets in text
    cut = _junk_after_capitals(flat)
    cleaned = clean_value(_JUNK.sub(" ", cut or flat))
    if not cleaned:
        return None
    kept = text if cut is None else text[: flat.index(cut) + len(cut)]
    alnum = [i for i, c in enumerate(kept) if c.isalnum()]
    start, end = (alnum[0], alnum[-1] + 1) if alnum else (0, None)
    cleaned, joined = _LONE_CONSONANT.subn(lambda m: m[1] + m[2].lower(), cleaned)
    words = cleaned.split()
    reasons: list[str] = [why.LETTER_JOINED] if joined else []
    strength = 0.9 if joined else 1.0
    if cut is not None:
        strength, reasons = 0.9, [*reasons, why.TEXT_AFTER_NAME]
    # Vietnamese name words are single syllables: "THỊNGỌC" is two words OCR ran together.
    glued = [w for w in words if len(_VOWEL_GROUPS.findall(fold(w))) > 1]
    split = [part for w in words for part in (split_syllables(w) if w in glued else None) or [w]]
    if split != words:
        read, cleaned = cleaned, " ".join(split)
        words = split
        strength, reasons = 0.8, [*reasons, why.syllables_split(read, name_case(cleaned))]
    if not all(w.replace("-", "").replace("'", "").isalpha() for w in words):
        strength, reasons = 0.5, [why.NOT_LETTERS]
    elif len(words) == 1:
        strength, reasons = 0.7, [why.ONE_WORD]
    elif len(words) > _MAX_WORDS:
        strength, reasons = 0.5, [why.many_words(len(words))]
    elif glued := [w for w in words if len(_VOWEL_GROUPS.findall(fold(w))) > 1]:
        strength, reasons = 0.8, [why.glued_syllables(glued)]
    value = name_case(cleaned)
    words = value.split()
    # A name printed without any marks (ASCII) is left as printed, not half-corrected.
    if len(words) > 1 and not cleaned.isascii():
        spelled = " ".join(
            [
                _spelled(words[0], _SURNAME_SPELLINGS),
                *(_spelled(w, _NAME_SPELLINGS) for w in words[1:]),
            ]
        )
        if spelled != value:
            strength = min(strength, 0.95)
            reasons.append(why.name_marks_corrected(value, spelled))
            value = spelled
    parts = split_name(value)
    if parts.surname and not parts.known_surname and strength == 1.0:
        # A rare surname is possible, an OCR misreading likelier.
        strength = 0.9
        reasons.append(why.unusual_surname(parts.surname))
    unknown = _unknown_words(value)
    if doubtful := [w for w in unknown if fold(w) in _NAME_SPELLINGS]:
        # The letters of two known words, the marks of neither ("Yen": Yên or Yến).
        strength = min(strength, _DOUBTFUL_MARKS)
        reasons.extend(why.name_marks_doubtful(w, _NAME_SPELLINGS[fold(w)]) for w in doubtful)
    elif unknown and strength == 1.0:
        # A rare middle or given name, or a misreading ("Quên", "Tvến" for Quân, Yến).
        strength = _UNKNOWN_WORD
        reasons.append(why.unusual_name_words(unknown))
    return Parsed(value, strength, tuple(reasons), start, end)
