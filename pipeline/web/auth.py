"""Users, passwords, sessions, roles and CSRF for the web app.

* Passwords are hashed with Argon2id (``argon2-cffi``, its default parameters, re-hashed on login
  when those defaults grow).
* A signed session cookie (Starlette ``SessionMiddleware``: HttpOnly, SameSite=Lax, ``max_age``)
  holds the user id and a random CSRF token. The key comes from ``SOHOA_SECRET_KEY`` or a file
  generated once in the data directory, readable by its owner only.
* Every unsafe request (POST, PUT, PATCH, DELETE) must carry that token, in the form field
  ``csrf_token`` or the ``X-CSRF-Token`` header (:func:`check_csrf`). A cross-site form cannot read
  the token, so it cannot forge a request even though the browser sends the cookie.
* Roles are ranked: ``clerk`` < ``steward`` < ``admin``; a route asks for the least role it needs.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Request
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.exceptions import ConfigError
from pipeline.storage.schema import UserRow, utcnow

__all__ = [
    "ROLES",
    "CsrfError",
    "Forbidden",
    "LoginThrottle",
    "NotAuthenticated",
    "User",
    "add_user",
    "authenticate",
    "check_csrf",
    "csrf_token",
    "load_secret_key",
    "role_at_least",
    "session_user",
]

ROLES = ("clerk", "steward", "admin")
_hasher = PasswordHasher()
# Verifying against this when the user does not exist costs the same time as a real check, so
# response times do not reveal which user names exist.
_DUMMY_HASH = _hasher.hash("sohoa-timing-equaliser")
MIN_PASSWORD_LENGTH = 10
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class NotAuthenticated(Exception):
    """No valid session: pages redirect to the login page, the API answers 401."""


class Forbidden(Exception):
    """Signed in, but the role is not enough: 403."""


class CsrfError(Exception):
    """An unsafe request without the session's CSRF token: 403."""


@dataclass(frozen=True)
class User:
    """The signed-in user, as routes see it."""

    id: int
    username: str
    role: str

    def can(self, role: str) -> bool:
        """Whether this user has ``role`` or a higher one."""
        return role_at_least(self.role, role)


def role_at_least(role: str, needed: str) -> bool:
    """``clerk`` < ``steward`` < ``admin``."""
    return ROLES.index(role) >= ROLES.index(needed)


def load_secret_key(data_dir: Path) -> str:
    """``SOHOA_SECRET_KEY``, else the key in ``data_dir/secret_key`` (created 0600 on first use).

    Raises:
        ConfigError: the key file exists but others can read it.
    """
    if key := os.environ.get("SOHOA_SECRET_KEY"):
        return key
    path = data_dir / "secret_key"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting together cannot both write (and disagree on) a key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            raise ConfigError(
                f"{path} can be read by other users: run `chmod 600 {path}` and start again"
            ) from None
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="ascii").strip()


def add_user(engine: Engine, username: str, password: str, role: str) -> int:
    """Create a user (or reset the password and role of an existing one); returns its id.

    Raises:
        ConfigError: an unknown role, an empty user name or a password that is too short.
    """
    username = username.strip()
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    if not username or len(username) > 100:
        raise ConfigError("the user name must be 1 to 100 characters")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    hashed = _hasher.hash(password)
    for _ in range(2):  # a second try if another process created the same user meanwhile
        try:
            with Session(engine) as s, s.begin():
                user = s.scalar(select(UserRow).where(UserRow.username == username))
                if user is None:
                    user = UserRow(username=username, password_hash=hashed, role=role)
                    s.add(user)
                else:
                    user.password_hash, user.role, user.active = hashed, role, True
                s.flush()
                return user.id
        except IntegrityError:
            continue
    raise ConfigError(f"could not create user {username!r}: try again")


def authenticate(engine: Engine, username: str, password: str) -> User | None:
    """The user if the password is right and the account active, else None."""
    with Session(engine, expire_on_commit=False) as s, s.begin():
        user = s.scalar(select(UserRow).where(UserRow.username == username.strip()))
        try:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None or not user.active:
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        user.last_login_at = utcnow()
        return User(id=user.id, username=user.username, role=user.role)


def session_user(request: Request, engine: Engine) -> User:
    """The user of this request's session, checked against the database on every request so a
    deactivated account or a changed role takes effect at once.

    Raises:
        NotAuthenticated: no session, or its user is gone or inactive.
    """
    user_id = request.session.get("user_id")
    if not isinstance(user_id, int):
        raise NotAuthenticated()
    with Session(engine) as s:
        row = s.get(UserRow, user_id)
        if row is None or not row.active:
            request.session.clear()
            raise NotAuthenticated()
        return User(id=row.id, username=row.username, role=row.role)


def csrf_token(request: Request) -> str:
    """This session's CSRF token (created on first use, also for the anonymous login form)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request whose token (header or form field) is not the session's.

    Raises:
        CsrfError: missing or wrong token.
    """
    if request.method not in UNSAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        # Parsed once here; FastAPI reuses the parsed form for the route's parameters.
        sent = (await request.form()).get("csrf_token")
    if not isinstance(expected, str) or not isinstance(sent, str):
        raise CsrfError()
    if not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CsrfError()


class LoginThrottle:
    """At most ``limit`` failed logins per user name in ``window`` seconds (in this process)."""

    def __init__(self, limit: int = 5, window: float = 900.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, username: str) -> deque[float]:
        failures = self._failures[username.casefold()]
        while failures and failures[0] < time.monotonic() - self.window:
            failures.popleft()
        return failures

    def blocked(self, username: str) -> bool:
        """Whether this user name has failed too often lately."""
        with self._lock:
            return len(self._recent(username)) >= self.limit

    def failed(self, username: str) -> None:
        """Count a failed login."""
        with self._lock:
            self._recent(username).append(time.monotonic())

    def succeeded(self, username: str) -> None:
        """Forget the failures of a user who signed in."""
        with self._lock:
            self._failures.pop(username.casefold(), None)
