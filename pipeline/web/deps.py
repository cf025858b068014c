"""What routes share: the app's state, the signed-in user, role checks and page rendering."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.responses import HTMLResponse

from pipeline.options import Options
from pipeline.storage import Store
from pipeline.web import labels
from pipeline.web.auth import (
    Forbidden,
    LoginThrottle,
    User,
    csrf_token,
    session_user,
)
from pipeline.web.jobs import JobRunner

__all__ = [
    "AppState",
    "current_user",
    "flash",
    "render",
    "require",
    "state",
    "templates",
]

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals.update(
    field_label=lambda key: labels.label(labels.FIELD_LABELS, key),
    doc_type_label=lambda key: labels.label(labels.DOC_TYPE_LABELS, key),
    status_label=lambda key: labels.label(labels.STATUS_LABELS, key),
    job_status_label=lambda key: labels.label(labels.JOB_STATUS_LABELS, key),
    role_label=lambda key: labels.label(labels.ROLE_LABELS, key),
    action_label=lambda key: labels.label(labels.ACTION_LABELS, key),
    display_value=labels.display_value,
)
templates.env.filters["percent"] = lambda x: f"{round((x or 0) * 100)} %"
templates.env.filters["when"] = lambda iso: (iso or "")[:16].replace("T", " ")


@dataclass
class AppState:
    """Everything a request needs, built once by :func:`pipeline.web.create_app`."""

    store: Store
    options: Options
    jobs: JobRunner
    throttle: LoginThrottle
    max_upload_bytes: int

    @property
    def engine(self) -> Engine:
        return self.store.engine

    @property
    def pages_dir(self) -> Path:
        return self.options.data_dir / "pages"


def state(request: Request) -> AppState:
    """The app's :class:`AppState`."""
    return request.app.state.sohoa


def current_user(request: Request) -> User:
    """The signed-in user (raises :class:`~pipeline.web.auth.NotAuthenticated` otherwise)."""
    user = session_user(request, state(request).engine)
    request.state.user = user
    return user


def require(role: str) -> Callable[..., User]:
    """A dependency giving the signed-in user if they have ``role`` or a higher one."""

    def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        if not user.can(role):
            raise Forbidden()
        return user

    return dependency


def flash(request: Request, kind: str, text: str) -> None:
    """A message shown once on the next page (``kind``: ``ok`` or ``error``)."""
    request.session.setdefault("flash", []).append([kind, text])


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a page with the user, the CSRF token and pending messages in its context."""
    messages = request.session.pop("flash", [])
    base = {
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request),
        "messages": messages,
    }
    return templates.TemplateResponse(
        request, name, {**base, **(context or {})}, status_code=status_code
    )
