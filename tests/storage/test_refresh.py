"""Re-extraction of a stored document (``store_document`` on a document that exists), each test
on SQLite and on PostgreSQL (``db_url``): the pipeline's fields are replaced, the stewards' work
stays, and nothing is stored twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pipeline.storage import Store, document_id_for
from pipeline.storage.refresh import store_document
from pipeline.storage.review import apply_review
from pipeline.storage.schema import FieldRow, RecordRow, ReviewRow

from ._data import PIPELINE_VERSION, make_result, sha


@pytest.fixture
def store(db_url: str):
    with Store(db_url) as s:
        s.register_file(sha(7), "hs-07/giay-khai-sinh.pdf", 1234, "application/pdf", "0.1.0")
        yield s


def _records(store: Store) -> list[tuple[int, str, str, int]]:
    """(position, id, role, version) of the document's records, by position."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(RecordRow.position, RecordRow.id, RecordRow.role, RecordRow.version_id)
            .where(RecordRow.document_id == document_id_for(sha(7)))
            .order_by(RecordRow.position)
        ).all()
    return [tuple(r) for r in rows]


def _field(store: Store, record_id: str, name: str) -> tuple[int, str, str]:
    with store.engine.connect() as conn:
        row = conn.execute(
            select(FieldRow.id, FieldRow.value, FieldRow.status).where(
                FieldRow.record_id == record_id, FieldRow.name == name
            )
        ).one()
    return tuple(row)


def _store(store: Store, n_records: int, extract: str = "1") -> str:
    return store_document(
        store, sha(7), make_result(n_records), [1], PIPELINE_VERSION, {"extract": extract}
    )


def test_refresh_replaces_pipeline_fields_and_keeps_a_reviewed_record_the_new_run_lacks(
    store: Store,
) -> None:
    _store(store, 3)
    first = _records(store)
    assert [role for _, _, role, _ in first] == ["subject", "party_1", "party_2"]
    # A steward corrects the third record's name.
    third = first[2][1]
    field_id, _, _ = _field(store, third, "full_name")
    apply_review(store.engine, field_id, "correct", "lan", first[2][3], "Lê Văn Tám")

    # The new extraction finds one record only: the first is refreshed in place, the untouched
    # second goes, the reviewed third stays and moves after the new ones.
    _store(store, 1, extract="2")
    after = _records(store)
    assert [(p, rid, role) for p, rid, role, _ in after] == [
        (0, first[0][1], "subject"),
        (1, third, "party_2"),
    ]
    assert after[0][3] == first[0][3] + 1  # changed records get a new version_id
    assert _field(store, third, "full_name")[1:] == ("Lê Văn Tám", "verified")
    with store.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ReviewRow)) == 1
        fields = conn.execute(
            select(FieldRow.record_id, FieldRow.name).where(
                FieldRow.record_id.in_([rid for _, rid, _, _ in after])
            )
        ).all()
    # No field twice; the kept record keeps only what the steward touched.
    assert len(fields) == len(set(fields))
    assert sorted(name for rid, name in fields if rid == third) == ["full_name"]

    # Refreshing again with the same extraction changes nothing but versions.
    _store(store, 1, extract="2")
    assert [(p, rid) for p, rid, _, _ in _records(store)] == [(p, rid) for p, rid, _, _ in after]


def test_refresh_with_more_records_keeps_the_stewards_value_over_the_new_one(
    store: Store,
) -> None:
    _store(store, 2)
    first = _records(store)
    field_id, _, _ = _field(store, first[1][1], "full_name")
    apply_review(store.engine, field_id, "correct", "lan", first[1][3], "Đỗ Thị Hà")
    _store(store, 3, extract="2")
    after = _records(store)
    assert [rid for _, rid, _, _ in after[:2]] == [rid for _, rid, _, _ in first]
    assert len(after) == 3
    # The new extraction's name for the reviewed record is dropped, the steward's stays.
    assert _field(store, first[1][1], "full_name")[1:] == ("Đỗ Thị Hà", "verified")
    assert _field(store, after[2][1], "full_name")[1] == "Nguyễn Thị Hồng Nhung"
