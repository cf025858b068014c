"""What the extractors tell the steward: every reason a field carries, in Vietnamese.

Reasons are shown as written on the review page, to stewards who read Vietnamese; each phrase is
defined here once, and the parsers and :mod:`extractors.records` build their reasons from it.
:mod:`extractors.records` puts the field's name before a parser's reason (``"date_of_birth: "``):
that prefix is a key for programs, not text to translate.

>>> partial_date("year")
'ngày không đầy đủ: chỉ có năm'
>>> ocr_confusions(["O→0", "l→1"])
'đã sửa ký tự OCR đọc nhầm: O→0, l→1'
>>> date_vi("1987-03-15"), decimal_vi(0.4213), decimal_vi(0.995, max_places=4)
('15/03/1987', '0,42', '0,995')
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal
from typing import Literal

__all__ = [
    "CARD_NUMBER",
    "CHECKED_BOX",
    "CHECK_GLUED",
    "CHECK_OTHERS_EMPTY",
    "CHECK_UNCLEAR",
    "DATE_FROM_WORDS",
    "DATE_SIGNED",
    "FAX_PAGE",
    "FEW_LETTERS",
    "FOREIGN_NATIONALITY",
    "FROM_MRZ",
    "LABEL_FUZZY",
    "LEADING_ZERO_ADDED",
    "LETTER_JOINED",
    "MRZ_CHECK_FAILED",
    "MRZ_DISAGREE",
    "MRZ_REPAIRED",
    "NOT_AN_ETHNIC_GROUP",
    "NOT_LETTERS",
    "NO_DIGITS",
    "NO_LABEL",
    "NO_PROVINCE",
    "NO_VALUE",
    "OCR_CONFUSIONS",
    "ONE_WORD",
    "SIGNING_AUTHORITY",
    "TEXT_AFTER_NAME",
    "TEXT_BEFORE_SEX",
    "TEXT_BEFORE_VALUE",
    "UNITS_UNKNOWN",
    "authority_corrected",
    "closest_ethnic_group",
    "date_in_words",
    "date_vi",
    "decimal_vi",
    "digits_read",
    "glued_syllables",
    "many_words",
    "name_marks_corrected",
    "name_marks_doubtful",
    "ocr_confusions",
    "partial_date",
    "phone_digits",
    "text_after_viet_nam",
    "unit_names_corrected",
    "unit_words_corrected",
    "unusual_name_words",
    "unusual_surname",
]

# Any field.
NO_VALUE = "không đọc được giá trị"
OCR_CONFUSIONS = "đã sửa ký tự OCR đọc nhầm"
# Places.
UNITS_UNKNOWN = "không đối chiếu được với danh mục đơn vị hành chính (tỉnh, huyện, xã)"
NO_PROVINCE = "địa chỉ không có tỉnh, thành phố ở cuối: có thể bị cắt mất dòng cuối"
LABEL_FUZZY = "nhãn chỉ khớp gần đúng"
NO_LABEL = "không đọc được nhãn, nhận ra nhờ dạng của giá trị"

# Dates.
_IN_WORDS = "ngày ghi bằng chữ"
_PARTIAL = "ngày không đầy đủ"
DATE_FROM_WORDS = f"đọc từ {_IN_WORDS}"
DATE_SIGNED = "ngày ký ở cuối giấy, không có nhãn"

# ID numbers.
FROM_MRZ = "đọc từ vùng MRZ (dòng mã máy đọc) ở mặt sau thẻ"
MRZ_REPAIRED = "một chữ số đọc sai trong vùng MRZ đã được sửa nhờ chữ số kiểm tra"
MRZ_DISAGREE = "hai lần ghi số định danh trong vùng MRZ không khớp nhau"
MRZ_CHECK_FAILED = "chữ số kiểm tra của vùng MRZ không khớp với số định danh đọc được"
MRZ_END_ONLY = (
    "chỉ đọc được số định danh ở cuối dòng MRZ (khớp chữ số kiểm tra); không đối chiếu được"
    " với số giấy tờ"
)
CARD_NUMBER = "số in trên thẻ, không có nhãn"
FAX_PAGE = "đọc từ bản fax (độ phân giải thấp): chữ số dễ bị đọc nhầm, cần đối chiếu"
NO_DIGITS = "không đọc được chữ số nào"
LEADING_ZERO_ADDED = "thiếu chữ số 0 đầu (mã tỉnh): đã thêm vào"

# Names.
NOT_LETTERS = "có ký tự không phải chữ cái"
ONE_WORD = "chỉ có một chữ: thiếu họ hoặc tên"
LETTER_JOINED = "một phụ âm đứng riêng đã được nối vào chữ sau (OCR tách rời chữ cái đầu)"

# Sex, ethnicity, nationality.
CHECKED_BOX = "chọn theo ô được đánh dấu"
CHECK_GLUED = f"{CHECKED_BOX} (dấu X dính liền với chữ)"
CHECK_UNCLEAR = "không phân biệt được ô nào được đánh dấu"
CHECK_OTHERS_EMPTY = f"{CHECKED_BOX}: các ô còn lại để trống"
TEXT_BEFORE_SEX = "có chữ khác đứng trước chữ chỉ giới tính"
TEXT_BEFORE_VALUE = "có chữ khác (nhãn đọc sai) đứng trước giá trị"
TEXT_AFTER_NAME = "đã bỏ các ký tự lạ đọc được sau tên (chữ in hoa)"
NOT_AN_ETHNIC_GROUP = "không có trong danh mục 54 dân tộc Việt Nam"
FOREIGN_NATIONALITY = "quốc tịch không phải Việt Nam"

# Places and authorities.
FEW_LETTERS = "gần như không có chữ cái"
SIGNING_AUTHORITY = "tên cơ quan ký cấp in trên thẻ, không có nhãn"


def ocr_confusions(pairs: Iterable[str] = ()) -> str:
    """Letters OCR read for digits, put right: ``"O→0"``, ``"l→1"`` (none listed: in digits)."""
    listed = ", ".join(pairs)
    return f"{OCR_CONFUSIONS}: {listed}" if listed else f"{OCR_CONFUSIONS} trong các chữ số"


def partial_date(known: Literal["year", "month"], *, in_words: bool = False) -> str:
    """A date of which only the year (or the month and year) was printed."""
    what = "chỉ có năm" if known == "year" else "chỉ có tháng và năm"
    return f"{_PARTIAL}: {what}" + (", ghi bằng chữ" if in_words else "")


def date_in_words(value: str, words: str) -> str:
    """How the date in figures ``value`` compares with the date in words (both ISO)."""
    if value == words:
        return f"khớp với {_IN_WORDS}"
    return f"{date_vi(value)} không khớp với {_IN_WORDS} ({date_vi(words)})"


def digits_read(count: int) -> str:
    return f"đọc được {count} chữ số, cần 12 (hoặc 9 với CMND)"


def phone_digits(count: int) -> str:
    return f"có {count} chữ số, cần 10"


def many_words(count: int) -> str:
    return f"{count} chữ: có lẽ không chỉ là họ tên"


def glued_syllables(words: Iterable[str]) -> str:
    """Name words of more than one syllable: two words OCR ran together."""
    return f"{', '.join(words)}: nhiều hơn một âm tiết trong một chữ, có thể hai chữ bị dính liền"


def syllables_split(read: str, split: str) -> str:
    return f"đã tách các âm tiết OCR viết liền: {read!r} → {split!r}"


def name_marks_corrected(read: str, spelled: str) -> str:
    """Marks of name words put right after the one known name word with their letters."""
    return f"đã sửa dấu theo họ, tên thường gặp: {read!r} → {spelled!r}"


def cause_marks_corrected(read: str, cause: str) -> str:
    return f"đã sửa dấu theo danh mục nguyên nhân tử vong thường gặp: {read!r} → {cause!r}"


def name_marks_doubtful(word: str, known: Iterable[str]) -> str:
    return f"dấu của {word!r} không khớp tên thường gặp nào ({', '.join(known)}): cần đối chiếu"


def unusual_name_words(words: Iterable[str]) -> str:
    return f"{', '.join(words)}: không phải tên đệm, tên thường gặp ở Việt Nam"


def unusual_surname(surname: str) -> str:
    return f"họ {surname!r} không phải họ thường gặp ở Việt Nam"


def closest_ethnic_group(read: str, group: str) -> str:
    return f"đọc được {read!r}, dân tộc gần nhất là {group!r}"


def closest_nationality(read: str, nationality: str) -> str:
    return f"đọc được {read!r}, quốc tịch gần nhất là {nationality!r}"


def text_after_viet_nam(read: str) -> str:
    return f"đã bỏ phần chữ sau Việt Nam: {read!r}"


def unit_words_corrected(read: str) -> str:
    return f"đã sửa từ chỉ loại đơn vị hành chính (bản đọc: {read!r})"


def unit_names_corrected(notes: Iterable[str]) -> str:
    """Unit names put right against the gazetteer, one ``"read → right"`` note each."""
    return "đã sửa tên đơn vị hành chính theo danh mục đơn vị hành chính: " + "; ".join(notes)


def authority_corrected(read: str) -> str:
    return f"đã sửa tên cơ quan cấp (bản đọc: {read!r})"


def date_vi(value: str) -> str:
    """``1987-03-15 → 15/03/1987``, ``1987-03 → 03/1987`` (as the steward reads dates)."""
    return "/".join(reversed(value.split("-")))


def decimal_vi(value: float, *, min_places: int = 2, max_places: int = 2) -> str:
    """``0.4213 → "0,42"``: a number with a decimal comma, as Vietnamese writes it.

    Rounded down to ``max_places`` decimals (a confidence just under a threshold must not show
    as the threshold), trailing zeros dropped down to ``min_places``.
    """
    number = Decimal(repr(value)).quantize(Decimal(1).scaleb(-max_places), rounding=ROUND_DOWN)
    text = f"{number:f}"
    if "." in text:
        whole, _, fraction = text.partition(".")
        fraction = fraction.rstrip("0").ljust(min_places, "0")
        text = f"{whole},{fraction}" if fraction else whole
    return text
