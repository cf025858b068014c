"""The packaged Alembic migration builds exactly the schema the ORM models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import IntegrityError

from pipeline.storage import Store
from pipeline.storage.migrate import MIGRATIONS_DIR
from pipeline.storage.schema import Base

TABLES = {
    "batches",
    "files",
    "failures",
    "pages",
    "documents",
    "records",
    "fields",
    "reviews",
    "users",
    "jobs",
    "citizens",
    "citizen_links",
    "citizen_values",
    "access_log",
}


@pytest.fixture
def migrated(db_url: str):
    Store(db_url).close()
    engine = create_engine(db_url)
    yield engine
    engine.dispose()


def test_migrations_create_all_tables(migrated) -> None:
    assert set(inspect(migrated).get_table_names()) == TABLES | {"alembic_version"}
    assert set(Base.metadata.tables) == TABLES


def test_migrations_match_models(migrated) -> None:
    with migrated.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_migrations_upgrade_twice_is_a_noop(db_url: str) -> None:
    Store(db_url).close()
    with Store(db_url) as store:
        assert set(store.counts()) == TABLES


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        (
            "reviews",
            {"id", "field_id", "record_id", "reviewer", "at", "action", "old_value", "new_value"}
            | {"reason"},
        ),
        ("records", {"id", "document_id", "role", "position", "status", "version_id"}),
    ],
)
def test_migrations_table_columns(migrated, table: str, columns: set[str]) -> None:
    assert columns <= {c["name"] for c in inspect(migrated).get_columns(table)}


@pytest.mark.parametrize(
    ("table", "columns"),
    [("fields", ["name", "value"]), ("records", ["status"])],
)
def test_migrations_lookup_indexes(migrated, table: str, columns: list[str]) -> None:
    assert columns in [ix["column_names"] for ix in inspect(migrated).get_indexes(table)]


def test_migrations_sqlite_connection_settings(sqlite_url: str) -> None:
    with Store(sqlite_url) as store, store.engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA busy_timeout").scalar() == 30000
        assert pragma("PRAGMA foreign_keys").scalar() == 1


def test_migrations_foreign_keys_enforced(db_url: str) -> None:
    # SQLite ignores foreign keys unless every connection turns them on.
    with Store(db_url) as store, pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO records (id, document_id, role, position, status, created_at, version_id)"
            " VALUES ('r', 'no-such-document', 'subject', 0, 'needs_review', '2026-01-01', 1)"
        )


@pytest.mark.parametrize(
    "path",
    ["__init__.py", "env.py", "script.py.mako", "versions/__init__.py", "versions/0001_initial.py"],
)
def test_migrations_shipped_as_package(path: str) -> None:
    # setuptools packages only folders with __init__.py; *.mako comes as package data.
    assert (MIGRATIONS_DIR / path).is_file()
