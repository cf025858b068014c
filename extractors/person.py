"""Sex, ethnicity (the 54 recognised groups) and nationality.

>>> parse_sex("Nữ").value, parse_sex("Nam").value
('female', 'male')
>>> parse_ethnicity("Ede").value
'Ê Đê'
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from extractors import reasons as why
from extractors.text import Parsed, clean_value, fold, normalize, styled_like

__all__ = ["ETHNIC_GROUPS", "parse_ethnicity", "parse_nationality", "parse_sex", "parse_text"]

ETHNIC_GROUPS: tuple[str, ...] = (
    "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "Mông", "Dao", "Gia Rai",
    "Ê Đê", "Ba Na", "Sán Chay", "Chăm", "Cơ Ho", "Xơ Đăng", "Sán Dìu", "Hrê", "Ra Glai",
    "Mnông", "Thổ", "Xtiêng", "Khơ Mú", "Bru - Vân Kiều", "Cơ Tu", "Giáy", "Tà Ôi", "Mạ",
    "Giẻ - Triêng", "Co", "Chơ Ro", "Xinh Mun", "Hà Nhì", "Chu Ru", "Lào", "Kháng", "La Chí",
    "Phù Lá", "La Hủ", "La Ha", "Pà Thẻn", "Chứt", "Lự", "Lô Lô", "Mảng", "Cờ Lao", "Bố Y",
    "Cống", "Ngái", "Si La", "Pu Péo", "Brâu", "Ơ Đu", "Rơ Măm",
)  # fmt: skip
"""The 54 ethnic groups recognised in Việt Nam, in official spelling."""


def _key(text: str) -> str:
    return re.sub(r"[^a-z]", "", fold(text))


# Folded keys, plus common alternative spellings ("H'Mông", "Khơ-me", "Vân Kiều").
_ETHNIC_KEYS = {_key(name): name for name in ETHNIC_GROUPS} | {
    "hmong": "Mông", "meo": "Mông", "khome": "Khmer", "khomer": "Khmer",
    "vankieu": "Bru - Vân Kiều", "bru": "Bru - Vân Kiều", "jrai": "Gia Rai", "bahnar": "Ba Na",
    "sedang": "Xơ Đăng",
    "stieng": "Xtiêng", "kho": "Cơ Ho", "katu": "Cơ Tu", "raglai": "Ra Glai", "muong": "Mường",
}  # fmt: skip
_SEX = {
    "nam": "male",
    "male": "male",
    "m": "male",
    "nu": "female",
    "female": "female",
    "f": "female",
}
_VIET_NAM = {"vietnam", "vn", "vietnamese", "vietnamvietnamese", "cochxhcnvietnam"}


# Check boxes as OCR reads them: crossed or ticked ("☒ Nam", "[x] Nam", "X Nam", "☑Nữ") or
# empty ("☐ Nữ", "□", "[ ]", "O", "口").
_CHECKED = re.compile(r"(?:[☒☑✓✔✗✘■▣xX×]|\[[xX×✓]\]|\([xX×✓]\))\s*$")
_CHECK_WORD = re.compile(r"\b(?:[xX×])(nam|nu)\b")  # "XNam": the cross glued to the word
# An empty box as OCR reads it before an option: "☐", "□", "口", "[]", "[ ]", "L]", "LJ", "()",
# sometimes with a stray bar of the box after it ("L]I Nữ").
_UNCHECKED = re.compile(r"(?:[☐□口]|\[\s?\]|[LlI\[][\]J]|\(\s?\))[Il|]?\s*$")


def _empty_box_before(text: str, start: int) -> bool:
    return bool(_UNCHECKED.search(text[max(0, start - 5) : start]))


def parse_sex(text: str) -> Parsed | None:
    """``Nam`` → ``male``, ``Nữ`` → ``female`` (English on cards too).

    With check boxes (``☒ Nam ☐ Nữ``) the option whose box is crossed; without, the first word.

    >>> parse_sex("☐ Nam ☒ Nữ").value
    'female'
    """
    key = fold(text)
    options = [(m, _SEX[m.group()]) for m in re.finditer(r"\w+", key) if m.group() in _SEX]
    if not options:
        glued = _CHECK_WORD.search(key)
        if glued is None:
            return None
        return Parsed(_SEX[glued[1]], 0.9, (why.CHECK_GLUED,), *glued.span(1))
    unchecked = not _CHECKED.search(text[: options[0][0].start()])
    if len({sex for _, sex in options}) == 1 and unchecked:  # "Nam", "Nam / Male"
        match, sex = options[0]
        if match.start() > 0 and any(c.isalnum() for c in key[: match.start()]):
            # Words before the sex word: not a clean value (but keep what was read).
            return Parsed(sex, 0.8, (why.TEXT_BEFORE_SEX,), *match.span())
        return Parsed(sex, 1.0, (), *match.span())
    checked = [
        (m, sex) for m, sex in options if _CHECKED.search(text[max(0, m.start() - 4) : m.start()])
    ]
    if len({sex for _, sex in checked}) == 1:
        match, sex = checked[0]
        return Parsed(sex, 1.0, (why.CHECKED_BOX,), *match.span())
    if not checked:
        # The cross was not read, but the other boxes were, empty: the answer is what is left.
        left = [(m, sex) for m, sex in options if not _empty_box_before(text, m.start())]
        if len(left) < len(options) and len({sex for _, sex in left}) == 1:
            match, sex = left[0]
            return Parsed(sex, 0.9, (why.CHECK_OTHERS_EMPTY,), *match.span())
    match, sex = options[0]
    return Parsed(sex, 0.4, (why.CHECK_UNCLEAR,), *match.span())


def parse_ethnicity(text: str) -> Parsed | None:
    """One of the 54 groups in its official spelling; unknown names kept and flagged."""
    value = clean_value(text.replace("\n", " "))
    if not value:
        return None
    key = _key(value)
    if key in _ETHNIC_KEYS:
        return Parsed(_ETHNIC_KEYS[key], 1.0)
    best = process.extractOne(key, list(_ETHNIC_KEYS), scorer=fuzz.ratio, score_cutoff=80)
    if best is not None:
        name = _ETHNIC_KEYS[best[0]]
        return Parsed(name, 0.9, (why.closest_ethnic_group(value, name),))
    return Parsed(normalize(value), 0.6, (why.NOT_AN_ETHNIC_GROUP,))


def parse_nationality(text: str) -> Parsed | None:
    """``Việt Nam`` in one spelling; other nationalities kept as printed."""
    value = clean_value(text.replace("\n", " "))
    if not value:
        return None
    if _key(value) in _VIET_NAM:
        return Parsed("Việt Nam", 1.0)
    boxes = _nationality_boxes(text)
    if boxes is not None:
        return boxes
    if fold(value).startswith("viet nam"):
        return Parsed("Việt Nam", 0.9, (why.text_after_viet_nam(value),))
    head, colon, tail = value.rpartition(":")
    if colon and _key(tail) in _VIET_NAM:  # "Nahonaitv: Việt Nam": a garbled "Nationality:"
        return Parsed("Việt Nam", 0.9, (why.TEXT_BEFORE_VALUE,), len(head) + 1)
    if fuzz.ratio(_key(value), "vietnam") >= _VIET_NAM_CUTOFF:
        # "Vật Nam", "Viẹt Nam": a mark or a letter misread, not a country of that name.
        return Parsed("Việt Nam", 0.85, (why.closest_nationality(value, "Việt Nam"),))
    if not all(c.isalpha() or c in " -'" for c in value):
        return Parsed(normalize(value), 0.5, (why.FOREIGN_NATIONALITY, why.NOT_LETTERS))
    return Parsed(normalize(value), 0.9, (why.FOREIGN_NATIONALITY,))


_VIET_NAM_CUTOFF = 75  # "vatnam" scores 77, "vietnan" 86; "viet" 73, "nam" 60, "lao" less

_NATIONALITY_OPTIONS = re.compile(r"viet\s?nam|nuoc\s?ngoai")


def _nationality_boxes(text: str) -> Parsed | None:
    """``☒ Việt Nam ☐ Nước ngoài``: the crossed option, or the one whose box is not empty."""
    key = fold(text)  # same length as the text: offsets agree
    options = list(_NATIONALITY_OPTIONS.finditer(key))
    if {m.group()[:4] for m in options} != {"viet", "nuoc"}:
        return None
    crossed = [m for m in options if _CHECKED.search(text[max(0, m.start() - 4) : m.start()])]
    if len(crossed) == 1:
        chosen, reason, strength = crossed[0], why.CHECKED_BOX, 1.0
    else:
        left = [m for m in options if not _empty_box_before(text, m.start())]
        if crossed or len(left) != 1:
            return Parsed(None, 0.0, (why.CHECK_UNCLEAR,))
        chosen, reason, strength = left[0], why.CHECK_OTHERS_EMPTY, 0.9
    if chosen.group().startswith("viet"):
        return Parsed("Việt Nam", strength, (reason,), *chosen.span())
    return Parsed(None, 0.0, (reason, why.FOREIGN_NATIONALITY), *chosen.span())


def parse_text(text: str) -> Parsed | None:
    """Free text (an occupation): cleaned, normalised, kept as printed."""
    value = clean_value(normalize(text.replace("\n", " ")))
    return Parsed(value, 1.0) if value else None


# Causes of death as Vietnamese death registrations and hospital certificates word them (the
# usual ICD-10 chapters' names, trauma, old age). A cause is free text: only a reading that
# differs from one of these by its marks alone ("Đột quy", "Ủng thư gan") is put right.
CAUSES_OF_DEATH = (
    "Bệnh già", "Già yếu", "Tuổi già", "Suy kiệt", "Suy tim", "Suy tim mạn", "Đột quỵ",
    "Tai biến mạch máu não", "Xuất huyết não", "Nhồi máu não", "Nhồi máu cơ tim",
    "Bệnh mạch vành", "Tăng huyết áp", "Ngừng tim", "Ngừng tuần hoàn", "Suy thận",
    "Suy thận mạn", "Suy hô hấp", "Suy đa tạng", "Viêm phổi", "Lao phổi",
    "Bệnh phổi tắc nghẽn mạn tính", "Hen phế quản", "Xơ gan", "Viêm gan", "Đái tháo đường",
    "Tiểu đường", "Nhiễm trùng huyết", "Sốc nhiễm khuẩn", "Sốt xuất huyết", "COVID-19",
    "Ung thư", "Ung thư phổi", "Ung thư gan", "Ung thư dạ dày", "Ung thư vú",
    "Ung thư đại trực tràng", "Ung thư cổ tử cung", "Ung thư vòm họng", "Ung thư thực quản",
    "Ung thư tụy", "Ung thư máu", "Ung thư tuyến tiền liệt", "Ung thư xương",
    "Tai nạn giao thông", "Tai nạn lao động", "Tai nạn sinh hoạt", "Đuối nước", "Ngộ độc",
    "Điện giật", "Bệnh hiểm nghèo",
)  # fmt: skip
_CAUSE_KEYS = {" ".join(fold(c).split()): c for c in CAUSES_OF_DEATH}


def parse_cause(text: str) -> Parsed | None:
    """A cause of death: free text (:func:`parse_text`), its marks put right when it is a
    usual cause read with a mark wrong (strength 0.95, with a reason)."""
    parsed = parse_text(text)
    if parsed is None or parsed.value is None:
        return parsed
    known = _CAUSE_KEYS.get(" ".join(fold(parsed.value).split()))
    # Printed without any marks (ASCII), it is left as printed, as names are.
    if known is None or known.lower() == parsed.value.lower() or parsed.value.isascii():
        return parsed
    spelled = styled_like(known.lower(), parsed.value)
    if known[0].isupper() and not parsed.value.isupper():
        spelled = known  # "COVID-19", and a capital first as the list has it
    return Parsed(spelled, 0.95, (why.cause_marks_corrected(parsed.value, spelled),))
