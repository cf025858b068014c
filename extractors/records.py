"""From label and value spans to ``ExtractedRecord``s: parse, score, locate, group by role.

A field's confidence is ``ocr × label strength × value strength``: the mean OCR confidence of the
words the value was read from, 1.0 for an exact label (0.9 fuzzy, 0.8 no label: value found by its
pattern alone) and how well the value fits its pattern (1.0 valid, 0.85 a repaired ID, …).

Roles: a label naming a person other than the subject ("Họ, chữ đệm, tên người mẹ") opens that
person's section; the labels after it (Năm sinh, Dân tộc, Nơi cư trú, …) belong to that person
until another person's label, a registration label, or a new numbered item ("7. …").
"""

from __future__ import annotations

import re
from collections.abc import Callable

from spacy.tokens import Doc, Span

from extractors import dates, ids, names, person, phone, places
from extractors import reasons as why
from extractors.labels import is_speck, line_ranges, split_key
from extractors.text import Parsed, fold
from pipeline.models import ExtractedField, ExtractedRecord, union_bbox
from pipeline.mrz import check_digit

__all__ = ["PARSERS", "REQUIRED_FIELDS", "build_records", "make_field"]

REQUIRED_FIELDS = frozenset(
    {"id_number", "full_name", "date_of_birth", "sex", "place_of_residence"}
)

Parser = Callable[[str], Parsed | None]

PARSERS: dict[str, tuple[str, Parser]] = {
    "full_name": ("names", names.parse_name),
    "father_name": ("names", names.parse_name),
    "mother_name": ("names", names.parse_name),
    "spouse_name": ("names", names.parse_name),
    "date_of_birth": ("dates", dates.parse_date),
    "date_of_birth_words": ("dates", dates.parse_date),
    "issue_date": ("dates", dates.parse_date),
    "expiry_date": ("dates", dates.parse_date),
    "registration_date": ("dates", dates.parse_date),
    "sex": ("person", person.parse_sex),
    "ethnicity": ("person", person.parse_ethnicity),
    "nationality": ("person", person.parse_nationality),
    "place_of_residence": ("places", places.parse_place),
    "temporary_residence": ("places", places.parse_place),
    "place_of_origin": ("places", places.parse_place),
    "place_of_birth": ("places", places.parse_place),
    "registration_office": ("places", places.parse_place),
    "place_of_death": ("places", places.parse_place),
    "date_of_death": ("dates", dates.parse_date),
    "cause": ("person", person.parse_cause),
    "issuing_authority": ("places", places.parse_authority),
    "id_number": ("ids", ids.parse_id),
    "old_id_number": ("ids", lambda text: ids.parse_id(text, (9, 12))),
    "registration_number": ("ids", ids.parse_registry_number),
    "book_number": ("ids", ids.parse_registry_number),
    "phone": ("phone", phone.parse_phone),
    "email": ("phone", phone.parse_email),
}
"""Field → (component family, value parser)."""

_SUBJECT_ONLY = frozenset(
    {"number", "registration_number", "book_number", "registration_date", "registration_office"}
)
# Documents about two people of equal standing: the register details belong to both, and there
# is no subject apart from them.
_PARTIES = {"marriage_certificate": ("husband", "wife"), "contract": ("party_a", "party_b")}
_SHARES_REGISTER = frozenset({"marriage_certificate"})  # a contract's number is not the parties'
_SHARED = frozenset({"registration_number", "book_number", "registration_date",
                     "registration_office"})  # fmt: skip
# The MRZ of a CCCD back: "IDVNM" + the last 9 digits of the ID + a check digit + the 12-digit
# ID + "<<" + its check digit. OCR reads "I" as T or 1 and digits as look-alike letters.
_MRZ_ID = re.compile(
    r"[IT1l][DO0]VNM([0-9OoIlSBZ]{9})([0-9OoIlSBZ])([0-9OoIlSBZ]{12})(?:[<«K]{1,2}([0-9]))?"
)
# The same line read too poorly at its start for _MRZ_ID (`TDVNMöB6G4981…`): the ID is still the
# 12 digits just before the "<<" filler, and the final check digit after it.
_MRZ_TAIL = re.compile(r"VNM\S*?([0-9OoIlSBZ]{12})[<«K]{2}([0-9])$")
_MRZ_DIGITS = str.maketrans("OoIlSBZ", "0011582")  # letters the MRZ's digits are read as
# The signing authority printed on a CCCD back without a label (two centred lines).
_AUTHORITY_START = re.compile(r"^(?:cuc truong cuc canh sat|giam doc cong an|cuc canh sat)")
_PARTLY_READ = 0.8  # strength of a signer's title told from the part of it OCR read
_PARENT_NAME = {"mother": "mother_name", "father": "father_name"}
# An item number, or one OCR read with a speck or two before it ("HH2," for "12.").
_NUMBERED = re.compile(r"^(?:[^\W\d_]{0,2}\d{1,2}|[IVX]+)$")
_NO_LABEL = 0.8  # strength of a value found by its pattern only
_UNCONFIRMED = 0.97  # a date of birth or CCCD number without the other to agree with
_PLACE_DATE = 0.9  # the "<place>, ngày … tháng … năm …" line closing a birth certificate


def _value_text(span: Span) -> tuple[str, list[tuple[int, int, int]]]:
    """The span's text with a newline between OCR lines, and each token's ``(start, end, i)``."""
    parts: list[str] = []
    offsets: list[tuple[int, int, int]] = []
    pos = 0
    for token in span:
        if token.i > span.start:
            sep = "\n" if token.is_sent_start else token.doc[token.i - 1].whitespace_
            parts.append(sep)
            pos += len(sep)
        offsets.append((pos, pos + len(token.text), token.i))
        parts.append(token.text)
        pos += len(token.text)
    return "".join(parts), offsets


def _parse(field: str, text: str) -> tuple[str, str, Parsed | None]:
    if field == "number":
        resolved = ids.parse_number(text)
        if resolved is None:
            return "registration_number", "ids", None
        name, parsed = resolved
        return name, "ids", parsed
    component, parser = PARSERS[field]
    parsed = parser(text)
    if field == "id_number" and parsed is not None and len(parsed.value or "") == 9:
        field = "old_id_number"  # "Số CMND/CCCD" holding a 9-digit CMND
    return field, component, parsed


def make_field(
    doc: Doc, span: Span, field: str, strength: float, how: str = ""
) -> ExtractedField | None:
    """Parse the value ``span`` as ``field`` and score and locate it on the page.

    ``strength`` is how surely the span holds this field (1.0 for an exact label); ``how``, when
    given, says why it is less than that (a reason for reviewers).
    """
    text, offsets = _value_text(span)
    name, component, parsed = _parse(field, text)
    if parsed is None:
        # A required field whose value is unreadable still goes to a reviewer; others are left.
        if name not in REQUIRED_FIELDS or not any(c.isalnum() for c in text):
            return None
        parsed = Parsed(None, 0.0, (why.NO_VALUE,))
    end = len(text) if parsed.end is None else parsed.end
    used = [i for s, e, i in offsets if s < end and e > parsed.start] or [i for *_, i in offsets]
    words = doc.user_data.get("sohoa_words")
    if words:
        owned = sorted({doc[i]._.word for i in used})
        ocr = sum(words[w].word.confidence for w in owned) / len(owned)
        bbox = union_bbox([words[w].word.bbox for w in owned])
        page = words[owned[0]].page
    else:
        ocr, bbox, page = 1.0, None, 1
    reasons = [f"{name}: {reason}" for reason in parsed.reasons]
    if how:
        reasons.append(f"{name}: {how}")
    raw = text[parsed.start : end].replace("\n", " ").strip() or text.replace("\n", " ")
    return ExtractedField(
        name=name,
        value=parsed.value,
        raw=raw,
        confidence=min(1.0, max(0.0, ocr * strength * parsed.strength)),
        page=page,
        bbox=bbox,
        ocr_confidence=min(1.0, max(0.0, ocr)),
        extractor=f"sohoa.{component}.v1",
        reasons=reasons,
    )


def _numbered(doc: Doc, token_index: int) -> bool:
    """Does the label's line start with an item number ("7.", "IV.")?"""
    start = token_index
    while start > 0 and not doc[start].is_sent_start:
        start -= 1
    while start < token_index and is_speck(doc[start]):  # "`12. Số điện thoại"
        start += 1
    return bool(_NUMBERED.match(doc[start].text)) and start < token_index


def _confirm_by_id(fields: dict[str, ExtractedField]) -> None:
    """A date of birth and a CCCD number vouch for each other: the number's century digit and
    two year digits are the birth year's (validation lowers both, with its reason, when they
    are not). Either without the other to be checked against is a little less sure
    (:data:`_UNCONFIRMED`): the calibration then tells the two apart."""
    pair = {n: fields[n] for n in ("date_of_birth", "id_number") if n in fields}
    read = {n: f.value for n, f in pair.items() if f.value is not None}
    if len(read) == 2 and len(read["id_number"]) == 12:
        return
    for field in pair.values():
        if field.value is not None:
            field.confidence *= _UNCONFIRMED  # no reason: nothing is wrong with it


def _merge_words_date(fields: dict[str, ExtractedField]) -> None:
    """Check the date of birth against the same date written in words, then drop the latter."""
    words = fields.pop("date_of_birth_words", None)
    if words is None or words.value is None:
        return
    dob = fields.get("date_of_birth")
    if dob is None or dob.value is None:
        reasons = [r.replace("date_of_birth_words:", "date_of_birth:", 1) for r in words.reasons]
        fields["date_of_birth"] = words.model_copy(
            update={"name": "date_of_birth", "reasons": reasons}
        )
    else:
        if dob.value != words.value:
            dob.confidence *= 0.5
        dob.reasons.append(f"date_of_birth: {why.date_in_words(dob.value, words.value)}")


def _issuing_authority(doc: Doc, value: Span, strength: float) -> ExtractedField | None:
    """``"cấp ngày 01/02/2021 tại Cục Cảnh sát …"``: the authority after "tại" in a date value."""
    at = next((t.i for t in value if t.norm_ == "tai" and t.i > value.start), None)
    if at is None or at + 1 >= value.end:
        return None
    return make_field(doc, doc[at + 1 : value.end], "issuing_authority", strength)


def _unlabelled_authority(doc: Doc) -> Span | None:
    """The authority's heading on a CCCD back, with the line under it when it continues it."""
    lines = line_ranges(doc)
    for k, (start, end) in enumerate(lines):
        if _AUTHORITY_START.match(fold(doc[start:end].text)):
            if k + 1 < len(lines) and fold(doc[lines[k + 1][0] : lines[k + 1][1]].text).startswith(
                ("quan ly", "ve trat tu", "hanh chinh")
            ):
                end = lines[k + 1][1]
            return doc[start:end]
    return None


def _partial_authority(doc: Doc) -> tuple[Span, str] | None:
    """The signer's title on a CCCD back that OCR read only in part, under the stamp and the
    signature (one line, or two together, of letters only), and the title it is; or None."""
    lines = line_ranges(doc)
    letters = [not any(c.isdigit() or c == "<" for c in doc[s:e].text) for s, e in lines]
    for k, (start, end) in enumerate(lines):
        if not letters[k]:
            continue
        together = [lines[k + 1][1]] if k + 1 < len(lines) and letters[k + 1] else []
        for last in (*together, end):
            title = places.partial_signer(doc[start:last].text)
            if title is not None:
                return doc[start:last], title
    return None


def read_mrz_id(text: str) -> tuple[str, float, str] | None:
    """The 12-digit ID in a CCCD's MRZ line, its strength and why it is less than 1.

    The MRZ says the ID twice (its last 9 digits as the document number, then all 12) and
    carries check digits, so a misread digit shows and can often be put right.

    >>> read_mrz_id("IDVNM0870123454001087012345<<5")
    ('001087012345', 1.0, '')
    >>> read_mrz_id("IDVNM0870123454601087012345<<5")[:2]  # "0" read as "6" in the province code
    ('001087012345', 0.9)
    """
    match = _MRZ_ID.search(text.replace(" ", ""))
    if match is None:
        return _mrz_tail_id(text)
    doc, doc_check, full = (g.translate(_MRZ_DIGITS) for g in match.groups()[:3])
    full_check = match[4]
    if full[3:] == doc:
        if full[:3] in ids.PROVINCE_CODES and _passes(full, doc_check, full_check):
            return full, 1.0, ""
        if full[:3] not in ids.PROVINCE_CODES and check_digit(doc) == doc_check:
            # No such province, and the last 9 digits, stated twice, pass their check: the
            # misread digit is in the province code, stated once and covered by the final check
            # digit only. (With a known province, the check digit may be the misread one.)
            fixed = [c for c in _province_variants(full) if _passes(c, doc_check, full_check)]
            if len(fixed) == 1 and full_check is not None:
                return fixed[0], 0.9, why.MRZ_REPAIRED
        return full, 0.7, why.MRZ_CHECK_FAILED
    candidates = {full, full[:3] + doc}
    passing = [
        c
        for c in candidates
        if (full_check is None or check_digit(c) == full_check) and check_digit(c[3:]) == doc_check
    ]
    if len(passing) == 1:
        return passing[0], 0.9, why.MRZ_REPAIRED
    return full, 0.5, why.MRZ_DISAGREE


def _mrz_tail_id(text: str) -> tuple[str, float, str] | None:
    """The ID at the end of an MRZ line whose start was misread, when it passes the final check
    digit and names a known province; the document number cannot vouch for it, so it is weaker.

    >>> _mrz_tail_id("TDVNMöB6G49818566079056498185<<0")[:2]
    ('079056498185', 0.8)
    >>> _mrz_tail_id("TDVNMöB6G49818566079056498185<<1") is None  # the check digit disagrees
    True
    """
    match = _MRZ_TAIL.search(text.replace(" ", ""))
    if match is None:
        return None
    full = match[1].translate(_MRZ_DIGITS)
    if full[:3] not in ids.PROVINCE_CODES or check_digit(full) != match[2]:
        return None
    return full, 0.8, why.MRZ_END_ONLY


# Digits the MRZ's OCR-B print is misread as, and the reverse (a "0" read as "6", "9" or "8").
_MRZ_LOOKALIKES = {"0": "689", "6": "058", "8": "0369", "9": "08", "5": "6", "3": "8"}


def _passes(digits: str, doc_check: str, full_check: str | None) -> bool:
    """A 12-digit ID with a known province code that agrees with the MRZ's check digits."""
    return (
        digits[:3] in ids.PROVINCE_CODES
        and check_digit(digits[3:]) == doc_check
        and (full_check is None or check_digit(digits) == full_check)
    )


def _province_variants(digits: str) -> list[str]:
    """``digits`` with one digit of its province code replaced by a look-alike."""
    return [
        digits[:i] + other + digits[i + 1 :]
        for i in range(3)
        for other in _MRZ_LOOKALIKES.get(digits[i], "")
    ]


def _mrz_id(doc: Doc) -> tuple[Span, str, float, str] | None:
    for start, end in line_ranges(doc):
        line = doc[start:end]
        read = read_mrz_id(line.text)
        if read is not None:
            return (line, *read)
    return None


def _fallbacks(doc: Doc, doc_type: str, subject: dict[str, ExtractedField], used: set[int]) -> None:
    """Values found by pattern alone, when their label was not read."""
    if "id_number" not in subject and (mrz := _mrz_id(doc)) is not None:
        line, value, strength, doubt = mrz
        made = make_field(doc, line, "id_number", 1.0)
        if made is not None:
            # The MRZ's reasons only: what the ID parser made of the whole line does not apply.
            reasons = [f"id_number: {reason}" for reason in (why.FROM_MRZ, doubt) if reason]
            # The MRZ line's OCR confidence is low whatever: its "<" fillers read badly.
            confidence = min(1.0, (0.5 + made.ocr_confidence / 2) * strength)
            update = {"value": value, "raw": line.text, "confidence": confidence}
            subject["id_number"] = made.model_copy(update={**update, "reasons": reasons})
    if "old_id_number" not in subject and doc_type == "cmnd":
        for start, end in line_ranges(doc):
            parsed = ids.parse_id(doc[start:end].text, (9,))
            if parsed is not None and parsed.strength >= 0.85:
                made = make_field(doc, doc[start:end], "old_id_number", 0.9, why.CARD_NUMBER)
                if made is not None:
                    subject["old_id_number"] = made
                    break
    if "issuing_authority" not in subject and doc_type == "cccd_back":
        heading = _unlabelled_authority(doc)
        if heading is not None:
            made = make_field(doc, heading, "issuing_authority", 0.95, why.SIGNING_AUTHORITY)
            if made is not None:
                subject["issuing_authority"] = made
        elif (partial := _partial_authority(doc)) is not None:
            span, title = partial
            made = make_field(doc, span, "issuing_authority", _PARTLY_READ, why.SIGNING_AUTHORITY)
            if made is not None:
                reason = f"issuing_authority: {why.authority_corrected(made.raw)}"
                update = {"value": title, "reasons": [*made.reasons, reason]}
                subject["issuing_authority"] = made.model_copy(update=update)
    if "id_number" not in subject and doc_type not in _PARTIES:
        for span in doc.spans.get("id_candidates", []):
            if not used.intersection(range(span.start, span.end)):
                made = make_field(doc, span, "id_number", _NO_LABEL, why.NO_LABEL)
                if made is not None:
                    subject["id_number"] = made
                    break
    if doc_type not in _PARTIES:
        _contact_fallbacks(doc, subject, used)
    if doc_type == "birth_certificate" and "registration_date" not in subject:
        # The date of signing at the bottom ("…, ngày 20 tháng 3 năm 1987") is the last one.
        free = [
            s
            for s in doc.spans.get("date_candidates", [])
            if not used.intersection(range(s.start, s.end))
        ]
        if free:
            # Its place on the form says what it is, nearly as well as a label would.
            made = make_field(doc, free[-1], "registration_date", _PLACE_DATE, why.DATE_SIGNED)
            if made is not None:
                subject["registration_date"] = made


# A mobile number alone on its line: 10 digits, 03/05/07/08/09 and the rest (Decree 2018 plan).
_MOBILE_LINE = re.compile(r"^0[35789]\d{8}$")


def _contact_fallbacks(doc: Doc, subject: dict[str, ExtractedField], used: set[int]) -> None:
    """A mobile number or an e-mail address alone on a line no label claimed: the subject's
    phone or e-mail when its label was not read (a form's small caption lost to OCR)."""
    for start, end in line_ranges(doc):
        if used.intersection(range(start, end)):
            continue
        line = doc[start:end]
        text = line.text.strip(" .,;:_'`\"")
        if "phone" not in subject and _MOBILE_LINE.match(re.sub(r"[\s.\-]", "", text)):
            made = make_field(doc, line, "phone", _NO_LABEL, why.NO_LABEL)
        elif "email" not in subject and "@" in text and len(text.split()) == 1:
            parsed = phone.parse_email(text)  # the whole line is the address, or nothing
            if parsed is None or len(parsed.value) < len(text) - 1:
                continue
            made = make_field(doc, line, "email", _NO_LABEL, why.NO_LABEL)
        else:
            continue
        if made is not None and made.value is not None:
            subject[made.name] = made
            used.update(range(start, end))


def build_records(doc: Doc, doc_type: str) -> list[ExtractedRecord]:
    """Records (subject first, then other people) from a processed ``Doc``."""
    values = {span._.label_start: span for span in doc.spans.get("values", [])}
    by_role: dict[str, dict[str, ExtractedField]] = {"subject": {}}
    used: set[int] = set()
    section = "subject"
    for label in doc.spans.get("labels", []):
        role, field = split_key(label.label_)
        if role is not None:
            section = role
        elif field in _SUBJECT_ONLY or _numbered(doc, label.start):
            section = "subject"
        value = values.get(label.start)
        if value is None or field in {"_other", "_role"}:
            continue
        used.update(range(value.start, value.end))
        strength = value._.strength
        how = why.LABEL_FUZZY if strength < 1.0 else ""
        made = make_field(doc, value, field, strength, how)
        if made is None:
            continue
        fields = by_role.setdefault(role or section, {})
        if made.name == "issue_date" and "issuing_authority" not in fields:
            authority = _issuing_authority(doc, value, strength)
            if authority is not None and authority.value:
                fields["issuing_authority"] = authority
        current = fields.get(made.name)
        # The first reading wins unless it could not be read at all.
        if current is None or (current.value is None and made.value is not None):
            fields[made.name] = made
    subject = by_role["subject"]
    _fallbacks(doc, doc_type, subject, used)
    parties = [r for r in _PARTIES.get(doc_type, ()) if by_role.get(r)]
    if parties:
        for role in parties if doc_type in _SHARES_REGISTER else ():
            for name in _SHARED & subject.keys():
                by_role[role].setdefault(name, subject[name].model_copy(deep=True))
        del by_role["subject"]
    for role, fields in by_role.items():
        _merge_words_date(fields)
        _confirm_by_id(fields)
        parent = _PARENT_NAME.get(role)
        if parent and "full_name" in fields and parent not in subject:
            subject[parent] = fields["full_name"].model_copy(
                update={"name": parent, "reasons": list(fields["full_name"].reasons)}
            )
    return [
        ExtractedRecord(role=role, fields=fields)
        for role, fields in by_role.items()
        # A parent named only (an application form's "Họ và tên của cha") is a field of the
        # subject, not a record of its own.
        if fields and not (role in _PARENT_NAME and set(fields) == {"full_name"})
    ]
