"""What cleaning costs against OCR, per page, as ``docs/cleaning.md`` (*Cost*) reports it.

``python -m pipeline.evaluate.cost DIR [--repeat 3] [--all]`` takes the first page of the first
document of each (document type, scan profile) in a folder of generated samples (register pages
left out; ``--all`` takes every document), cleans it ``--repeat`` times with the default options
and keeps the fastest, then reads the clean page once with the in-process Tesseract. Both are
timed as this thread's CPU (``time.thread_time``), with OpenCV single-threaded as in
``sohoa digitise``, so other work on the machine counts as little as it can. Prints each step's
CPU per page, all cleaning, OCR and their ratio (the target is 15 %).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path
from typing import Any

import cv2

__all__ = ["cost_pages", "measure_cost"]


def cost_pages(folder: Path, *, every: bool = False) -> list[Path]:
    """The scans measured: one per (document type, profile) in name order, or ``every`` one;
    register pages and members of archives left out (:func:`~.runner.find_truths` finds them)."""
    from pipeline.evaluate.runner import find_truths

    seen: set[tuple[str, str | None]] = set()
    picked: list[Path] = []
    for found in find_truths(folder)[0]:
        truth = found.truth
        key = (truth.doc_type, truth.profile)
        if truth.doc_type == "civil_register_page" or truth.member or (key in seen and not every):
            continue
        seen.add(key)
        picked.append(found.scan)
    return picked


def measure_cost(scans: list[Path], *, repeat: int = 3) -> dict[str, Any]:
    """CPU ms per page of each cleaning step (fastest of ``repeat`` cleanings), of all cleaning
    and of OCR, over the first page of each of ``scans``."""
    from pipeline.load import InputFile, expand_inputs, load_page
    from pipeline.ocr import TesseractApiEngine
    from pipeline.options import Options, PreprocessOptions
    from pipeline.preprocess import clean_dpi, preprocess

    cv2.setNumThreads(1)
    options = PreprocessOptions()
    dpi_default = Options.model_fields["dpi"].default
    max_pixels = Options.model_fields["max_image_pixels"].default
    engine = TesseractApiEngine()
    steps: Counter[str] = Counter()
    cleaning = ocr = 0.0
    with expand_inputs(scans) as items:
        files = [item for item in items if isinstance(item, InputFile)]
    for item in files:
        image, dpi = load_page(item, 1, dpi=dpi_default, max_pixels=max_pixels)
        runs = [preprocess(image, options) for _ in range(max(1, repeat))]
        clean, provenance = min(runs, key=lambda run: sum(run[1]["cpu_ms"].values()))
        cleaning += sum(provenance["cpu_ms"].values())
        steps.update(provenance["cpu_ms"])
        start = time.thread_time()
        engine.read(clean, number=1, dpi=clean_dpi(dpi, provenance))
        ocr += 1000 * (time.thread_time() - start)
    n = max(len(files), 1)
    return {
        "pages": len(files),
        "steps_ms": {name: round(ms / n, 1) for name, ms in steps.most_common()},
        "cleaning_ms": round(cleaning / n, 1),
        "ocr_ms": round(ocr / n, 1),
        "share": cleaning / ocr if ocr else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.evaluate.cost")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="cleanings per page, fastest kept")
    parser.add_argument("--all", action="store_true", help="every document, not one per kind")
    args = parser.parse_args(argv)
    scans = cost_pages(args.folder, every=args.all)
    if not scans:
        parser.error(f"no labelled scans (a .json truth beside each) in {args.folder}")
    result = measure_cost(scans, repeat=args.repeat)
    print(f"{result['pages']} pages, CPU ms per page (OpenCV single-threaded, this thread)")
    for name, ms in result["steps_ms"].items():
        print(f"  {name:24s} {ms:7.1f}")
    share = result["share"]
    print(f"  {'all cleaning':24s} {result['cleaning_ms']:7.1f}")
    print(f"  {'OCR of the clean page':24s} {result['ocr_ms']:7.1f}")
    print(f"cleaning / OCR: {100 * share:.1f} % (target ≤ 15 %)" if share else "no OCR time")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
