"""Run the Alembic migrations shipped in :mod:`pipeline.storage.migrations` from code.

No ``alembic.ini`` exists at run time: the configuration is built here and the migration runs on a
connection of the caller's engine, so the same code path serves SQLite and PostgreSQL.

Making the next migration after changing :mod:`pipeline.storage.schema`::

    python -c "from pipeline.storage.migrate import make_revision; \\
               make_revision('sqlite:///./scratch.db', 'add citizens')"

then read and edit the generated file in ``pipeline/storage/migrations/versions/``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, text

__all__ = ["MIGRATIONS_DIR", "alembic_config", "make_revision", "upgrade"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Any constant will do: every sohoa process agrees on it to serialise concurrent upgrades.
_PG_MIGRATION_LOCK = 0x50A0A


def alembic_config(connection: Connection) -> Config:
    """An Alembic configuration that runs the packaged migrations on ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database of ``engine`` to ``revision`` (a no-op when it is there already).

    On PostgreSQL a transaction-scoped advisory lock makes workers that start together wait for
    each other instead of racing to create the same tables (DDL is transactional there, so the
    second one then finds the schema at head).
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        command.upgrade(alembic_config(connection), revision)


def make_revision(url: str, message: str) -> None:
    """Autogenerate a new migration from the difference between the schema and the database at
    ``url`` after upgrading it to head (use a scratch database)."""
    engine = create_engine(url)
    try:
        upgrade(engine)
        with engine.begin() as connection:
            command.revision(alembic_config(connection), message=message, autogenerate=True)
    finally:
        engine.dispose()
