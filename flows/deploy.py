"""A watched drop folder: a scanner (or a clerk) saves files into it, sohoa digitises them.

    every ``interval`` seconds: list files in DROP_DIR (not in ``done/`` or ``failed/``)
    ─▶ keep the *stable* ones: unchanged (size and modification time) for ``settle`` seconds,
       so a file a scanner is still writing is left for the next round
    ─▶ one batch (:func:`flows.digitise.run_digitise`: a Prefect flow run with its artifact)
    ─▶ move each file to ``done/`` or ``failed/`` (with ``NAME.error.txt`` saying why)

``sohoa watch DROP_DIR`` runs :func:`watch`; docs/deploy.md shows how to wire a scanner's
network folder to it and how to run it as a service.

    >>> watch(Path("/srv/scans/inbox"), Options(), interval=10)   # doctest: +SKIP
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from pipeline.options import Options

__all__ = ["DONE", "FAILED", "stable_files", "watch", "watch_once"]

DONE, FAILED = "done", "failed"


def stable_files(folder: Path, settle: float, now: float | None = None) -> list[Path]:
    """Files under ``folder`` unchanged for ``settle`` seconds, oldest first.

    Hidden files (a scanner's ``.part``-style temporaries are often hidden) and the ``done/``
    and ``failed/`` folders are skipped.
    """
    now = time.time() if now is None else now
    found: list[tuple[float, Path]] = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if relative.parts[0] in (DONE, FAILED) or any(p.startswith(".") for p in relative.parts):
            continue
        if not path.is_file():
            continue
        stat = path.stat()
        # The modification time moves with every write, so an old one means the size has not
        # changed for at least that long.
        if stat.st_size > 0 and now - stat.st_mtime >= settle:
            found.append((stat.st_mtime, path))
    return [p for _, p in sorted(found)]


def _move(path: Path, folder: Path, to: str) -> Path:
    target = folder / to / path.relative_to(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():  # the same name dropped again: keep both
        target = target.with_name(f"{target.stem}-{time.strftime('%Y%m%d%H%M%S')}{target.suffix}")
    shutil.move(str(path), target)
    return target


def watch_once(folder: Path, options: Options, settle: float = 10.0) -> dict[str, int]:
    """Digitise the stable files in ``folder`` as one batch and move them; counts by outcome."""
    files = stable_files(folder, settle)
    if not files:
        return {"done": 0, "failed": 0}
    from flows.digitise import run_digitise

    summary = run_digitise([str(p) for p in files], options)
    failed = {o.name: o.reason or o.error or "failed" for o in summary.failures}
    counts = {"done": 0, "failed": 0}
    for path in files:
        # Files named on the command line keep their path as their name (flows.digitise).
        reason = failed.get(str(path))
        if reason is None:
            _move(path, folder, DONE)
            counts["done"] += 1
        else:
            moved = _move(path, folder, FAILED)
            moved.with_name(moved.name + ".error.txt").write_text(reason + "\n", encoding="utf-8")
            counts["failed"] += 1
    return counts


def watch(
    folder: Path,
    options: Options,
    interval: float = 10.0,
    settle: float = 10.0,
    rounds: int | None = None,
    say: Callable[[str], None] = print,
) -> None:
    """Poll ``folder`` every ``interval`` seconds until interrupted (or for ``rounds`` rounds)."""
    folder.mkdir(parents=True, exist_ok=True)
    done = 0
    while rounds is None or done < rounds:
        counts = watch_once(folder, options, settle)
        if any(counts.values()):
            say(f"{counts['done']} file(s) digitised, {counts['failed']} failed")
        done += 1
        if rounds is None or done < rounds:
            time.sleep(interval)
