"""Upload jobs: files saved safely, digitised in the background, progress persisted and polled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from pipeline.citizens import link_document, lookup
from pipeline.digitise import BatchSummary, FileOutcome, get_store
from pipeline.options import Options
from pipeline.web.jobs import safe_filename
from tests.web._data import ID_NUMBER, PASSWORD, csrf_of, field, make_app, store_card


def fake_run(db_url: str, tmp_path: Path):
    """A batch runner that 'reads' each uploaded file into a stored, citizen-linked CCCD, emitting
    the events the real flow emits (planned, page, file). The real flow runs in test_browser."""
    seen: list[list[str]] = []
    templates: list[str | None] = []

    def run(paths: list[str], options: Options, listener: Any) -> BatchSummary:
        files = sorted(Path(paths[0]).iterdir())
        seen.append([f.name for f in files])
        templates.append(options.register_template)
        listener("planned", {"files": len(files), "pages": len(files)})
        summary = BatchSummary(batch_id=None)
        for n, path in enumerate(files, start=100):
            name = f"{Path(paths[0]).name}/{path.name}"
            listener("page", {"name": name})
            document_id = store_card(
                db_url,
                tmp_path / "data",
                n,
                {
                    "id_number": field("id_number", ID_NUMBER),
                    "full_name": field("full_name", "Nguyễn Văn An", 0.5),
                },
            )
            link_document(get_store(db_url).engine, document_id)  # as the flow does
            outcome = FileOutcome(name=name, sha256=f"{n:064x}", pages=1, records=1, review=1)
            summary.outcomes.append(outcome)
            listener("file", {"outcome": outcome})
        return summary

    run.seen = seen
    run.templates = templates
    return run


def _login(client: TestClient, username: str = "clerk") -> str:
    token = csrf_of(client)
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    return csrf_of(client)


def test_jobs_upload_runs_in_the_background_and_reports_per_file(
    db_url: str, tmp_path: Path
) -> None:
    run = fake_run(db_url, tmp_path)
    app = make_app(db_url, tmp_path, run=run)
    with TestClient(app) as client:  # the context starts the job thread (lifespan)
        token = _login(client)
        response = client.post(
            "/upload",
            data={"csrf_token": token},
            files=[
                ("files", ("cccd.jpg", b"\xff\xd8fake", "image/jpeg")),
                ("files", ("../../etc/passwd", b"x", "application/octet-stream")),
            ],
            follow_redirects=False,
        )
        assert response.status_code == 303
        job_url = response.headers["location"]
        job_id = int(job_url.rsplit("/", 1)[1])
        app.state.sohoa.jobs.wait_idle()
        job = client.get(f"/api/jobs/{job_id}").json()
        page = client.get(job_url)
    assert run.seen == [["cccd.jpg", "passwd"]]
    assert not (tmp_path / "etc").exists()
    assert job["status"] == "done" and job["finished"] and job["created_by"] == "clerk"
    assert job["pages_planned"] == 2 and job["pages_done"] == 2
    assert [f["display"] for f in job["files"]] == ["cccd.jpg", "passwd"]
    assert all(f["status"] == "done" and f["document_id"] for f in job["files"])
    assert job["totals"]["review"] == 2
    assert page.status_code == 200 and "Mở hồ sơ" in page.text
    # The documents were linked to the citizen as they were stored: a lookup finds them.
    assert len(lookup(get_store(db_url).engine, ID_NUMBER)["documents"]) == 2


def test_jobs_api_upload_and_status(db_url: str, tmp_path: Path) -> None:
    app = make_app(db_url, tmp_path, run=fake_run(db_url, tmp_path))
    with TestClient(app) as client:
        _login(client)
        token = client.get("/api/me").json()["csrf_token"]
        created = client.post(
            "/api/jobs",
            files=[("files", ("a.png", b"\x89PNG", "image/png"))],
            headers={"X-CSRF-Token": token},
        )
        assert created.status_code == 202
        app.state.sohoa.jobs.wait_idle()
        status = client.get(created.json()["status_url"]).json()
        assert client.get("/api/jobs/999").status_code == 404
    assert status["status"] == "done" and status["totals"]["done"] == 1


def test_jobs_register_book_upload_runs_with_its_template(db_url: str, tmp_path: Path) -> None:
    run = fake_run(db_url, tmp_path)
    app = make_app(db_url, tmp_path, run=run)
    book = [("files", ("so-khai-sinh-1991.pdf", b"%PDF", "application/pdf"))]
    with TestClient(app) as client:
        token = _login(client)
        home = client.get("/").text
        assert 'value="khai_sinh_truoc_2016"' in home  # the form offers every template
        client.post("/upload", data={"csrf_token": token, "register": "khai_sinh_truoc_2016"},
                    files=book)  # fmt: skip
        client.post("/upload", data={"csrf_token": token}, files=book)  # an ordinary dossier
        refused = client.post("/upload", data={"csrf_token": token, "register": "../x"},
                              files=book)  # fmt: skip
        api_token = client.get("/api/me").json()["csrf_token"]
        created = client.post("/api/jobs", data={"register": "khai_tu_tu_2016"}, files=book,
                              headers={"X-CSRF-Token": api_token})  # fmt: skip
        unknown = client.post("/api/jobs", data={"register": "nope"}, files=book,
                              headers={"X-CSRF-Token": api_token})  # fmt: skip
        app.state.sohoa.jobs.wait_idle()
        status = client.get(created.json()["status_url"]).json()
    assert "Không có mẫu sổ hộ tịch này" in refused.text
    assert unknown.status_code == 422
    # Each job ran with its own template, and the base options were left as they were.
    assert run.templates == ["khai_sinh_truoc_2016", None, "khai_tu_tu_2016"]
    assert status["register_template"] == "khai_tu_tu_2016"


def test_jobs_flow_failure_is_shown_on_the_job(db_url: str, tmp_path: Path) -> None:
    def broken(paths: list[str], options: Options, listener: Any) -> BatchSummary:
        raise RuntimeError("Prefect could not start")

    app = make_app(db_url, tmp_path, run=broken)
    with TestClient(app) as client:
        token = _login(client)
        files = [("files", ("a.pdf", b"%PDF", "application/pdf"))]
        client.post("/upload", data={"csrf_token": token}, files=files)
        app.state.sohoa.jobs.wait_idle()
        (job,) = client.get("/").text.split('href="/jobs/')[1:2]
        job_id = int(job.split('"')[0])
        status = client.get(f"/api/jobs/{job_id}").json()
    assert status["status"] == "failed" and "Prefect could not start" in status["error"]


def test_jobs_upload_without_files_asks_for_them(db_url: str, tmp_path: Path) -> None:
    app = make_app(db_url, tmp_path)
    client = TestClient(app)
    token = _login(client)
    response = client.post("/upload", data={"csrf_token": token})
    assert response.status_code == 200 and "Chưa có tệp nào được chọn" in response.text


def test_jobs_interrupted_jobs_are_marked_at_start(db_url: str, tmp_path: Path) -> None:
    app = make_app(db_url, tmp_path)
    client = TestClient(app)
    token = _login(client)
    client.post("/upload", data={"csrf_token": token}, files=[("files", ("a.png", b"x"))])
    # This app never started its job thread: the job is still queued, as after a crash.
    with TestClient(make_app(db_url, tmp_path)) as restarted:
        _login(restarted)
        assert restarted.get("/api/jobs/1").json()["status"] == "interrupted"


def test_jobs_safe_filename() -> None:
    taken: set[str] = set()
    assert safe_filename("..\\..\\win.ini", taken) == "win.ini"
    assert safe_filename(".bashrc", taken) == "bashrc"
    assert safe_filename("a<b>.pdf", taken) == "a_b_.pdf"
    assert safe_filename("a<b>.pdf", taken) == "a_b_-2.pdf"
    assert safe_filename("", taken) == "tep"
