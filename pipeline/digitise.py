"""The two units of work the flow schedules, as plain functions (no Prefect here).

* :func:`read_page` — one page of one file: load → preprocess → keep the image → OCR, cached in the
  store by file hash, page number and a key of everything that changes OCR output, so a re-run or a
  resumed run never OCRs a finished page twice.
* :func:`interpret` — one OCRed document: classify → extract → validate (score and route);
  :func:`interpret_file` — the same on a file's pages, reading a ledger page found among them as
  a register.
* :func:`read_book` — a register book's validated entries page by page, its pages taken back
  from the page cache one at a time (a book of any length in the same memory).
* :func:`read_ahead` — :func:`read_page` on the first pages of a batch while something else
  (Prefect's temporary server) is starting: the flow then finds them in the cache.

plus :class:`BatchSummary`, what a batch reports at the end.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from pipeline.exceptions import OcrError
from pipeline.load import InputFile, load_page
from pipeline.models import Document, DocumentResult, FieldStatus, Line, Page, add_cpu
from pipeline.ocr import OcrEngine, TesseractApiEngine, TesseractEngine, api_available
from pipeline.options import Options
from pipeline.preprocess import preprocess
from pipeline.preprocess.context import clean_dpi
from pipeline.preprocess.page import split_spread

__all__ = [
    "STAGE_VERSIONS",
    "BatchSummary",
    "FileOutcome",
    "get_store",
    "interpret",
    "interpret_file",
    "ocr_cache_key",
    "page_image_path",
    "read_ahead",
    "read_book",
    "read_page",
    "read_spread",
]


def _return_freed_pages_to_the_system() -> None:
    """Keep every page-sized buffer in a mapping of its own, given back when freed.

    glibc serves blocks under its mmap threshold from per-thread heaps and raises that threshold
    (up to 32 MB) each time a large block is freed: after a few pages, 9–26 MB page images live
    in heaps that fragment and seldom shrink, and a long book's memory creeps up page after page.
    A fixed 1 MB threshold and four heaps: on a 200-page PDF the process's peak fell from 403 to
    357 MB and its size at the end from 403 to 262 MB. Elsewhere than glibc, nothing changes.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-8, 4)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass


_return_freed_pages_to_the_system()

# Pages are the unit of parallelism, one per core (as OMP_THREAD_LIMIT=1 is for Tesseract):
# OpenCV's own thread pool would only split each page's cleaning across cores that the other
# pages' Tesseracts are using, and wall-clock step times would then count their work too.
cv2.setNumThreads(1)


@lru_cache(maxsize=8)
def get_store(db_url: str):
    """One :class:`~pipeline.storage.Store` per database URL and process (thread-safe)."""
    from pipeline.storage import Store

    return Store(db_url)


def engine_name(options: Options) -> str:
    """``tesseract-api`` or ``tesseract-cli``: what ``options.ocr_engine`` comes to here."""
    if options.ocr_engine == "cli" or (options.ocr_engine == "auto" and not api_available()):
        return "tesseract-cli"
    return "tesseract-api"


def make_engine(options: Options) -> OcrEngine:
    kind = TesseractApiEngine if engine_name(options) == "tesseract-api" else TesseractEngine
    engine = kind(lang=options.lang, psm=options.tesseract_psm, timeout=options.tesseract_timeout)
    if options.register_template:
        from pipeline.registers.engine import RuledPageEngine

        return RuledPageEngine(engine)  # ledger rules erased before OCR
    return engine


STAGE_VERSIONS: dict[str, str] = {"preprocess": "7", "ocr": "3", "extract": "9"}
"""Bump a stage's version when a change to it alters its output: a re-run then redoes that stage
and every stage after it, and no other. ``preprocess`` (loading and cleaning) and ``ocr`` key the
page cache; ``extract`` (classification, extraction and validation) is stored on each document.
``preprocess`` 2: scanned PDF pages are read as stored, not rendered again by poppler; 7: a
fax's lines are redrawn by a network. ``extract`` 7: labels alone with garbled last words;
8: name words' marks put right after known names, captions with specks before their number;
9: a ledger page of an ordinary batch is read as a register (one record per entry)."""


def ocr_cache_key(options: Options) -> str:
    """A short hash of everything that changes a page's OCR result.

    The package version is left out on purpose: a release that changes only extraction must
    not OCR every page again.
    """
    relevant = {
        "preprocess_version": STAGE_VERSIONS["preprocess"],
        "ocr_version": STAGE_VERSIONS["ocr"],
        "engine": engine_name(options),  # two Tesseract builds: their readings differ a little
        "lang": options.lang,
        "psm": options.tesseract_psm,
        "dpi": options.dpi,
        "preprocess": options.preprocess.model_dump(),
    }
    if options.register_template:
        relevant["ruled"] = "2"  # register pages are OCRed with their rules erased
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]


def page_image_path(data_dir: Path, sha256: str, number: int) -> Path:
    """Where a page's clean image is kept (content addressed by its file's hash)."""
    return data_dir / "pages" / sha256[:2] / sha256 / f"{number:04d}.png"


def read_page(
    item: InputFile, number: int, options: Options, engine: OcrEngine | None = None
) -> Page:
    """Load, clean and OCR page ``number`` of ``item`` — or return it from the cache.

    Raises:
        InputFileError: the page cannot be decoded (the whole file then fails).
        OcrError: Tesseract failed or timed out.
    """
    store = get_store(options.db_url)
    key = ocr_cache_key(options)
    cached = store.get_page(item.sha256, number, key)
    if cached is not None:
        return cached
    image, dpi = load_page(item, number, dpi=options.dpi, max_pixels=options.max_image_pixels)
    clean, provenance = preprocess(image, options.preprocess)
    del image  # one page in memory at a time, per worker
    image_path = None
    if options.keep_page_images:
        target = page_image_path(options.data_dir, item.sha256, number)
        target.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(target), clean)
        image_path = str(target)
    ocr_dpi = clean_dpi(dpi, provenance)  # the resolution after any rescaling step
    try:
        if provenance.get("blank"):
            # A blank page (a verso, a separator sheet) is recorded, not OCRed: nothing to read,
            # and Tesseract's noise on empty paper would only become bogus fields.
            page = Page(number=number, width=clean.shape[1], height=clean.shape[0], dpi=ocr_dpi)
        else:
            page = read_spread(engine or make_engine(options), clean, provenance, number, ocr_dpi)
    except OcrError as exc:
        # Same class (a timeout stays retryable), with the page and file the user must look at.
        raise type(exc)(f"page {number}: {exc.reason}", name=item.name) from exc
    page = page.model_copy(update={"preprocess": provenance})
    store.save_page(item.sha256, number, key, page, image_path)
    return page


def read_ahead(paths: list[str], options: Options, busy: Callable[[], bool]) -> int:
    """Read pages of ``paths`` in order, ``options.workers`` at a time, while ``busy()`` is true.

    Each page goes through :func:`read_page`, so it lands in the page cache and the flow's
    ``ocr-page`` task for it is a cache hit: nothing is read twice and nothing is stored but
    cached pages (the flow makes documents, records and failures). Whatever goes wrong here
    (an unreadable file, a Tesseract failure) is left for the flow to meet and report.

    Returns:
        How many pages were read.
    """
    from pipeline.load import expand_inputs, page_count
    from pipeline.storage.refresh import is_current

    store = get_store(options.db_url)

    def pages() -> Iterator[tuple[InputFile, int]]:
        for entry in entries:
            if not isinstance(entry, InputFile) or is_current(store, entry.sha256, STAGE_VERSIONS):
                continue
            try:
                count = page_count(entry, options.max_pages_per_file)
            except Exception:  # the flow reports it
                continue
            store.register_file(
                entry.sha256, entry.name, entry.size, entry.media_type, options.pipeline_version
            )
            for number in range(1, count + 1):
                yield entry, number

    def read(job: tuple[InputFile, int]) -> bool:
        try:
            read_page(job[0], job[1], options)
        except Exception:  # the flow's own attempt reports it, with its retries
            return False
        return True

    done = 0
    with (
        expand_inputs([Path(p) for p in paths]) as entries,
        ThreadPoolExecutor(options.workers, thread_name_prefix="read-ahead") as pool,
    ):
        running: set[Future[bool]] = set()
        for job in pages():
            if not busy():
                break
            running.add(pool.submit(read, job))
            if len(running) >= options.workers:
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                done += sum(f.result() for f in finished)
        done += sum(f.result() for f in running)
    return done


def read_spread(
    engine: OcrEngine, clean: np.ndarray, provenance: dict, number: int, dpi: int | None
) -> Page:
    """OCR a clean page; a two-page spread (``provenance["spread"]``) one half at a time.

    Read whole, Tesseract joins the lines of the left and right pages that lie at the same
    height into one line across the fold. Each half is read on its own and the halves' lines are
    joined into the one page of that number, left then right, the right half's boxes moved back
    into the spread's pixels (so the page's provenance still maps them to the original).
    """
    halves = split_spread(clean, provenance)
    if len(halves) == 1:
        return engine.read(clean, number=number, dpi=dpi)
    lines: list[Line] = []
    seconds: float = 0.0
    cpu: float | None = 0.0
    for image, record in halves:
        x0 = int(record["steps"][-1]["x"][0])
        part = engine.read(image, number=number, dpi=dpi)
        block = max((line.block for line in lines), default=-1) + 1  # blocks stay apart
        for line in part.lines:
            words = tuple(
                w.model_copy(
                    update={"bbox": (w.bbox[0] + x0, w.bbox[1], w.bbox[2] + x0, w.bbox[3])}
                )
                for w in line.words
            )
            lines.append(Line(words=words, block=line.block + block))
        seconds += part.ocr_seconds
        cpu = add_cpu(cpu, part.ocr_cpu_seconds)
    height, width = clean.shape[:2]
    return Page(
        number=number,
        width=width,
        height=height,
        lines=tuple(lines),
        dpi=dpi,
        ocr_seconds=seconds,
        ocr_cpu_seconds=cpu,
    )


def interpret(document: Document, options: Options) -> DocumentResult:
    """Classify, extract and validate one OCRed document."""
    from extractors import extract
    from pipeline.classify import classify
    from pipeline.validate import validate

    if options.register_template:
        from pipeline.registers import interpret_register

        return interpret_register(document, options)
    if options.doc_type == "auto":
        doc_type, type_confidence = classify(document)
    else:
        doc_type, type_confidence = options.doc_type, 1.0
    result = DocumentResult(
        doc_type=doc_type,
        doc_type_confidence=type_confidence,
        records=extract(document, doc_type),
    )
    return validate(result, options.scoring)


def interpret_file(item: InputFile, pages: Iterable[Page], options: Options) -> DocumentResult:
    """:func:`interpret` on one file's OCRed pages; a file found to be a register ledger in an
    ordinary batch (no ``register_template``) is read again as one.

    Its pages are OCRed once more with their rules erased (cached under their own key, like a
    book's) and interpreted with ``register_template="auto"``: one record per entry, as
    ``sohoa digitise --register auto`` gives, where the document path would give one
    ``subject`` holding the book number. The classifier's confidence is kept.
    """
    from pipeline.classify import REGISTER_TYPES

    document = Document(source=item.name, sha256=item.sha256, pages=tuple(pages))
    result = interpret(document, options)
    if result.doc_type not in REGISTER_TYPES or options.register_template:
        return result
    ruled = options.model_copy(update={"register_template": "auto"})
    ledger = tuple(read_page(item, page.number, ruled) for page in document.pages)
    entries = interpret(document.model_copy(update={"pages": ledger}), ruled)
    return entries.model_copy(update={"doc_type_confidence": result.doc_type_confidence})


def read_book(item: InputFile, numbers: list[int], options: Options) -> Iterator[DocumentResult]:
    """The validated entries of register book ``item``, page by page
    (:func:`pipeline.registers.book.iter_register`), for ``options.register_template``.

    Each page comes back through :func:`read_page` — from the page cache, where the flow's OCR
    put it — only when the entries get to it, with its stored clean image: the flow holds no
    page's words between OCR and here, and a few pages at a time here.
    """
    from pipeline.registers import iter_register

    def pages() -> Iterator[tuple[Page, Path | None]]:
        for number in numbers:
            image = page_image_path(options.data_dir, item.sha256, number)
            yield read_page(item, number, options), image

    return iter_register(pages(), options)


@dataclass
class FileOutcome:
    """What happened to one input file."""

    name: str
    sha256: str | None
    pages: int = 0
    records: int = 0
    accepted: int = 0
    review: int = 0
    skipped: bool = False  # already digitised by an earlier run
    error: str | None = None
    reason: str | None = None

    @classmethod
    def from_result(cls, item: InputFile, pages: int, result: DocumentResult) -> FileOutcome:
        statuses = [f.status for r in result.records for f in r.fields.values()]
        return cls(
            name=item.name,
            sha256=item.sha256,
            pages=pages,
            records=len(result.records),
            accepted=sum(s == FieldStatus.auto_accepted for s in statuses),
            review=sum(s == FieldStatus.needs_review for s in statuses),
        )

    def counting(self, results: Iterable[DocumentResult]) -> Iterator[DocumentResult]:
        """``results`` as they come (the pieces of a book), their records and fields added to
        this outcome's counts on the way."""
        for result in results:
            statuses = [f.status for r in result.records for f in r.fields.values()]
            self.records += len(result.records)
            self.accepted += sum(s == FieldStatus.auto_accepted for s in statuses)
            self.review += sum(s == FieldStatus.needs_review for s in statuses)
            yield result


# How a batch's totals are labelled for people (the CLI table and the Prefect artifact).
SUMMARY_LABELS = {
    "files": "files",
    "skipped": "already digitised (skipped)",
    "pages": "pages read",
    "records": "records",
    "fields_auto_accepted": "fields auto-accepted",
    "fields_needs_review": "fields needing review",
    "failures": "files failed",
    "seconds": "seconds",
}


@dataclass
class BatchSummary:
    """Totals for one batch, as the CLI prints them and the batch row stores them."""

    batch_id: int | None = None
    outcomes: list[FileOutcome] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    seconds: float = 0.0
    started: float = field(default_factory=time.perf_counter)

    @property
    def failures(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.error]

    @property
    def empty(self) -> list[FileOutcome]:
        """Files read without error that gave no record at all (a blank scan, a ledger page
        where no entry was found): nothing of theirs reaches the review queue."""
        return [o for o in self.outcomes if not o.error and not o.skipped and not o.records]

    def totals(self) -> dict[str, float | int]:
        ok = [o for o in self.outcomes if not o.error]
        return {
            "files": len(self.outcomes),
            "ignored": len(self.ignored),
            "skipped": sum(o.skipped for o in ok),
            "pages": sum(o.pages for o in ok),
            "records": sum(o.records for o in ok),
            "fields_auto_accepted": sum(o.accepted for o in ok),
            "fields_needs_review": sum(o.review for o in ok),
            "failures": len(self.failures),
            "seconds": round(self.seconds, 2),
        }
