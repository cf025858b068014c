"""Shared fixtures: databases (SQLite and the real PostgreSQL), sample files, options.

PostgreSQL: tests marked ``postgres`` use a throwaway database created on the server at
``SOHOA_TEST_PG`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``). Outside CI they
skip when the server is unreachable; with ``CI=true`` they fail instead, so CI never passes by
skipping them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_scans"
PG_URL = os.environ.get("SOHOA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _pg_admin_conninfo() -> str:
    return PG_URL.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="session")
def pg_server() -> str:
    """Conninfo of the PostgreSQL server, or skip (fail in CI) when it cannot be reached."""
    import psycopg

    conninfo = _pg_admin_conninfo()
    try:
        with psycopg.connect(conninfo, connect_timeout=5) as conn:
            conn.execute("select 1")
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL must be reachable in CI at {PG_URL}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    return conninfo


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """SQLAlchemy URL of a fresh, empty PostgreSQL database, dropped after the test."""
    import psycopg

    name = f"sohoa_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = PG_URL.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sohoa.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs twice: on embedded SQLite and on the real PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def samples_dir() -> Path:
    return SAMPLES


def document_from_text(text: str, *, confidence: float = 0.95, source: str = "test.png"):
    """A synthetic OCR Document: each line of ``text`` becomes a Line, words get boxes laid out
    left to right (20 px per character, 60 px per line), pages split on form feeds."""
    from pipeline.models import Document, Line, Page, Word

    pages = []
    for number, page_text in enumerate(text.split("\f"), start=1):
        lines = []
        for row, raw_line in enumerate(page_text.splitlines()):
            x, y = 100, 100 + 60 * row
            words = []
            for token in raw_line.split():
                w = 20 * len(token)
                words.append(Word(text=token, confidence=confidence, bbox=(x, y, x + w, y + 40)))
                x += w + 20
            if words:
                lines.append(Line(words=tuple(words), block=0))
        pages.append(Page(number=number, width=2480, height=3508, lines=tuple(lines), dpi=300))
    return Document(source=source, sha256="0" * 64, pages=tuple(pages))


@pytest.fixture
def make_document():
    """Factory fixture: ``make_document("Họ và tên: NGUYỄN VĂN A\\n...")`` → Document."""
    return document_from_text
