"""Administrative units of Việt Nam, old (63 provinces, districts, communes) and 2025 (34
provinces, communes), from the ``vietnamadminunits`` package (MIT, data shipped in the wheel,
offline), used to put right OCR errors in unit names.

Names are matched within their parent: a commune among the communes of the province the address
ends with (old and new scheme together), a district among that province's districts. A name is
corrected only when exactly one unit of the scope is that close: differing only in diacritics
("Bạch Đăng" → "Bạch Đằng"), or by one edit per six letters ("la Ka" → "Ia Ka").

>>> correct_address("Số 96 phố Minh Khai, Bạch Đăng, Hai Bà Trưng, Hà Nội")[0]
'Số 96 phố Minh Khai, Bạch Đằng, Hai Bà Trưng, Hà Nội'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

from rapidfuzz.distance import Levenshtein

from extractors.text import fold, normalize, styled_like

__all__ = ["Address", "Gazetteer", "correct_address", "get_gazetteer"]

_PROVINCE_WORDS = ("thanh pho", "tinh", "tp")
_DISTRICT_WORDS = ("huyen", "quan", "thi xa", "thanh pho", "tp")
_COMMUNE_WORDS = ("xa", "phuong", "thi tran", "dac khu")
_OFFICE = re.compile(r"^(?:uy ban nhan dan|ubnd)\s+")
_UNIT = re.compile(r"^(thanh pho|thi tran|thi xa|dac khu|tinh|huyen|quan|phuong|xa|tp\.?)\s+")


def _key(name: str) -> str:
    return normalize(name).lower()


@dataclass
class Gazetteer:
    """Short unit names (``"Hà Nội"``, ``"Ba Đình"``) by scope, keyed by lowercase NFC name."""

    provinces: dict[str, str] = field(default_factory=dict)
    districts: dict[str, dict[str, str]] = field(default_factory=dict)  # province key → …
    communes: dict[str, dict[str, str]] = field(default_factory=dict)  # province key → …

    def add(self, province: str, district: str | None, commune: str | None) -> None:
        pkey = _key(province)
        self.provinces.setdefault(pkey, province)
        if isinstance(district, str) and district:
            self.districts.setdefault(pkey, {}).setdefault(_key(district), district)
        if isinstance(commune, str) and commune:  # the data has a few NaN names
            self.communes.setdefault(pkey, {}).setdefault(_key(commune), commune)


@lru_cache(maxsize=1)
def get_gazetteer() -> Gazetteer:
    """Old and new units, loaded once from the data files of ``vietnamadminunits``."""
    data = resources.files("vietnamadminunits") / "data"
    legacy = json.loads((data / "parser_legacy.json").read_text(encoding="utf-8"))
    new = json.loads((data / "parser_from_2025.json").read_text(encoding="utf-8"))
    gaz = Gazetteer()
    names = {k: v["provinceShort"] for k, v in legacy["DICT_PROVINCE"].items()}
    for pkey, districts in legacy["DICT_PROVINCE_DISTRICT_WARD_NO_ACCENTED"].items():
        for dkey, wards in districts.items():
            district = legacy["DICT_PROVINCE_DISTRICT"][pkey].get(dkey, {}).get("districtShort")
            for ward in wards.values():
                gaz.add(names[pkey], district, ward["wardShort"])
    for pkey, districts in legacy["DICT_PROVINCE_DISTRICT"].items():
        for district in districts.values():
            gaz.add(names[pkey], district["districtShort"], None)
    # Merged provinces: communes of the new province are looked up under its name.
    new_names = {k: v["provinceShort"] for k, v in new["DICT_PROVINCE"].items()}
    for pkey, wards in new["DICT_PROVINCE_WARD_NO_ACCENTED"].items():
        for ward in wards.values():
            gaz.add(new_names[pkey], None, ward["wardShort"])
    return gaz


def _closest(written: str, choices: dict[str, str]) -> str | None:
    """The one name of ``choices`` ``written`` is a misreading of (None: none or several)."""
    key = _key(written)
    if not key or key in choices or key.isdigit():
        return None
    folded = fold(key)
    same_letters = [name for k, name in choices.items() if fold(k) == folded]
    if len(same_letters) == 1:
        return same_letters[0]
    if same_letters:
        return None
    limit = max(1, len(key) // 6)
    near = [name for k, name in choices.items() if Levenshtein.distance(k, key) <= limit]
    return near[0] if len(near) == 1 else None


_MAX_JUNK_WORDS = 3
_MAX_JUNK_LENGTH = 3


def _junk_word(word: str) -> bool:
    """A speck read as a word: short, and not all letters ("S5", "¬-.", "°ị"), or one lowercase
    letter; a word of letters ("Đà") may be the start of a name."""
    return len(word) <= _MAX_JUNK_LENGTH and (
        not word.isalpha() or (len(word) == 1 and word.islower())
    )


def _without_junk_after(name: str, provinces: dict[str, str]) -> str | None:
    """``name`` without the specks OCR read after it ("Hải Phòng S5", "Ninh Thuận ¬-. °ị"),
    when what is left is a province's name as written; else None."""
    words = name.split()
    for cut in range(1, min(_MAX_JUNK_WORDS, len(words) - 1) + 1):
        if not all(_junk_word(w) for w in words[-cut:]):
            return None
        head = " ".join(words[:-cut]).rstrip(" .,;-")
        if _key(head) in provinces:
            return head
    return None


def _split_unit(part: str) -> tuple[str, str]:
    """``"xã Vĩnh Ninh"`` → ``("xã ", "Vĩnh Ninh")`` (the unit word as written, the name)."""
    match = _UNIT.match(fold(part))
    if not match:
        return "", part
    return part[: match.end()], part[match.end() :]


def _styled(name: str, written: str) -> str:
    return name.upper() if written.isupper() else name


# Unit words, folded → spelled: given their marks before a name the gazetteer knows at that
# level ("quản Cầu Giấy" → "quận Cầu Giấy"). Alone they are ambiguous ("Tĩnh Gia", "Phương Mai").
_SPELLED = {
    fold(w): w for w in ("tỉnh", "thành phố", "huyện", "quận", "thị xã", "xã", "phường", "thị trấn")
}


def _respelled(unit: str, notes: list[str]) -> str:
    """``unit`` (a unit word as written, with the space after it) spelled with its marks, in
    the case it was written in (``"Quản "`` → ``"Quận "``), with a note when that changed it."""
    written = unit.rstrip()
    spelled = styled_like(_SPELLED.get(fold(written), written), written)
    if spelled != written:
        notes.append(f"{written} → {spelled}")
    return spelled + unit[len(written) :]


class Address(NamedTuple):
    """An address after :func:`correct_address`."""

    value: str  # with misread unit names put right
    notes: list[str]  # one "read → right" per correction
    known: bool  # it ends with a province and every unit named is found in it
    cut_short: bool = False  # it ends with a district or a commune: its province is missing


def correct_address(value: str) -> Address:
    """``value`` with misread unit names put right, one note per correction, and whether the
    gazetteer knows every unit it names."""
    gaz = get_gazetteer()
    parts = value.split(", ")
    notes: list[str] = []
    # A registering office: "Ủy ban nhân dân phường Yên Hòa, …" names the commune after it.
    office = _OFFICE.match(fold(parts[0]))
    prefix = parts[0][: office.end()] if office else ""
    parts[0] = parts[0][len(prefix) :]
    unit, name = _split_unit(parts[-1])
    if unit and fold(unit).strip().rstrip(".") not in _PROVINCE_WORDS:
        # The address does not end with a province: on a form, its last line was lost.
        return Address(value, [], False, cut_short=True)
    pkey = _key(name)
    if pkey not in gaz.provinces and (bare := _without_junk_after(name, gaz.provinces)):
        notes.append(f"{name} → {bare}")  # "Hải Phòng S5": specks read after the province
        parts[-1] = parts[-1][: len(parts[-1]) - len(name)] + bare
        name, pkey = bare, _key(bare)
    if pkey not in gaz.provinces:
        fixed = _closest(name, gaz.provinces)
        if fixed is None:
            return Address(value, [], False)
        notes.append(f"{name} → {fixed}")
        parts[-1] = _respelled(unit, notes) + _styled(fixed, name)
        pkey = _key(fixed)
    elif unit:
        parts[-1] = _respelled(unit, notes) + name
    known = True
    for index in range(len(parts) - 2, -1, -1):
        unit, name = _split_unit(parts[index])
        kind = fold(unit).strip()
        if kind in _COMMUNE_WORDS:
            scope = gaz.communes.get(pkey, {})
        elif kind in _DISTRICT_WORDS:
            scope = gaz.districts.get(pkey, {})
        elif not unit and index >= len(parts) - 3:
            # Cards print bare names: "Thôn 2, Hiệp Thạnh, Đức Trọng, Lâm Đồng".
            scope = gaz.districts.get(pkey, {}) | gaz.communes.get(pkey, {})
        else:
            continue
        fixed = _closest(name, scope)
        if fixed is not None:
            notes.append(f"{name} → {fixed}")
            parts[index] = _respelled(unit, notes) + _styled(fixed, name)
        elif unit and _key(name) in scope:
            parts[index] = _respelled(unit, notes) + name
        elif unit:
            known = False  # a commune or district the province does not have
    return Address(prefix + ", ".join(parts), notes, known)
