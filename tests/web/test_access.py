"""Who may do what: anonymous users, roles, CSRF, sessions, page images and masked logs."""

from __future__ import annotations

import logging
import re
import stat
import time
from pathlib import Path

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session
from starlette.routing import Mount

from pipeline.digitise import get_store
from pipeline.storage.schema import PageRow
from pipeline.web.app import PUBLIC_PATHS
from pipeline.web.auth import load_secret_key
from pipeline.web.logs import install_log_masking, mask_ids
from tests.web._data import ID_NUMBER, PASSWORD, csrf_of, field, make_app, signed_in, store_card


@pytest.fixture
def app(db_url: str, tmp_path: Path):
    return make_app(db_url, tmp_path)


@pytest.fixture
def field_id(db_url: str, tmp_path: Path) -> int:
    """A stored card with one field needing review; returns that field's id."""
    store_card(
        db_url,
        tmp_path / "data",
        1,
        {
            "id_number": field("id_number", ID_NUMBER),
            "full_name": field("full_name", "Nguyễn Văn An", 0.4, ["chữ mờ"]),
        },
    )
    return 2


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_web_every_route_refuses_anonymous_users(app) -> None:
    client = TestClient(app)
    checked = 0
    # FastAPI 0.154 keeps included routers as lazy branches of app.routes: iter_route_contexts
    # flattens them into the routes that actually answer, with their prefixes.
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            assert route.path == "/static"  # the only mount: CSS, JS, icon — no data
            continue
        if route.path in PUBLIC_PATHS:
            continue
        for method in (route.methods or {"GET"}) - {"HEAD"}:
            response = client.request(method, _concrete(route.path), follow_redirects=False)
            if route.path.startswith("/api"):
                assert response.status_code == 401, (method, route.path)
            else:
                assert response.status_code == 303, (method, route.path)
                assert response.headers["location"].startswith("/login"), route.path
            checked += 1
    assert checked >= 25  # the pages and the API are all there


def test_web_login_page_and_static_files_are_public(app) -> None:
    client = TestClient(app)
    assert client.get("/login").status_code == 200
    assert client.get("/static/app.css").status_code == 200


STEWARD_ONLY = [
    ("GET", "/review"),
    ("GET", "/review/links"),
    ("POST", "/review/fields/2"),
    ("POST", "/review/links/1"),
    ("GET", "/api/review/queue"),
    ("POST", "/api/fields/2/review"),
    ("GET", "/api/export"),
    ("GET", "/api/citizens/links"),
    ("POST", "/api/citizens/links/1"),
    ("GET", "/api/citizens/conflicts"),
]


def test_web_clerk_cannot_review_or_export(app, field_id: int) -> None:
    client = signed_in(app, "clerk")
    token = csrf_of(client)
    for method, path in STEWARD_ONLY:
        api = path.startswith("/api")
        response = client.request(
            method,
            path,
            data={"csrf_token": token, "action": "accept", "version": "1", "same_person": "yes"}
            if method == "POST" and not api
            else None,
            json={"action": "accept", "version": 1, "same_person": True}
            if method == "POST" and api
            else None,
            headers={"X-CSRF-Token": token} if api else None,
        )
        assert response.status_code == 403, (method, path)
    assert get_store(app.state.sohoa.options.db_url).counts()["reviews"] == 0


def test_web_steward_can_export(app, field_id: int) -> None:
    response = signed_in(app, "steward").get("/api/export?format=jsonl")
    assert response.status_code == 200
    assert ID_NUMBER in response.text and response.headers["cache-control"] == "no-store"


def test_web_page_images_need_a_session_and_a_known_field(app, field_id: int, db_url: str) -> None:
    anonymous = TestClient(app)
    assert anonymous.get(f"/api/fields/{field_id}/crop.png").status_code == 401
    client = signed_in(app, "clerk")
    crop = client.get(f"/api/fields/{field_id}/crop.png")
    assert crop.status_code == 200 and crop.content.startswith(b"\x89PNG")
    for path in (
        "/api/fields/..%2F..%2F..%2Fetc%2Fpasswd/crop.png",
        "/api/fields/%2e%2e/crop.png",
        "/api/fields/999999/crop.png",
        "/static/..%2F..%2Fweb%2Fauth.py",
        "/static/../auth.py",
    ):
        response = client.get(path)
        assert response.status_code in (404, 422), path
        assert b"PasswordHasher" not in response.content and b"root:" not in response.content
    # A page row pointing outside the pages folder (edited by hand) is never served.
    with Session(get_store(db_url).engine) as s, s.begin():
        s.execute(update(PageRow).values(image_path="/etc/passwd"))
    assert client.get(f"/api/fields/{field_id}/crop.png").status_code == 404


def test_web_forms_without_the_csrf_token_are_refused(app, field_id: int) -> None:
    client = signed_in(app, "steward")
    form = {"action": "accept", "version": "1"}
    assert client.post(f"/review/fields/{field_id}", data=form).status_code == 403
    wrong = {**form, "csrf_token": "forged"}
    assert client.post(f"/review/fields/{field_id}", data=wrong).status_code == 403
    assert client.post("/lookup", data={"id_number": ID_NUMBER}).status_code == 403
    assert client.post("/logout", follow_redirects=False).status_code == 403
    body = {"action": "accept", "version": 1}
    assert client.post(f"/api/fields/{field_id}/review", json=body).status_code == 403
    assert get_store(app.state.sohoa.options.db_url).counts()["reviews"] == 0
    # With the token, the same form goes through.
    ok = {**form, "csrf_token": csrf_of(client)}
    assert client.post(f"/review/fields/{field_id}", data=ok, follow_redirects=False).is_redirect


def test_web_login_needs_the_csrf_token_and_the_right_password(app) -> None:
    client = TestClient(app)
    form = {"username": "clerk", "password": PASSWORD}
    assert client.post("/login", data=form).status_code == 403
    token = csrf_of(client)
    bad = client.post("/login", data={**form, "password": "wrong", "csrf_token": token})
    assert bad.status_code == 401 and "không đúng" in bad.text
    good = client.post("/login", data={**form, "csrf_token": token}, follow_redirects=False)
    assert good.status_code == 303
    cookie = good.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=28800" in cookie


def test_web_login_refuses_open_redirects(app) -> None:
    client = TestClient(app)
    form = {"username": "clerk", "password": PASSWORD, "csrf_token": csrf_of(client)}
    response = client.post(
        "/login", data={**form, "next": "//evil.example/x"}, follow_redirects=False
    )
    assert response.headers["location"] == "/"


def test_web_login_is_throttled_after_repeated_failures(app) -> None:
    client = TestClient(app)
    token = csrf_of(client)
    for _ in range(5):
        client.post("/login", data={"username": "clerk", "password": "x", "csrf_token": token})
    blocked = client.post(
        "/login", data={"username": "clerk", "password": PASSWORD, "csrf_token": token}
    )
    assert blocked.status_code == 429


def test_web_sessions_expire(db_url: str, tmp_path: Path) -> None:
    app = make_app(db_url, tmp_path, session_max_age=1)
    client = signed_in(app, "clerk")
    assert client.get("/", follow_redirects=False).status_code == 200
    time.sleep(2.1)
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_web_secret_key_file_is_private(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SOHOA_SECRET_KEY", raising=False)
    key = load_secret_key(tmp_path)
    assert len(key) >= 32 and load_secret_key(tmp_path) == key
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_web_id_numbers_never_reach_the_logs_unmasked(app, field_id: int, caplog) -> None:
    caplog.set_level(logging.INFO)
    client = signed_in(app, "clerk")
    token = csrf_of(client)
    assert client.post("/lookup", data={"id_number": ID_NUMBER, "csrf_token": token}).is_success
    client.post("/api/lookup", json={"id_number": "123456789"}, headers={"X-CSRF-Token": token})
    install_log_masking()
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s"', "127.0.0.1", "GET", f"/lookup?id_number={ID_NUMBER}"
    )
    assert ID_NUMBER not in caplog.text and "123456789" not in caplog.text
    assert "001******345" in caplog.text and "123***789" in caplog.text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("001087012345", "001******345"),
        ("CMND 123456789.", "CMND 123***789."),
        ("sha 0a1b001087012345ff", "sha 0a1b001087012345ff"),  # part of a hash: not an ID
        ("1234567890123", "1234567890123"),  # 13 digits: not an ID
    ],
)
def test_web_mask_ids(text: str, masked: str) -> None:
    assert mask_ids(text) == masked
