"""The JSON API under ``/api`` (OpenAPI document at ``/api/openapi.json``).

Same session cookie and roles as the pages; unsafe methods need the session's CSRF token in the
``X-CSRF-Token`` header (``GET /api/me`` returns it). Anonymous requests get 401, a role that is
not enough 403, a stale record version 409.
"""

from __future__ import annotations

import io
import tempfile
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.openapi.utils import get_openapi
from PIL import Image, ImageDraw
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse, Response, StreamingResponse

from pipeline import __version__, citizens
from pipeline.storage import review
from pipeline.web.auth import User, check_csrf, csrf_token
from pipeline.web.deps import current_user, require, state
from pipeline.web.jobs import job_view, register_templates
from pipeline.web.logs import audit_view, log

__all__ = ["crop_png", "router"]

router = APIRouter(prefix="/api", dependencies=[Depends(current_user), Depends(check_csrf)])

Clerk = Annotated[User, Depends(require("clerk"))]
Steward = Annotated[User, Depends(require("steward"))]

_PRIVATE = {"Cache-Control": "no-store"}  # personal data: never kept by browsers or proxies
CROP_MARGIN = 0.6  # of the box height, around the box: enough to see the printed label too
CROP_MAX_WIDTH = 1400


class Me(BaseModel):
    username: str
    role: str
    csrf_token: str = Field(description="Send it as X-CSRF-Token on POST requests.")


class JobCreated(BaseModel):
    job_id: int
    status_url: str
    page_url: str


class ReviewAction(BaseModel):
    action: Literal["accept", "correct", "reject"]
    version: int = Field(description="The record's version the reviewer saw (optimistic lock).")
    value: str | None = Field(default=None, description="The right value, for `correct`.")
    reason: str | None = None


class LookupRequest(BaseModel):
    id_number: str = Field(description="12-digit personal ID (or 9-digit CMND); spaces allowed.")


class LinkDecision(BaseModel):
    same_person: bool


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request, user: Clerk) -> JSONResponse:
    """This API's OpenAPI document (pages are not in it)."""
    app = request.app
    if app.openapi_schema is None:
        app.openapi_schema = get_openapi(
            title="sohoa API", version=__version__, routes=app.routes, description=__doc__
        )
    return JSONResponse(app.openapi_schema)


@router.get("/me")
def me(request: Request, user: Clerk) -> Me:
    """Who is signed in, and the CSRF token for unsafe requests."""
    return Me(username=user.username, role=user.role, csrf_token=csrf_token(request))


@router.post("/jobs", status_code=202)
def create_job(
    request: Request,
    user: Clerk,
    files: Annotated[list[UploadFile], File()],
    template: Annotated[str | None, Form(alias="register")] = None,  # see pages.upload
) -> JobCreated:
    """Upload scans (PDF, images, zips) and start digitising them in the background.

    ``register``: read them as civil-register books with this template (names as listed by
    ``sohoa register templates``), one record per ledger entry.
    """
    chosen = [f for f in files if f.filename]
    if not chosen:
        raise HTTPException(422, "no file uploaded")
    if template and template not in register_templates():
        raise HTTPException(422, f"unknown register template: {template}")
    job_id = state(request).jobs.submit(
        user.username, [(f.filename or "tep", f.file) for f in chosen], register_template=template
    )
    return JobCreated(job_id=job_id, status_url=f"/api/jobs/{job_id}", page_url=f"/jobs/{job_id}")


@router.get("/jobs/{job_id}")
def get_job(request: Request, job_id: int, user: Clerk) -> dict[str, Any]:
    """A job's status and per-file progress (the job page polls this every second)."""
    job = job_view(state(request).engine, job_id)
    if job is None:
        raise HTTPException(404, "no such job")
    return job


@router.get("/documents/{document_id}")
def get_document(request: Request, document_id: str, user: Clerk) -> dict[str, Any]:
    """A dossier: document, file, records, fields and each record's audit log."""
    document = review.document_view(state(request).engine, document_id)
    if document is None:
        raise HTTPException(404, "no such document")
    audit_view(request, user, "view_document", document_id=document_id)
    return document


@router.get("/records/{record_id}/audit")
def get_audit(request: Request, record_id: str, user: Clerk) -> list[dict[str, Any]]:
    """The append-only review log of one record, oldest first."""
    audit_view(request, user, "view_audit", record_ids=[record_id])
    return review.record_audit(state(request).engine, record_id)


@router.get("/fields/{field_id}")
def get_field(request: Request, field_id: int, user: Clerk) -> dict[str, Any]:
    """One field with its record version, document and file."""
    field = review.field_view(state(request).engine, field_id)
    if field is None:
        raise HTTPException(404, "no such field")
    audit_view(request, user, "view_field", record_ids=[field["record_id"]])
    return field


def crop_png(path: Any, bbox: list[int] | None) -> bytes:
    """The page image around ``bbox`` (whole page if None), the box outlined, as PNG."""
    with Image.open(path) as image:
        page = image.convert("RGB")
    if bbox:
        x0, y0, x1, y1 = bbox
        margin = int(max(y1 - y0, 20) * CROP_MARGIN) + 10
        box = (
            max(0, x0 - 4 * margin),
            max(0, y0 - margin),
            min(page.width, x1 + 4 * margin),
            min(page.height, y1 + margin),
        )
        ImageDraw.Draw(page).rectangle((x0 - 4, y0 - 4, x1 + 4, y1 + 4), outline="#d9480f", width=3)
        page = page.crop(box)
    if page.width > CROP_MAX_WIDTH:
        page = page.resize((CROP_MAX_WIDTH, round(page.height * CROP_MAX_WIDTH / page.width)))
    out = io.BytesIO()
    page.save(out, format="PNG", optimize=True)
    return out.getvalue()


@router.get(
    "/fields/{field_id}/crop.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def get_crop(request: Request, field_id: int, user: Clerk) -> Response:
    """The stored page image around the field's box. The image is found from the field id in
    the database, never from a path in the request."""
    app = state(request)
    field = review.field_view(app.engine, field_id)
    path = review.page_image_for_field(app.engine, field_id, app.pages_dir) if field else None
    if field is None or path is None:
        raise HTTPException(404, "no page image for this field")
    audit_view(request, user, "view_field", record_ids=[field["record_id"]], detail="page image")
    return Response(crop_png(path, field["bbox"]), media_type="image/png", headers=_PRIVATE)


@router.get("/review/queue")
def get_queue(
    request: Request,
    user: Steward,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after_confidence: float | None = None,
    after_id: int | None = None,
) -> list[dict[str, Any]]:
    """Fields needing review, lowest confidence first; page with the last field's
    ``after_confidence`` and ``after_id``."""
    after = (after_confidence, after_id) if after_confidence is not None and after_id else None
    queue = review.review_queue(state(request).engine, limit=limit, after=after)
    if queue:
        audit_view(request, user, "view_field", record_ids={f["record_id"] for f in queue})
    return queue


@router.post("/fields/{field_id}/review")
def post_review(
    request: Request, field_id: int, body: ReviewAction, user: Steward
) -> dict[str, Any]:
    """Accept, correct or reject a field. 409 when the record changed since ``version``."""
    try:
        return review.apply_review(
            state(request).engine,
            field_id,
            body.action,
            user.username,
            body.version,
            body.value,
            body.reason,
        )
    except review.StaleRecordError as exc:
        raise HTTPException(409, str(exc)) from exc
    except review.InvalidValueError as exc:
        raise HTTPException(422, str(exc)) from exc


@router.post("/lookup")
def post_lookup(request: Request, body: LookupRequest, user: Clerk) -> dict[str, Any]:
    """The citizen master record for an ID number: agreed values, conflicts, source documents.
    (POST so that ID numbers stay out of URLs and access logs.)"""
    number = citizens.normalise_id_number(body.id_number)
    if number is None:
        raise HTTPException(422, "an ID number has 12 digits (9 for an old CMND)")
    found = citizens.lookup(state(request).engine, number)
    log.info("%s looked up %s via the API: %s", user.username, number, bool(found))
    audit_view(
        request,
        user,
        "lookup",
        citizen_id=found["citizen_id"] if found else None,
        detail=None if found else "not found",
    )
    if found is None:
        raise HTTPException(404, "no citizen with this ID number")
    return found


@router.get("/citizens/links")
def get_links(request: Request, user: Steward) -> list[dict[str, Any]]:
    """Uncertain record-to-citizen links waiting for a steward."""
    return citizens.pending_links(state(request).engine)


@router.post("/citizens/links/{link_id}")
def post_link(request: Request, link_id: int, body: LinkDecision, user: Steward) -> dict[str, bool]:
    """Decide an uncertain link: the same person, or a new citizen. 409 if already decided."""
    if not citizens.decide_link(state(request).engine, link_id, body.same_person, user.username):
        raise HTTPException(409, "this link is gone or was decided already")
    return {"ok": True}


@router.get("/citizens/conflicts")
def get_conflicts(request: Request, user: Steward) -> list[dict[str, Any]]:
    """Citizens whose records disagree on a value (kept for review, never overwritten)."""
    return citizens.conflicts(state(request).engine)


@router.get("/export", response_class=StreamingResponse)
def export(
    request: Request, user: Steward, format: Literal["jsonl", "csv"] = "jsonl"
) -> StreamingResponse:
    """Every record in the export schema (DESIGN.md), as JSON Lines or CSV."""
    from pipeline.export import write_csv, write_jsonl

    # Spooled: small exports stay in memory, large ones go to a temporary file, and the
    # database transaction is over before the first byte is sent.
    buffer = tempfile.SpooledTemporaryFile(  # noqa: SIM115 — closed by chunks() when sent
        max_size=8 * 1024 * 1024, mode="w+", encoding="utf-8"
    )
    (write_jsonl if format == "jsonl" else write_csv)(state(request).store.iter_export(), buffer)
    buffer.seek(0)
    log.info("%s exported records as %s", user.username, format)
    audit_view(request, user, "export", detail=f"format={format}")
    media = "application/x-ndjson" if format == "jsonl" else "text/csv"

    def chunks():
        with buffer:
            while chunk := buffer.read(64 * 1024):
                yield chunk.encode("utf-8")

    return StreamingResponse(
        chunks(),
        media_type=media,
        headers={**_PRIVATE, "Content-Disposition": f'attachment; filename="sohoa.{format}"'},
    )
