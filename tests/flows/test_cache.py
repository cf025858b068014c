"""Never redo work: finished batches, stage versions, reviewed fields, the OCR concurrency limit.

OCR is a counting fake engine (``pipeline.digitise.make_engine`` patched) that "reads" a CCCD
text from any image, so each test counts exactly which pages were OCRed again.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import func, select

import pipeline.digitise as digitise
from flows.digitise import run_digitise
from flows.runners import OCR_LIMIT, OCR_LIMIT_ENV, finished_batch
from pipeline.digitise import get_store
from pipeline.models import Page
from pipeline.ocr import OcrEngine
from pipeline.options import Options, PreprocessOptions
from pipeline.storage.review import apply_review
from pipeline.storage.schema import DocumentRow, FieldRow, RecordRow, ReviewRow

pytestmark = pytest.mark.slow

CCCD = (Path(__file__).parent.parent / "extractors" / "documents" / "cccd_front.txt").read_text(
    encoding="utf-8"
)


class CountingEngine(OcrEngine):
    """Returns the CCCD text for every page; counts calls and the most that ran at once."""

    def __init__(self, make_document, seconds: float = 0.0) -> None:
        self.calls, self.running, self.most = 0, 0, 0
        self.page = make_document(CCCD).pages[0]
        self.seconds = seconds
        self._lock = threading.Lock()

    def read(self, image: np.ndarray, *, number: int, dpi: int | None) -> Page:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.seconds)  # long enough for a second page to overlap, if allowed
        with self._lock:
            self.running -= 1
        return self.page.model_copy(update={"number": number})

    def render(self, image: np.ndarray, *, fmt: str, dpi: int | None) -> str:
        raise NotImplementedError


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch, make_document) -> CountingEngine:
    fake = CountingEngine(make_document)
    monkeypatch.setattr(digitise, "make_engine", lambda options: fake)
    return fake


@pytest.fixture
def versions(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The live STAGE_VERSIONS, restored after the test whatever it bumped."""
    for stage, version in list(digitise.STAGE_VERSIONS.items()):
        monkeypatch.setitem(digitise.STAGE_VERSIONS, stage, version)
    return digitise.STAGE_VERSIONS


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    """Three distinct one-page scans (distinct bytes, so three files)."""
    folder = tmp_path / "batch"
    folder.mkdir()
    for i in range(3):
        image = np.full((600, 800), 255, np.uint8)
        cv2.putText(image, f"CCCD {i}", (50, 300), cv2.FONT_HERSHEY_SIMPLEX, 3, 0, 6)
        cv2.imwrite(str(folder / f"scan{i}.png"), image)
    return folder


def _options(tmp_path: Path, **extra) -> Options:
    return Options(
        db_url=f"sqlite:///{tmp_path / 'sohoa.db'}",
        data_dir=tmp_path / "data",
        workers=2,
        doc_type="cccd_front",
        preprocess=PreprocessOptions.none(),
        **extra,
    )


def _fields(options: Options) -> dict[tuple[str, str], tuple[str | None, str]]:
    """(file, field name) → (value, status), from the export."""
    return {
        (r["source"]["file"], name): (f["value"], f["status"])
        for r in get_store(options.db_url).iter_export()
        for name, f in r["fields"].items()
    }


def test_cache_rerun_of_finished_batch_reads_nothing(
    batch: Path, tmp_path: Path, engine: CountingEngine
) -> None:
    options = _options(tmp_path)
    assert finished_batch([str(batch)], options) is None  # never seen: work to do
    first = run_digitise([str(batch)], options)
    assert engine.calls == 3 and first.totals()["records"] == 3

    again = finished_batch([str(batch)], options)  # the CLI's fast path: no Prefect at all
    assert again is not None and again.totals()["skipped"] == 3
    second = run_digitise([str(batch)], options)  # and the flow itself skips them too
    assert engine.calls == 3 and second.totals()["skipped"] == 3


def test_cache_extract_bump_reinterprets_cached_pages_and_spares_reviews(
    batch: Path,
    tmp_path: Path,
    engine: CountingEngine,
    versions: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options = _options(tmp_path)
    run_digitise([str(batch)], options)
    store = get_store(options.db_url)
    with store.engine.connect() as conn:
        name_field, record_id = conn.execute(
            select(FieldRow.id, FieldRow.record_id).where(FieldRow.name == "full_name").limit(1)
        ).one()
    with store.engine.connect() as conn:
        version = conn.scalar(select(RecordRow.version_id).where(RecordRow.id == record_id))
    apply_review(store.engine, name_field, "correct", "steward", version, "Nguyễn Văn Bình")
    before = _fields(options)

    # Extraction v2 reads the expiry date differently: only unreviewed fields may change.
    import pipeline.digitise as digitise_module

    real = digitise_module.interpret

    def interpret_v2(document, opts):
        result = real(document, opts)
        for record in result.records:
            for name in ("expiry_date", "full_name"):
                if name in record.fields:
                    changed = record.fields[name].model_copy(update={"value": "v2"})
                    record.fields[name] = changed
        return result

    monkeypatch.setattr(digitise_module, "interpret", interpret_v2)
    assert finished_batch([str(batch)], options) is not None
    versions["extract"] += "-next"
    assert finished_batch([str(batch)], options) is None  # outdated: the flow must run
    run_digitise([str(batch)], options)

    assert engine.calls == 3  # no page OCRed again: extraction read the cached pages
    after = _fields(options)
    assert after.keys() == before.keys()
    for key, (value, status) in after.items():
        if key[1] == "full_name" and status == "verified":
            assert (value, status) == ("Nguyễn Văn Bình", "verified")  # the steward's value
        elif key[1] in ("expiry_date", "full_name"):
            assert value == "v2"
        else:
            assert (value, status) == before[key]
    with store.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ReviewRow)) == 1
        assert conn.scalar(select(ReviewRow.field_id)) == name_field  # audit row untouched
        stored = conn.scalars(select(DocumentRow.stage_versions)).all()
    assert [v["extract"] for v in stored] == [versions["extract"]] * 3
    assert finished_batch([str(batch)], options) is not None  # and now it is current


def test_cache_ocr_bump_reads_every_page_again(
    batch: Path, tmp_path: Path, engine: CountingEngine, versions: dict[str, str]
) -> None:
    options = _options(tmp_path)
    run_digitise([str(batch)], options)
    versions["ocr"] += "-next"
    run_digitise([str(batch)], options)
    assert engine.calls == 6
    run_digitise([str(batch)], options)
    assert engine.calls == 6


def test_cache_ocr_concurrency_limit_holds_pages_to_its_size(
    batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_document
) -> None:
    from prefect.client.orchestration import get_client

    fake = CountingEngine(make_document, seconds=0.5)
    monkeypatch.setattr(digitise, "make_engine", lambda options: fake)
    monkeypatch.setenv(OCR_LIMIT_ENV, "1")
    try:
        run_digitise([str(batch)], _options(tmp_path))
    finally:
        # The limit lives in Prefect's database: leave none behind to throttle other runs.
        with get_client(sync_client=True) as client:
            client.delete_global_concurrency_limit_by_name(OCR_LIMIT)
    assert fake.calls == 3 and fake.most == 1  # two workers, yet one page at a time


def test_cache_pages_read_ahead_are_not_read_again(tmp_path: Path, engine, batch: Path) -> None:
    """What the CLI reads while Prefect's server starts lands in the page cache, nowhere else."""
    from pipeline.digitise import read_ahead

    options = _options(tmp_path)
    assert read_ahead([str(batch)], options, busy=lambda: True) == 3
    assert engine.calls == 3
    counts = get_store(options.db_url).counts()
    assert counts["pages"] == 3 and counts["documents"] == 0  # only cached pages
    summary = run_digitise([str(batch)], options)
    assert engine.calls == 3  # the flow found every page in the cache
    assert summary.totals()["records"] == 3 and not summary.failures


def test_cache_read_ahead_stops_when_no_longer_busy(tmp_path: Path, engine, batch: Path) -> None:
    from pipeline.digitise import read_ahead

    answers = iter([True, False])  # busy for the first page only
    one_at_a_time = _options(tmp_path).model_copy(update={"workers": 1})
    assert read_ahead([str(batch)], one_at_a_time, lambda: next(answers)) == 1
    assert engine.calls == 1
    assert read_ahead([str(batch)], _options(tmp_path), busy=lambda: False) == 0


def test_cache_read_ahead_leaves_a_broken_file_to_the_flow(
    tmp_path: Path, engine, batch: Path
) -> None:
    from pipeline.digitise import read_ahead

    (batch / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    options = _options(tmp_path)
    assert read_ahead([str(batch)], options, busy=lambda: True) == 3
    summary = run_digitise([str(batch)], options)
    assert [o.name for o in summary.failures] == ["batch/broken.png"]  # once, by the flow
    assert engine.calls == 3
