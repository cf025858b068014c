"""Alembic environment: runs on the connection that :mod:`pipeline.storage.migrate` hands over.

There is no ``alembic.ini``: the caller builds the configuration in code and puts an open
connection in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import TypeDecorator

from pipeline.storage.schema import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations through pipeline.storage.migrate (upgrade / make_revision), "
        "not the alembic command line"
    )


def _render_item(kind: str, obj: Any, autogen_context: Any) -> str | bool:
    # Migrations must not import application types (they change; migrations are frozen history):
    # a TypeDecorator such as UTCDateTime is written as the plain SQLAlchemy type it wraps.
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    compare_type=True,
    # SQLite cannot ALTER most things: batch mode copies the table, on PostgreSQL it is a no-op.
    render_as_batch=True,
    render_item=_render_item,
)
with context.begin_transaction():
    context.run_migrations()
