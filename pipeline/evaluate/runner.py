"""Run the pipeline on a labelled folder, time it against bare Tesseract, score what came out.

find the truth JSONs and their scans ─▶ digitise them into a fresh SQLite database (timed)
─▶ read the export and the cached page OCR ─▶ score (:mod:`pipeline.evaluate.score`)
─▶ rasterise the same pages and time the ``tesseract`` CLI alone on them, same parallelism

>>> result = evaluate_folder(Path("sample_scans"), workers=2)      # doctest: +SKIP
>>> result["overall"]["text"]["cer"]                                # doctest: +SKIP
0.031
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from pydantic import ValidationError

from pipeline import __version__
from pipeline.evaluate.score import DocumentEval, score_document, score_text, summarise
from pipeline.exceptions import NoInputError, OcrError
from pipeline.load import InputFile, expand_inputs, load_page, page_count
from pipeline.options import Options, PreprocessOptions
from pipeline.samples.truth import SCHEMA, GroundTruth, read_truth

__all__ = [
    "TruthFile",
    "empty_cleaning",
    "evaluate_folder",
    "find_truths",
    "machine_info",
    "time_bare_tesseract",
]

Notify = Callable[[str], None]


@dataclass(frozen=True)
class TruthFile:
    """A ground-truth JSON and the scan it describes.

    ``name`` is what the pipeline calls the scan when given ``scan`` as a path (the export's
    ``source.file``); ``relative`` is the scan's name relative to the evaluated folder.
    """

    json_path: Path
    truth: GroundTruth
    scan: Path
    name: str
    relative: str


def find_truths(folder: Path) -> tuple[list[TruthFile], list[str]]:
    """Every ``sohoa-truth/1`` JSON under ``folder`` whose scan exists, and problems found.

    JSON files of another schema are ignored; malformed truth files and truth files whose scan
    is missing are reported (as one line each) and left out.
    """
    found: list[TruthFile] = []
    problems: list[str] = []
    for path in sorted(folder.rglob("*.json")):
        try:
            schema = json.loads(path.read_text(encoding="utf-8")).get("schema")
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError, OSError):
            continue
        if schema != SCHEMA:
            continue
        try:
            truth = read_truth(path)
        except ValidationError as exc:
            problems.append(f"{path}: not valid {SCHEMA} ({exc.error_count()} errors)")
            continue
        scan = path.parent / truth.file
        if not scan.is_file():
            problems.append(f"{path}: its scan {scan} does not exist")
            continue
        member = f"/{truth.member.lstrip('/')}" if truth.member else ""
        relative = scan.relative_to(folder).as_posix() + member
        found.append(TruthFile(path, truth, scan, f"{scan}{member}", relative))
    return found, problems


def machine_info() -> dict[str, Any]:
    """What the numbers were measured on: OS, cores, CPU model, Tesseract and sohoa versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        tesseract = subprocess.run(
            ["tesseract", "--version"], capture_output=True, text=True, timeout=30
        ).stdout.splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        tesseract = "unknown"
    try:
        import tesserocr

        library = f"tesseract {tesserocr.PyTessBaseAPI.Version()}"
    except ImportError:
        library = "none"
    return {
        "platform": platform.platform(),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "tesseract": tesseract,
        "libtesseract": library,  # what the default engine runs (tesserocr's wheel)
        "sohoa": __version__,
    }


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (Tesseract, pdftoppm).

    Other jobs on a busy machine stretch wall-clock time but not CPU time, so the
    CPU ratio stays comparable between runs when the wall-clock ratio does not.
    """
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _tesseract_cli(image: Path, dpi: int | None, options: Options, env: dict[str, str]) -> None:
    command = ["tesseract", str(image), "stdout", "-l", options.lang]
    command += ["--psm", str(options.tesseract_psm)] + (["--dpi", str(dpi)] if dpi else [])
    try:
        subprocess.run(
            [*command, "tsv"],  # the same output the pipeline asks for
            env=env,
            check=True,
            capture_output=True,
            timeout=options.tesseract_timeout,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise OcrError(f"bare tesseract failed on {image.name}: {exc}") from exc


def time_bare_tesseract(
    items: list[InputFile], options: Options, workdir: Path, *, library: bool = False
) -> dict[str, float | int]:
    """Seconds Tesseract alone takes on every page of ``items``.

    Pages are rasterised exactly as the pipeline loads them (:func:`~pipeline.load.load_page`),
    written out and *then* timed: one single-threaded Tesseract (``OMP_THREAD_LIMIT=1``) per
    page, ``options.workers`` at a time — the best one can do with Tesseract on this machine,
    and the yardstick for the pipeline's overhead. By default the ``tesseract`` command (PNG
    files); with ``library``, libtesseract in this process as the pipeline's default engine
    runs it (:class:`~pipeline.ocr.TesseractApiEngine`, one model per thread, pages as
    memory-mapped arrays so that decoding costs nothing): the same engine without the pipeline.

    Returns:
        ``pages``, ``seconds`` and ``cpu_seconds`` (Tesseract only), and ``rasterise_seconds``
        (not in the ratio).
    """
    from pipeline.ocr import TesseractApiEngine

    workdir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    pages: list[tuple[Path, int | None]] = []
    for i, item in enumerate(items):
        for number in range(1, page_count(item, options.max_pages_per_file) + 1):
            array, dpi = load_page(
                item, number, dpi=options.dpi, max_pixels=options.max_image_pixels
            )
            target = workdir / f"{i:05d}-{number:04d}.{'npy' if library else 'png'}"
            if library:
                np.save(target, array)
            else:
                Image.fromarray(array).save(target, compress_level=1)  # level 1: fast, small
            pages.append((target, dpi))
    rasterise = time.perf_counter() - start
    env = os.environ | {"OMP_THREAD_LIMIT": "1"}
    engine = TesseractApiEngine(options.lang, options.tesseract_psm, options.tesseract_timeout)

    def read(page: tuple[Path, int | None]) -> None:
        if library:
            engine.read(np.load(page[0], mmap_mode="r"), number=1, dpi=page[1])
        else:
            _tesseract_cli(*page, options, env)

    start, cpu = time.perf_counter(), _cpu_seconds()
    with ThreadPoolExecutor(max_workers=options.workers) as pool:
        list(pool.map(read, pages))
    return {
        "pages": len(pages),
        "seconds": time.perf_counter() - start,
        "cpu_seconds": _cpu_seconds() - cpu,
        "rasterise_seconds": rasterise,
    }


def empty_cleaning() -> dict[str, Any]:
    """What cleaning cost, to be summed over pages: wall seconds and milliseconds of every page,
    and CPU where known (pages read in-process)."""
    return {
        "pages": 0,
        "ocr_seconds": 0.0,
        "steps_ms": {},
        "cpu_pages": 0,
        "ocr_cpu_seconds": 0.0,
        "steps_cpu_ms": {},
    }


def _score_ocr(
    doc: DocumentEval,
    truth: GroundTruth,
    item: InputFile,
    store: Any,
    key: str,
    cleaning: dict[str, Any],
) -> None:
    for page in truth.pages:
        cached = store.get_page(item.sha256, page.number, key)
        if cached is not None:  # what cleaning cost, step by step, against the OCR it feeds
            cleaning["pages"] += 1
            cleaning["ocr_seconds"] += cached.ocr_seconds
            for step, ms in cached.preprocess.get("timings_ms", {}).items():
                cleaning["steps_ms"][step] = cleaning["steps_ms"].get(step, 0.0) + ms
            if cached.ocr_cpu_seconds is not None and "cpu_ms" in cached.preprocess:
                # CPU, where known: wall times of pages read in parallel count each other's work
                cleaning["cpu_pages"] += 1
                cleaning["ocr_cpu_seconds"] += cached.ocr_cpu_seconds
                for step, ms in cached.preprocess["cpu_ms"].items():
                    cleaning["steps_cpu_ms"][step] = cleaning["steps_cpu_ms"].get(step, 0.0) + ms
        ocr = cached.text if cached is not None else ""  # a page never read scores as empty
        doc.text += score_text(page.text, ocr)
        doc.text_plain += score_text(page.text, ocr, diacritics=False)


def evaluate_folder(
    folder: Path,
    *,
    db_url: str | None = None,
    workers: int | None = None,
    notify: Notify | None = None,
    preprocess: PreprocessOptions | None = None,
    bare: bool = True,
) -> dict[str, Any]:
    """Digitise every labelled scan under ``folder``, score it, and time it against Tesseract.

    Args:
        folder: holds scans with a ``sohoa-truth/1`` JSON beside each (any depth).
        db_url: database to digitise into; default a fresh SQLite database in a temporary
            folder, removed afterwards (a database that already holds the files would skip
            them, and the timing would mean nothing).
        workers: pages in parallel, for the pipeline and for bare Tesseract (default: cores).
        notify: called with a short message as each phase starts.
        preprocess: cleaning options instead of the defaults (the ablation of
            ``docs/cleaning.md`` runs one evaluation per setting).
        bare: time bare Tesseract on the same pages (False halves the run; the speed figures
            that compare with it are then None).

    Returns:
        :func:`~pipeline.evaluate.score.summarise` output plus ``speed``, ``cleaning`` (pages,
        OCR seconds and cleaning milliseconds per step, summed over scored pages), ``machine``,
        ``problems`` (truth files left out), ``date`` and ``folder``.

    Raises:
        NoInputError: no usable ground truth in ``folder``.
    """
    say = notify or (lambda message: None)
    if not folder.is_dir():
        raise NoInputError(f"{folder} is not a folder")
    truths, problems = find_truths(folder)
    if not truths:
        raise NoInputError(
            f"no scan with a {SCHEMA} ground-truth JSON beside it under {folder}: "
            "see docs/evaluation.md"
        )
    scans = sorted({str(t.scan) for t in truths})
    # Imported here: Prefect takes seconds to import, and a bad folder should fail at once.
    from flows.digitise import run_digitise
    from pipeline.digitise import get_store, ocr_cache_key

    with tempfile.TemporaryDirectory(prefix="sohoa-eval-") as tmp:
        settings: dict[str, Any] = {
            "db_url": db_url or f"sqlite:///{Path(tmp) / 'eval.db'}",
            "data_dir": Path(tmp) / "data",
        }
        if workers:
            settings["workers"] = workers
        if preprocess is not None:
            settings["preprocess"] = preprocess
        options = Options(**settings)
        say(f"Digitising {len(scans)} file(s) with {options.workers} worker(s)")
        start, cpu = time.perf_counter(), _cpu_seconds()
        summary = run_digitise(scans, options)
        pipeline_seconds = time.perf_counter() - start
        pipeline_cpu = _cpu_seconds() - cpu

        store = get_store(options.db_url)
        try:
            exported: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for record in store.iter_export():
                exported[record["source"]["file"]].append(record)
            doc_types = store.doc_types()
            failures = {o.name: f"{o.error}: {o.reason}" for o in summary.failures}
            key = ocr_cache_key(options)
            docs: list[DocumentEval] = []
            cleaning = empty_cleaning()
            with expand_inputs([Path(s) for s in scans]) as entries:
                items = {e.name: e for e in entries if isinstance(e, InputFile)}
                for t in truths:
                    records = exported.get(t.name, [])
                    doc = DocumentEval(
                        file=t.relative,
                        doc_type=t.truth.doc_type,
                        profile=t.truth.profile or "unspecified",
                        predicted_doc_type=doc_types.get(t.name),
                        pages=len(t.truth.pages),
                        fields=score_document(t.truth, records, file=t.relative),
                        error=failures.get(t.name) or (None if t.name in items else "not read"),
                    )
                    if t.name in items:
                        _score_ocr(doc, t.truth, items[t.name], store, key, cleaning)
                    docs.append(doc)
                if bare:
                    say("Timing bare Tesseract on the same pages")
                    timed = time_bare_tesseract(
                        [items[n] for n in sorted(items)], options, Path(tmp) / "bare"
                    )
                else:
                    timed = {"pages": sum(d.pages for d in docs), "seconds": 0.0}
                    timed |= {"cpu_seconds": 0.0, "rasterise_seconds": 0.0}
        finally:
            store.close()  # release the SQLite file before the folder is removed

    bare_seconds, bare_cpu = timed["seconds"], timed["cpu_seconds"]
    pages = int(timed["pages"])
    speed = {
        "pages": pages,
        "workers": options.workers,
        "pipeline_seconds": pipeline_seconds,
        "flow_seconds": summary.seconds,
        "pages_per_second": pages / pipeline_seconds if pipeline_seconds else None,
        "bare_tesseract_seconds": bare_seconds,
        "bare_pages_per_second": pages / bare_seconds if bare_seconds else None,
        "ratio": pipeline_seconds / bare_seconds if bare_seconds else None,
        "flow_ratio": summary.seconds / bare_seconds if bare_seconds else None,
        "pipeline_cpu_seconds": pipeline_cpu,
        "bare_tesseract_cpu_seconds": bare_cpu,
        "cpu_ratio": pipeline_cpu / bare_cpu if bare_cpu else None,
        "rasterise_seconds": timed["rasterise_seconds"],
        "skipped_files": summary.totals()["skipped"],  # > 0: reused database, speed meaningless
    }
    return summarise(docs) | {
        "speed": speed,
        "cleaning": cleaning,
        "machine": machine_info(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "folder": str(folder),
        "problems": problems,
    }
