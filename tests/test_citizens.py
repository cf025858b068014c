"""Citizen master records: linking by ID, fuzzy linking without one, conflicts, review hooks."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import citizens
from pipeline.digitise import get_store
from pipeline.storage import review
from tests.web._data import ID_NUMBER, field, store_card

OTHER_ID = "001190054321"


@pytest.fixture
def put(db_url: str, tmp_path: Path):
    """``put(n, full_name=…, date_of_birth=…, …)`` stores document ``n`` and links it."""
    engine = get_store(db_url).engine

    def put(n: int, doc_type: str = "cccd_front", **values: str | tuple[str, float]):
        fields = {}
        for name, value in values.items():
            text, confidence = value if isinstance(value, tuple) else (value, 0.97)
            fields[name] = field(name, text, confidence)
        document_id = store_card(db_url, tmp_path / "data", n, fields, doc_type)
        return citizens.link_document(engine, document_id)

    put.engine = engine
    return put


def test_citizens_same_id_number_links_to_one_citizen(put) -> None:
    put(1, id_number=ID_NUMBER, full_name="Nguyễn Văn An", date_of_birth="1990-09-02")
    put(2, "birth_certificate", id_number=ID_NUMBER, full_name="Nguyễn Văn An", sex="male")
    found = citizens.lookup(put.engine, "001 087 012 345")
    assert found["full_name"] == "Nguyễn Văn An" and found["sex"] == "male"
    assert len(found["documents"]) == 2
    assert {d["doc_type"] for d in found["documents"]} == {"cccd_front", "birth_certificate"}
    assert found["fields"]["full_name"]["conflict"] is False


def test_citizens_conflicting_values_are_kept_not_overwritten(put) -> None:
    put(1, id_number=ID_NUMBER, full_name="Nguyễn Văn An", date_of_birth="1990-09-02")
    put(2, id_number=ID_NUMBER, full_name="Nguyễn Văn An", date_of_birth="1991-09-02")
    found = citizens.lookup(put.engine, ID_NUMBER)
    assert found["date_of_birth"] == "1990-09-02"  # the first agreed value stays
    dob = found["fields"]["date_of_birth"]
    assert dob["conflict"] is True and dob["value"] is None
    assert {c["value"] for c in dob["candidates"]} == {"1990-09-02", "1991-09-02"}
    (conflict,) = citizens.conflicts(put.engine)
    assert conflict["name"] == "date_of_birth" and conflict["id_number"] == ID_NUMBER


def test_citizens_conflict_resolved_by_a_review(put) -> None:
    put(1, id_number=ID_NUMBER, full_name="Nguyễn Văn An", date_of_birth="1990-09-02")
    put(2, id_number=ID_NUMBER, full_name="Nguyễn Văn An", date_of_birth="1991-09-02")
    wrong = citizens.conflicts(put.engine)[0]["values"][1]["field_ids"][0]
    version = review.field_view(put.engine, wrong)["version"]
    review.apply_review(put.engine, wrong, "correct", "lan", version, "02/09/1990")
    found = citizens.lookup(put.engine, ID_NUMBER)
    assert found["fields"]["date_of_birth"] == {
        **found["fields"]["date_of_birth"],
        "value": "1990-09-02",
        "conflict": False,
    }
    assert citizens.conflicts(put.engine) == []


def test_citizens_record_without_id_links_by_name_and_date_of_birth(put) -> None:
    put(1, id_number=ID_NUMBER, full_name="Nguyễn Văn An", date_of_birth="1990-09-02")
    (link,) = put(2, "birth_certificate", full_name="NGUYỄN VĂN AN", date_of_birth="1990-09-02")
    assert link["method"] == "fuzzy" and link["status"] == "linked" and link["score"] == 100
    assert len(citizens.lookup(put.engine, ID_NUMBER)["documents"]) == 2


def test_citizens_uncertain_match_goes_to_review_and_is_not_merged(put) -> None:
    put(1, id_number=ID_NUMBER, full_name="Nguyễn Văn An", date_of_birth="1990-09-02")
    (link,) = put(2, full_name="Nguyễn Văn Ân", date_of_birth="1990-09-02")
    assert link["status"] == "needs_review"
    assert citizens.STRONG_MATCH > link["score"] >= citizens.WEAK_MATCH
    found = citizens.lookup(put.engine, ID_NUMBER)
    assert len(found["documents"]) == 1 and found["pending_links"] == 1
    (pending,) = citizens.pending_links(put.engine)
    assert pending["record_name"] == "Nguyễn Văn Ân" and pending["citizen_name"] == "Nguyễn Văn An"
    assert citizens.decide_link(put.engine, pending["link_id"], same_person=True, steward="lan")
    assert not citizens.decide_link(put.engine, pending["link_id"], True, "minh")  # decided
    found = citizens.lookup(put.engine, ID_NUMBER)
    assert len(found["documents"]) == 2 and found["fields"]["full_name"]["conflict"] is True


def test_citizens_steward_can_say_it_is_another_person(put) -> None:
    put(1, id_number=ID_NUMBER, full_name="Nguyễn Văn An", date_of_birth="1990-09-02")
    put(2, full_name="Nguyen Van An", date_of_birth="1990-09-02")
    (pending,) = citizens.pending_links(put.engine)
    assert citizens.decide_link(put.engine, pending["link_id"], same_person=False, steward="lan")
    assert citizens.pending_links(put.engine) == []
    assert len(citizens.lookup(put.engine, ID_NUMBER)["documents"]) == 1


def test_citizens_different_person_founds_a_new_citizen(put) -> None:
    put(1, id_number=ID_NUMBER, full_name="Nguyễn Văn An", date_of_birth="1990-09-02")
    (link,) = put(2, full_name="Trần Thị Bình", date_of_birth="1990-09-02")
    assert link["method"] == "new" and link["status"] == "linked"
    assert citizens.pending_links(put.engine) == []


def test_citizens_id_under_review_waits_then_links_after_the_review(put) -> None:
    links = put(1, id_number=(ID_NUMBER, 0.4), full_name="Nguyễn Văn An")
    assert links == [] and citizens.lookup(put.engine, ID_NUMBER) is None
    (id_field,) = review.review_queue(put.engine)
    review.apply_review(put.engine, id_field["field_id"], "accept", "lan", 1)
    found = citizens.lookup(put.engine, ID_NUMBER)
    assert found["fields"]["id_number"]["verified"] is True


def test_citizens_corrected_id_moves_the_record_to_the_right_citizen(put) -> None:
    put(1, id_number=ID_NUMBER, full_name="Nguyễn Văn An", date_of_birth=("1990-09-02", 0.4))
    put(2, id_number=OTHER_ID, full_name="Lê Thị Hoa")
    engine = put.engine
    record = citizens.lookup(engine, ID_NUMBER)["fields"]["id_number"]["candidates"][0]
    id_field = record["sources"][0]["field_id"]
    version = review.field_view(engine, id_field)["version"]
    review.apply_review(engine, id_field, "correct", "lan", version, OTHER_ID)
    assert citizens.lookup(engine, ID_NUMBER)["fields"] == {}
    moved = citizens.lookup(engine, OTHER_ID)
    assert {c["value"] for c in moved["fields"]["full_name"]["candidates"]} == {
        "Nguyễn Văn An",
        "Lê Thị Hoa",
    }


def test_citizens_linking_is_idempotent(put, db_url: str) -> None:
    put(1, id_number=ID_NUMBER, full_name="Nguyễn Văn An", date_of_birth="1990-09-02")
    before = get_store(db_url).counts()
    document_id = citizens.lookup(put.engine, ID_NUMBER)["documents"][0]["document_id"]
    citizens.link_document(put.engine, document_id)
    citizens.link_document(put.engine, document_id)
    assert get_store(db_url).counts() == before


@pytest.mark.parametrize(
    ("a", "b", "strong"),
    [
        ("NGUYỄN VĂN AN", "Nguyễn Văn An", True),
        ("Nguyễn  Văn An", "An Nguyễn Văn", True),  # given name first, as some registers write
        ("Nguyễn Văn An", "Nguyễn Văn Ân", False),  # one tone mark: maybe another person
        ("Nguyễn Văn An", "Nguyen Van An", False),  # marks lost by OCR: review, do not merge
        ("Đặng Thị Hoà", "Đặng Thị Hòa", True),  # the same name, tone mark placed differently
    ],
)
def test_citizens_name_similarity(a: str, b: str, strong: bool) -> None:
    import unicodedata

    score = citizens.name_similarity(
        unicodedata.normalize("NFC", a), unicodedata.normalize("NFC", b)
    )
    assert (score >= citizens.STRONG_MATCH) is strong, score
