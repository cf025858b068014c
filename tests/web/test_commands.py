"""The web app's commands: ``sohoa users add`` and ``sohoa lookup`` (in-process CLI)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pipeline.citizens import link_document
from pipeline.cli import app
from pipeline.digitise import get_store
from pipeline.web.auth import authenticate
from tests.web._data import ID_NUMBER, field, store_card

runner = CliRunner()


def test_commands_users_add_reads_the_password_from_stdin(db_url: str) -> None:
    result = runner.invoke(
        app,
        ["users", "add", "lan", "--role", "steward", "--password-stdin", "--db", db_url],
        input="một mật khẩu dài\n",
    )
    assert result.exit_code == 0, result.output
    user = authenticate(get_store(db_url).engine, "lan", "một mật khẩu dài")
    assert user is not None and user.role == "steward"
    assert authenticate(get_store(db_url).engine, "lan", "sai") is None


def test_commands_users_add_prompts_twice_and_refuses_short_passwords(sqlite_url: str) -> None:
    mismatch = runner.invoke(
        app, ["users", "add", "an", "--db", sqlite_url], input="password-one\npassword-two\n"
    )
    assert mismatch.exit_code != 0
    short = runner.invoke(
        app, ["users", "add", "an", "--password-stdin", "--db", sqlite_url], input="short\n"
    )
    assert short.exit_code != 0 and "at least" in str(short.exception)
    role = runner.invoke(
        app,
        ["users", "add", "an", "--role", "boss", "--password-stdin", "--db", sqlite_url],
        input="long enough password\n",
    )
    assert role.exit_code != 0 and "unknown role" in str(role.exception)


def test_commands_lookup_prints_the_master_record(db_url: str, tmp_path: Path) -> None:
    document_id = store_card(
        db_url,
        tmp_path / "data",
        1,
        {"id_number": field("id_number", ID_NUMBER), "full_name": field("full_name", "Lê Hoa")},
    )
    link_document(get_store(db_url).engine, document_id)
    found = runner.invoke(app, ["lookup", ID_NUMBER, "--db", db_url])
    assert found.exit_code == 0, found.output
    record = json.loads(found.stdout)
    assert record["id_number"] == ID_NUMBER and record["fields"]["full_name"]["value"] == "Lê Hoa"
    missing = runner.invoke(app, ["lookup", "999999999999", "--db", db_url])
    assert missing.exit_code == 1
