"""Throughput benchmark: sohoa against bare Tesseract and OCRmyPDF, on the same pages, in one run.

    generate seeded sample pages (one multi-page PDF + a folder of images), or reuse them
    ─▶ bare Tesseract CLI, one single-threaded process per core, on the rasterised pages
    ─▶ ``sohoa digitise`` as a subprocess into a fresh SQLite database (Prefect start-up included;
       the flow's own time is read back from the batch row), then the same command again
    ─▶ OCRmyPDF on the PDF and on the images joined into one PDF
    ─▶ optionally: a long PDF (``--memory-pages``) digitised while the peak RSS of the whole
       process tree (sohoa, Prefect's server, Tesseract, pdftoppm) is polled

Run it with ``make bench`` (see ``docs/benchmarks.md``)::

    python -m pipeline.bench --pages 60 --out reports/bench
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "TARGETS",
    "BenchInputs",
    "PeakRss",
    "main",
    "make_inputs",
    "markdown_table",
    "ratios",
    "run_bench",
]

TARGETS = {
    # sohoa throughput over bare Tesseract's: everything around OCR costs at most 15 %.
    "sohoa_vs_tesseract": 0.85,
    "sohoa_vs_ocrmypdf": 2.0,
    # first run over a re-run of the finished batch
    "rerun_speedup": 20.0,
    "memory_peak_mb": 1500.0,
}
# One page per document: the page count asked for is the page count measured.
_SINGLE_PAGE_TYPES = ("birth_certificate", "cccd_front", "death_certificate", "cmnd")


@dataclass(frozen=True)
class BenchInputs:
    """The benchmark's pages: ``pdf`` (one multi-page PDF) and ``images`` (a folder of scans)."""

    pdf: Path
    images: Path
    images_pdf: Path  # the same images as one PDF, for OCRmyPDF, which takes nothing else
    pages: int


class PeakRss:
    """Polls the summed resident memory of a process and all its descendants.

    A child caught between fork and exec (same command line as its parent) shares its
    parent's pages and is not counted again (:attr:`forks_skipped` says how often).

    Example:
        >>> with PeakRss(proc.pid) as peak:   # doctest: +SKIP
        ...     proc.wait()
        >>> peak.mb                            # doctest: +SKIP
    """

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid, self.interval, self.bytes = pid, interval, 0
        # Each kind of process's own peak, in bytes (``sohoa``, ``prefect server``,
        # ``tesseract``…; processes of one kind summed), so a growing tree says what grows.
        self.by_kind: dict[str, int] = {}
        self.forks_skipped = 0  # samples of a process caught between fork and exec
        # Every ``every`` seconds: (seconds since start, MB of each kind), to see growth.
        self.every = 10.0
        self.timeline: list[tuple[float, dict[str, float]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    @property
    def mb(self) -> float:
        return self.bytes / 2**20

    def kinds_mb(self) -> dict[str, float]:
        """Peak MB of each kind of process in the tree, largest first."""
        ranked = sorted(self.by_kind.items(), key=lambda kv: -kv[1])
        return {kind: round(value / 2**20) for kind, value in ranked}

    @staticmethod
    def kind(argv: list[str]) -> str:
        """What a process is, from its command line: ``sohoa``, the module a Python runs with
        ``-m`` (``uvicorn`` is Prefect's temporary server), the script it runs, or the
        program's name (``tesseract``, ``pdftoppm``)."""
        if not argv:
            return "?"
        program, rest = Path(argv[0]).name, argv[1:]
        if not program.startswith("python"):
            return program
        if "-m" in rest[:-1]:
            module = rest[rest.index("-m") + 1]
            return "sohoa" if module == "pipeline" else module
        if "-c" in rest:
            return f"{program} -c"
        scripts = [a for a in rest if not a.startswith("-")]
        return Path(scripts[0]).name if scripts else program

    def _poll(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        start = next_sample = time.monotonic()
        while not self._stop.is_set():
            total, kinds = 0, {}
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            commands: dict[int, list[str]] = {}
            for proc in tree:
                # A Tesseract may end between listing and reading: it no longer counts.
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    commands[proc.pid] = proc.cmdline() or [proc.name()]
            for proc in tree:
                command = commands.get(proc.pid)
                if command is None:
                    continue
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    if command == commands.get(proc.ppid()):
                        # Forked and not yet turned into its program (the moment between
                        # fork and exec of every Tesseract started): it shares its parent's
                        # pages, and counting them twice doubled a 460 MB sohoa process.
                        self.forks_skipped += 1
                        continue
                    rss = proc.memory_info().rss
                    total += rss
                    kind = self.kind(command)
                    kinds[kind] = kinds.get(kind, 0) + rss
            self.bytes = max(self.bytes, total)
            for kind, rss in kinds.items():
                self.by_kind[kind] = max(self.by_kind.get(kind, 0), rss)
            if (now := time.monotonic()) >= next_sample:
                mb = {kind: round(rss / 2**20) for kind, rss in kinds.items()}
                self.timeline.append((round(now - start, 1), mb))
                next_sample = now + self.every
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _images_to_pdf(images: list[Path], target: Path) -> None:
    """Join scans into one PDF without re-encoding them (img2pdf), as OCRmyPDF needs."""
    import img2pdf

    target.write_bytes(img2pdf.convert([str(p) for p in images], rotation=img2pdf.Rotation.ifvalid))


def make_inputs(folder: Path, pages: int, seed: int = 0, workers: int = 1) -> BenchInputs:
    """Generate (or reuse) ``pages`` single-page scans: half as one PDF, half as image files.

    The PDF half uses the flatbed profile (what an office scanner writes); the image half
    mixes phone photos and 200 dpi office scans (what commune offices without scanners send).
    Same ``pages`` and ``seed``, same bytes: a second run reuses what is in ``folder``.
    """
    from pipeline.samples import generate

    folder = folder / f"pages{pages}-seed{seed}"
    pdf, images, images_pdf = folder / "book.pdf", folder / "images", folder / "images.pdf"
    if not (pdf.is_file() and images_pdf.is_file()):
        n_pdf = pages // 2
        generate(
            folder / "pdf-docs",
            n=n_pdf,
            seed=seed,
            doc_types=_SINGLE_PAGE_TYPES,
            profiles=["flatbed_300dpi"],
            formats=["pdf"],
            workers=workers,
        )
        # pdfunite (poppler-utils, installed with sohoa) joins the one-page PDFs.
        docs = sorted((folder / "pdf-docs").glob("*.pdf"))
        subprocess.run(["pdfunite", *map(str, docs), str(pdf)], check=True)
        generate(
            images,
            n=pages - n_pdf,
            seed=seed + 1,
            doc_types=_SINGLE_PAGE_TYPES,
            profiles=["phone_photo", "office_200dpi"],
            formats=["jpeg", "png"],
            workers=workers,
        )
        # generate() returns the ground-truth JSONs; the scans are the other files beside them.
        scans = sorted(p for p in images.iterdir() if p.suffix != ".json")
        _images_to_pdf(scans, images_pdf)
    pages = _count_pages(pdf, images)
    return BenchInputs(pdf=pdf, images=images, images_pdf=images_pdf, pages=pages)


def _count_pages(pdf: Path, images: Path) -> int:
    from pipeline.load import InputFile, expand_inputs, page_count

    with expand_inputs([pdf, images]) as entries:
        return sum(page_count(e, 10_000) for e in entries if isinstance(e, InputFile))


def time_tesseract(
    inputs: BenchInputs, workers: int, workdir: Path, *, library: bool = False
) -> dict[str, float | int]:
    """Bare Tesseract on every page, the command or (``library``) the library sohoa calls:
    :func:`pipeline.evaluate.runner.time_bare_tesseract`."""
    from pipeline.evaluate.runner import time_bare_tesseract
    from pipeline.load import InputFile, expand_inputs
    from pipeline.options import Options

    with expand_inputs([inputs.pdf, inputs.images]) as entries:
        items = [e for e in entries if isinstance(e, InputFile)]
        return time_bare_tesseract(items, Options(workers=workers), workdir, library=library)


def _sohoa(
    paths: Sequence[Path], db_url: str, workers: int, data_dir: Path, extra: Sequence[str] = ()
) -> dict[str, Any]:
    """Run ``sohoa digitise`` in a subprocess: wall seconds, exit code and peak RSS of its tree."""
    command = [sys.executable, "-m", "pipeline", "digitise", *map(str, paths)]
    command += ["--db", db_url, "--workers", str(workers), "--quiet", *extra]
    env = os.environ | {"SOHOA_DATA_DIR": str(data_dir)}
    start, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with PeakRss(proc.pid) as peak:
        out, err = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"sohoa digitise exited {proc.returncode}: {err.decode()[-2000:]}")
    return {
        "seconds": seconds,
        "cpu_seconds": _children_cpu() - cpu,
        "peak_rss_mb": peak.mb,
        "peak_rss_by_kind_mb": peak.kinds_mb(),
        "rss_timeline_mb": peak.timeline,
        "output": out.decode(),
    }


def _children_cpu() -> float:
    """CPU seconds of this process's finished children and all they waited for.

    On a busy machine wall-clock time stretches with other load and CPU time does
    not: the CPU ratios stay comparable where the wall-clock ones do not.
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _last_batch(db_url: str) -> dict[str, Any]:
    """The newest batch's stored summary (its ``seconds`` is the flow alone, no start-up)."""
    from sqlalchemy import select

    from pipeline.storage import Store
    from pipeline.storage.schema import BatchRow

    with Store(db_url) as store, store.engine.connect() as conn:
        summary = conn.scalar(select(BatchRow.summary).order_by(BatchRow.id.desc()).limit(1))
    return dict(summary or {})


def stage_seconds(db_url: str) -> dict[str, float]:
    """Seconds summed over cached pages: Tesseract (``ocr_seconds``) and each cleaning step.

    Where the time goes inside sohoa, from each page's provenance.
    """
    from sqlalchemy import select

    from pipeline.storage import Store
    from pipeline.storage.schema import PageRow

    totals: dict[str, float] = {"tesseract": 0.0, "cleaning": 0.0}
    with Store(db_url) as store, store.engine.connect() as conn:
        for (ocr,) in conn.execute(select(PageRow.ocr)):
            totals["tesseract"] += float(ocr.get("ocr_seconds", 0.0))
            for step, ms in ocr.get("preprocess", {}).get("timings_ms", {}).items():
                totals["cleaning"] += ms / 1000
                totals[f"cleaning.{step}"] = totals.get(f"cleaning.{step}", 0.0) + ms / 1000
            # CPU seconds (in-process engine): what cleaning costs against OCR on busy cores
            if ocr.get("ocr_cpu_seconds") is not None:
                totals["tesseract_cpu"] = totals.get("tesseract_cpu", 0.0) + ocr["ocr_cpu_seconds"]
                cpu_ms = ocr.get("preprocess", {}).get("cpu_ms", {})
                totals["cleaning_cpu"] = (
                    totals.get("cleaning_cpu", 0.0) + sum(cpu_ms.values()) / 1000
                )
    return {k: round(v, 2) for k, v in totals.items()}


def _ocrmypdf_command() -> list[str] | None:
    beside = Path(sys.executable).with_name("ocrmypdf")
    found = str(beside) if beside.is_file() else shutil.which("ocrmypdf")
    return [found] if found else None


def time_ocrmypdf(inputs: BenchInputs, workers: int, workdir: Path) -> dict[str, Any] | None:
    """OCRmyPDF on the PDF and on the images' PDF, one after the other; None if not installed."""
    command = _ocrmypdf_command()
    if command is None:
        return None
    version = subprocess.run([*command, "--version"], capture_output=True, text=True).stdout
    workdir.mkdir(parents=True, exist_ok=True)
    start, cpu = time.perf_counter(), _children_cpu()
    options = ["-l", "vie", "--jobs", str(workers), "--output-type", "pdf", "--optimize", "0"]
    for source in (inputs.pdf, inputs.images_pdf):
        subprocess.run(
            [*command, *options, "--quiet", str(source), str(workdir / source.name)],
            check=True,
            capture_output=True,
        )
    seconds, cpu_seconds = time.perf_counter() - start, _children_cpu() - cpu
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "version": version.strip()}


def make_long_pdf(inputs: BenchInputs, pages: int, target: Path) -> Path:
    """A ``pages``-page PDF made cheaply by repeating the benchmark PDF's pages (pdfunite)."""
    if not target.is_file():
        from pipeline.load import InputFile, expand_inputs, page_count

        with expand_inputs([inputs.pdf]) as entries:
            per_copy = page_count(next(e for e in entries if isinstance(e, InputFile)), 10_000)
        copies = math.ceil(pages / per_copy)
        with tempfile.TemporaryDirectory() as tmp:
            united = Path(tmp) / "united.pdf"
            subprocess.run(["pdfunite", *[str(inputs.pdf)] * copies, str(united)], check=True)
            # pdfseparate/pdfunite would cost a file per page: cut the tail with pypdf instead.
            from pypdf import PdfReader, PdfWriter

            writer = PdfWriter(clone_from=PdfReader(united))
            for index in range(len(writer.pages) - 1, pages - 1, -1):
                del writer.pages[index]
            writer.write(target)
    return target


def ratios(result: dict[str, Any]) -> dict[str, float | None]:
    """Throughputs (pages per second) and the ratios the targets are about."""
    pages = result["pages"]

    def pps(seconds: float | None) -> float | None:
        return pages / seconds if seconds else None

    sohoa, flow = result["sohoa"]["seconds"], result["sohoa"].get("flow_seconds")
    tesseract = result["tesseract"]["seconds"]
    library = (result.get("library") or {}).get("seconds")
    ocrmypdf = (result.get("ocrmypdf") or {}).get("seconds")
    rerun = (result.get("rerun") or {}).get("seconds")
    out = {
        "tesseract_pps": pps(tesseract),
        "sohoa_pps": pps(sohoa),
        "sohoa_flow_pps": pps(flow),
        "ocrmypdf_pps": pps(ocrmypdf),
        "sohoa_vs_tesseract": tesseract / sohoa if sohoa else None,
        "sohoa_flow_vs_tesseract": tesseract / flow if flow else None,
        "library_pps": pps(library),
        # What everything around OCR costs with the OCR engine held equal.
        "sohoa_vs_library": library / sohoa if library and sohoa else None,
        "sohoa_flow_vs_library": library / flow if library and flow else None,
        "sohoa_vs_ocrmypdf": ocrmypdf / sohoa if ocrmypdf and sohoa else None,
        "rerun_speedup": sohoa / rerun if rerun else None,
        # The same ratios in CPU seconds (a shared machine's load stretches only wall time).
        "cpu_sohoa_vs_tesseract": _ratio(result["tesseract"], result["sohoa"]),
        "cpu_sohoa_vs_ocrmypdf": _ratio(result.get("ocrmypdf"), result["sohoa"]),
        "cpu_rerun_speedup": _ratio(result["sohoa"], result.get("rerun")),
    }
    return {k: (round(v, 3) if v is not None else None) for k, v in out.items()}


def _ratio(numerator: dict[str, Any] | None, denominator: dict[str, Any] | None) -> float | None:
    a = (numerator or {}).get("cpu_seconds")
    b = (denominator or {}).get("cpu_seconds")
    return a / b if a and b else None


def verdicts(result: dict[str, Any]) -> dict[str, bool | None]:
    """Each target: met (True), missed (False) or not measured (None)."""
    r = result["ratios"]
    memory = (result.get("memory") or {}).get("peak_rss_mb")
    met: dict[str, bool | None] = {}
    for name in ("sohoa_vs_tesseract", "sohoa_vs_ocrmypdf", "rerun_speedup"):
        met[name] = None if r.get(name) is None else r[name] >= TARGETS[name]
    same_engine = r.get("sohoa_vs_library")  # the 15 % budget, OCR engine held equal
    met["sohoa_vs_library"] = (
        None if same_engine is None else same_engine >= TARGETS["sohoa_vs_tesseract"]
    )
    met["memory_peak_mb"] = None if memory is None else memory < TARGETS["memory_peak_mb"]
    return met


def _fmt(value: float | None, digits: int = 2, suffix: str = "") -> str:
    return "—" if value is None else f"{value:.{digits}f}{suffix}"


def markdown_table(result: dict[str, Any]) -> str:
    """The README's table: each tool's seconds and pages per second, then the targets."""
    r, pages, workers = result["ratios"], result["pages"], result["workers"]
    sohoa, rerun = result["sohoa"], result.get("rerun") or {}
    ocrmypdf = result.get("ocrmypdf") or {}
    tess = result["tesseract"]

    def row(name: str, run: dict[str, Any], pps: float | None, ratio: float | None) -> str:
        cpu = tess["cpu_seconds"] / run["cpu_seconds"] if run.get("cpu_seconds") else None
        cpu = cpu if ratio is not None else None  # no ratio for a run that reads no page
        return (
            f"| {name} | {_fmt(run.get('seconds'), 1)} | {_fmt(run.get('cpu_seconds'), 1)} "
            f"| {_fmt(pps)} | {_fmt(ratio)} | {_fmt(cpu)} |"
        )

    rows = [
        "| run | seconds | CPU seconds | pages/s | × bare Tesseract | × in CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        row(f"bare Tesseract CLI ({workers} × `OMP_THREAD_LIMIT=1`)", tess, r["tesseract_pps"], 1),
        row(
            f"bare libtesseract {result['machine'].get('libtesseract', '')} in-process "
            f"({workers} threads, the engine sohoa runs)",
            result.get("library") or {},
            r.get("library_pps"),
            tess["seconds"] / result["library"]["seconds"] if result.get("library") else None,
        ),
        row("`sohoa digitise`, all in", sohoa, r["sohoa_pps"], r["sohoa_vs_tesseract"]),
        row(
            "sohoa flow alone (no start-up)",
            {"seconds": sohoa.get("flow_seconds")},
            r["sohoa_flow_pps"],
            r["sohoa_flow_vs_tesseract"],
        ),
        row(
            f"OCRmyPDF `--jobs {workers}`",
            ocrmypdf,
            r["ocrmypdf_pps"],
            tess["seconds"] / ocrmypdf["seconds"] if ocrmypdf.get("seconds") else None,
        ),
        row("`sohoa digitise` again, batch finished", rerun, None, None),
    ]
    met = result["verdicts"]
    label = {True: "met", False: "**missed**", None: "not measured"}
    memory = result.get("memory") or {}
    targets = [
        "",
        "| target | measured | |",
        "| --- | ---: | --- |",
        f"| sohoa ≥ {TARGETS['sohoa_vs_tesseract']} × bare Tesseract "
        f"| {_fmt(r['sohoa_vs_tesseract'])} × (CPU: {_fmt(r['cpu_sohoa_vs_tesseract'])} ×) "
        f"| {label[met['sohoa_vs_tesseract']]} |",
        f"| sohoa ≥ {TARGETS['sohoa_vs_ocrmypdf']:.0f} × OCRmyPDF "
        f"| {_fmt(r['sohoa_vs_ocrmypdf'])} × (CPU: {_fmt(r['cpu_sohoa_vs_ocrmypdf'])} ×) "
        f"| {label[met['sohoa_vs_ocrmypdf']]} |",
        f"| sohoa ≥ {TARGETS['sohoa_vs_tesseract']} × bare libtesseract (same engine) "
        f"| {_fmt(r.get('sohoa_vs_library'))} × (flow alone: "
        f"{_fmt(r.get('sohoa_flow_vs_library'))} ×) "
        f"| {label[met.get('sohoa_vs_library')]} |",
        f"| re-run ≥ {TARGETS['rerun_speedup']:.0f} × faster "
        f"| {_fmt(r['rerun_speedup'], 1)} × | {label[met['rerun_speedup']]} |",
        f"| peak RSS < {TARGETS['memory_peak_mb']:.0f} MB "
        f"({memory.get('pages', '—')} pages, one PDF) "
        f"| {_fmt(memory.get('peak_rss_mb'), 0, ' MB')} | {label[met['memory_peak_mb']]} |",
    ]
    head = (
        f"{pages} pages ({result['inputs']}), {workers} workers, {result['machine']['cpu']} "
        f"({result['machine']['cores']} cores), {result['machine']['tesseract']}, "
        f"{result['date']}."
    )
    return "\n".join([head, "", *rows, *targets]) + "\n"


def run_bench(
    pages: int,
    out: Path,
    *,
    seed: int = 0,
    workers: int | None = None,
    ocrmypdf: bool = True,
    memory_pages: int = 0,
) -> dict[str, Any]:
    """Measure everything on one set of pages; write ``bench.json`` and ``bench.md`` in ``out``."""
    from pipeline.evaluate.runner import machine_info

    workers = workers or os.cpu_count() or 1
    out.mkdir(parents=True, exist_ok=True)
    _say(f"inputs: {pages} pages, seed {seed}")
    inputs = make_inputs(out / "inputs", pages, seed, workers)
    result: dict[str, Any] = {
        "pages": inputs.pages,
        "workers": workers,
        "inputs": f"{inputs.pdf.name} + {inputs.images.name}/",
        "machine": machine_info(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-") as tmp:
        work = Path(tmp)
        _say("bare Tesseract")
        result["tesseract"] = time_tesseract(inputs, workers, work / "bare")
        _say("bare libtesseract (the engine sohoa runs)")
        result["library"] = time_tesseract(inputs, workers, work / "library", library=True)
        db_url = f"sqlite:///{work / 'bench.db'}"
        _say("sohoa digitise")
        result["sohoa"] = _sohoa([inputs.pdf, inputs.images], db_url, workers, work / "data")
        result["sohoa"]["flow_seconds"] = _last_batch(db_url).get("seconds")
        result["sohoa"]["stages"] = stage_seconds(db_url)
        _say("sohoa digitise again (finished batch)")
        result["rerun"] = _sohoa([inputs.pdf, inputs.images], db_url, workers, work / "data")
        if ocrmypdf:
            _say("OCRmyPDF")
            result["ocrmypdf"] = time_ocrmypdf(inputs, workers, work / "ocrmypdf")
        for run in ("sohoa", "rerun"):
            result[run].pop("output", None)
        _save(result, out)  # the long memory run must not hold the throughput figures hostage
        if memory_pages:
            long_pdf = out / "inputs" / f"long{memory_pages}.pdf"
            make_long_pdf(inputs, memory_pages, long_pdf)
            _say(f"memory: {memory_pages}-page PDF")
            run = _sohoa(
                [long_pdf], f"sqlite:///{work / 'memory.db'}", workers, work / "memory-data"
            )
            result["memory"] = {"pages": memory_pages} | {
                k: run[k] for k in ("seconds", "cpu_seconds", "peak_rss_mb", "peak_rss_by_kind_mb")
            }
            _save(result, out)
    return result


def run_book(book: Path, template: str, out: Path, *, workers: int | None = None) -> dict[str, Any]:
    """Digitise one register book as an archivist would (``sohoa digitise BOOK --register T``)
    into a fresh SQLite database ``out/book-<name>.db``, measuring pages per minute and the peak
    RSS of the process tree; written to ``out/book-<name>.json``. The entries stay in the
    database for ``python -m pipeline.registers.bench score BOOK --db sqlite:///…``."""
    from pipeline.evaluate.runner import machine_info

    workers = workers or os.cpu_count() or 1
    out.mkdir(parents=True, exist_ok=True)
    database, data = out / f"book-{book.stem}.db", out / f"book-{book.stem}-data"
    database.unlink(missing_ok=True)
    shutil.rmtree(data, ignore_errors=True)
    db_url = f"sqlite:///{database.resolve()}"
    _say(f"sohoa digitise {book} --register {template}")
    run = _sohoa([book], db_url, workers, data, ["--register", template])
    pages = int(_last_batch(db_url).get("pages", 0))
    result = {
        "book": str(book),
        "template": template,
        "database": db_url,
        "pages": pages,
        "workers": workers,
        "seconds": round(run["seconds"], 1),
        "cpu_seconds": round(run["cpu_seconds"], 1),
        "pages_per_minute": round(60 * pages / run["seconds"], 1) if run["seconds"] else None,
        "peak_rss_mb": round(run["peak_rss_mb"]),
        "peak_rss_by_kind_mb": run["peak_rss_by_kind_mb"],
        "rss_timeline_mb": run["rss_timeline_mb"],
        "machine": machine_info(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    target = out / f"book-{book.stem}.json"
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


def _save(result: dict[str, Any], out: Path) -> None:
    result["ratios"] = ratios(result)
    result["verdicts"] = verdicts(result)
    (out / "bench.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    (out / "bench.md").write_text(markdown_table(result), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pipeline.bench``: run the benchmark and print its table."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.bench", description=__doc__)
    parser.add_argument("--pages", type=int, default=60, help="pages to read (default 60)")
    parser.add_argument("--out", type=Path, default=Path("reports/bench"), help="report folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None, help="default: cores")
    parser.add_argument("--no-ocrmypdf", action="store_true", help="skip OCRmyPDF")
    parser.add_argument(
        "--memory-pages", type=int, default=0, help="also digitise a PDF of this many pages"
    )
    parser.add_argument(
        "--book",
        type=Path,
        default=None,
        help="only digitise this register book (with --register) and report speed and memory",
    )
    parser.add_argument("--register", default="auto", help="register template for --book")
    args = parser.parse_args(argv)
    if args.book is not None:
        result = run_book(args.book, args.register, args.out, workers=args.workers)
        sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        return 0
    if args.pages < 2:
        parser.error("--pages must be at least 2 (one PDF page and one image)")
    result = run_bench(
        args.pages,
        args.out,
        seed=args.seed,
        workers=args.workers,
        ocrmypdf=not args.no_ocrmypdf,
        memory_pages=args.memory_pages,
    )
    sys.stdout.write(markdown_table(result))
    print(f"\nwrote {args.out / 'bench.json'} and {args.out / 'bench.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
