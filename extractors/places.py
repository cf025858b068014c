"""Places (addresses, place of origin, birth, registering office): clean-up for now.

Values are NFC with traditional tone placement, without leaders, with one space and ", " between
parts; lines of a multi-line address are joined with a space (lines break after a comma or
inside a part), or with ", " when the comma before a new administrative unit was lost.
Unit names OCR misread are put right against the gazetteer of old and 2025 units
(:mod:`extractors.gazetteer`), with a reason and a lower strength.

>>> parse_place("Thôn Đông, Xã Vĩnh Ninh\\nHuyện Vĩnh Tường, Tỉnh Vĩnh Phúc").value
'Thôn Đông, Xã Vĩnh Ninh, Huyện Vĩnh Tường, Tỉnh Vĩnh Phúc'
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from extractors import reasons as why
from extractors.gazetteer import correct_address
from extractors.text import Parsed, clean_value, fold, normalize, styled_like

__all__ = ["AUTHORITIES", "parse_authority", "parse_place", "partial_signer"]

AUTHORITIES = (
    "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
    "Cục trưởng Cục Cảnh sát quản lý hành chính về trật tự xã hội",
    "Cục Cảnh sát đăng ký, quản lý cư trú và dữ liệu quốc gia về dân cư",
    "Cục trưởng Cục Cảnh sát đăng ký, quản lý cư trú và dữ liệu quốc gia về dân cư",
    "Bộ Công an",
)
"""Authorities that issue CCCD cards (a "Công an tỉnh …" is read as printed)."""

# Folded administrative unit words that always follow a comma in an address: a line starting
# with one continues the address after a comma the OCR lost. ("phố", "ngõ", "thôn" do not: "ngõ 34
# phố Huế".)
_UNIT_START = re.compile(r"^(?:xa|phuong|thi tran|thi xa|huyen|quan|thanh pho|tinh|tp)\b")
# Unit words OCR gets the marks of wrong ("Tố dân phố"), folded → spelled. Only phrases no place
# name folds to: "Tĩnh Gia" or "Phương Mai" must not become "tỉnh"/"phường".
# "Ủy ban nhân dân" opens every registering office's name ("Ủy bạn nhân đân phường …").
_UNIT_WORDS = {
    fold(w): w
    for w in ("tổ dân phố", "khu phố", "thị trấn", "thị xã", "thành phố", "ủy ban nhân dân")
}
# … and hamlet words before a number ("Áp 6" → "Ấp 6"), which alone may be a name ("Tô").
_HAMLET_WORDS = {fold(w): w for w in ("ấp", "thôn", "xóm", "khóm", "tổ", "bản")}
_UNIT_AT_PART_START = re.compile(
    r"(?:^|,\s*)(?P<word>(?:"
    + "|".join(r"\s+".join(k.split()) for k in _UNIT_WORDS)
    + r")(?=\s)|(?:"
    + "|".join(_HAMLET_WORDS)
    + r")(?=\s+\d))",
    re.IGNORECASE,
)
_JUNK = re.compile(r"[|_…*]+|\.{2,}")
_UNKNOWN_UNITS = 0.95  # strength of an address whose units the gazetteer cannot confirm
_STOP_FOR_COMMA = re.compile(r"(?<=[^\W\d_]{3})\.(?=\s+([^\W\d_]+))")
_PART_WORDS = frozenset({"xa", "phuong", "huyen", "quan", "tinh", "thanh", "thi"})


def _opens_part(word: str) -> bool:
    """Can ``word`` open an address's next part: a capital, or a unit word ("huyện")?"""
    return word[0].isupper() or fold(word) in _PART_WORDS


_CUT_SHORT = 0.7  # … of one that ends with a district or a commune, not a province


# Unit words as written, with their marks: an address's parts start with them.
_UNITS = r"xã|phường|thị trấn|thị xã|huyện|quận|thành phố|tỉnh"
_UNIT_SPELLED = re.compile(rf"^(?:{_UNITS}|tp)(?![^\W\d_])", re.IGNORECASE)


def _junk_before(value: str) -> int:
    """Where the address starts after junk OCR read before it ("Ti ., Xã …", "ˆ .Xã …"), or 0:
    a unit or hamlet word within the first 8 characters, after at most two letters, no digit,
    and some mark other than a comma ("12, Thôn 5" and "An, Xã B" are addresses)."""
    for match in _PART_START.finditer(value):
        if match.start() > 8:
            break
        head = value[: match.start()]
        if (
            head
            and not head[-1].isalnum()
            and sum(c.isalpha() for c in head) <= 2
            and not any(c.isdigit() for c in head)
            and any(not (c.isalpha() or c.isspace() or c == ",") for c in head)
        ):
            return match.start()
    return 0


_PART_START = re.compile(
    rf"(?:{_UNITS}|thôn|ấp|xóm|bản|tổ|số|khu|khóm|đội|làng|buôn|sóc)\s", re.IGNORECASE
)


def _starts_with_unit(line: str) -> bool:
    """Does ``line`` start with a unit word? Spelled with its marks ("tỉnh", not "Tĩnh" ending
    "Hà Tĩnh"), or without any marks as OCR sometimes reads it ("huyen")."""
    if _UNIT_SPELLED.match(normalize(line)):
        return True
    first = line.split(maxsplit=1)[0] if line.split() else ""
    return first.isascii() and bool(_UNIT_START.match(fold(line)))


def _join_lines(lines: list[str]) -> str:
    out = ""
    for line in lines:
        if not out:
            out = line
        elif out.endswith((",", "-")) or not _starts_with_unit(line):
            out = f"{out} {line}"
        else:
            out = f"{out}, {line}"
    return out


def parse_place(text: str) -> Parsed | None:
    """Clean a place value; flag values with almost no letters."""
    # Commas at line ends are kept until the lines are joined: they tell how to join them.
    # OCR reads a comma as ";" now and then; addresses never hold one.
    lines = [_JUNK.sub(" ", line.replace(";", ",")).strip(" |") for line in text.split("\n")]
    value = clean_value(normalize(_join_lines([line for line in lines if line])))
    value = re.sub(r"\s+,", ",", re.sub(r",(?=\S)", ", ", value))
    value = re.sub(r"(?:,\s*){2,}", ", ", value).strip(" ,")
    # A comma read as a full stop between two names: "Lê Lợi. Nghệ An" (not "TP. Hồ Chí Minh").
    value = _STOP_FOR_COMMA.sub(lambda m: "," if _opens_part(m[1]) else m[0], value)
    if not value:
        return None
    if sum(c.isalpha() for c in value) < 3:
        return Parsed(value, 0.5, (why.FEW_LETTERS,))
    strength, reasons = 1.0, []
    start = _junk_before(value)
    if start:  # "Ti ., Xã Ia Ka": a speck or a table's rule read before the address
        value = value[start:]
        strength, reasons = 0.9, [why.TEXT_BEFORE_VALUE]
    fixed = _fix_unit_words(value)
    if fixed != value:
        strength, reasons = 0.95, [why.unit_words_corrected(value)]
    # An address printed without any marks (ASCII) is left as printed, as names are.
    if fixed.isascii():
        return Parsed(fixed, strength, tuple(reasons))
    corrected, notes, known, cut_short = correct_address(fixed)
    if cut_short:
        # "…, phường Hưng Phú, quận Cái Răng": an address ends with its province; a value
        # without it is most likely cut short (its last line misread or not joined).
        strength = min(strength, _CUT_SHORT)
        reasons.append(why.NO_PROVINCE)
    elif notes:
        # The gazetteer knows the unit, but OCR read its name otherwise: likely, not certain.
        strength = min(strength, 0.9)
        reasons.append(why.unit_names_corrected(notes))
    elif not known:
        # Nothing to check it against: a cut-off province ("tỉnh Hà") reads as well as a whole.
        strength = min(strength, _UNKNOWN_UNITS)
        reasons.append(why.UNITS_UNKNOWN)
    return Parsed(corrected, strength, tuple(reasons))


def _fix_unit_words(value: str) -> str:
    """Give unit words at the start of address parts, and the words of a street address
    (:data:`_STREET_WORDS`), their spelling, keeping their case."""
    folded = fold(value)  # folding keeps offsets
    unmarked = value.isascii()  # printed without marks: only the unit words are given theirs
    spans = []
    for m in _UNIT_AT_PART_START.finditer(folded):
        key = " ".join(m["word"].split())
        if key in _UNIT_WORDS or not unmarked:
            spans.append((*m.span("word"), _UNIT_WORDS.get(key) or _HAMLET_WORDS[key]))
    for m in [] if unmarked else _STREET_AT.finditer(folded):
        after = value[m.end() + 1 : m.end() + 2]
        if _STREET_WORDS[m["word"]][1](after) and (m["word"] == "so" or value[m.start()].islower()):
            spans.append((*m.span("word"), _STREET_WORDS[m["word"]][0]))
    out, last = [], 0
    for start, end, spelled in sorted(spans):
        if start < last:
            continue
        out += [value[last:start], styled_like(spelled, value[start:end])]
        last = end
    return "".join(out) + value[last:]


# The words of a street address, folded → (spelled, what the next word must start with): "Số"
# opening it before the house number, "ngõ"/"ngách"/"hẻm"/"kiệt" before theirs, "đường"/"phố"
# (written in lower case: "Dương" may be a street's name) before a name. A fax reads them
# "Sõ 156 dưỡng Cầu Giấy", "ngô 61 phơ Chùa Bộc".
_STREET_WORDS = {
    "so": ("số", str.isdigit),
    "ngo": ("ngõ", str.isdigit),
    "ngach": ("ngách", str.isdigit),
    "hem": ("hẻm", str.isdigit),
    "kiet": ("kiệt", str.isdigit),
    "duong": ("đường", str.isupper),
    "pho": ("phố", str.isupper),
}
_STREET_AT = re.compile(r"(?:^|(?<=\d )|(?<=, ))(?P<word>" + "|".join(_STREET_WORDS) + r")(?= )")


_AUTHORITY_KEYS = {fold(a): a for a in AUTHORITIES}


_SIGNERS = {fold(a): a for a in AUTHORITIES if a.startswith("Cục trưởng")}
_PARTIAL_CUTOFF = 80  # fuzzy partial ratio of a partly read heading to a signer's title
_PARTIAL_MARGIN = 8  # … and how much closer it must be to it than to the other title


def partial_signer(text: str) -> str | None:
    """The signer's title on a CCCD back, in capitals, from the part of it OCR read under the
    stamp and signature ("CỤC TẤ ƯỜNG CUỒ CẢNH SÁT / QUẢN LÝ HÀNH CH lị"), or None when the
    part does not tell which title it is (only "CẢNH SÁT" is not enough)."""
    folded = " ".join(re.sub(r"[^a-z ]", " ", fold(text)).split())
    if sum(c.isalpha() for c in folded) < 8:
        return None
    scores = sorted(((fuzz.partial_ratio(folded, key), key) for key in _SIGNERS), reverse=True)
    (best, key), (second, _) = scores[0], scores[1]
    if best < _PARTIAL_CUTOFF or best - second < _PARTIAL_MARGIN:
        return None
    return _SIGNERS[key].upper()


def parse_authority(text: str) -> Parsed | None:
    """An issuing authority, lines joined with spaces; a misread national authority is put
    right (keeping its printed case) when it is close to one of :data:`AUTHORITIES`."""
    value = clean_value(normalize(_JUNK.sub(" ", text.replace("\n", " "))))
    if not value:
        return None
    best = process.extractOne(
        fold(value), list(_AUTHORITY_KEYS), scorer=fuzz.ratio, score_cutoff=85
    )
    if best is None:
        return Parsed(value, 1.0)
    fixed = _AUTHORITY_KEYS[best[0]]
    letters = [c for c in value if c.isalpha()]
    # Printed in capitals when most letters are (OCR junk in a line may be lower case).
    fixed = fixed.upper() if sum(c.isupper() for c in letters) > 0.8 * len(letters) else fixed
    if fixed.lower() == value.lower():
        return Parsed(value, 1.0)
    return Parsed(fixed, 0.9, (why.authority_corrected(value),))
