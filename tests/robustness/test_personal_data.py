"""Personal data (Decree 13/2023/NĐ-CP): masked logs, audited views, role-gated exports, no
page images left in temporary folders."""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from flows.digitise import run_digitise
from pipeline.citizens import link_document
from pipeline.cli import app as cli
from pipeline.digitise import get_store
from pipeline.exceptions import StorageError
from pipeline.options import Options
from pipeline.storage.access import access_history
from pipeline.storage.schema import AccessLogRow, FieldRow
from pipeline.web.logs import install_log_masking
from tests.web._data import ID_NUMBER, csrf_of, field, make_app, signed_in, store_card


@pytest.fixture
def dossier(sqlite_url: str, tmp_path: Path) -> str:
    document_id = store_card(
        sqlite_url,
        tmp_path / "data",
        1,
        {
            "id_number": field("id_number", ID_NUMBER),
            "full_name": field("full_name", "Nguyễn Văn An", 0.5),
            "date_of_birth": field("date_of_birth", "1990-09-02"),
        },
    )
    link_document(get_store(sqlite_url).engine, document_id)
    return document_id


def test_privacy_every_logger_and_traceback_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    install_log_masking()
    caplog.set_level(logging.DEBUG)
    try:
        raise StorageError(f"duplicate key: Key (id_number)=({ID_NUMBER}) already exists")
    except StorageError:
        logging.getLogger("sqlalchemy.engine.Engine").exception("insert of %s failed", ID_NUMBER)
    logging.getLogger("prefect.task_runs").warning("CMND %s", "123456789")
    assert ID_NUMBER not in caplog.text and "123456789" not in caplog.text
    assert "001******345" in caplog.text and "Traceback" in caplog.text


@pytest.mark.slow
def test_privacy_a_batch_logs_no_id_number_and_no_name(
    samples_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Everything logged at DEBUG during a real batch: no ID number in clear, no name at all."""
    truth = json.loads((samples_dir / "cccd_front_002.json").read_text())["records"][0]["fields"]
    scan = tmp_path / "cccd.jpg"
    shutil.copy(samples_dir / "cccd_front_002.jpg", scan)
    install_log_masking()
    caplog.set_level(logging.DEBUG)
    options = Options(db_url=f"sqlite:///{tmp_path / 'db.sqlite'}", data_dir=tmp_path / "data")
    summary = run_digitise([str(scan)], options)
    assert summary.outcomes[0].records >= 1  # something personal was read and stored
    logged = caplog.text.casefold()
    assert truth["id_number"] not in logged
    assert truth["full_name"].casefold() not in logged


def test_privacy_views_of_citizen_data_are_audited(
    sqlite_url: str, tmp_path: Path, dossier: str
) -> None:
    app = make_app(sqlite_url, tmp_path)
    engine = get_store(sqlite_url).engine
    clerk = signed_in(app, "clerk")
    token = csrf_of(clerk)
    assert clerk.get(f"/documents/{dossier}").is_success
    assert clerk.get(f"/api/documents/{dossier}").is_success
    assert clerk.post("/lookup", data={"id_number": ID_NUMBER, "csrf_token": token}).is_success
    found = clerk.post(
        "/api/lookup", json={"id_number": ID_NUMBER}, headers={"X-CSRF-Token": token}
    )
    citizen_id = found.json()["citizen_id"]
    clerk.post("/api/lookup", json={"id_number": "079100000001"}, headers={"X-CSRF-Token": token})
    with Session(engine) as s:
        field_id = s.scalars(select(FieldRow.id).where(FieldRow.name == "full_name")).one()
    assert clerk.get(f"/api/fields/{field_id}").is_success
    steward = signed_in(app, "steward")
    assert steward.get("/review").is_success
    assert steward.get("/api/export?format=csv").is_success

    seen = [
        (r["username"], r["route"], r["action"])
        for r in access_history(engine, citizen_id=citizen_id)
    ]
    assert seen == [
        ("clerk", "GET /documents/{document_id}", "view_document"),
        ("clerk", "GET /api/documents/{document_id}", "view_document"),
        ("clerk", "POST /lookup", "lookup"),
        ("clerk", "POST /api/lookup", "lookup"),
        ("clerk", "GET /api/fields/{field_id}", "view_field"),
        ("steward", "GET /review", "view_field"),
    ]
    everything = access_history(engine)
    assert {"username": "clerk", "detail": "not found"}.items() <= everything[4].items()
    assert everything[-1]["action"] == "export" and everything[-1]["username"] == "steward"
    # No personal value is copied into the audit itself.
    assert ID_NUMBER not in json.dumps(everything) and "Nguyễn" not in json.dumps(everything)


def test_privacy_access_log_is_append_only(sqlite_url: str, tmp_path: Path, dossier: str) -> None:
    from pipeline.storage.access import record_access

    engine = get_store(sqlite_url).engine
    record_access(engine, "lan", "cli lookup", "lookup", citizen_id=1)
    with Session(engine) as s, s.begin():
        row = s.scalars(select(AccessLogRow)).one()
        row.username = "someone else"
        with pytest.raises(StorageError, match="append-only"):
            s.flush()
    with Session(engine) as s, s.begin(), pytest.raises(StorageError, match="append-only"):
        s.delete(s.scalars(select(AccessLogRow)).one())
        s.flush()


def test_privacy_exports_need_a_steward(sqlite_url: str, tmp_path: Path, dossier: str) -> None:
    app = make_app(sqlite_url, tmp_path)
    assert signed_in(app, "clerk").get("/api/export").status_code == 403
    assert signed_in(app, "steward").get("/api/export").is_success
    assert signed_in(app, "admin").get("/api/export").is_success


def test_privacy_cli_lookup_and_export_are_audited(
    sqlite_url: str, tmp_path: Path, dossier: str
) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["lookup", ID_NUMBER, "--db", sqlite_url]).exit_code == 0
    out = tmp_path / "out.jsonl"
    assert runner.invoke(cli, ["export", "--db", sqlite_url, "--out", str(out)]).exit_code == 0
    rows = access_history(get_store(sqlite_url).engine)
    assert [(r["route"], r["action"]) for r in rows] == [
        ("cli lookup", "lookup"),
        ("cli export", "export"),
    ]
    assert rows[0]["citizen_id"] is not None and rows[1]["detail"] == "format=jsonl"


def test_privacy_web_upload_leaves_no_temporary_file(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Uploads bigger than Starlette's in-memory limit go through a temporary file: gone after."""
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    app = make_app(sqlite_url, tmp_path)
    clerk = signed_in(app, "clerk")
    token = clerk.get("/api/me").json()["csrf_token"]
    scan = b"\x89PNG\r\n\x1a\n" + b"\0" * (3 * 1024**2)
    response = clerk.post(
        "/api/jobs", files={"files": ("ảnh chụp.png", scan)}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 202
    assert list(private_tmp.iterdir()) == []
