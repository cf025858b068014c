"""Where a batch's pages are read, and how a finished batch is recognised before Prefect starts.

* :func:`task_runner` — threads on this machine (the default), or a dask.distributed cluster
  through ``prefect-dask`` when a scheduler address is given (``--dask-address`` or
  ``SOHOA_DASK_ADDRESS``). The flow is the same either way.
* :func:`finished_batch` — the fast path of a re-run: hash the inputs, and when every file is
  already digitised by the current stage versions, record the batch and return its summary
  without importing Prefect or starting its server (seconds, on a batch that takes a second).
* :func:`start_server_early` — when there is work, Prefect's temporary server starts in the
  background while the rest of the program loads.

Importing this module does not import Prefect.

    >>> runner = task_runner(workers=4, address="tcp://scheduler:8786")   # doctest: +SKIP
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.options import Options

__all__ = [
    "DASK_ADDRESS_ENV",
    "OCR_LIMIT",
    "dask_address",
    "ensure_ocr_limit",
    "finished_batch",
    "start_server_early",
    "task_runner",
]

DASK_ADDRESS_ENV = "SOHOA_DASK_ADDRESS"


def dask_address(explicit: str | None = None) -> str | None:
    """``explicit``, else ``$SOHOA_DASK_ADDRESS``, else None (run on local threads)."""
    return explicit or os.environ.get(DASK_ADDRESS_ENV) or None


def task_runner(workers: int, address: str | None = None) -> Any:
    """The Prefect task runner for a batch.

    Args:
        workers: pages read at once on local threads (ignored on a cluster, whose workers'
            ``--nthreads`` decide).
        address: a dask.distributed scheduler (``tcp://host:8786``); default
            ``$SOHOA_DASK_ADDRESS``. Every worker must see the input files and the data
            directory at the same paths, and reach the database (docs/deploy.md).
    """
    address = dask_address(address)
    if address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=address)
    from prefect.task_runners import ThreadPoolTaskRunner

    # Threads suffice: each worker spends its time in a Tesseract or pdftoppm subprocess or in
    # OpenCV, all outside the GIL.
    return ThreadPoolTaskRunner(max_workers=workers)


def finished_batch(paths: Sequence[str], options: Options) -> Any | None:
    """The summary of a batch that is already done, or None when there is work to do.

    Work means a file never digitised, unfinished, failed, or digitised by other stage versions
    (:data:`pipeline.digitise.STAGE_VERSIONS`), or an input that will fail and must be reported
    and recorded by the flow. The batch is recorded like any other, all files skipped.

    Raises:
        NoInputError: a path does not exist (as the flow would).
    """
    from pipeline.digitise import STAGE_VERSIONS, BatchSummary, FileOutcome, get_store
    from pipeline.load import InputProblem, expand_inputs
    from pipeline.storage.refresh import is_current

    started = time.perf_counter()
    store = get_store(options.db_url)
    outcomes: list[FileOutcome] = []
    ignored: list[str] = []
    with expand_inputs([Path(p) for p in paths]) as entries:
        for entry in entries:
            if isinstance(entry, InputProblem):
                if not entry.ignored:
                    return None
                ignored.append(entry.name)
            elif is_current(store, entry.sha256, STAGE_VERSIONS):
                outcomes.append(FileOutcome(name=entry.name, sha256=entry.sha256, skipped=True))
            else:
                return None
    if not outcomes:
        return None  # nothing to read: the flow reports it as it always does
    summary = BatchSummary(outcomes=outcomes, ignored=ignored, started=started)
    summary.batch_id = store.start_batch(options.model_dump(mode="json"))
    summary.seconds = time.perf_counter() - started
    store.finish_batch(summary.batch_id, summary.totals())
    return summary


OCR_LIMIT = "ocr"
"""Name of the Prefect global concurrency limit every ``ocr-page`` task takes a slot of."""
OCR_LIMIT_ENV = "SOHOA_OCR_LIMIT"


def ensure_ocr_limit(limit: int | None = None) -> bool:
    """Create (or resize) the global concurrency limit ``ocr`` when a size is configured, and
    tell whether ``ocr-page`` tasks must take a slot of it.

    Without ``limit`` or ``$SOHOA_OCR_LIMIT`` nothing is created and an existing limit is left
    as an administrator set it (``prefect gcl create ocr --limit 8``): a limit made implicitly
    by one small run would silently throttle a later run on a bigger cluster.

    Taking a slot is a round trip to the Prefect API per page, which on the temporary server
    of a local run cost more than half of the batch's time: pages take slots only where the
    limit exists, which is asked once per batch.

    Returns:
        True when the limit exists (configured now or by an administrator).
    """
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    size = limit or int(os.environ.get(OCR_LIMIT_ENV, "0") or 0) or None
    with get_client(sync_client=True) as client:
        if size is not None:
            client.upsert_global_concurrency_limit_by_name(OCR_LIMIT, size)
            return True
        try:
            found = client.read_global_concurrency_limit_by_name(OCR_LIMIT)
        except ObjectNotFound:
            return False
        return bool(found.active)


def _start_temporary_server() -> None:
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return  # an office's own server, or none allowed: nothing to start
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()
    # Registered after Prefect's own stop, so it runs before it (atexit is last in, first out)
    # and after the log and event workers started later have flushed to the server.
    atexit.register(_stop_without_waiting, server)


def _stop_without_waiting(server: Any) -> None:
    """Ask the temporary server to shut down and leave it to: Prefect's own stop waits for the
    process to end, about a second at the end of every ``sohoa digitise``, for a server whose
    work (recording the finished runs) is done by then. The server finishes its shutdown on its
    own after this process has gone."""
    process = server.server_process
    if process is not None and process.poll() is None:
        process.terminate()
        server.server_process = None  # Prefect's stop then has nothing to wait for


def start_server_early() -> threading.Thread:
    """Start Prefect's temporary server (when no ``PREFECT_API_URL`` is set) in a thread.

    The server is a subprocess that takes seconds to come up (about 5 s on two quiet cores, and
    it is paid by every ``sohoa digitise`` without an office server); started here it comes up
    on the other core while this process imports the pipeline. Join the thread before the flow
    runs: ``SubprocessASGIServer.start`` marks the server running before it answers, so a flow
    started meanwhile would call it too early. Should the start fail, the flow's own start
    tries again and reports the error.
    """
    thread = threading.Thread(target=_start_temporary_server, name="prefect-server", daemon=True)
    thread.start()
    return thread
