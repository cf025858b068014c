"""Upload jobs: files saved under the data directory, digitised one job at a time in the background.

A job's state lives in the ``jobs`` table, so the job page survives a reload, another browser or
a restart of the server; a job cut short by a restart is marked ``interrupted`` when the server
starts again (its files are kept: upload them again to resume — finished pages are cached).

One worker thread per process runs :func:`flows.digitise.run_digitise`; the flow's progress
events update the job row as they come, and the job page polls it.
"""

from __future__ import annotations

import queue
import re
import shutil
import threading
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from pipeline.digitise import BatchSummary
from pipeline.options import Options
from pipeline.storage.schema import JobRow, document_id_for, utcnow
from pipeline.web.logs import log

__all__ = ["JobRunner", "RunFunction", "job_view", "recent_jobs", "safe_filename"]

RunFunction = Callable[[list[str], Options, Callable[[str, dict[str, Any]], None]], BatchSummary]


def safe_filename(name: str, taken: set[str]) -> str:
    """A file name that is safe to create: no folders, no leading dot, unique within ``taken``.

    >>> safe_filename("../../etc/passwd", set())
    'passwd'
    >>> safe_filename("Giấy khai sinh.pdf", {"Giấy khai sinh.pdf"})
    'Giấy khai sinh-2.pdf'
    """
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[\x00-\x1f<>:\"|?*]", "_", base).strip().lstrip(".") or "tep"
    stem, dot, ext = base[:150].rpartition(".")
    stem, ext = (stem, f".{ext}") if dot and stem else (base[:150], "")
    candidate, n = stem + ext, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}{ext}"
    taken.add(candidate)
    return candidate


def _display_name(name: str) -> str:
    # The flow names files "dossier-<job>/<file>": the job page shows only "<file>".
    return name.split("/", 1)[1] if name.startswith("dossier-") and "/" in name else name


class JobRunner:
    """Saves uploads and digitises them in one background thread, one job at a time.

    Args:
        engine: the store's engine (jobs table).
        options: the base options; each job runs with them.
        run: the batch runner (:func:`flows.digitise.run_digitise`; tests pass a fake).
    """

    def __init__(
        self,
        engine: Engine,
        options: Options,
        run: RunFunction,
    ) -> None:
        self.engine, self.options, self._run = engine, options, run
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # Lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Mark jobs of a previous process as interrupted, then start the worker thread."""
        with Session(self.engine) as s, s.begin():
            s.execute(
                update(JobRow)
                .where(JobRow.status.in_(("queued", "running")))
                .values(status="interrupted", finished_at=utcnow())
            )
        self._thread = threading.Thread(target=self._work, name="sohoa-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the worker to stop after the current job (a running flow is not interrupted)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Block until every submitted job has finished (tests)."""
        done = threading.Event()
        threading.Thread(target=lambda: (self._queue.join(), done.set()), daemon=True).start()
        done.wait(timeout)

    # Submitting -----------------------------------------------------------------------------

    def submit(
        self,
        username: str,
        uploads: Iterable[tuple[str, BinaryIO]],
        register_template: str | None = None,
    ) -> int:
        """Save uploaded files (name, stream) for a new job and queue it; returns the job id.

        ``register_template`` reads the files as civil-register books with that template (as
        ``sohoa digitise --register``); the caller checks the name.
        """
        with Session(self.engine) as s, s.begin():
            job = JobRow(
                created_by=username,
                upload_dir="",
                uploaded=[],
                progress={},
                register_template=register_template or None,
            )
            s.add(job)
            s.flush()
            job_id = job.id
        # "dossier-<id>" becomes the folder part of every file name the flow stores.
        folder = self.options.data_dir / "uploads" / str(job_id) / f"dossier-{job_id}"
        folder.mkdir(parents=True, exist_ok=True)
        taken: set[str] = set()
        names = []
        for name, stream in uploads:
            target = folder / safe_filename(name, taken)
            with target.open("wb") as out:
                shutil.copyfileobj(stream, out, length=1024 * 1024)
            names.append(target.name)
        with Session(self.engine) as s, s.begin():
            s.execute(
                update(JobRow)
                .where(JobRow.id == job_id)
                .values(
                    upload_dir=str(folder),
                    uploaded=names,
                    progress={"pages_planned": None, "pages_done": 0, "files": []},
                )
            )
        log.info("job %s: %s saved %d file(s)", job_id, username, len(names))
        self._queue.put(job_id)
        return job_id

    # Worker ---------------------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            job_id = self._queue.get()
            try:
                if job_id is None:
                    return
                self._run_job(job_id)
            finally:
                self._queue.task_done()

    def _run_job(self, job_id: int) -> None:
        with Session(self.engine) as s, s.begin():
            job = s.get(JobRow, job_id)
            if job is None:
                return
            job.status, job.started_at = "running", utcnow()
            folder, template = job.upload_dir, job.register_template
        options = self.options
        if template:
            options = options.model_copy(update={"register_template": template})
        try:
            summary = self._run([folder], options, lambda e, d: self._on_event(job_id, e, d))
        except Exception as exc:  # the flow itself failed: the job page says so
            log.exception("job %s failed", job_id)
            self._finish(job_id, "failed", error=f"{type(exc).__name__}: {exc}")
            return
        self._finish(job_id, "done", batch_id=summary.batch_id)

    def _update(self, job_id: int, change: Callable[[JobRow], None]) -> None:
        with self._lock, Session(self.engine) as s, s.begin():
            job = s.get(JobRow, job_id)
            if job is not None:
                change(job)
                flag_modified(job, "progress")  # JSON is mutated in place

    def _on_event(self, job_id: int, event: str, data: dict[str, Any]) -> None:
        def change(job: JobRow) -> None:
            progress = job.progress
            if event == "planned":
                progress["pages_planned"] = data["pages"]
            elif event == "page":
                progress["pages_done"] = progress.get("pages_done", 0) + 1
                entry = _entry(progress, data["name"])
                entry["pages_read"] += 1
            elif event == "file":
                outcome = data["outcome"]
                entry = _entry(progress, outcome.name)
                entry.update(
                    status="failed" if outcome.error else "skipped" if outcome.skipped else "done",
                    pages=outcome.pages,
                    records=outcome.records,
                    accepted=outcome.accepted,
                    review=outcome.review,
                    reason=outcome.reason,
                    document_id=document_id_for(outcome.sha256)
                    if outcome.sha256 and not outcome.error
                    else None,
                )

        self._update(job_id, change)

    def _finish(
        self, job_id: int, status: str, *, batch_id: int | None = None, error: str | None = None
    ) -> None:
        def change(job: JobRow) -> None:
            job.status, job.finished_at, job.batch_id, job.error = status, utcnow(), batch_id, error

        self._update(job_id, change)


def _entry(progress: dict[str, Any], name: str) -> dict[str, Any]:
    for entry in progress.setdefault("files", []):
        if entry["name"] == name:
            return entry
    entry = {"name": name, "display": _display_name(name), "status": "reading", "pages_read": 0}
    progress["files"].append(entry)
    return entry


def _job_dict(job: JobRow) -> dict[str, Any]:
    progress = job.progress or {}
    files = progress.get("files", [])
    return {
        "job_id": job.id,
        "status": job.status,
        "created_by": job.created_by,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "uploaded": job.uploaded,
        "register_template": job.register_template,
        "pages_planned": progress.get("pages_planned"),
        "pages_done": progress.get("pages_done", 0),
        "files": files,
        "totals": {
            "files": len(job.uploaded or []),
            "done": sum(f["status"] in ("done", "skipped") for f in files),
            "failed": sum(f["status"] == "failed" for f in files),
            "records": sum(f.get("records") or 0 for f in files),
            "review": sum(f.get("review") or 0 for f in files),
        },
        "error": job.error,
        "finished": job.status in ("done", "failed", "interrupted"),
    }


def register_templates() -> dict[str, str]:
    """Template name → its title, for the upload form's "register book" choice."""
    from pipeline.registers.templates import load_templates

    return {name: t.title for name, t in sorted(load_templates().items())}


def job_view(engine: Engine, job_id: int) -> dict[str, Any] | None:
    """A job as the job page and ``GET /api/jobs/{id}`` show it (None if unknown)."""
    with Session(engine) as s:
        job = s.get(JobRow, job_id)
        return None if job is None else _job_dict(job)


def recent_jobs(engine: Engine, limit: int = 20) -> list[dict[str, Any]]:
    """The latest jobs, newest first."""
    with Session(engine) as s:
        return [
            _job_dict(j) for j in s.scalars(select(JobRow).order_by(JobRow.id.desc()).limit(limit))
        ]
