"""Store behaviour, each test on SQLite and on PostgreSQL (``db_url``)."""

from __future__ import annotations

import time
import unicodedata
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from pipeline.exceptions import StorageError
from pipeline.storage import NAMESPACE, Store, document_id_for, record_id_for
from pipeline.storage import store as store_module
from pipeline.storage.schema import ReviewRow

from ._data import PIPELINE_VERSION, make_page, make_result, sha

EXPORT_KEYS = {"record_id", "document_id", "doc_type", "role", "status", "source", "fields"}
FIELD_KEYS = {"value", "raw", "confidence", "status", "page", "bbox"}


@pytest.fixture
def store(db_url: str):
    with Store(db_url) as s:
        yield s


def register(store: Store, n: int, name: str = "dossier-17/ks.pdf") -> int:
    return store.register_file(sha(n), name, 1234, "application/pdf", PIPELINE_VERSION)


def save(store: Store, n: int, **kwargs) -> str:
    register(store, n)
    return store.save_document(sha(n), make_result(**kwargs), [1], PIPELINE_VERSION)


def test_store_save_document_twice_same_id_and_counts(store: Store) -> None:
    first = save(store, 1, n_records=2)
    before = store.counts()
    assert save(store, 1, n_records=2) == first
    assert store.counts() == before
    assert before["documents"] == 1 and before["records"] == 2 and before["fields"] == 4


def test_store_doc_types_include_documents_without_records(store: Store) -> None:
    save(store, 1, n_records=2)
    register(store, 2, name="so-khai-sinh/trang-3.png")
    empty = make_result(n_records=0).model_copy(update={"doc_type": "civil_register_page"})
    store.save_document(sha(2), empty, [1], PIPELINE_VERSION)
    assert store.doc_types() == {
        "dossier-17/ks.pdf": "birth_certificate",
        "so-khai-sinh/trang-3.png": "civil_register_page",
    }
    assert {r["source"]["file"] for r in store.iter_export()} == {"dossier-17/ks.pdf"}


def test_store_save_document_marks_file_done(store: Store) -> None:
    register(store, 1)
    assert store.file_status(sha(1)) == "processing"
    store.save_document(sha(1), make_result(), [1, 2, 3], PIPELINE_VERSION)
    assert store.file_status(sha(1)) == "done"
    assert next(store.iter_export())["source"]["pages"] == [1, 2, 3]


def test_store_ids_are_deterministic(db_url: str, tmp_path) -> None:
    # The same file digitised on two machines (two databases) gets the same ids.
    with Store(db_url) as a, Store(f"sqlite:///{tmp_path / 'other.db'}") as b:
        ids_a = [(r["document_id"], r["record_id"]) for r in _exported(a)]
        ids_b = [(r["document_id"], r["record_id"]) for r in _exported(b)]
    document_id = str(uuid.uuid5(NAMESPACE, sha(7)))
    assert (
        ids_a
        == ids_b
        == [
            (document_id, str(uuid.uuid5(NAMESPACE, f"{document_id}:0:subject"))),
            (document_id, str(uuid.uuid5(NAMESPACE, f"{document_id}:1:party_1"))),
        ]
    )
    assert document_id_for(sha(7)) == document_id
    assert record_id_for(document_id, 1, "party_1") == ids_a[1][1]


def _exported(store: Store) -> list[dict]:
    save(store, 7, n_records=2)
    return list(store.iter_export())


def test_store_save_document_one_transaction(store: Store) -> None:
    register(store, 1)
    commits: list[object] = []
    event.listen(store.engine, "commit", commits.append)
    store.save_document(sha(1), make_result(n_extra_fields=48), [1], PIPELINE_VERSION)
    assert len(commits) == 1
    assert store.counts()["fields"] == 50


def test_store_save_document_unregistered_file(store: Store) -> None:
    with pytest.raises(StorageError, match="register_file"):
        store.save_document(sha(1), make_result(), [1], PIPELINE_VERSION)


@pytest.mark.parametrize("method", ["save_document", "register_file"])
def test_store_concurrent_writes_of_one_file(store: Store, method: str) -> None:
    register(store, 1)

    def call(_: int) -> object:
        if method == "save_document":
            return store.save_document(sha(1), make_result(), [1], PIPELINE_VERSION)
        return register(store, 1, name="copy.pdf")

    with ThreadPoolExecutor(8) as pool:
        results = set(pool.map(call, range(16)))
    assert len(results) == 1
    counts = store.counts()
    assert counts["files"] == 1 and counts["documents"] == (1 if method == "save_document" else 0)


def test_store_register_file_idempotent(store: Store) -> None:
    file_id = register(store, 1, name="first.pdf")
    before = store.counts()
    assert register(store, 1, name="second.pdf") == file_id
    assert store.counts() == before
    save(store, 2)
    assert [r["source"]["file"] for r in store.iter_export()] == ["dossier-17/ks.pdf"]
    assert register(store, 3) != file_id


@pytest.mark.parametrize(("finish", "after_register"), [("done", "done"), ("failed", "processing")])
def test_store_register_file_status(store: Store, finish: str, after_register: str) -> None:
    register(store, 1)
    if finish == "done":
        store.save_document(sha(1), make_result(), [1], PIPELINE_VERSION)
    else:
        store.record_failure(None, "ks.pdf", sha(1), "OcrError", "tesseract crashed")
    assert store.file_status(sha(1)) == finish
    register(store, 1)
    assert store.file_status(sha(1)) == after_register


def test_store_file_status_unknown(store: Store) -> None:
    assert store.file_status(sha(99)) is None


def test_store_failures_stored_and_listed(store: Store) -> None:
    batch = store.start_batch({"workers": 2, "doc_type": "auto"})
    other = store.start_batch({})
    register(store, 1)
    save(store, 2)
    store.record_failure(batch, "hỏng.pdf", None, "CorruptFileError", "tệp PDF bị hỏng")
    store.record_failure(batch, "ks.pdf", sha(1), "OcrError", "tesseract crashed")
    store.record_failure(other, "done.pdf", sha(2), "OcrError", "late failure")

    listed = store.failures(batch)
    assert [(f["name"], f["sha256"], f["error"], f["reason"]) for f in listed] == [
        ("hỏng.pdf", None, "CorruptFileError", "tệp PDF bị hỏng"),
        ("ks.pdf", sha(1), "OcrError", "tesseract crashed"),
    ]
    assert all(f["batch_id"] == batch for f in listed)
    assert len(store.failures()) == 3
    assert store.file_status(sha(1)) == "failed"
    assert store.file_status(sha(2)) == "done"  # a finished file is never marked failed


def test_store_batches(store: Store) -> None:
    batch = store.start_batch({"workers": 4})
    store.finish_batch(batch, {"files": 3, "failed": 1})
    assert store.counts()["batches"] == 1


def test_store_timestamps_are_aware_utc(store: Store) -> None:
    store.record_failure(None, "x.pdf", None, "EmptyFileError", "empty")
    created = datetime.fromisoformat(store.failures()[0]["created_at"])
    assert created.utcoffset() is not None and created.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("image_path", [None, "data/pages/ab/abcd.webp"])
def test_store_page_cache_round_trip(store: Store, image_path: str | None) -> None:
    register(store, 1)
    page = make_page(2)
    assert store.get_page(sha(1), 2, "key-v1") is None
    store.save_page(sha(1), 2, "key-v1", page, image_path=image_path)
    cached = store.get_page(sha(1), 2, "key-v1")
    assert cached == page
    assert type(cached.lines[0].words[0].bbox) is tuple
    before = store.counts()
    store.save_page(sha(1), 2, "key-v1", page, image_path=image_path)
    assert store.counts() == before
    assert store.get_page(sha(1), 2, "key-v2") is None
    assert store.get_page(sha(1), 1, "key-v1") is None


def test_store_save_page_unregistered_file(store: Store) -> None:
    with pytest.raises(StorageError, match="register_file"):
        store.save_page(sha(1), 1, "k", make_page())


def test_store_export_record_shape(store: Store) -> None:
    document_id = save(store, 1, n_records=2)
    records = list(store.iter_export())
    assert [r["role"] for r in records] == ["subject", "party_1"]
    for record in records:
        assert set(record) == EXPORT_KEYS
        assert set(record["source"]) == {"file", "sha256", "pages"}
        assert all(set(f) == FIELD_KEYS for f in record["fields"].values())
    subject, party = records
    assert subject == {
        "record_id": record_id_for(document_id, 0, "subject"),
        "document_id": document_id,
        "doc_type": "birth_certificate",
        "role": "subject",
        "status": "auto_accepted",
        "source": {"file": "dossier-17/ks.pdf", "sha256": sha(1), "pages": [1]},
        "fields": {
            "full_name": {
                "value": "Nguyễn Thị Hồng Nhung",
                "raw": "NGUYỄN THỊ HỒNG NHUNG",
                "confidence": 0.97,
                "status": "auto_accepted",
                "page": 1,
                "bbox": [412, 630, 1290, 688],
            },
            "date_of_birth": {
                "value": "1987-03-15",
                "raw": "15/3/1987",
                "confidence": 0.97,
                "status": "auto_accepted",
                "page": 1,
                "bbox": None,
            },
        },
    }
    assert party["status"] == "needs_review"
    assert list(party["fields"]) == ["full_name", "date_of_birth"]  # extraction order kept


def test_store_values_stored_nfc(store: Store) -> None:
    register(store, 1)
    result = make_result()
    name = result.records[0].fields["full_name"]
    name.value = unicodedata.normalize("NFD", name.value)
    store.save_document(sha(1), result, [1], PIPELINE_VERSION)
    stored = next(store.iter_export())["fields"]["full_name"]["value"]
    assert stored == unicodedata.normalize("NFC", name.value) != name.value


def test_store_export_order_across_chunks(store: Store, monkeypatch) -> None:
    monkeypatch.setattr(store_module, "_EXPORT_CHUNK", 2)
    for n in range(5):
        save(store, n, n_records=3)
    keys = [(r["document_id"], r["role"]) for r in store.iter_export()]
    assert len(keys) == len(set(keys)) == 15
    assert [k[0] for k in keys] == sorted(k[0] for k in keys)


def test_store_export_empty(store: Store) -> None:
    assert list(store.iter_export()) == []


def test_store_reviews_append_only(store: Store) -> None:
    document_id = save(store, 1)
    record_id = record_id_for(document_id, 0, "subject")
    with Session(store.engine) as s, s.begin():
        s.add(ReviewRow(record_id=record_id, reviewer="lan", action="verify", reason="khớp"))
    assert store.counts()["reviews"] == 1
    for change in ("update", "delete"):
        with Session(store.engine) as s, pytest.raises(StorageError, match="append-only"):
            review = s.query(ReviewRow).one()
            if change == "update":
                review.new_value = "changed"
            else:
                s.delete(review)
            s.flush()
    assert store.counts()["reviews"] == 1


def test_store_unreachable_postgres() -> None:
    started = time.monotonic()
    with pytest.raises(StorageError) as caught:
        Store("postgresql+psycopg://sohoa:s3cret-pw@127.0.0.1:1/sohoa")
    assert time.monotonic() - started < 15
    message = str(caught.value)
    assert "s3cret-pw" not in message and "***" in message and "127.0.0.1:1" in message


@pytest.mark.parametrize("url", ["not a url", "mysql+nosuchdriver://u:pw@h/db"])
def test_store_bad_url(url: str) -> None:
    with pytest.raises(StorageError) as caught:
        Store(url)
    assert "pw" not in str(caught.value)


def test_store_sqlite_creates_parent_folder(tmp_path) -> None:
    db = tmp_path / "nested" / "data" / "sohoa.db"
    with Store(f"sqlite:///{db}") as store:
        assert store.counts()["files"] == 0
    assert db.is_file()
