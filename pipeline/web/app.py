"""The app factory: configuration, middleware, error pages and routers in one place."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import JSONResponse, RedirectResponse, Response

from pipeline.digitise import get_store
from pipeline.options import Options
from pipeline.web import api, pages
from pipeline.web.auth import CsrfError, Forbidden, LoginThrottle, NotAuthenticated, load_secret_key
from pipeline.web.deps import AppState, render
from pipeline.web.jobs import JobRunner, RunFunction
from pipeline.web.logs import install_log_masking

__all__ = ["PUBLIC_PATHS", "SESSION_MAX_AGE", "create_app"]

SESSION_MAX_AGE = 8 * 3600  # one working day; idle longer than that means signing in again
PUBLIC_PATHS = frozenset({"/login"})  # and /static: CSS, JS and icons, no data
MAX_UPLOAD_BYTES = 2 * 1024**3
_SECURITY_HEADERS = {
    # Scripts and styles come only from /static: injected markup cannot run code.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def create_app(
    options: Options | None = None,
    *,
    secret_key: str | None = None,
    session_max_age: int = SESSION_MAX_AGE,
    https_only: bool | None = None,
    run: RunFunction | None = None,
    max_upload_bytes: int = MAX_UPLOAD_BYTES,
) -> FastAPI:
    """Build the web app.

    Args:
        options: database URL, data directory and pipeline options for upload jobs.
        secret_key: signs session cookies (default: ``SOHOA_SECRET_KEY`` or the key file).
        session_max_age: seconds a session lasts without a request.
        https_only: send the session cookie over HTTPS only (behind a TLS proxy); default:
            true when ``SOHOA_SECURE_COOKIES=1``.
        run: the batch runner for upload jobs (default :func:`flows.digitise.run_digitise`).
        max_upload_bytes: larger uploads are refused before they are read.

    Example:
        >>> app = create_app(Options(db_url="sqlite:///./data/sohoa.db"))  # doctest: +SKIP
        >>> uvicorn.run(app, host="127.0.0.1", port=8000)                   # doctest: +SKIP
    """
    options = options or Options()
    install_log_masking()  # before anything can log: IDs never reach a log unmasked
    if https_only is None:
        https_only = os.environ.get("SOHOA_SECURE_COOKIES") == "1"
    store = get_store(options.db_url)
    if run is None:
        from flows.digitise import run_digitise

        run = run_digitise

    jobs = JobRunner(store.engine, options, run)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        jobs.start()
        yield
        jobs.stop()

    app = FastAPI(
        title="sohoa",
        version=options.pipeline_version,
        lifespan=lifespan,
        # Served by an authenticated route instead (api.openapi); no docs UI: it loads from a CDN.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.sohoa = AppState(
        store=store,
        options=options,
        jobs=jobs,
        throttle=LoginThrottle(),
        max_upload_bytes=max_upload_bytes,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key or load_secret_key(Path(options.data_dir)),
        session_cookie="sohoa_session",
        max_age=session_max_age,
        same_site="lax",
        https_only=https_only,
    )

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > max_upload_bytes:
            return _error(request, 413, "Tệp tải lên quá lớn.")
        response = await call_next(request)
        response.headers.update(_SECURITY_HEADERS)
        return response

    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.include_router(pages.public)
    app.include_router(pages.router)
    app.include_router(api.router)
    _add_error_handlers(app)
    return app


def _error(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    return render(request, "error.html", {"status": status, "message": message}, status)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, exc: NotAuthenticated) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "not signed in"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return _error(request, 403, "Tài khoản của bạn không có quyền dùng chức năng này.")

    @app.exception_handler(CsrfError)
    async def csrf(request: Request, exc: CsrfError) -> Response:
        return _error(
            request,
            403,
            "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang.",
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        generic = {404: "Không tìm thấy trang này.", 405: "Thao tác này không được hỗ trợ."}
        message = generic.get(exc.status_code, "Đã có lỗi xảy ra.")
        # Our own messages are Vietnamese; Starlette's defaults ("Not Found") are replaced.
        if isinstance(exc.detail, str) and not exc.detail.isascii():
            message = exc.detail
        return _error(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
        return _error(request, 422, "Dữ liệu gửi lên không hợp lệ.")
