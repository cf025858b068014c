"""The web app in a real browser (Debian's headless Chromium through Playwright), end to end.

A clerk uploads a CCCD scan and waits for the real flow (Tesseract, extractors, storage); a
steward works the review queue with the keyboard only; the clerk looks the citizen up and sees the
steward's correction. Screenshots of the main pages are saved along the way
(``docs/screenshots/`` holds the committed ones).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.digitise import get_store
from pipeline.options import Options, ScoringOptions
from pipeline.web import create_app
from pipeline.web.auth import add_user

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# Screenshots go to a temporary folder unless SOHOA_SCREENSHOTS names one: refresh the committed
# ones with `SOHOA_SCREENSHOTS=docs/screenshots make test` (a test run must not dirty the tree).
SCREENSHOTS = Path(
    os.environ.get("SOHOA_SCREENSHOTS") or tempfile.mkdtemp(prefix="sohoa-screenshots-")
)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "mật-khẩu-thử-nghiệm"
CARD_LINES = [
    "CĂN CƯỚC CÔNG DÂN",
    "Số / No.: 001087012345",
    "Họ và tên / Full name:",
    "NGUYỄN VĂN AN",
    "Ngày sinh / Date of birth: 02/09/1990",
    "Giới tính / Sex: Nam",
    "Nơi thường trú / Place of residence: Xã Đông Hải, huyện Quỳnh Phụ, tỉnh Thái Bình",
]
CARD_TRUTH = {
    "id_number": "001087012345",
    "full_name": "Nguyễn Văn An",
    "date_of_birth": "1990-09-02",
    "sex": "male",
    "place_of_residence": "Xã Đông Hải, huyện Quỳnh Phụ, tỉnh Thái Bình",
}


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)  # CI must run this test, never pass by skipping it
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _card(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A CCCD scan and its true values: a committed sample if there is one, else one drawn here."""
    samples = sorted((ROOT / "sample_scans").glob("cccd_front_*.jpg"))
    for sample in samples:
        truth = sample.with_suffix(".json")
        if truth.exists():
            target = tmp_path / sample.name
            shutil.copy(sample, target)
            return target, json.loads(truth.read_text(encoding="utf-8"))["records"][0]["fields"]
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1800, 1000), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 42)
    for row, line in enumerate(CARD_LINES):
        draw.text((80, 80 + 110 * row), line, font=font, fill="black")
    target = tmp_path / "cccd_front.jpg"
    image.save(target, quality=92, dpi=(300, 300))
    return target, CARD_TRUTH


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The app under uvicorn in a background thread, on a temporary SQLite database."""
    import uvicorn

    db_url = f"sqlite:///{tmp_path / 'sohoa.db'}"
    # Every field goes to review, so the steward always has something to work on.
    options = Options(
        db_url=db_url,
        data_dir=tmp_path / "data",
        workers=1,
        scoring=ScoringOptions(accept_threshold=0.999),
    )
    app = create_app(options, secret_key="browser-test")
    for role in ("clerk", "steward"):
        add_user(get_store(db_url).engine, role, PASSWORD, role)
    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(10)


def _page(browser, errors: list[str]):
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="vi-VN")
    page = context.new_page()
    # A CSP violation or a script error shows up as a console error: the test fails on any.
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def test_browser_clerk_uploads_steward_corrects_clerk_finds_the_correction(
    chromium, server: str, tmp_path: Path
) -> None:
    scan, truth = _card(tmp_path)
    errors: list[str] = []

    # Clerk: sign in, upload with the file picker, watch the job finish.
    clerk = _page(chromium, errors)
    clerk.goto(server)
    assert "/login" in clerk.url
    _shot(clerk, "login.png")
    _login(clerk, server, "clerk")
    clerk.set_input_files("#files", str(scan))
    assert scan.name in clerk.inner_text("#file-list")
    _shot(clerk, "upload.png")
    with clerk.expect_navigation():
        clerk.click("#upload-button")
    assert "/jobs/" in clerk.url
    # A selector, not wait_for_function: the app's CSP forbids evaluating strings as scripts.
    clerk.wait_for_selector("#job[data-finished=true]", state="attached", timeout=300_000)
    assert clerk.inner_text("#job-status") == "Hoàn tất", clerk.inner_text("#job")
    assert "Mở hồ sơ" in clerk.inner_text("#job-files")
    _shot(clerk, "job.png")
    with clerk.expect_navigation():
        clerk.click("text=Mở hồ sơ")
    _shot(clerk, "document.png")

    # Steward: keyboard only. Known values are corrected (c, type, Enter), others rejected (r).
    steward = _page(chromium, errors)
    _login(steward, server, "steward")
    steward.goto(f"{server}/review")
    _shot(steward, "review.png")
    corrected = []
    for _ in range(40):
        card = steward.query_selector("#review")
        if card is None:
            break
        name = card.get_attribute("data-field-name")
        with steward.expect_navigation():
            if name in truth:
                steward.keyboard.press("c")
                steward.keyboard.type(truth[name])
                if not corrected:
                    _shot(steward, "review-correct.png")
                corrected.append(name)
                steward.keyboard.press("Enter")
            else:
                steward.keyboard.press("r")
        assert steward.query_selector("#review-error") is None, steward.inner_text("#review-error")
    assert steward.query_selector("#review") is None, "the queue did not empty"
    assert "full_name" in corrected and "id_number" in corrected, corrected

    # Clerk: look the citizen up and see the steward's verified correction.
    clerk.goto(f"{server}/lookup")
    clerk.fill("#id_number", truth["id_number"])
    with clerk.expect_navigation():
        clerk.keyboard.press("Enter")
    row = clerk.inner_text("tr[data-field=full_name]")
    assert truth["full_name"] in row and "Đã xác minh" in row, row
    assert "Căn cước công dân" in clerk.inner_text("#citizen")
    _shot(clerk, "lookup.png")

    # The audit log on the dossier names the steward for every action.
    clerk.goto(server + "/documents")
    with clerk.expect_navigation():
        clerk.click("table a")
    assert "steward" in clerk.inner_text(".audit-table")
    assert errors == []
