"""Server-rendered pages: login, upload and jobs, dossiers, citizen lookup, review.

Every route of :data:`router` needs a session (the router's dependency) and a CSRF token on
unsafe methods; only :data:`public` (the login form) is open to anonymous users.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from starlette.responses import RedirectResponse, Response

from pipeline import citizens
from pipeline.storage import review
from pipeline.web.auth import User, authenticate, check_csrf, csrf_token
from pipeline.web.deps import current_user, flash, render, require, state
from pipeline.web.jobs import job_view, recent_jobs, register_templates
from pipeline.web.labels import FIELD_LABELS, STATUS_LABELS, label
from pipeline.web.logs import audit_view, log

__all__ = ["parse_after", "public", "router"]

public = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
router = APIRouter(
    include_in_schema=False, dependencies=[Depends(current_user), Depends(check_csrf)]
)

Clerk = Annotated[User, Depends(require("clerk"))]
Steward = Annotated[User, Depends(require("steward"))]


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _safe_next(target: str | None) -> str:
    # Only local paths: "//evil.example" or "https://…" would make the login an open redirect.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


# Login ---------------------------------------------------------------------------------------


@public.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": _safe_next(next)})


@public.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    app = state(request)
    if app.throttle.blocked(username):
        log.warning("login refused for %r: too many failures", username)
        return render(
            request,
            "login.html",
            {"error": "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút.", "next": next},
            status_code=429,
        )
    user = authenticate(app.engine, username, password)
    if user is None:
        app.throttle.failed(username)
        log.info("failed login for %r", username)
        return render(
            request,
            "login.html",
            {
                "error": "Tên đăng nhập hoặc mật khẩu không đúng.",
                "username": username,
                "next": next,
            },
            status_code=401,
        )
    app.throttle.succeeded(username)
    # A fresh session (and CSRF token) at login: nothing set before it survives.
    request.session.clear()
    request.session.update({"user_id": user.id})
    csrf_token(request)
    log.info("%s signed in (%s)", user.username, user.role)
    return _redirect(_safe_next(next))


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    flash(request, "ok", "Bạn đã đăng xuất.")
    return _redirect("/login")


# Clerk: upload, jobs, dossiers, lookup --------------------------------------------------------


@router.get("/")
def home(request: Request, user: Clerk) -> Response:
    app = state(request)
    context = {"jobs": recent_jobs(app.engine, limit=10), "templates": register_templates()}
    return render(request, "home.html", context)


@router.post("/upload")
def upload(
    request: Request,
    user: Clerk,
    files: Annotated[list[UploadFile] | None, File()] = None,
    # The form field is "register"; a parameter of that name would shadow pydantic's
    # BaseModel.register in the body model FastAPI builds, with a warning on every start.
    template: Annotated[str, Form(alias="register")] = "",
) -> Response:
    app = state(request)
    chosen = [f for f in files or [] if f.filename]
    if not chosen:
        flash(request, "error", "Chưa có tệp nào được chọn. Hãy kéo thả hoặc bấm “Chọn tệp”.")
        return _redirect("/")
    if template and template not in register_templates():
        flash(request, "error", "Không có mẫu sổ hộ tịch này. Hãy chọn lại trong danh sách.")
        return _redirect("/")
    uploads = [(f.filename or "tep", f.file) for f in chosen]
    job_id = app.jobs.submit(user.username, uploads, register_template=template or None)
    return _redirect(f"/jobs/{job_id}")


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: int, user: Clerk) -> Response:
    job = job_view(state(request).engine, job_id)
    if job is None:
        raise HTTPException(404, "Không tìm thấy lượt tải lên này.")
    return render(request, "job.html", {"job": job})


@router.get("/documents")
def documents_page(request: Request, user: Clerk) -> Response:
    return render(
        request, "documents.html", {"documents": review.recent_documents(state(request).engine)}
    )


@router.get("/documents/{document_id}")
def document_page(request: Request, document_id: str, user: Clerk) -> Response:
    document = review.document_view(state(request).engine, document_id)
    if document is None:
        raise HTTPException(404, "Không tìm thấy hồ sơ này.")
    audit_view(request, user, "view_document", document_id=document_id)
    return render(request, "document.html", {"document": document})


@router.get("/lookup")
def lookup_form(request: Request, user: Clerk) -> Response:
    return render(request, "lookup.html", {})


@router.post("/lookup")
def lookup(request: Request, user: Clerk, id_number: Annotated[str, Form()]) -> Response:
    # POST, not GET: an ID number in a URL would end up in browser history and proxy logs.
    number = citizens.normalise_id_number(id_number)
    context: dict[str, Any] = {"query": id_number}
    if number is None:
        context["error"] = "Số định danh cá nhân gồm 12 chữ số (hoặc 9 chữ số với CMND cũ)."
        return render(request, "lookup.html", context, status_code=400)
    context["citizen"] = citizens.lookup(state(request).engine, number)
    context["number"] = number
    found = context["citizen"]
    audit_view(
        request,
        user,
        "lookup",
        citizen_id=found["citizen_id"] if found else None,
        detail=None if found else "not found",
    )
    log.info("%s looked up %s: %s", user.username, number, "found" if context["citizen"] else "-")
    return render(request, "lookup.html", context)


# Steward: review --------------------------------------------------------------------------


def parse_after(after: str | None) -> tuple[float, int] | None:
    """``"0.42:17"`` → ``(0.42, 17)``, the queue position after a skipped field."""
    if not after:
        return None
    try:
        confidence, field_id = after.split(":")
        return float(confidence), int(field_id)
    except ValueError:
        return None


def _review_context(
    request: Request, field_id: int | None, after: str | None
) -> dict[str, Any] | None:
    engine = state(request).engine
    if field_id is not None:
        field = review.field_view(engine, field_id)
    else:
        first = review.review_queue(engine, limit=1, after=parse_after(after))
        field = first[0] if first else None
    return {
        "field": field,
        "after": after or "",
        "next_after": f"{field['confidence']}:{field['field_id']}" if field else "",
        "queue": review.review_queue(engine, limit=12, after=parse_after(after)),
        "queue_size": review.queue_size(engine),
        "audit": review.record_audit(engine, field["record_id"]) if field else [],
        "pending_links": len(citizens.pending_links(engine)),
        "conflicts": len(citizens.conflicts(engine)),
    }


@router.get("/review")
def review_page(
    request: Request,
    user: Steward,
    field: Annotated[int | None, Query()] = None,
    after: Annotated[str | None, Query()] = None,
) -> Response:
    context = _review_context(request, field, after)
    if field is not None and context and context["field"] is None:
        raise HTTPException(404, "Không tìm thấy trường dữ liệu này.")
    if context and context["field"]:
        shown = context["field"]
        audit_view(
            request,
            user,
            "view_field",
            document_id=shown["document_id"],
            record_ids=[shown["record_id"]],
        )
    return render(request, "review.html", context)


@router.post("/review/fields/{field_id}")
def review_action(
    request: Request,
    field_id: int,
    user: Steward,
    action: Annotated[str, Form()],
    version: Annotated[int, Form()],
    value: Annotated[str | None, Form()] = None,
    reason: Annotated[str | None, Form()] = None,
    after: Annotated[str, Form()] = "",
) -> Response:
    engine = state(request).engine
    try:
        done = review.apply_review(engine, field_id, action, user.username, version, value, reason)
    except review.StaleRecordError as exc:
        context = _review_context(request, field_id, after)
        return render(request, "review.html", {**context, "error": str(exc)}, status_code=409)
    except review.InvalidValueError as exc:
        context = _review_context(request, field_id, after)
        return render(
            request,
            "review.html",
            {**context, "error": str(exc), "correcting": value or ""},
            status_code=400,
        )
    flash(
        request,
        "ok",
        f"Đã lưu “{label(FIELD_LABELS, done['name'])}”: {label(STATUS_LABELS, done['status'])}.",
    )
    return _redirect("/review" + (f"?after={quote(after)}" if after else ""))


@router.get("/review/links")
def links_page(request: Request, user: Steward) -> Response:
    engine = state(request).engine
    return render(
        request,
        "links.html",
        {"links": citizens.pending_links(engine), "conflicts": citizens.conflicts(engine)},
    )


@router.post("/review/links/{link_id}")
def link_decision(
    request: Request, link_id: int, user: Steward, same_person: Annotated[str, Form()]
) -> Response:
    changed = citizens.decide_link(
        state(request).engine, link_id, same_person == "yes", user.username
    )
    if changed:
        flash(request, "ok", "Đã ghi nhận quyết định liên kết.")
    else:
        flash(request, "error", "Liên kết này đã được người khác xử lý.")
    return _redirect("/review/links")
