"""Bad inputs: each fails alone with a clear reason, the batch goes on, nothing leaks or is lost.

The fast tests take each bad file through the load stage on its own (one test id per file). The
batch test sends all of them, with good files among them, through the real flow
(:func:`flows.digitise.run_digitise`, real Tesseract) into a database that already holds a
document, and then checks the database, the file system and the temporary folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import pytest

from flows.digitise import run_digitise
from pipeline import load
from pipeline.digitise import get_store
from pipeline.exceptions import InputFileError
from pipeline.load import InputProblem, expand_inputs, load_page, page_count, sweep_stale_temp
from pipeline.models import FieldStatus
from pipeline.options import Options
from tests.robustness import _files

ZIP_LIMIT = 150 * 1024**2  # the zip bomb is refused after this much, not after the real 4 GiB


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary folder of our own, so that leftovers cannot hide among other processes'."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _fail_reason(path: Path, options: Options) -> InputFileError:
    """The error the load stage gives ``path``: while expanding, counting or decoding pages."""
    with expand_inputs([path]) as entries:
        for entry in entries:
            if isinstance(entry, InputProblem):
                return entry.error
            try:
                for number in range(1, page_count(entry, options.max_pages_per_file) + 1):
                    load_page(entry, number, dpi=options.dpi, max_pixels=options.max_image_pixels)
            except InputFileError as exc:
                return exc
    raise AssertionError(f"{path.name} was accepted")


@pytest.mark.parametrize("kind", sorted(_files.BAD_INPUTS))
def test_bad_input_fails_alone_with_a_clear_reason(
    kind: str, tmp_path: Path, private_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load, "MAX_ZIP_TOTAL_BYTES", ZIP_LIMIT)
    path = _files.BAD_INPUTS[kind](tmp_path)
    error = _fail_reason(path, Options(db_url="sqlite://"))
    expected_class, words = _files.EXPECTED.get(path.name, ("FileTooLargeError", "nested"))
    assert type(error).__name__ == expected_class, error
    assert words in error.reason, error.reason
    # The reason is for a person: one line, no temporary path, no traceback.
    assert "\n" not in error.reason and "sohoa-in-" not in error.reason
    assert str(private_tmp) not in error.reason and "Traceback" not in error.reason
    assert list(private_tmp.iterdir()) == []


def test_bad_input_zip_bomb_is_refused_whole_and_early(
    tmp_path: Path, private_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 42.zip-style bomb is one problem under its own name, found before the disk fills."""
    monkeypatch.setattr(load, "MAX_ZIP_TOTAL_BYTES", ZIP_LIMIT)
    bomb = _files.zip_bomb(tmp_path)
    peak = 0

    real_copy = load.shutil.copyfileobj

    def measuring_copy(src, dst, length=0):
        nonlocal peak
        real_copy(src, dst, length)
        peak = max(peak, sum(p.stat().st_size for p in private_tmp.rglob("*") if p.is_file()))

    monkeypatch.setattr(load.shutil, "copyfileobj", measuring_copy)
    with expand_inputs([bomb]) as entries:
        assert [(e.name, type(e.error).__name__) for e in entries] == [
            (str(bomb), "FileTooLargeError")
        ]
    assert peak <= ZIP_LIMIT + 30 * 1024**2  # one member past the limit at most
    assert list(private_tmp.iterdir()) == []


def test_bad_input_90_mb_scan_is_read_one_page_at_a_time(tmp_path: Path) -> None:
    """Peak memory while reading every page of a 96 MB TIFF stays near one page, not the file.

    Measured in a fresh interpreter (ru_maxrss is a process high-water mark).
    """
    big = _files.big_tiff(tmp_path)
    assert big.stat().st_size > 90 * 1024**2
    script = f"""
import resource
from pathlib import Path
from pipeline.load import expand_inputs, load_page, page_count
with expand_inputs([Path({str(big)!r})]) as (item,):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for n in range(1, page_count(item, 10) + 1):
        image, _ = load_page(item, n, dpi=300, max_pixels=12_000 * 12_000)
        del image
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(before, after)
"""
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    before_kb, after_kb = map(int, run.stdout.split())
    page_mb = _files.BIG_TIFF_SIDE**2 / 1024**2
    grown_mb = (after_kb - before_kb) / 1024
    assert grown_mb < 3 * page_mb < 90, f"grew {grown_mb:.0f} MB for {page_mb:.0f} MB pages"


def test_bad_input_stale_temp_folders_of_killed_runs_are_swept(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    ).stdout.strip()
    stale = tmp_path / f"sohoa-in-{dead}-abc"
    live = tmp_path / f"sohoa-ocr-{os.getpid()}-def"
    other = tmp_path / "sohoa.db"
    for folder in (stale, live):
        folder.mkdir()
        (folder / "z1-0-page").write_bytes(b"pixels")
    other.write_bytes(b"")
    assert sweep_stale_temp(tmp_path) == [stale]
    assert not stale.exists() and live.exists() and other.exists()


def _tree(root: Path, skip: set[Path]) -> set[str]:
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if not any(p == s or s in p.parents for s in skip)
    }


@pytest.mark.slow
def test_bad_input_batch_goes_on_and_loses_nothing(
    tmp_path: Path, private_tmp: Path, samples_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load, "MAX_ZIP_TOTAL_BYTES", ZIP_LIMIT)
    db_url = f"sqlite:///{tmp_path / 'db' / 'sohoa.db'}"
    data = tmp_path / "data"
    options = Options(db_url=db_url, data_dir=data, workers=2)
    store = get_store(db_url)

    # A document stored before the bad batch: it must come out of it untouched.
    first = tmp_path / "first"
    first.mkdir()
    (first / "cccd.jpg").write_bytes((samples_dir / "cccd_front_002.jpg").read_bytes())
    run_digitise([str(first)], options)
    before_counts, before_export = store.counts(), list(store.iter_export())
    assert before_counts["documents"] == 1

    inputs = tmp_path / "in"
    _files.write_bad_inputs(inputs)
    good = (_files.pdf_named_jpg, _files.noise_photo, _files.blank_photo, _files.big_tiff)
    for build in (*good, _files.slip_zip):
        build(inputs)
    _files.unicode_name(inputs, samples_dir / "application_form_003.png")
    around = _tree(tmp_path, {data, private_tmp, tmp_path / "db"})

    summary = run_digitise([str(inputs)], options)

    by_name = {o.name.removeprefix("in/"): o for o in summary.outcomes}
    # Every bad file failed, by itself, with its class and a reason a clerk can act on.
    for name, (error, words) in _files.EXPECTED.items():
        assert by_name[name].error == error and words in by_name[name].reason, by_name[name]
    deep = "nested.zip/level2.zip/level3.zip/level4.zip"
    assert by_name[deep].error == "FileTooLargeError"
    failures = {f["name"].removeprefix("in/"): f for f in store.failures(summary.batch_id)}
    assert set(failures) == {o.name.removeprefix("in/") for o in summary.failures}
    assert all(f["reason"] and "\n" not in f["reason"] for f in failures.values())

    # The good files went through: a PDF named .jpg, an NFD name with spaces, the 96 MB scan,
    # the members of the zip-slip zip and of the nested zips up to the depth limit.
    nfc = unicodedata.normalize("NFC", "Giấy tờ  của bà Hồng (bản sao).jpg")
    done = {n for n, o in by_name.items() if not o.error}
    assert {
        "actually-a-pdf.jpg",
        "big scan.tif",
        "noise.jpg",
        "blank.jpg",
        "slip.zip/../../x.pdf",
        "slip.zip/etc/sohoa-x.png",
        "nested.zip/level1.png",
        "nested.zip/level2.zip/level3.zip/level3.png",
    } <= done
    (unicode_outcome,) = [o for n, o in by_name.items() if unicodedata.normalize("NFC", n) == nfc]
    assert unicode_outcome.records >= 1 and not unicode_outcome.error
    assert by_name["big scan.tif"].pages == _files.BIG_TIFF_PAGES
    # A photo of nothing yields nothing that would be trusted without a person looking.
    for name in ("noise.jpg", "blank.jpg"):
        assert by_name[name].accepted == 0, by_name[name]
    noise_fields = [
        f
        for r in store.iter_export()
        if r["source"]["file"] in ("in/noise.jpg", "in/blank.jpg")
        for f in r["fields"].values()
    ]
    assert all(f["status"] != FieldStatus.auto_accepted for f in noise_fields)

    # Nothing already stored was lost or changed; nothing was written outside the data folder.
    after_counts = store.counts()
    assert all(after_counts[t] >= n for t, n in before_counts.items())
    kept = [r for r in store.iter_export() if r["document_id"] == before_export[0]["document_id"]]
    assert kept == [r for r in before_export if r["document_id"] == kept[0]["document_id"]]
    assert _tree(tmp_path, {data, private_tmp, tmp_path / "db"}) == around
    assert not (tmp_path.parent / "x.pdf").exists() and not Path("/etc/sohoa-x.png").exists()
    # Temporary copies of zip members and page images for Tesseract are all gone.
    assert list(private_tmp.iterdir()) == []
