"""The batch flow: files in, records stored. Read top to bottom, this is the path of a page.

    expand inputs (files, folders, zips) ─▶ skip files already digitised (SHA-256)
    ─▶ per page, in parallel: load ▸ preprocess ▸ OCR           (task ``ocr-page``)
    ─▶ per file, when its last page is read: classify ▸ extract ▸ validate ▸ store
       ▸ link records to citizen master records
                                                                (task ``interpret-and-store``)

A register book (``options.register_template``) takes the same path, except that its OCRed pages
stay in the page cache only (task ``ocr-book-page``) and its entries are read and stored page by
page from there (task ``interpret-and-store-book``): no step holds the whole book's words or
records, so memory does not grow with the book's length. A file of an ordinary batch that is
classified as a ledger page is read again with its rules erased and stored as a register's
entries (:func:`pipeline.digitise.interpret_file`).

Per-file failures are stored and reported; they never stop the batch.

    >>> from flows.digitise import run_digitise                       # doctest: +SKIP
    >>> summary = run_digitise(["sample_scans"], Options())           # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.concurrency.sync import concurrency
from prefect.futures import PrefectFuture, as_completed
from sqlalchemy.exc import IntegrityError

from flows.artifacts import publish_batch
from flows.runners import OCR_LIMIT, ensure_ocr_limit, task_runner
from pipeline.citizens import link_document
from pipeline.digitise import (
    STAGE_VERSIONS,
    BatchSummary,
    FileOutcome,
    get_store,
    interpret_file,
    read_book,
    read_page,
)
from pipeline.exceptions import InputFileError, OcrTimeoutError, SohoaError
from pipeline.load import InputFile, InputProblem, expand_inputs, page_count
from pipeline.models import Page
from pipeline.options import Options
from pipeline.storage.refresh import is_current, store_book, store_document
from pipeline.storage.store import retry_transient

__all__ = ["ProgressListener", "digitise_flow", "run_digitise"]

ProgressListener = Callable[[str, dict[str, Any]], None]
"""Called with an event name (``planned``, ``page``, ``file``) and its data."""

_listeners: list[ProgressListener] = []


def _emit(event: str, **data: Any) -> None:
    for listener in _listeners:
        listener(event, data)


def _transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry only what may pass on a second try (a hung Tesseract), never a corrupt file."""
    return isinstance(state.result(raise_on_failure=False), OcrTimeoutError)


@task(name="ocr-page", retries=2, retry_delay_seconds=1, retry_condition_fn=_transient)
def ocr_page(item: InputFile, number: int, options: Options, limited: bool = False) -> Page:
    if not limited:
        return read_page(item, number, options)
    # The global concurrency limit exists (flows.runners.ensure_ocr_limit): take one slot.
    with concurrency(OCR_LIMIT, occupy=1):
        return read_page(item, number, options)


@task(name="ocr-book-page", retries=2, retry_delay_seconds=1, retry_condition_fn=_transient)
def ocr_book_page(item: InputFile, number: int, options: Options, limited: bool = False) -> int:
    """``ocr-page`` for a page of a register book: the page is left in the page cache, where
    ``interpret-and-store-book`` reads it back, and only its number is returned (a future holds
    its result until the batch ends)."""
    ocr_page.fn(item, number, options, limited)
    return number


@task(name="interpret-and-store")
def interpret_and_store(item: InputFile, pages: list[Page], options: Options) -> FileOutcome:
    result = interpret_file(item, pages, options)
    store = get_store(options.db_url)
    # New document, or one made by older stage versions: refreshed, sparing reviewed fields.
    document_id = store_document(
        store,
        item.sha256,
        result,
        [p.number for p in pages],
        options.pipeline_version,
        STAGE_VERSIONS,
    )
    # The file is marked done by now: a link lost to a database restart would never be retried
    # by a re-run, so linking waits for the database like the store's own writes do.
    retry_transient(lambda: _link(store.engine, document_id))
    return FileOutcome.from_result(item, len(pages), result)


@task(name="interpret-and-store-book")
def interpret_and_store_book(item: InputFile, numbers: list[int], options: Options) -> FileOutcome:
    outcome = FileOutcome(name=item.name, sha256=item.sha256, pages=len(numbers))
    store = get_store(options.db_url)
    pieces = outcome.counting(read_book(item, numbers, options))
    document_id = store_book(
        store, item.sha256, pieces, numbers, options.pipeline_version, STAGE_VERSIONS
    )
    retry_transient(lambda: _link(store.engine, document_id))
    return outcome


def _link(engine: Any, document_id: str) -> None:
    try:
        link_document(engine, document_id)
    except IntegrityError:
        # Another process linked the same document at the same moment (the same file digitised
        # twice at once): its links stand, and linking again updates them instead of inserting.
        link_document(engine, document_id)


def _failed(summary: BatchSummary, options: Options, name: str, sha: str | None, exc: Exception):
    reason = exc.reason if isinstance(exc, InputFileError) else f"internal error: {exc!r}"
    get_store(options.db_url).record_failure(
        summary.batch_id, name, sha, type(exc).__name__, reason
    )
    outcome = FileOutcome(name=name, sha256=sha, error=type(exc).__name__, reason=reason)
    summary.outcomes.append(outcome)
    _emit("file", outcome=outcome)


@flow(name="digitise", log_prints=False, validate_parameters=True)
def digitise_flow(paths: list[str], options: Options) -> BatchSummary:
    """Digitise every document under ``paths`` into the database at ``options.db_url``."""
    store = get_store(options.db_url)
    limited = ensure_ocr_limit()
    summary = BatchSummary(batch_id=store.start_batch(options.model_dump(mode="json")))
    with expand_inputs([Path(p) for p in paths]) as entries:
        pending: dict[str, tuple[InputFile, list[PrefectFuture]]] = {}
        for entry in entries:
            if isinstance(entry, InputProblem):
                if entry.ignored:
                    summary.ignored.append(entry.name)
                else:
                    _failed(summary, options, entry.name, None, entry.error)
                continue
            if entry.sha256 in pending or is_current(store, entry.sha256, STAGE_VERSIONS):
                outcome = FileOutcome(name=entry.name, sha256=entry.sha256, skipped=True)
                summary.outcomes.append(outcome)
                _emit("file", outcome=outcome)
                continue
            store.register_file(
                entry.sha256, entry.name, entry.size, entry.media_type, options.pipeline_version
            )
            try:
                pages = page_count(entry, options.max_pages_per_file)
            except SohoaError as exc:
                if not isinstance(exc, InputFileError):
                    raise  # poppler missing, database gone: nothing else would work either
                _failed(summary, options, entry.name, entry.sha256, exc)
                continue
            except Exception as exc:
                # A decoder tripping over a hostile file in a way nobody foresaw: that file
                # fails with the error's name, the batch goes on.
                _failed(summary, options, entry.name, entry.sha256, exc)
                continue
            read = ocr_book_page if options.register_template else ocr_page
            futures = [read.submit(entry, n, options, limited) for n in range(1, pages + 1)]
            pending[entry.sha256] = (entry, futures)
        _emit("planned", files=len(entries), pages=sum(len(f) for _, f in pending.values()))

        owner = {f.task_run_id: sha for sha, (_, futures) in pending.items() for f in futures}
        left = {sha: len(futures) for sha, (_, futures) in pending.items()}
        every = [f for _, futures in pending.values() for f in futures]
        for future in as_completed(every):
            sha = owner[future.task_run_id]
            left[sha] -= 1
            _emit("page", name=pending[sha][0].name)
            if left[sha] == 0:
                _finish_file(summary, options, *pending.pop(sha))
    summary.seconds = time.perf_counter() - summary.started
    store.finish_batch(summary.batch_id, summary.totals())
    publish_batch(summary)
    return summary


def _finish_file(
    summary: BatchSummary, options: Options, item: InputFile, futures: list[PrefectFuture]
) -> None:
    try:
        pages = [f.result() for f in futures]
        if options.register_template:
            outcome = interpret_and_store_book(item, pages, options)  # page numbers
        else:
            outcome = interpret_and_store(item, pages, options)
    except Exception as exc:
        _failed(summary, options, item.name, item.sha256, exc)
        return
    summary.outcomes.append(outcome)
    _emit("file", outcome=outcome)


def run_digitise(
    paths: list[str],
    options: Options,
    listener: ProgressListener | None = None,
    dask_address: str | None = None,
) -> BatchSummary:
    """Run :func:`digitise_flow` with one OCR worker thread per ``options.workers``, or on the
    dask.distributed cluster at ``dask_address`` (default ``$SOHOA_DASK_ADDRESS``), see
    :func:`flows.runners.task_runner`.
    """
    runner = task_runner(options.workers, dask_address)
    if listener:
        _listeners.append(listener)
    try:
        return digitise_flow.with_options(task_runner=runner)(paths, options)
    finally:
        if listener:
            _listeners.remove(listener)
