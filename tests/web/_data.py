"""Shared helpers of the web tests: an app on a test database, signed-in clients, a stored dossier.

No OCR here: documents are stored straight through the Store with a page image drawn by Pillow,
so these tests run in seconds on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from pipeline.digitise import BatchSummary, get_store, page_image_path
from pipeline.models import DocumentResult, ExtractedField, ExtractedRecord, FieldStatus, Page
from pipeline.options import Options
from pipeline.storage.schema import document_id_for
from pipeline.web import create_app
from pipeline.web.auth import add_user

__all__ = [
    "ID_NUMBER",
    "PASSWORD",
    "csrf_of",
    "field",
    "make_app",
    "signed_in",
    "store_card",
]

PASSWORD = "mật-khẩu-đủ-dài-1"
ID_NUMBER = "001087012345"


def _no_run(paths: list[str], options: Options, listener: Any) -> BatchSummary:
    return BatchSummary()


def make_app(db_url: str, tmp_path: Path, run: Any = _no_run, **kwargs: Any):
    """An app on ``db_url`` with its data under ``tmp_path`` and three users:
    ``clerk``, ``steward`` and ``admin`` (password :data:`PASSWORD`)."""
    options = Options(db_url=db_url, data_dir=tmp_path / "data", workers=1)
    app = create_app(options, secret_key="test-secret", run=run, **kwargs)
    engine = get_store(db_url).engine
    for role in ("clerk", "steward", "admin"):
        add_user(engine, role, PASSWORD, role)
    return app


def csrf_of(client: TestClient) -> str:
    """The CSRF token of the client's session (read from a rendered form)."""
    page = client.get("/login" if "sohoa_session" not in client.cookies else "/")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def signed_in(app, username: str) -> TestClient:
    """A TestClient signed in as ``username`` (not started: no job thread)."""
    client = TestClient(app)
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def field(
    name: str, value: str | None, confidence: float = 0.97, reasons: list[str] | None = None
) -> ExtractedField:
    """An extracted field: auto-accepted at 0.85 and above, else needing review."""
    status = FieldStatus.auto_accepted if confidence >= 0.85 else FieldStatus.needs_review
    return ExtractedField(
        name=name,
        value=value,
        raw=(value or "").upper(),
        confidence=confidence,
        status=status,
        page=1,
        bbox=(100, 100, 400, 140),
        ocr_confidence=confidence,
        extractor="test.v1",
        reasons=reasons or [],
    )


def store_card(
    db_url: str,
    data_dir: Path,
    n: int,
    fields: dict[str, ExtractedField],
    doc_type: str = "cccd_front",
) -> str:
    """Store a one-record document (file number ``n``) with a page image; returns its id."""
    store = get_store(db_url)
    sha = f"{n:064x}"
    store.register_file(sha, f"dossier-1/the {n}.jpg", 1000, "image/jpeg", "0.1.0")
    image = Image.new("RGB", (800, 300), "white")
    ImageDraw.Draw(image).text((110, 110), "NGUYEN VAN AN", fill="black")
    path = page_image_path(data_dir, sha, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    store.save_page(sha, 1, "k", Page(number=1, width=800, height=300), str(path))
    result = DocumentResult(
        doc_type=doc_type,
        doc_type_confidence=0.9,
        records=[ExtractedRecord(role="subject", fields=fields)],
    )
    store.save_document(sha, result, [1], "0.1.0")
    return document_id_for(sha)
