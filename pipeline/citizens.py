"""Citizen master records: link each stored record to the person it is about ("provide once").

* A record whose ``id_number`` is trusted (auto-accepted or verified) links to the one citizen with
  that number, created on first sight.
* A record without an ID links by diacritic-aware fuzzy matching of the full name among citizens
  born on the same date: a strong match links, an uncertain one is kept as a ``needs_review``
  link for a steward, a weak one founds a new citizen. Nothing is merged silently.
* A record whose ID still needs review waits: a misread ID must not create a phantom citizen.

Linked records contribute their trusted person fields to ``citizen_values``; two different values
of one field (two dates of birth for one ID) are a *conflict*, shown to stewards and never settled
by overwriting. Linking is idempotent and runs after a document is stored
(:func:`link_document`) and after every review (:func:`link_record`, inside the review's
transaction).

    >>> name_similarity("NGUYỄN VĂN AN", "Nguyễn Văn An")
    100.0
    >>> name_similarity("Nguyễn Văn An", "Nguyen Van An") < STRONG_MATCH
    True
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.storage.schema import (
    CitizenLinkRow,
    CitizenRow,
    CitizenValueRow,
    DocumentRow,
    FieldRow,
    FileRow,
    RecordRow,
)

__all__ = [
    "PERSON_FIELDS",
    "STRONG_MATCH",
    "TRUSTED_STATUSES",
    "WEAK_MATCH",
    "conflicts",
    "decide_link",
    "link_document",
    "link_record",
    "lookup",
    "name_similarity",
    "normalise_id_number",
    "pending_links",
]

# Fields that describe the person rather than the paper (a birth certificate's registration
# number or a card's expiry date would "conflict" across documents without meaning anything).
PERSON_FIELDS = (
    "id_number",
    "old_id_number",
    "full_name",
    "date_of_birth",
    "sex",
    "nationality",
    "ethnicity",
    "place_of_birth",
    "place_of_origin",
    "place_of_residence",
    "temporary_residence",
    "phone",
    "email",
    "father_name",
    "mother_name",
    "spouse_name",
)
TRUSTED_STATUSES = ("auto_accepted", "verified")

# Name similarity (0–100) between records born on the same day. 95 needs the names to be equal
# up to spacing and case; a lost or changed tone mark ("An"/"Ân") scores 90–94 and goes to review,
# because in Vietnamese it can be another person.
STRONG_MATCH = 95.0
WEAK_MATCH = 80.0
# Names equal once diacritics are stripped still differ in meaning: cap them below STRONG_MATCH.
_STRIPPED_WEIGHT = 0.9

_MASTER_COLUMNS = ("full_name", "date_of_birth", "sex")


def normalise_id_number(value: str | None) -> str | None:
    """The ID as 12 (CCCD) or 9 (CMND) digits, or None when it is not one.

    >>> normalise_id_number("001 087 012 345")
    '001087012345'
    """
    if not value:
        return None
    digits = re.sub(r"[\s.\-]", "", value)
    return digits if re.fullmatch(r"\d{12}|\d{9}", digits) else None


# The five tone marks (huyền, sắc, hỏi, ngã, nặng); vowel marks (â, ă, ơ, …) are letters.
_TONES = frozenset("\u0300\u0301\u0309\u0303\u0323")


def _syllable_key(syllable: str) -> str:
    # "hoà" and "hòa" are the same syllable written with the old and new tone placement: take
    # the tone off its vowel and put it at the end so both spell the same key.
    decomposed = unicodedata.normalize("NFD", syllable)
    tones = "".join(c for c in decomposed if c in _TONES)
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
    return bare + tones


def _fold(text: str) -> str:
    return " ".join(_syllable_key(w) for w in text.casefold().split())


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_similarity(a: str, b: str) -> float:
    """How alike two Vietnamese names are, 0–100, tone marks included.

    Case, spacing, word order (registers sometimes write the given name first) and the placement
    of tone marks (``hoà``/``hòa``) are ignored; names that match only once their marks are
    stripped score at most 90, below :data:`STRONG_MATCH`.
    """
    fa, fb = _fold(a), _fold(b)
    marked = fuzz.token_sort_ratio(fa, fb)
    stripped = fuzz.token_sort_ratio(_strip_marks(fa), _strip_marks(fb)) * _STRIPPED_WEIGHT
    return round(max(marked, stripped), 1)


def _citizen_for_id(session: Session, id_number: str) -> CitizenRow:
    citizen = session.scalar(select(CitizenRow).where(CitizenRow.id_number == id_number))
    if citizen is not None:
        return citizen
    try:
        # A savepoint: on PostgreSQL another transaction may create the same citizen first.
        with session.begin_nested():
            citizen = CitizenRow(id_number=id_number)
            session.add(citizen)
    except IntegrityError:
        citizen = session.scalars(select(CitizenRow).where(CitizenRow.id_number == id_number)).one()
    return citizen


def _best_candidate(session: Session, name: str, dob: str) -> tuple[CitizenRow | None, float]:
    best, best_score = None, 0.0
    for citizen in session.scalars(
        select(CitizenRow).where(CitizenRow.date_of_birth == dob).order_by(CitizenRow.id)
    ):
        if citizen.full_name:
            score = name_similarity(name, citizen.full_name)
            if score > best_score:
                best, best_score = citizen, score
    return best, best_score


def _set_link(
    session: Session,
    link: CitizenLinkRow | None,
    record_id: str,
    citizen: CitizenRow,
    method: str,
    score: float,
    status: str,
) -> CitizenLinkRow:
    session.flush()  # a new citizen needs its id
    if link is None:
        link = CitizenLinkRow(record_id=record_id)
        session.add(link)
    link.citizen_id, link.method, link.score, link.status = citizen.id, method, score, status
    link.decided_by = None
    return link


def link_record(session: Session, record_id: str) -> CitizenLinkRow | None:
    """(Re)link one record in the caller's transaction and refresh the citizens it touches.

    A link a steward decided, or to a citizen the record founded, is kept unless the record has
    gained a trusted ID number.

    Returns:
        The record's link, or None when it cannot be linked yet (an ID still under review, or
        neither an ID nor both a name and a date of birth).
    """
    fields = {
        f.name: f for f in session.scalars(select(FieldRow).where(FieldRow.record_id == record_id))
    }
    trusted = {name: f for name, f in fields.items() if f.status in TRUSTED_STATUSES and f.value}
    link = session.scalar(select(CitizenLinkRow).where(CitizenLinkRow.record_id == record_id))
    before = link.citizen_id if link else None
    id_number = normalise_id_number(trusted["id_number"].value) if "id_number" in trusted else None

    if id_number:
        link = _set_link(
            session,
            link,
            record_id,
            _citizen_for_id(session, id_number),
            "id_number",
            1.0,
            "linked",
        )
    elif link is not None and (link.decided_by or link.method == "new"):
        pass  # a steward's decision stands; a record that founded its citizen stays with it
    elif "id_number" in fields and fields["id_number"].status == "needs_review":
        link = _unlink(session, link)
    elif "full_name" in trusted and "date_of_birth" in trusted:
        name, dob = trusted["full_name"].value or "", trusted["date_of_birth"].value or ""
        candidate, score = _best_candidate(session, name, dob)
        if candidate is not None and score >= STRONG_MATCH:
            link = _set_link(session, link, record_id, candidate, "fuzzy", score, "linked")
        elif candidate is not None and score >= WEAK_MATCH:
            link = _set_link(session, link, record_id, candidate, "fuzzy", score, "needs_review")
        else:
            founded = CitizenRow(full_name=name, date_of_birth=dob)
            session.add(founded)
            link = _set_link(session, link, record_id, founded, "new", 100.0, "linked")
    else:
        link = _unlink(session, link)

    session.execute(delete(CitizenValueRow).where(CitizenValueRow.record_id == record_id))
    if link is not None and link.status == "linked":
        for name in PERSON_FIELDS:
            if name in trusted:
                f = trusted[name]
                session.add(
                    CitizenValueRow(
                        citizen_id=link.citizen_id,
                        record_id=record_id,
                        field_id=f.id,
                        name=name,
                        value=f.value,
                        field_status=f.status,
                    )
                )
    session.flush()
    for citizen_id in {before, link.citizen_id if link else None} - {None}:
        _refresh_master(session, citizen_id)
    return link


def _unlink(session: Session, link: CitizenLinkRow | None) -> None:
    if link is not None:
        session.delete(link)
        session.flush()


def _refresh_master(session: Session, citizen_id: int) -> None:
    """Set each master column to the value its records agree on; leave it alone on a conflict."""
    citizen = session.get(CitizenRow, citizen_id)
    if citizen is None:
        return
    values: dict[str, set[str]] = defaultdict(set)
    for name, value in session.execute(
        select(CitizenValueRow.name, CitizenValueRow.value).where(
            CitizenValueRow.citizen_id == citizen_id
        )
    ):
        values[name].add(value)
    for column in _MASTER_COLUMNS:
        if len(values[column]) == 1:
            setattr(citizen, column, next(iter(values[column])))


def link_document(engine: Engine, document_id: str) -> list[dict[str, Any]]:
    """Link every record of a stored document, in one transaction (idempotent).

    Call it after :meth:`pipeline.storage.Store.save_document`.

    Returns:
        One ``{"record_id", "citizen_id", "method", "score", "status"}`` per linked record.
    """
    with Session(engine, expire_on_commit=False) as session, session.begin():
        # Locked first, in id order as a refresh locks them (pipeline.storage.refresh): a
        # refresh replacing these records' fields is waited for, not raced.
        session.execute(
            select(RecordRow.id)
            .where(RecordRow.document_id == document_id)
            .order_by(RecordRow.id)
            .with_for_update()
        )
        record_ids = session.scalars(
            select(RecordRow.id)
            .where(RecordRow.document_id == document_id)
            .order_by(RecordRow.position)
        ).all()
        links = [link_record(session, record_id) for record_id in record_ids]
        return [
            {
                "record_id": link.record_id,
                "citizen_id": link.citizen_id,
                "method": link.method,
                "score": link.score,
                "status": link.status,
            }
            for link in links
            if link is not None
        ]


def _master(session: Session, citizen: CitizenRow) -> dict[str, Any]:
    rows = session.execute(
        select(CitizenValueRow, DocumentRow, FileRow)
        .join(RecordRow, CitizenValueRow.record_id == RecordRow.id)
        .join(DocumentRow, RecordRow.document_id == DocumentRow.id)
        .join(FileRow, DocumentRow.file_id == FileRow.id)
        .where(CitizenValueRow.citizen_id == citizen.id)
        .order_by(CitizenValueRow.name, CitizenValueRow.id)
    ).all()
    by_name: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    documents: dict[str, dict[str, Any]] = {}
    for value, document, file in rows:
        by_name[value.name][value.value].append(
            {
                "field_id": value.field_id,
                "record_id": value.record_id,
                "document_id": document.id,
                "status": value.field_status,
            }
        )
        documents[document.id] = {
            "document_id": document.id,
            "doc_type": document.doc_type,
            "file": file.name,
            "created_at": document.created_at.isoformat(),
        }
    fields = {}
    for name in sorted(by_name, key=lambda n: PERSON_FIELDS.index(n)):
        candidates = by_name[name]
        fields[name] = {
            "value": next(iter(candidates)) if len(candidates) == 1 else None,
            "verified": all(
                s["status"] == "verified" for sources in candidates.values() for s in sources
            ),
            "conflict": len(candidates) > 1,
            "candidates": [{"value": v, "sources": s} for v, s in candidates.items()],
        }
    pending = session.scalars(
        select(CitizenLinkRow.record_id).where(
            CitizenLinkRow.citizen_id == citizen.id, CitizenLinkRow.status == "needs_review"
        )
    ).all()
    return {
        "citizen_id": citizen.id,
        "id_number": citizen.id_number,
        "full_name": citizen.full_name,
        "date_of_birth": citizen.date_of_birth,
        "sex": citizen.sex,
        "fields": fields,
        "documents": sorted(documents.values(), key=lambda d: d["created_at"]),
        "pending_links": len(pending),
    }


def lookup(engine: Engine, id_number: str) -> dict[str, Any] | None:
    """The master record of the citizen with this ID (spaces allowed), or None.

    ``fields`` maps each person field to its agreed ``value`` (None on a conflict), whether every
    source was ``verified`` by a steward, and the ``candidates`` with the records they came from.
    """
    number = normalise_id_number(id_number)
    if number is None:
        return None
    with Session(engine) as session:
        citizen = session.scalar(select(CitizenRow).where(CitizenRow.id_number == number))
        return None if citizen is None else _master(session, citizen)


def conflicts(engine: Engine, limit: int = 100) -> list[dict[str, Any]]:
    """Citizens whose linked records disagree on a field, with the disagreeing values."""
    with Session(engine) as session:
        rows = session.execute(
            select(CitizenValueRow, CitizenRow)
            .join(CitizenRow, CitizenValueRow.citizen_id == CitizenRow.id)
            .order_by(CitizenRow.id, CitizenValueRow.name, CitizenValueRow.id)
        ).all()
    grouped: dict[tuple[int, str], dict[str, Any]] = {}
    for value, citizen in rows:
        entry = grouped.setdefault(
            (citizen.id, value.name),
            {
                "citizen_id": citizen.id,
                "id_number": citizen.id_number,
                "full_name": citizen.full_name,
                "name": value.name,
                "values": defaultdict(list),
            },
        )
        entry["values"][value.value].append(value.field_id)
    found = [
        {**e, "values": [{"value": v, "field_ids": ids} for v, ids in e["values"].items()]}
        for e in grouped.values()
        if len(e["values"]) > 1
    ]
    return found[:limit]


def pending_links(engine: Engine, limit: int = 100) -> list[dict[str, Any]]:
    """Uncertain fuzzy links waiting for a steward, least similar first."""
    with Session(engine) as session:
        rows = session.execute(
            select(CitizenLinkRow, CitizenRow)
            .join(CitizenRow, CitizenLinkRow.citizen_id == CitizenRow.id)
            .where(CitizenLinkRow.status == "needs_review")
            .order_by(CitizenLinkRow.score, CitizenLinkRow.id)
            .limit(limit)
        ).all()
        result = []
        for link, citizen in rows:
            values = dict(
                session.execute(
                    select(FieldRow.name, FieldRow.value).where(
                        FieldRow.record_id == link.record_id,
                        FieldRow.name.in_(("full_name", "date_of_birth")),
                    )
                ).all()
            )
            document_id = session.scalar(
                select(RecordRow.document_id).where(RecordRow.id == link.record_id)
            )
            result.append(
                {
                    "link_id": link.id,
                    "record_id": link.record_id,
                    "document_id": document_id,
                    "score": link.score,
                    "record_name": values.get("full_name"),
                    "record_date_of_birth": values.get("date_of_birth"),
                    "citizen_id": citizen.id,
                    "citizen_id_number": citizen.id_number,
                    "citizen_name": citizen.full_name,
                    "citizen_date_of_birth": citizen.date_of_birth,
                }
            )
        return result


def decide_link(engine: Engine, link_id: int, same_person: bool, steward: str) -> bool:
    """A steward's answer to an uncertain link: the same person (link) or not (a new citizen).

    Returns:
        False when the link is gone or was decided meanwhile (nothing changed).
    """
    with Session(engine, expire_on_commit=False) as session, session.begin():
        link = session.get(CitizenLinkRow, link_id)
        if link is None or link.status != "needs_review":
            return False
        if not same_person:
            values = dict(
                session.execute(
                    select(FieldRow.name, FieldRow.value).where(
                        FieldRow.record_id == link.record_id
                    )
                ).all()
            )
            founded = CitizenRow(
                full_name=values.get("full_name"), date_of_birth=values.get("date_of_birth")
            )
            session.add(founded)
            session.flush()
            link.citizen_id, link.method = founded.id, "new"
        link.status, link.decided_by = "linked", steward
        record_id = link.record_id
        session.flush()
        link_record(session, record_id)
        return True
