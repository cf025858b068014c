"""Vietnamese field labels and the two components that find labels and their values.

Extraction is driven by labels, not pixel templates: a label variant ("Họ, chữ đệm, tên người
mẹ", "Ngày sinh", "Place of residence", …) names a field and, for people other than the subject,
a role. Labels are matched on folded token norms (see :func:`extractors.text.fold`), so tone marks
dropped or misread by OCR do not matter; punctuation inside a label is optional ("Họ chữ đệm tên"
matches "Họ, chữ đệm, tên"). Lines whose text before the first ``:`` is *close* to a label
(rapidfuzz) are labelled too, with a lower strength.

A value is what follows its label on the line (after ``:`` or a dotted leader) up to the next
label; when nothing follows, it is the next line; place-like values continue over the following
lines until a line holding a label (multi-line addresses).

Span keys are ``"field"`` or ``"role:field"`` (``"mother:full_name"``); ``"number"`` is a bare
"Số"/"No." whose field is decided by its value; ``"_other"`` labels (religion, occupation, …) only
stop the value before them.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import NamedTuple

from rapidfuzz import fuzz, process
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token

from extractors.text import LEADER, fold

__all__ = [
    "LABELS",
    "MULTILINE_FIELDS",
    "Label",
    "LabelRuler",
    "find_values",
    "fold_norms",
    "is_leader",
    "is_separator",
    "is_speck",
    "line_ranges",
    "split_key",
]


class Label(NamedTuple):
    """One way a form prints the label of ``field`` (for ``role``, the subject when None)."""

    text: str
    field: str
    role: str | None = None

    @property
    def key(self) -> str:
        return f"{self.role}:{self.field}" if self.role else self.field


def split_key(key: str) -> tuple[str | None, str]:
    """``"mother:full_name" → ("mother", "full_name")``, ``"sex" → (None, "sex")``."""
    role, _, field = key.rpartition(":")
    return role or None, field


_NAME_LABELS = ("Họ, chữ đệm, tên", "Họ, chữ đệm và tên", "Họ và tên", "Họ tên")
_ROLE_WORDS = {
    "mother": ("người mẹ", "mẹ", "của mẹ", "của người mẹ", "mẹ đẻ"),
    "father": ("người cha", "cha", "bố", "của cha", "của người cha", "cha đẻ"),
    "husband": ("chồng", "người chồng", "của chồng", "bên chồng"),
    "wife": ("vợ", "người vợ", "của vợ", "bên vợ"),
    "declarant": (
        "người đi khai tử",
        "người đi đăng ký khai tử",
        "người khai tử",
        "người đi khai sinh",
        "người đi đăng ký khai sinh",
    ),
}
# Headings that open a person's section without naming a field ("BÊN A (Bên cho thuê):",
# "THÔNG TIN NGƯỜI CHỒNG"): the labels after them belong to that person.
_SECTIONS = {
    "party_a": ("Bên A", "Bên thứ nhất", "Party A"),
    "party_b": ("Bên B", "Bên thứ hai", "Party B"),
    "husband": ("Thông tin người chồng", "Thông tin về người chồng", "Người chồng", "Bên chồng"),
    "wife": ("Thông tin người vợ", "Thông tin về người vợ", "Người vợ", "Bên vợ"),
    "mother": ("Thông tin người mẹ", "Thông tin về người mẹ"),
    "father": ("Thông tin người cha", "Thông tin về người cha"),
}

_PLAIN: dict[str, tuple[str, ...]] = {
    "full_name": (
        *_NAME_LABELS,
        "Họ, chữ đệm và tên khai sinh",
        "Họ và tên khai sinh",
        "Họ tên khai sinh",
        "Họ, chữ đệm, tên người yêu cầu",
        "Họ và tên người yêu cầu",
        "Họ tên người yêu cầu",
        "Họ và tên người khai",
        "Họ, chữ đệm, tên người được khai sinh",
        "Tôi tên là",
        "Tên tôi là",
        "Tôi là",
        "Họ tên người đề nghị",
        "Họ và tên người đề nghị",
        "Họ, chữ đệm, tên người đề nghị",
        "Họ và tên người làm đơn",
        "Họ tên người làm đơn",
        "Họ và tên người khai báo",
        "Họ, chữ đệm, tên người chết",
        "Họ và tên người chết",
        "Họ tên người chết",
        "Họ, chữ đệm và tên người chết",
        "Họ tên chủ hộ",
        "Họ và tên chủ hộ",
        "Tên chủ hộ",
        "Chủ hộ",
        "Ông",
        "Bà",
        "Ông/Bà",
        "Ông (Bà)",
        "Full name",
        "Surname and given names",
        "Name",
    ),
    "date_of_birth": (
        "Ngày, tháng, năm sinh",
        "Ngày/tháng/năm sinh",
        "Ngày sinh",
        "Sinh ngày",
        "Năm sinh",
        "Sinh năm",
        "Năm sinh (ngày, tháng)",
        "Ngày tháng năm sinh",
        "Sinh ngày tháng năm",
        "Ngày, tháng, năm sinh (dương lịch)",
        "Ngày sinh (dương lịch)",
        "Date of birth",
        "Birth date",
        "DOB",
    ),
    "date_of_birth_words": (
        "Ghi bằng chữ",
        "Bằng chữ",
        "Ngày sinh bằng chữ",
        "Ngày, tháng, năm sinh bằng chữ",
    ),
    "sex": ("Giới tính", "Giới", "Sex", "Gender"),
    "nationality": ("Quốc tịch", "Quốc tịch hiện nay", "Nationality"),
    "ethnicity": ("Dân tộc", "Dân tộc (nếu có)", "Ethnicity", "Ethnic group", "Ethnic"),
    "place_of_origin": (
        "Quê quán",
        "Nguyên quán",
        "Nguyên quán (quê quán)",
        "Place of origin",
        "Home town",
        "Quê",
    ),
    "place_of_birth": ("Nơi sinh", "Sinh tại", "Nơi khai sinh", "Place of birth"),
    "date_of_death": (
        "Ngày chết",
        "Ngày, tháng, năm chết",
        "Ngày tháng năm chết",
        "Chết vào lúc",
        "Đã chết vào lúc",
        "Chết ngày",
        "Đã chết vào",
        "Thời điểm chết",
        "Ngày mất",
        "Mất ngày",
        "Date of death",
    ),
    "place_of_death": ("Nơi chết", "Chết tại", "Nơi mất", "Place of death"),
    "cause": ("Nguyên nhân chết", "Nguyên nhân", "Cause of death"),
    "place_of_residence": (
        "Nơi thường trú",
        "Địa chỉ thường trú",
        "Thường trú",
        "Thường trú tại",
        "Hộ khẩu thường trú",
        "Nơi đăng ký hộ khẩu thường trú",
        "Nơi đăng ký thường trú",
        "Nơi cư trú",
        "Cư trú tại",
        "Trú tại",
        "Địa chỉ",
        "Địa chỉ liên hệ",
        "Địa chỉ cư trú",
        "Nơi cư trú cuối cùng",
        "Nơi thường trú cuối cùng",
        "Nơi ĐKHK thường trú",
        "Nơi đăng ký HKTT",
        "Nơi ĐKHKTT",
        "HKTT",
        "Thường trú tại",
        "Địa chỉ nơi ở",
        "Chỗ ở",
        "Place of residence",
        "Permanent address",
        "Address",
    ),
    "temporary_residence": (
        "Nơi ở hiện tại",
        "Chỗ ở hiện tại",
        "Nơi tạm trú",
        "Địa chỉ tạm trú",
        "Tạm trú",
        "Tạm trú tại",
        "Nơi ở hiện nay",
        "Chỗ ở hiện nay",
        "Địa chỉ hiện tại",
        "Temporary residence",
    ),
    "id_number": (
        "Số CCCD",
        "CCCD số",
        "Số CCCD/CMND",
        "Số CMND/CCCD",
        "Số căn cước công dân",
        "Căn cước công dân số",
        "Số căn cước",
        "Số thẻ căn cước",
        "Số định danh cá nhân",
        "Số định danh",
        "Mã định danh",
        "Mã số định danh cá nhân",
        "Số CC",
        "CC số",
        "Số thẻ CCCD",
        "Thẻ căn cước số",
        "Căn cước số",
        "Căn cước công dân",
        "Số CCCD/Căn cước",
        "Số CCCD/ĐDCN",
        "Số ĐDCN",
        "Số định danh cá nhân/CCCD",
        "Giấy tờ tùy thân",
        "Giấy tờ tuỳ thân",
        "Giấy tờ tùy thân số",
        "Giấy tờ nhân thân",
        "Personal identification number",
        "Personal ID",
        "Identity card number",
        "ID number",
        "ID No",
    ),
    "old_id_number": (
        "Số CMND",
        "CMND số",
        "Số chứng minh nhân dân",
        "Chứng minh nhân dân số",
        "Giấy CMND số",
        "Số CMTND",
        "CMTND số",
        "Số chứng minh thư",
        "Chứng minh thư số",
        "Số CMT",
        "CMT số",
    ),
    "number": ("Số", "No", "Số/No"),
    "issue_date": (
        "Ngày cấp",
        "Ngày, tháng, năm cấp",
        "Ngày tháng năm cấp",
        "Cấp ngày",
        "Ngày, tháng, năm",
        "Date, month, year",
        "Date of issue",
        "Issue date",
    ),
    "issuing_authority": ("Nơi cấp", "Cơ quan cấp", "Cấp tại", "Place of issue", "Issued by"),
    "expiry_date": (
        "Có giá trị đến",
        "Có giá trị đến ngày",
        "Giá trị đến",
        "Ngày hết hạn",
        "Hết hạn",
        "Date of expiry",
        "Expiry date",
    ),
    "phone": (
        "Số điện thoại",
        "Điện thoại",
        "Điện thoại liên hệ",
        "Số điện thoại liên hệ",
        "Số điện thoại di động",
        "Điện thoại di động",
        "Di động",
        "SĐT",
        "ĐT",
        "Phone",
        "Tel",
    ),
    "email": (
        "Email",
        "E-mail",
        "Thư điện tử",
        "Địa chỉ email",
        "Địa chỉ thư điện tử",
        "Địa chỉ e-mail",
    ),
    "registration_number": (
        "Số đăng ký",
        "Số đăng ký khai sinh",
        "Số đăng ký kết hôn",
        "Số đăng ký khai tử",
        "Số trích lục",
    ),
    "book_number": ("Quyển số", "Quyển", "Sổ số"),
    "registration_date": (
        "Ngày đăng ký",
        "Ngày đăng ký khai sinh",
        "Ngày đăng ký kết hôn",
        "Ngày đăng ký khai tử",
        "Ngày, tháng, năm đăng ký",
        "Ngày tháng năm đăng ký",
        "Đăng ký ngày",
        "Date of registration",
    ),
    "registration_office": (
        "Nơi đăng ký khai sinh",
        "Nơi đăng ký kết hôn",
        "Nơi đăng ký khai tử",
        "Nơi đăng ký",
        "Cơ quan đăng ký",
        "Cơ quan đăng ký khai sinh",
        "Cơ quan đăng ký kết hôn",
        "Cơ quan đăng ký khai tử",
        "Cơ quan đăng ký hộ tịch",
    ),
    # Labels of fields we do not extract yet: they only end the value printed before them.
    "_other": (
        "Tôn giáo",
        "Nghề nghiệp",
        "Nghề nghiệp, nơi làm việc",
        "Nơi làm việc",
        "Trình độ chuyên môn",
        "Tình trạng hôn nhân",
        "Nhóm máu",
        "Quan hệ với người được khai sinh",
        "Quan hệ với người chết",
        "Quan hệ với người yêu cầu",
        "Nội dung đề nghị",
        "Nội dung yêu cầu",
        "Kết hôn lần thứ",
        "Số hộ khẩu",
        "Số hồ sơ",
        "Mã hồ sơ",
        "Lý do",
        "Kính gửi",
        "V/v",
        "Số chứng thực",
        "Ngày hết hiệu lực",
        "Quan hệ với chủ hộ",
        "Đặc điểm nhận dạng",
        "Trình độ học vấn",
        "Ghi chú",
        "Số hộ chiếu",
        # The signers' headings: the value printed before them ends there.
        "Người đi khai sinh",
        "Người đi đăng ký khai sinh",
        "Người ký giấy khai sinh",
        "Người ký giấy chứng nhận",
        "Người ký trích lục",
        "Người khai",
        "Người làm đơn",
    ),
}


def _labels() -> tuple[Label, ...]:
    labels = [Label(text, field) for field, texts in _PLAIN.items() for text in texts]
    for role, words in _ROLE_WORDS.items():
        for word in words:
            labels.extend(Label(f"{base} {word}", "full_name", role) for base in _NAME_LABELS)
        labels.extend(Label(f"Tên {word}", "full_name", role) for word in words[:2])
    labels.extend(Label(t, "_role", role) for role, texts in _SECTIONS.items() for t in texts)
    labels.extend(
        [
            Label("Mẹ", "full_name", "mother"),
            Label("Chồng", "full_name", "husband"),
            Label("Vợ", "full_name", "wife"),
            Label("Cha", "full_name", "father"),
            Label("Bố", "full_name", "father"),
            Label("Mother", "full_name", "mother"),
            Label("Father", "full_name", "father"),
        ]
    )
    return tuple(dict.fromkeys(labels))


LABELS: tuple[Label, ...] = _labels()
"""Every label variant known (see ``len(LABELS)``)."""

MULTILINE_FIELDS = frozenset(
    {
        "date_of_birth_words",
        "issue_date",  # "cấp ngày … tại <authority>", the authority running over the line
        "place_of_death",
        "place_of_residence",
        "temporary_residence",
        "place_of_origin",
        "place_of_birth",
        "registration_office",
        "issuing_authority",
    }
)

# Tokens that separate a label from its value or fill space: ":", dotted leaders, "…", bars.
# Check boxes ("☒ Nam ☐ Nữ") are not separators: they say which option is meant.
_SEPARATOR = re.compile(r"^[^\w☐☑☒□■▣]+$|^_+$")
# Item numbering before a label: "1.", "12)", "a)", "IV.", "-", "•".
_NUMBERING = re.compile(r"^(?:\d{1,2}|[a-zđ]|[ivxlc]+)?[.)\-–•*|:]*$", re.IGNORECASE)
# Continuation lines that are clearly not part of an address: signature blocks, dates, notes.
_NOT_CONTINUATION = re.compile(
    r"^(?:\(|ky\b|xac nhan|nguoi\b|can bo|chu tich|tm\b|giam doc|toi xin|cam doan|hai ben|"
    r"dieu \d|ben [ab]\b|chung toi|hom nay|nay toi|.*\bng\w?y\s*\d)"
)
_LEADER = re.compile(rf"^(?:{LEADER})$")
_COLONS = (":", ";")  # OCR reads a label's colon as ";" now and then ("Dân tộc; Kinh")
# Where a label's words end before its value: a colon, or the rule between a table's label cell
# and value cell read as "|" ("Họ, chữ đếm và tên khúi sinh | VI THANH KHOA", a fax).
_LABEL_ENDS = (*_COLONS, "|")
_LEADER_RUN = re.compile(r"^[^\w]*(?:\.{3,}|…|_{3,})")
_MAX_CONTINUATION_LINES = 3
# A label alone on its line is matched fuzzily without a colon after it: a few words.
_SPECK = re.compile(r"^[`'‘’\",.;¬~^ˆ-]{1,2}$")  # a mark of dirt or a stray stroke
_MIN_ALONE_WORDS, _MAX_ALONE_WORDS = 2, 8
_MIN_SQUEEZED, _SQUEEZED_THRESHOLD = 6, 90.0  # letters, and score, of a run-together label
# … and of any caption alone after its item number ("3⁄Giớitfnh"): the number says one starts
_NUMBERED_THRESHOLD = 85.0
_CUT_SHORT_STRENGTH = 0.85  # a numbered caption read without its last word
_LONGER_THRESHOLD = 90.0  # … and closer still to replace an exact shorter label at its start
_MAX_GARBLED_WORDS = 2  # words between an exact label and its colon that may end a longer one
# Set on label and value spans only: span extensions are keyed by character offsets, so two span
# groups covering the same characters would share them.
for _name, _default in (("strength", 1.0), ("label_start", None)):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=_default)


def is_separator(token: Token) -> bool:
    return bool(_SEPARATOR.match(token.text))


def is_speck(token: Token) -> bool:
    """A speck of dirt or a stray stroke OCR read as a mark or two: "`", "'", "¬¬"."""
    return bool(_SPECK.match(token.text))


def is_leader(token: Token) -> bool:
    """A dotted (or underscored) leader, as forms print where a value goes: ``"......"``."""
    return bool(_LEADER_RUN.match(token.text))


def line_ranges(doc: Doc) -> list[tuple[int, int]]:
    """Token ranges ``[start, end)`` of the OCR lines (sentence starts mark line starts)."""
    starts = [t.i for t in doc if t.i == 0 or t.is_sent_start]
    if not starts:
        return []
    return list(zip(starts, [*starts[1:], len(doc)], strict=True))


@Language.component("sohoa_fold_norms_v1", assigns=["token.norm"], requires=[], retokenizes=False)
def fold_norms(doc: Doc) -> Doc:
    """Set every token's NORM to its folded text, the key labels are matched on."""
    for token in doc:
        token.norm_ = fold(token.text)
    return doc


def _label_words(nlp: Language, text: str) -> list[str]:
    return [fold(t.text) for t in nlp.tokenizer(text) if not _SEPARATOR.match(t.text)]


def _prefer_within_lines(spans: list[Span]) -> list[Span]:
    """Non-overlapping label matches, longest first; of two as long, the one within one line.

    In prose a label may wrap ("… số điện" / "thoại: 09…"), but "… LÊ VĂN NAM" ending a line and
    "Sinh năm: …" starting the next are a name and a label, not the label "Năm sinh".
    """

    def crosses(span: Span) -> bool:
        return any(t.is_sent_start for t in span[1:])

    taken: set[int] = set()
    kept = []
    for span in sorted(spans, key=lambda s: (-len(s), crosses(s), s.start)):
        if not taken.intersection(range(span.start, span.end)):
            kept.append(span)
            taken.update(range(span.start, span.end))
    return sorted(kept, key=lambda s: s.start)


_CELL_GAP = 1.5  # line heights of blank between two words that part a row's cells


def _cells(doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
    """The line ``[start, end)`` cut where a gap wider than :data:`_CELL_GAP` line heights
    parts two words: the cells of a row ("Giới tính: Nam      Dân tộc: Kinh"). One cell
    without word boxes."""
    words = doc.user_data.get("sohoa_words")
    if not words or end - start < 2:
        return [(start, end)]
    boxes = [words[t._.word].box for t in doc[start:end]]
    height = max(b[3] for b in boxes) - min(b[1] for b in boxes)
    cells, first = [], start
    for i in range(start + 1, end):
        gap = boxes[i - start][0] - boxes[i - start - 1][2]
        if doc[i]._.word != doc[i - 1]._.word and gap > _CELL_GAP * height:
            cells.append((first, i))
            first = i
    return [*cells, (first, end)]


def _after_numbering(doc: Doc, start: int, end: int) -> int:
    """The first token of ``[start, end)`` after the line's item number ("7.", "IV.") and the
    specks OCR puts before it ("`7", "'5,"; not a bracket, which opens an instruction)."""
    while start < end and _numbering_or_speck(doc[start]):
        start += 1
    return start


def _numbering_or_speck(token: Token) -> bool:
    return bool(_NUMBERING.match(token.text)) or is_speck(token)


def _book_title(doc: Doc, span: Span, line_end: int) -> bool:
    """Whether a "Số đăng ký …" label is the title of a register book, "SỔ ĐĂNG KÝ KHAI SINH NĂM
    2013" (*the book* of birth registrations), not a label: folded, both read "so dang ky khai
    sinh", OCR reads the capital's hỏi as a sắc ("SỐ ĐĂNG KÝ"), and the title's year came out as
    the registration number, auto-accepted, on the register pages of the dev set. A title has no
    colon after it, and either the hỏi or a year ("năm 2013") right after it."""
    if split_key(span.label_)[1] != "registration_number":
        return False
    if span.end < line_end and ":" in doc[span.end].text:
        return False
    year_follows = (
        span.end + 1 < line_end
        and doc[span.end].norm_ == "nam"
        and re.fullmatch(r"\d{4}", doc[span.end + 1].text) is not None
    )
    return year_follows or doc[span.start].lower_ == "sổ"


@Language.factory(
    "sohoa_label_ruler_v1",
    default_config={"fuzzy_threshold": 88.0},
    assigns=["doc.spans"],
    requires=["token.norm"],
)
def make_label_ruler(nlp: Language, name: str, fuzzy_threshold: float) -> LabelRuler:
    return LabelRuler(nlp, name, fuzzy_threshold=fuzzy_threshold)


class LabelRuler:
    """Find label variants (exactly on folded norms, or fuzzily before a ``:``).

    Sets ``doc.spans["labels"]``: one span per label (a bilingual pair "Họ và tên / Full name" is
    one span), ``span.label_`` the field key and ``span._.strength`` 1.0 (exact) or 0.9 (fuzzy).
    """

    def __init__(self, nlp: Language, name: str, *, fuzzy_threshold: float = 88.0) -> None:
        self.name = name
        self.fuzzy_threshold = fuzzy_threshold
        self.matcher = Matcher(nlp.vocab)
        self.keys: dict[str, str] = {}  # folded label text → key, for fuzzy matching
        # Punctuation inside a label is optional, but a colon ends it ("Ngày sinh: ngày 5 …").
        gap = {"TEXT": {"REGEX": r"^[^\w:]+$"}, "OP": "*"}
        for label in LABELS:
            words = _label_words(nlp, label.text)
            if not words:
                continue
            pattern: list[dict] = []
            for word in words:
                pattern.extend([{"NORM": word}, gap])
            self.matcher.add(label.key, [pattern[:-1]])
            self.keys.setdefault(" ".join(words), label.key)
        self.choices = list(self.keys)
        # The same without spaces, for lines where OCR ran a label's words together.
        self.squeezed = {c.replace(" ", ""): c for c in reversed(self.choices) if " " in c}
        self.squeezed_choices = list(self.squeezed)

    def __call__(self, doc: Doc) -> Doc:
        found = _prefer_within_lines(self.matcher(doc, as_spans=True))
        labels: list[Span] = []
        for start, end in line_ranges(doc):
            in_line = [s for s in found if start <= s.start < end]
            valid = [s for s in in_line if self._is_label(doc, s, start, end)]
            groups = self._group(doc, valid)
            alone = self._alone(doc, start, end, groups)
            if alone is not None:
                groups = [alone]
            elif groups and (longer := self._longer(doc, groups[0], end)) is not None:
                groups = [longer, *(g for g in groups[1:] if g.start >= longer.end)]
            elif not groups or not self._at_line_start(doc, start, groups[0].start):
                fuzzy = self._fuzzy(doc, start, end, groups)
                if fuzzy is not None:
                    groups.insert(0, fuzzy)
            cells = _cells(doc, start, end)
            if len(cells) > 1 and not any(g.start < cells[0][1] for g in groups):
                # A row of captions, their values on the line below: the first cell's, garbled.
                caption = self._alone(doc, start, cells[0][1], [])
                if caption is not None:
                    groups.insert(0, caption)
            for cell_start, cell_end in cells[1:]:
                if any(cell_start <= g.start < cell_end for g in groups):
                    continue
                found_in_cell = self._in_cell(doc, cell_start, cell_end)
                if found_in_cell is not None:
                    groups = sorted([*groups, found_in_cell], key=lambda g: g.start)
            labels.extend(groups)
        doc.spans["labels"] = labels
        return doc

    def _in_cell(self, doc: Doc, start: int, end: int) -> Span | None:
        """A garbled label opening a cell of a row after its first (:func:`_cells`): the words
        before the cell's first colon, or, when the cell opens with an item number, the cell's
        words of letters alone (a caption: "6. Tôngáo")."""
        fuzzy = self._fuzzy(doc, start, end, [])
        if fuzzy is not None:
            return fuzzy
        first = _after_numbering(doc, start, end)
        words = [t for t in doc[first:end] if not is_separator(t)]
        if first == start or not 1 <= len(words) <= _MAX_ALONE_WORDS:
            return None
        if not all(c.isalpha() for t in words for c in t.text):
            return None
        return self._closest(
            doc, first, end, whole=True, threshold=_NUMBERED_THRESHOLD, squeezed=_NUMBERED_THRESHOLD
        )

    @staticmethod
    def _at_line_start(doc: Doc, line_start: int, index: int) -> bool:
        return all(_NUMBERING.match(t.text) for t in doc[line_start:index])

    @staticmethod
    def _is_label(doc: Doc, span: Span, line_start: int, line_end: int) -> bool:
        before = doc[line_start : span.start]
        # "(Ký, ghi rõ họ tên)": words of an instruction in brackets are not a label; a "("
        # never closed on the line is a speck ("cụ (Quế quản | Nà Bình Thanh", a fax).
        after = doc[span.end : line_end]
        if sum(t.text.count("(") - t.text.count(")") for t in before) > 0 and any(
            ")" in t.text for t in after
        ):
            return False
        words = sum(1 for t in span if not is_separator(t))
        if _book_title(doc, span, line_end):
            return False
        if span.label_.endswith(":_role"):
            # A section heading opens its line: "Bên A đồng ý bán cho Bên B" is an article.
            return all(_NUMBERING.match(t.text) for t in before)
        if words >= 2:
            return True
        # A one-word label ("Số", "Quê", "Email") must be followed by a colon, a "/" or end the
        # line: "Số 12 ngõ 34" is an address, "Số: 123/2020" a label. Nor may it come after a
        # dotted leader: "22/09/19..Bo .o.ss" is OCR junk in a value, not the label "Bố".
        if span.start > line_start and is_leader(doc[span.start - 1]):
            return False
        if span.end >= line_end:  # a heading alone on its line ("Bà" ending a name is not)
            return all(_NUMBERING.match(t.text) or t.text in {"/", "|"} for t in before)
        annotated = _skip_annotation(doc, span.end, line_end)
        if annotated > span.end and doc[annotated - 1].text.endswith(_COLONS):
            return True  # "Email (nếu có): …": a bracket and a colon after the word
        if before and all(_NUMBERING.match(t.text) for t in before):
            # After an item number the word opens a numbered field: "13. Email an@gmail.com".
            return any(c.isdigit() for t in before for c in t.text) or len(before[0].text) > 1
        return any(c in doc[span.end].text for c in ":/")

    @staticmethod
    def _group(doc: Doc, spans: list[Span]) -> list[Span]:
        """Merge "Vietnamese / English" label pairs into one span.

        Two labels of one field around a "/" are one label even when OCR garbled a word of the
        English half between them ("Họ và tên / Eull name:").
        """
        groups: list[Span] = []
        for span in spans:
            between = doc[groups[-1].end : span.start] if groups else doc[0:0]
            pair = all(t.text in {"/", "|", "(", ")"} for t in between) or (
                groups[-1].label_ == span.label_
                and len(between) <= 3
                and any("/" in t.text for t in between)  # "Họ và tên l/ Full name"
            )
            if groups and pair:
                previous = groups.pop()
                key = previous.label_ if previous.label_ != "number" else span.label_
                span = Span(doc, previous.start, span.end, label=key)
            groups.append(span)
        return groups

    def _fuzzy(self, doc: Doc, start: int, end: int, groups: list[Span]) -> Span | None:
        """A label with OCR letter errors: the words before the line's first ``:``."""
        first = _after_numbering(doc, start, end)
        stop = min(end, first + 10, groups[0].start if groups else end)
        colon = next(
            (t.i for t in doc[first:stop] if any(c in t.text for c in _COLONS) and is_separator(t)),
            None,
        )
        if colon is None or colon == first:
            return None
        return self._closest(doc, first, colon)

    def _closest(
        self,
        doc: Doc,
        first: int,
        end: int,
        *,
        whole: bool = False,
        threshold: float | None = None,
        squeezed: float = _SQUEEZED_THRESHOLD,
    ) -> Span | None:
        """``[first, end)`` as a fuzzy label (strength 0.9) if it is close to one, else None.

        With ``whole`` (a line standing alone, no colon to end the label) the label must have
        as many words: "CHỨNG MINH NHÂN DÂN", a card's title, is not "Chứng minh nhân dân số".
        """
        text = " ".join(t.norm_ for t in doc[first:end] if not is_separator(t))
        if len(text) < 4:
            return None
        cutoff = self.fuzzy_threshold if threshold is None else threshold
        best = process.extractOne(text, self.choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        if best is None or (whole and best[0].count(" ") != text.count(" ")):
            best = self._squeezed(text, squeezed)
            if best is None:
                return None
        span = Span(doc, first, end, label=self.keys[best[0]])
        span._.strength = 0.9
        return span

    def _squeezed(self, text: str, threshold: float) -> tuple[str, float, int] | None:
        """The label ``text`` is when OCR ran some of its words together ("Quốctch",
        "Giớitính"): compared without spaces, at least ``threshold``, the label of more words
        and at most one letter longer ("CHỨNG MINH NHÂN DÂN", a card's title, is not "Chứng
        minh nhân dân số" with a word lost)."""
        squeezed = text.replace(" ", "")
        if len(squeezed) < _MIN_SQUEEZED:
            return None
        best = process.extractOne(
            squeezed,
            self.squeezed_choices,
            scorer=fuzz.ratio,
            score_cutoff=threshold,
        )
        if (
            best is None
            or self.squeezed[best[0]].count(" ") <= text.count(" ")
            or len(best[0]) - len(squeezed) > 1  # a word missing, not run together
        ):
            return None
        return self.squeezed[best[0]], best[1], best[2]

    def _alone(self, doc: Doc, start: int, end: int, groups: list[Span]) -> Span | None:
        """A label printed alone on its line, its value on the line below, with OCR letter
        errors and no colon ("HO VA TEM" over the name), or None.

        The line (after its item number) must be a few words of letters, not the document's
        last: "Ngày sinh 12/3/1990" is a label and its value. An exact match of a shorter label
        at its start followed by one word gives way to a longer label the whole line is closer
        still to ("NGÀY THÁNG NĂM" of "NGÀY THÁNG NĂM SlNH"); otherwise exact labels are kept.
        """
        first = _after_numbering(doc, start, end)
        specks = doc[first : groups[0].start] if groups else doc[0:0]
        if groups and all(len(t.text) <= 2 or is_separator(t) for t in specks):
            first = groups[0].start  # specks before the label ("Ị LŨ.", "EE,"), on a fax
        words = [t for t in doc[first:end] if not is_separator(t)]
        if not 1 <= len(words) <= _MAX_ALONE_WORDS or end >= len(doc):
            return None
        numbered = any(_NUMBERING.match(t.text) for t in doc[start:first])
        if len(words) < _MIN_ALONE_WORDS and (groups or not numbered):
            return None  # one word: only a numbered item's label run together ("7. Quốctịch")
        if not all(c.isalpha() for t in words for c in t.text):
            return None
        if not groups:
            # An item number says a caption follows: a letter wrong in a short one is enough
            # to fall below the usual threshold ("5, Dân lộc.").
            threshold = _NUMBERED_THRESHOLD if numbered else None
            found = self._closest(doc, first, end, whole=True, threshold=threshold)
            return found if found is not None or not numbered else self._cut_short(doc, first, end)
        exact = groups[0]
        rest = [t for t in doc[exact.end : end] if not is_separator(t)]
        # Only the garbled last words of a longer label: "Quốc tịch Việt Nam" is a label and
        # its value, "Họ, chữ đếm và tên khi sinh" the label "… khai sinh" whose value is in
        # the cell to its right (a fax), "Họ, chữ đệm và tên của chí" the father's.
        if len(groups) > 1 or exact.start != first or not 1 <= len(rest) <= _MAX_GARBLED_WORDS:
            return None
        longer = self._instead_of(doc, exact, end, same_field=True)
        return longer if longer is not None or not numbered else self._cut_short(doc, first, end)

    def _cut_short(self, doc: Doc, first: int, end: int) -> Span | None:
        """A numbered caption whose last word OCR lost ("9. Nơi thường"): the words read are
        all but the last of labels of one field only, else None ("Họ, chữ đệm" begins the
        subject's, the father's and the mother's)."""
        words = [t.norm_ for t in doc[first:end] if not is_separator(t)]
        if len(words) < _MIN_ALONE_WORDS:
            return None
        text = " ".join(words) + " "
        keys = {
            self.keys[c] for c in self.choices if c.startswith(text) and " " not in c[len(text) :]
        }
        if len(keys) != 1:
            return None
        span = Span(doc, first, end, label=keys.pop())
        span._.strength = _CUT_SHORT_STRENGTH
        return span

    def _longer(self, doc: Doc, exact: Span, end: int) -> Span | None:
        """A longer label whose last words OCR garbled, read as an exact shorter one and a
        word or two before the colon ("Họ, chữ đệm, tên" + "người mứ;" for the mother's
        "Họ, chữ đệm, tên người mẹ:"), or None. The words up to the colon must be closer still
        (fuzzy ratio ≥ 90) to a label of as many words and another field or role."""
        colon = next(
            (
                t.i
                for t in doc[exact.end : min(end, exact.end + _MAX_GARBLED_WORDS + 1)]
                if any(c in t.text for c in _LABEL_ENDS) and is_separator(t)
            ),
            None,
        )
        if colon is None or colon == exact.end:
            return None
        return self._instead_of(doc, exact, colon)

    def _instead_of(
        self, doc: Doc, exact: Span, stop: int, *, same_field: bool = False
    ) -> Span | None:
        """The label of another field or role that ``exact`` and the words after it up to
        ``stop`` are closer still to (fuzzy ratio ≥ 90, as many words), or None. With
        ``same_field`` a longer label of the same field counts too: the words are the label's,
        not its value."""
        longer = self._closest(doc, exact.start, stop, whole=True, threshold=_LONGER_THRESHOLD)
        if longer is None or (longer.label_ == exact.label_ and not same_field):
            return None
        return longer


@Language.component("sohoa_label_values_v1", assigns=["doc.spans"], requires=["doc.spans"])
def find_values(doc: Doc) -> Doc:
    """Set ``doc.spans["values"]``: for each label, the tokens holding its value.

    Each value span has the label's key, ``span._.label_start`` (the label's first token) and
    ``span._.strength`` (the label's). Value spans exclude separators at both ends.
    """
    lines = line_ranges(doc)
    starts = [s for s, _ in lines]
    labels = list(doc.spans.get("labels", []))
    label_starts = {s.start for s in labels}
    # Each line's box and whether it holds a label, once: the layout look-ups below compare a
    # line with every other line, which on a long document must not recompute them each time.
    boxes = [_line_box(doc, line) for line in lines]
    labelled = [any(i in label_starts for i in range(*line)) for line in lines]
    values: list[Span] = []
    for index, label in enumerate(labels):
        line = bisect_right(starts, label.end - 1) - 1  # a label may wrap: its last line
        line_end = lines[line][1]
        following = labels[index + 1].start if index + 1 < len(labels) else len(doc)
        stop = min(line_end, following)
        start, end = _trim(
            doc, *_skip_garbled_label(doc, _skip_annotation(doc, label.end, stop), stop, label)
        )
        if (
            _label_tail(doc, start, stop)
            and line + 1 < len(lines)
            and not labelled[line + 1]  # with a label below, "PHAN THỊ NGỌC:" is the value
        ):
            start = end  # the rest of the label, garbled ("Họ và tên 2 Pu hane:"): no value here
        _, field = split_key(label.label_)
        if field in _NAME_FIELDS and sum(c.isalpha() for c in doc[start:end].text) < 2:
            start = end  # "Full name: Ẹ": a speck read as a letter; the name is below
        column = _caption_column(doc, labels, index, lines[line], start, end)
        if column is not None:
            # A row of captions ("2. Ngày, tháng, năm sinh   3. Giới tính"), each over its
            # value: what follows this one on its line is the next item's number, and its
            # value is the part of the line below that lies under it.
            start = end
            following = next((s.start for s in labels[index:] if s.start >= line_end), len(doc))
        blank = any(_LEADER.match(t.text) for t in doc[label.end : min(line_end, following)])
        if start == end and following >= line_end and not blank:
            # Nothing after the label: the value is in the cell to its right (a boxed table OCR
            # read as separate blocks) or on the next line (cards). A dotted leader to the
            # margin, by contrast, is a form field left empty.
            cell = _right_cell(doc, lines, line, boxes, labelled)
            if cell is not None:
                line = cell
                start, end = _trim(doc, *lines[cell])
                following = len(doc)  # in a table, the next label may be read before its cell
            elif (below := _value_below(doc, lines, line, following, label, labelled)) is not None:
                line = below
                start, end = _trim(doc, lines[line][0], min(lines[line][1], following))
                if column is not None:
                    start, end = _trim(doc, *_under(doc, start, end, column))
        cut = _cut_at_leader(doc, start, end)
        if cut < end:
            end = cut  # a leader after the value fills the line to the margin: the value ended
        elif (
            start < end
            and field in MULTILINE_FIELDS
            and following >= lines[line][1]
            and column is None
        ):
            for nxt in range(line + 1, min(line + 1 + _MAX_CONTINUATION_LINES, len(lines))):
                # In running prose the next label may follow the value on the same line.
                stop = next((i for i in range(*lines[nxt]) if i in label_starts), lines[nxt][1])
                part = (lines[nxt][0], stop)
                # The first continuation may also line up with the value (a form's value column).
                anchor = start if nxt == line + 1 else None
                if (
                    stop == part[0]
                    or not _continues(
                        doc, lines[nxt - 1], part, label_starts, continuation=True, anchor=anchor
                    )
                    or _beside_label(lines, nxt, boxes, labelled)
                ):
                    break
                line_end = _trim(doc, *part)[1]
                cut = _cut_at_leader(doc, lines[nxt][0], line_end)
                end = cut or end
                if cut < line_end or stop < lines[nxt][1]:
                    break
        elif (
            start < end
            and field in _NAME_FIELDS
            and column is None
            and following >= lines[line][1]
            and line + 1 < len(lines)
            and not labelled[line + 1]
            and _name_wraps(doc, (start, end), lines, line, boxes)
        ):
            end = _trim(doc, *lines[line + 1])[1]  # a long label pushed the name's end over
        if start < end:
            value = Span(doc, start, end, label=label.label_)
            value._.label_start = label.start
            value._.strength = label._.strength
            values.append(value)
    doc.spans["values"] = values
    return doc


_MAX_ANNOTATION_TOKENS = 16
_FOOTNOTE = re.compile(r"^(?:\d{1,2}|[a-z]|\*+)$")


def _skip_annotation(doc: Doc, start: int, end: int) -> int:
    """Where a label's value starts once a bracket after the label is skipped: a footnote mark
    or an instruction to whoever fills in the form ("Họ, chữ đệm và tên (1):", "Ngày, tháng,
    năm sinh (ghi bằng số):", "Nơi thường trú (ghi rõ số nhà, đường phố): Số 12 …").

    A bracket followed by a colon is the label's, whatever it says; without a colon, only a
    footnote mark or words in lower case are (a value does not start with "(viết chữ in hoa)").
    """
    if start >= end or doc[start].text != "(":
        return start
    window = doc[start + 1 : min(end, start + 1 + _MAX_ANNOTATION_TOKENS)]
    close = next((t.i for t in window if t.text.startswith(")")), None)
    if close is None:
        return start
    if doc[close].text.endswith(_COLONS):
        return close + 1  # "):" is one token (an emoticon to spaCy)
    if close + 1 < end and doc[close + 1].text in _COLONS:
        return close + 2
    inner = [t.text for t in doc[start + 1 : close]]
    if inner and (_FOOTNOTE.match("".join(inner)) or inner[0].islower()):
        return close + 1
    return start


_FOLDED_LABELS = sorted({" ".join(_SEPARATOR.sub(" ", fold(lab.text)).split()) for lab in LABELS})


def _skip_garbled_label(
    doc: Doc, start: int, end: int, label: Span | None = None
) -> tuple[int, int]:
    """Skip the rest of a label OCR garbled at the start of a value: an English half
    ("/ Place ofresidence:"), or the end of a longer label whose start was read ("Nơi đàng ký"
    + "khen sinh:" for "Nơi đăng ký khai sinh:")."""
    window = doc[start : min(end, start + 6)]
    colon = next((t.i for t in window if t.text in _LABEL_ENDS), None)
    if colon is None:
        # On a fax the colon may be read as another mark ("Place of orjgin. Điện Biên"): then
        # only words of letters, two or more, can be the label's rest.
        colon = next((t.i for t in window if t.text in _WEAK_LABEL_ENDS), None)
        words = [t for t in doc[start : colon or start] if not is_separator(t)]
        if colon is None or len(words) < 2 or not all(t.text.isalpha() for t in words):
            return start, end
    weak = doc[colon].text not in _LABEL_ENDS
    text = " ".join(t.norm_ for t in doc[start:colon] if not is_separator(t))
    cutoff = _WEAK_END_CUTOFF if weak else _TAIL_CUTOFF
    if text and process.extractOne(text, _FOLDED_LABELS, scorer=fuzz.ratio, score_cutoff=cutoff):
        return colon + 1, end
    if weak:
        return start, end
    if text and label is not None:
        whole = " ".join(t.norm_ for t in label if not is_separator(t)) + " " + text
        if process.extractOne(whole, _FOLDED_LABELS, scorer=fuzz.ratio, score_cutoff=85):
            return colon + 1, end
    return start, end


_MAX_TAIL_WORDS = 4
_WEAK_LABEL_ENDS = frozenset({".", ",", "'", "’"})  # a colon misread, after a garbled label
_TAIL_CUTOFF = 75  # fuzzy ratio of a label's garbled rest before its colon
_WEAK_END_CUTOFF = 85  # … before a colon misread: closer to a label
_NAME_FIELDS = frozenset({"full_name", "father_name", "mother_name", "spouse_name"})
_MAX_SKIPPED_LINES = 2  # junk lines OCR reads elsewhere on the page (a photo's edge) in between


def _value_below(
    doc: Doc,
    lines: list[tuple[int, int]],
    line: int,
    following: int,
    label: Span,
    labelled: list[bool],
) -> int | None:
    """The line holding the value of a label that ends its line ``line`` (a card's "Họ và tên /
    Full name:" over the name), or None.

    It is the next line, or one of the two after it when the lines in between are junk OCR
    read elsewhere on the page (holding no label, and not under the label).
    """
    label_starts = {s.start for s in doc.spans.get("labels", [])}
    for below in range(line + 1, min(line + 2 + _MAX_SKIPPED_LINES, len(lines))):
        part = (lines[below][0], min(lines[below][1], following))
        cut = part[1] < lines[below][1]  # the next label is on this line
        if _only_numbering(doc, *part):
            if cut or labelled[below]:
                return None  # the next label, or "9." before it: the value is empty
            continue  # a lone "II." or "n": junk
        if _continues(doc, lines[line], part, label_starts, anchor=label.start):
            return below
        if labelled[below] or cut:
            return None
    return None


def _caption_column(
    doc: Doc,
    labels: list[Span],
    index: int,
    line: tuple[int, int],
    start: int,
    end: int,
) -> tuple[float, float] | None:
    """The x range of the column headed by ``labels[index]``, when it is one of several
    captions on ``line`` with nothing after it but the next caption's item number; else None.

    The column runs from the caption's item number (or first word) to the next caption's, the
    last one to the right margin; a value may start a little left of its caption (half a line
    height).
    """
    row = [s for s in labels if line[0] <= s.start < line[1]]
    words = doc.user_data.get("sohoa_words")
    if len(row) < 2 or not words or not _only_numbering(doc, start, end):
        return None
    gaps = zip([line[0], *(s.end for s in row)], [*(s.start for s in row), line[1]], strict=True)
    if not all(_only_numbering(doc, *_trim(doc, a, b)) for a, b in gaps):
        return None  # labels in running text ("cấp ngày …, thường trú tại"), not captions
    position = next(i for i, s in enumerate(row) if s.start == labels[index].start)
    caption = row[position]
    top, bottom = words[doc[caption.start]._.word].box[1::2]
    height = bottom - top

    def column_start(at: int) -> float:
        first, floor = row[at].start, row[at - 1].end if at else line[0]
        while first > floor and _numbering_or_speck(doc[first - 1]):
            first -= 1  # back to the item number, not into the caption before ("Dân lộc.")
        return words[doc[first]._.word].box[0]

    right = column_start(position + 1) if position + 1 < len(row) else float("inf")
    if start < end and (
        position + 1 == len(row) or right - words[doc[caption.end - 1]._.word].box[2] < 2 * height
    ):
        return None  # a number after the last label, or right after one, is its value ("Số: 12")
    return column_start(position) - height / 2, right


def _under(doc: Doc, start: int, end: int, column: tuple[float, float]) -> tuple[int, int]:
    """The tokens of ``[start, end)`` whose word's middle lies within ``column`` (a row of
    captions' column: :func:`_caption_column`, which found the word boxes)."""
    words, (left, right) = doc.user_data["sohoa_words"], column
    boxes = [words[doc[i]._.word].box for i in range(start, end)]
    inside = [
        i
        for i, b in zip(range(start, end), boxes, strict=True)
        if left <= (b[0] + b[2]) / 2 < right
    ]
    return (inside[0], inside[-1] + 1) if inside else (start, start)


def _only_numbering(doc: Doc, start: int, end: int) -> bool:
    """Is ``[start, end)`` nothing but an item number ("9." before the next item's label, "5,"
    with a speck)?"""
    return _after_numbering(doc, start, end) == end


def _label_tail(doc: Doc, start: int, end: int) -> bool:
    """Do the few words after a label, up to the end of its line, end with a colon?

    A value never ends with ":", a label does: that is the label's other half OCR garbled
    beyond recognition ("Họ và tên 2 Pu hane:" for "Họ và tên / Full name:"), and the value is
    on the next line or in the next cell.
    """
    tokens = [t for t in doc[start:end] if not t.is_space]
    if not tokens or not tokens[-1].text.endswith(":"):
        return False
    words = [t for t in tokens if not is_separator(t)]
    return 0 < len(words) <= _MAX_TAIL_WORDS


_WRAP_SHARE = 0.85  # a line that reaches this share of its page's widest line may wrap
_MAX_NAME_WORDS = 6


def _name_wraps(
    doc: Doc,
    value: tuple[int, int],
    lines: list[tuple[int, int]],
    line: int,
    boxes: list[tuple[int, int, int, int, int] | None],
) -> bool:
    """Does the name ``value``, at the end of line ``line``, go on at the start of the next
    one ("1. Họ, chữ đệm và tên khai sinh (viết chữ in hoa): NGUYỄN THỊ" / "PHƯƠNG DIỆP")?

    Only when the line is full (it reaches about as far right as the page's widest line) and
    the next line holds nothing but a word or two in the name's own capitals, close under it
    at the left.
    """
    here = boxes[line]
    if here is None:
        return False
    widest = max(b[3] - b[1] for b in boxes if b is not None and b[0] == here[0])
    if here[3] - here[1] < _WRAP_SHARE * widest:
        return False
    head = [t.text for t in doc[value[0] : value[1]] if not is_separator(t)]
    tail = [t.text for t in doc[slice(*_trim(doc, *lines[line + 1]))] if not is_separator(t)]
    words = head + tail
    if not tail or len(tail) > 3 or len(words) > _MAX_NAME_WORDS:
        return False
    if not all(w.isalpha() and w.isupper() for w in words):
        return False
    return _continues(doc, lines[line], lines[line + 1], set(), continuation=True)


def _line_box(doc: Doc, line: tuple[int, int]) -> tuple[int, int, int, int, int] | None:
    """``(page, x0, y0, x1, y1)`` of the OCR words of a token range (None without boxes)."""
    words = doc.user_data.get("sohoa_words")
    if not words or line[0] >= line[1]:
        return None
    owned = [words[t._.word] for t in doc[line[0] : line[1]]]
    boxes = [w.box for w in owned]
    return (
        owned[0].page,
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _right_cell(
    doc: Doc,
    lines: list[tuple[int, int]],
    index: int,
    boxes: list[tuple[int, int, int, int, int] | None],
    labelled: list[bool],
) -> int | None:
    """The line right of line ``index`` on the same row: a table's value cell.

    OCR reads the cells of a boxed table as separate blocks, often a column at a time, so the
    value cell is not next in reading order; its box is: beside the label, overlapping the
    label's row by at least half a line height. The nearest such line without a label wins.
    ``boxes`` and ``labelled`` give each line's box (:func:`_line_box`) and whether it holds a
    label.
    """
    label = boxes[index]
    if label is None:
        return None
    page, _, top, right, bottom = label
    best: tuple[int, int] | None = None
    for other, (start, end) in enumerate(lines):
        box = boxes[other]
        if other == index or box is None or box[0] != page or box[1] < right - 5:
            continue
        overlap = min(bottom, box[4]) - max(top, box[2])
        if overlap < 0.5 * min(bottom - top, box[4] - box[2]):
            continue
        if labelled[other] or _trim(doc, start, end)[0] == end:
            continue
        if best is None or box[1] - right < best[0]:
            best = (box[1] - right, other)
    return best[1] if best else None


def _beside_label(
    lines: list[tuple[int, int]],
    index: int,
    boxes: list[tuple[int, int, int, int, int] | None],
    labelled: list[bool],
) -> bool:
    """Is line ``index`` on the row of a line holding a label (the value cell of that label)?"""
    box = boxes[index]
    if box is None:
        return False
    for other in range(len(lines)):
        if not labelled[other]:
            continue
        found = boxes[other]
        if found is None or found[0] != box[0] or found[3] > box[1] + 5:
            continue
        overlap = min(box[4], found[4]) - max(box[2], found[2])
        if overlap >= 0.5 * min(box[4] - box[2], found[4] - found[2]):
            return True
    return False


def _cut_at_leader(doc: Doc, start: int, end: int) -> int:
    """End of the value in ``[start, end)``: before the first leader that follows some text.

    OCR reads the rest of a dotted line as junk ("Đồng ......222 22H22 eeee"); no value holds a
    leader inside it.
    """
    seen_text = False
    for token in doc[start:end]:
        if seen_text and is_leader(token) and not _between_date_parts(doc, token.i, end):
            return _trim(doc, start, token.i)[1]
        seen_text = seen_text or any(c.isalnum() for c in token.text)
    return end


_DATE_JOINS = frozenset({"/", "-", "thang", "nam"})


def _between_date_parts(doc: Doc, i: int, end: int) -> bool:
    """Whether the leader at ``i`` is one of a dotted date's slots ("…12…/…03…/…1990…",
    "ngày ..12.. tháng ..03.."): a slash or a part's word is next to it."""
    after = next((t for t in doc[i:end] if not is_leader(t)), None)
    before = next((t for t in reversed(doc[:i]) if not is_leader(t)), None)
    return any(t is not None and t.norm_ in _DATE_JOINS for t in (before, after))


def _trim(doc: Doc, start: int, end: int) -> tuple[int, int]:
    while start < end and is_separator(doc[start]):
        start += 1
    while end > start and is_separator(doc[end - 1]):
        end -= 1
    return start, end


def _continues(
    doc: Doc,
    previous: tuple[int, int],
    line: tuple[int, int],
    label_starts: set[int],
    *,
    continuation: bool = False,
    anchor: int | None = None,
) -> bool:
    """May ``line`` hold the value (or, with ``continuation``, more of the value) of the line
    before it?

    It must start near the left of the line before, or, given ``anchor`` (the token the label
    or value starts with), right under that token: OCR junk left of a card's label, or a form's
    value column, moves the line's start but not the value's.
    """
    if any(i in label_starts for i in range(*line)):
        return False
    text = " ".join(t.norm_ for t in doc[line[0] : line[1]])
    if continuation and (_NOT_CONTINUATION.match(text) or not any(c.isalpha() for c in text)):
        return False  # a signature block, a date line, or a lone item number ("9.")
    words = doc.user_data.get("sohoa_words")
    if words is None:
        return True
    above = [words[t._.word] for t in doc[previous[0] : previous[1]]]
    # Only the words before a leader: the junk OCR reads in dotted lines is not the value.
    kept = doc[line[0] : _cut_at_leader(doc, *line)] or doc[line[0] : line[1]]
    below = [words[t._.word] for t in kept]
    if not above or not below or above[-1].page != below[0].page:  # empty: the next label
        return False
    bottom = max(w.box[3] for w in above)
    height = max(1, bottom - min(w.box[1] for w in above))
    # Lines of one value are close: the gap between them is well under a line's height (forms
    # put a paragraph gap between fields); they start at the left, not right-aligned like the
    # "<place>, ngày …" line under them.
    gap = min(w.box[1] for w in below) - bottom
    # A caption may be smaller than the value under it; a stamp read as one tall "line" is no
    # value, so the value's height counts up to twice the caption's.
    if not continuation:
        tall = max(w.box[3] for w in below) - min(w.box[1] for w in below)
        height = max(height, min(tall, 2 * height))
    close = -height < gap < 0.8 * height  # not above: OCR reads some junk out of order
    below_left = min(w.box[0] for w in below)
    left = below_left - min(w.box[0] for w in above) < 3 * height
    if anchor is not None and not left:
        left = abs(below_left - words[doc[anchor]._.word].box[0]) < 1.5 * height
    if not continuation:
        return close and left
    # OCR reads stamps, signatures and photo edges as low-confidence junk.
    readable = sum(w.word.confidence for w in below) / len(below) >= 0.5
    return close and left and readable
