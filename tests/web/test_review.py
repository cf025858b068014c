"""The review queue and its actions: order, audit log, optimistic locking, citizen updates."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from pipeline.citizens import link_document, lookup
from pipeline.digitise import get_store
from pipeline.exceptions import StorageError
from pipeline.storage import review
from pipeline.storage.schema import ReviewRow
from tests.web._data import ID_NUMBER, csrf_of, field, make_app, signed_in, store_card


@pytest.fixture
def dossier(db_url: str, tmp_path: Path) -> str:
    """A CCCD: its ID auto-accepted, name (0.5) and date of birth (0.3) needing review."""
    document_id = store_card(
        db_url,
        tmp_path / "data",
        1,
        {
            "id_number": field("id_number", ID_NUMBER),
            "full_name": field("full_name", "Nguyễn Văn Ann", 0.5, ["chữ mờ"]),
            "date_of_birth": field("date_of_birth", "1990-09-02", 0.3, ["năm sinh mâu thuẫn"]),
        },
    )
    link_document(get_store(db_url).engine, document_id)
    return document_id


def test_review_queue_puts_the_most_doubtful_first(db_url: str, dossier: str) -> None:
    engine = get_store(db_url).engine
    queue = review.review_queue(engine)
    assert [f["name"] for f in queue] == ["date_of_birth", "full_name"]
    assert queue[0]["reasons"] == ["năm sinh mâu thuẫn"] and queue[0]["version"] == 1
    first = queue[0]
    after = review.review_queue(engine, after=(first["confidence"], first["field_id"]))
    assert [f["name"] for f in after] == ["full_name"]
    assert review.queue_size(engine) == 2


def test_review_correction_is_audited_and_updates_the_citizen(db_url: str, dossier: str) -> None:
    engine = get_store(db_url).engine
    name = next(f for f in review.review_queue(engine) if f["name"] == "full_name")
    done = review.apply_review(
        engine, name["field_id"], "correct", "lan", 1, "  NGUYỄN   Văn An ", "sửa theo ảnh"
    )
    assert done["value"] == "NGUYỄN Văn An" and done["status"] == "verified"
    assert done["version"] == 2
    (entry,) = review.record_audit(engine, name["record_id"])
    assert entry["reviewer"] == "lan" and entry["action"] == "correct"
    assert entry["old_value"] == "Nguyễn Văn Ann" and entry["new_value"] == "NGUYỄN Văn An"
    assert entry["reason"] == "sửa theo ảnh" and entry["at"]
    citizen = lookup(engine, ID_NUMBER)
    assert citizen["fields"]["full_name"]["value"] == "NGUYỄN Văn An"
    assert citizen["fields"]["full_name"]["verified"] is True
    # The date of birth still needs review: it is not on the master record yet.
    assert "date_of_birth" not in citizen["fields"]


def test_review_stale_version_is_refused_and_nothing_is_written(db_url: str, dossier: str):
    engine = get_store(db_url).engine
    dob, name = review.review_queue(engine)
    review.apply_review(engine, dob["field_id"], "accept", "lan", 1)
    with pytest.raises(review.StaleRecordError):
        # Another steward still has version 1 of the same record on screen.
        review.apply_review(engine, name["field_id"], "correct", "minh", 1, "Trần Thị B")
    after = review.field_view(engine, name["field_id"])
    assert after["value"] == "Nguyễn Văn Ann" and after["status"] == "needs_review"
    assert len(review.record_audit(engine, name["record_id"])) == 1


def test_review_reject_keeps_the_value_out_of_the_master_record(db_url: str, dossier: str):
    engine = get_store(db_url).engine
    dob, name = review.review_queue(engine)
    review.apply_review(engine, dob["field_id"], "reject", "lan", 1, reason="không đọc được")
    review.apply_review(engine, name["field_id"], "accept", "lan", 2)
    citizen = lookup(engine, ID_NUMBER)
    assert "date_of_birth" not in citizen["fields"]
    assert citizen["fields"]["full_name"]["value"] == "Nguyễn Văn Ann"
    assert review.field_view(engine, dob["field_id"])["status"] == "rejected"
    assert review.queue_size(engine) == 0


@pytest.mark.parametrize(
    ("name", "typed", "stored"),
    [
        ("date_of_birth", "2/9/1990", "1990-09-02"),
        ("date_of_birth", "1990", "1990"),
        ("id_number", "001 087 012 345", "001087012345"),
        ("sex", "Nữ", "female"),
        ("full_name", "Nguye\u0302\u0303n Văn An", "Nguyễn Văn An"),  # NFD in, NFC out
    ],
)
def test_review_normalise_value(name: str, typed: str, stored: str) -> None:
    assert review.normalise_value(name, typed) == stored


@pytest.mark.parametrize(
    ("name", "typed"),
    [("id_number", "00108701234"), ("date_of_birth", "31/02/1990"), ("full_name", "  ")],
)
def test_review_normalise_value_refuses_impossible_values(name: str, typed: str) -> None:
    with pytest.raises(review.InvalidValueError):
        review.normalise_value(name, typed)


def test_review_audit_log_is_append_only(db_url: str, dossier: str) -> None:
    engine = get_store(db_url).engine
    dob = review.review_queue(engine)[0]
    review.apply_review(engine, dob["field_id"], "accept", "lan", 1)
    with Session(engine) as s, pytest.raises(StorageError), s.begin():
        s.delete(s.query(ReviewRow).one())
    with Session(engine) as s:
        assert s.query(ReviewRow).count() == 1


def test_review_page_keyboard_form_and_conflict_message(
    db_url: str, tmp_path: Path, dossier: str
) -> None:
    app = make_app(db_url, tmp_path)
    steward, other = signed_in(app, "steward"), signed_in(app, "admin")
    page = steward.get("/review")
    assert page.status_code == 200
    assert 'id="form-accept"' in page.text and "/api/fields/" in page.text
    assert "năm sinh mâu thuẫn" in page.text  # the reason it was flagged
    dob = review.review_queue(get_store(db_url).engine)[0]
    # The other steward accepts first; the first one's form still carries version 1.
    token = csrf_of(other)
    form = {"action": "accept", "version": "1", "csrf_token": token}
    assert other.post(f"/review/fields/{dob['field_id']}", data=form).status_code == 200
    stale = {"action": "correct", "version": "1", "value": "03/09/1990"}
    response = steward.post(
        f"/review/fields/{dob['field_id']}", data={**stale, "csrf_token": csrf_of(steward)}
    )
    assert response.status_code == 409 and "vừa được người khác thay đổi" in response.text
    assert review.field_view(get_store(db_url).engine, dob["field_id"])["value"] == "1990-09-02"


def test_review_api_reports_conflicts_with_409(db_url: str, tmp_path: Path, dossier: str) -> None:
    app = make_app(db_url, tmp_path)
    client = signed_in(app, "steward")
    token = client.get("/api/me").json()["csrf_token"]
    queue = client.get("/api/review/queue").json()
    url = f"/api/fields/{queue[0]['field_id']}/review"
    headers = {"X-CSRF-Token": token}
    ok = client.post(url, json={"action": "accept", "version": 1}, headers=headers)
    assert ok.status_code == 200 and ok.json()["version"] == 2
    again = client.post(url, json={"action": "accept", "version": 1}, headers=headers)
    assert again.status_code == 409
    bad = client.post(
        f"/api/fields/{queue[1]['field_id']}/review",
        json={"action": "correct", "version": 2, "value": "   "},
        headers=headers,
    )
    assert bad.status_code == 422
    audit = client.get(f"/api/records/{queue[0]['record_id']}/audit").json()
    assert [a["action"] for a in audit] == ["accept"]
    openapi = client.get("/api/openapi.json").json()
    assert "/api/fields/{field_id}/review" in openapi["paths"]
    assert not any(not p.startswith("/api") for p in openapi["paths"])
