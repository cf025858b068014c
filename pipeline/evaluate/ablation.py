"""The cleaning ablation of ``docs/cleaning.md``: one evaluation per cleaning setting, one table.

``python -m pipeline.evaluate.ablation DIR --out OUT [--workers 2] [--only NAME ...]`` runs
:func:`~pipeline.evaluate.runner.evaluate_folder` (without the bare-Tesseract timing, which does
not depend on cleaning) for: no cleaning, each step alone, and the default; writes
``OUT/<setting>.json`` (skipping settings already written, so a stopped run resumes) and prints
``OUT/ablation.md``: word F1 and field exact match per scan profile, and what each step cost
(``--merge OTHER_OUT`` adds the runs of other folders, e.g. one folder per profile).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

from pipeline.options import PreprocessOptions

__all__ = ["SETTINGS", "ablation_table", "run_ablation"]

_NONE = PreprocessOptions.none()


def _alone(**changes: Any) -> PreprocessOptions:
    return _NONE.model_copy(update=changes)


# Steps that only record (blank, spread) change no pixel and are left out: their cost shows in
# the default's timings. Stamp suppression alone keeps colour, so it runs with grayscale.
SETTINGS: dict[str, PreprocessOptions] = {
    "none": _NONE,
    "fax": _alone(fax=True),
    "grayscale": _alone(grayscale=True),
    "stamps": _alone(stamps=True, grayscale=True),
    "page_boundary": _alone(page_boundary=True),
    "borders": _alone(borders=True),
    "orientation": _alone(orientation=True),
    "deskew": _alone(deskew=True),
    "illumination": _alone(illumination=True),
    "denoise": _alone(denoise=True),
    "leaders": _alone(leaders=True),
    "resolution": _alone(resolution=True),
    "binarise_otsu": _alone(binarise="otsu"),
    "binarise_sauvola": _alone(binarise="sauvola"),
    "binarise_auto": _alone(binarise="auto"),
    "default": PreprocessOptions(),
    # Leave one out: what each default step adds once the others run.
    **{
        f"default_without_{step}": PreprocessOptions(**{step: False})
        for step in (
            "fax",
            "stamps",
            "page_boundary",
            "orientation",
            "deskew",
            "illumination",
            "leaders",
            "denoise",
            "resolution",
        )
    },
}


def _clean_pages(folder: Path, options: PreprocessOptions) -> list[str]:
    """A hash of every clean page of ``folder``: equal lists mean equal OCR input."""
    from pipeline.evaluate.runner import find_truths
    from pipeline.load import expand_inputs, load_page
    from pipeline.preprocess import preprocess

    hashes = []
    truths, _ = find_truths(folder)
    for t in truths:
        with expand_inputs([t.scan]) as entries:
            item = entries[0]
            for page in t.truth.pages:
                image, _ = load_page(item, page.number, dpi=300, max_pixels=12_000 * 12_000)
                clean, _ = preprocess(image, options)
                hashes.append(hashlib.sha256(clean.tobytes()).hexdigest() + str(clean.shape))
    return hashes


def run_ablation(
    folder: Path, out: Path, *, workers: int | None, only: list[str] | None = None
) -> None:
    """Evaluate ``folder`` once per setting of :data:`SETTINGS` into ``out/<setting>.json``.

    A setting whose steps leave every page of ``folder`` exactly as no cleaning does (a page
    finder on flatbed scans) gives the same OCR input, hence the same scores: it reuses the
    ``none`` result instead of OCRing everything again (its JSON says ``"unchanged": true``).
    """
    from pipeline.evaluate.runner import evaluate_folder

    out.mkdir(parents=True, exist_ok=True)
    baseline: list[str] | None = None
    for name, options in SETTINGS.items():
        target = out / f"{name}.json"
        if (only and name not in only) or target.exists():
            continue
        print(f"{name}: {options.model_dump_json()}", flush=True)
        none_json = out / "none.json"
        if name != "none" and none_json.exists():
            baseline = baseline or _clean_pages(folder, _NONE)
            if _clean_pages(folder, options) == baseline:
                result = json.loads(none_json.read_text(encoding="utf-8"))
                result["unchanged"] = True
                result["preprocess"] = options.model_dump(mode="json")
                target.write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")
                continue
        result = evaluate_folder(folder, workers=workers, preprocess=options, bare=False)
        result["preprocess"] = options.model_dump(mode="json")
        target.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


def _cell(group: dict[str, Any] | None) -> str:
    if not group:
        return "—"
    f1, em = group["text"]["word_f1"], group["fields"]["exact_match"]
    return f"{f1:.4f} / {em:.3f}" if f1 is not None and em is not None else "—"


def _merge(outs: list[Path]) -> dict[str, dict[str, Any]]:
    """Per setting, the results of every run folder in ``outs`` (one per scan profile, say)."""
    results: dict[str, dict[str, Any]] = {}
    for out in outs:
        for name in SETTINGS:
            path = out / f"{name}.json"
            if not path.exists():
                continue
            r = json.loads(path.read_text(encoding="utf-8"))
            merged = results.setdefault(name, {"by_profile": {}, "cleaning": None})
            merged["by_profile"] |= r["by_profile"]
            c = r.get("cleaning")
            if c and merged["cleaning"] is None:
                from pipeline.evaluate.runner import empty_cleaning

                merged["cleaning"] = empty_cleaning()
            if c:
                total = merged["cleaning"]
                for count in ("pages", "ocr_seconds", "cpu_pages", "ocr_cpu_seconds"):
                    total[count] += c.get(count, 0)
                for steps in ("steps_ms", "steps_cpu_ms"):
                    for step, ms in c.get(steps, {}).items():
                        total[steps][step] = total[steps].get(step, 0.0) + ms
    return results


def ablation_table(*outs: Path) -> str:
    """Markdown tables from the JSON files in ``outs``: word F1 / field exact match per profile
    and setting, and the default's cleaning cost per step."""
    results = _merge(list(outs))
    if not results:
        return "no results yet\n"
    profiles = sorted({p for r in results.values() for p in r["by_profile"]})
    lines = [
        "| setting | " + " | ".join(profiles) + " |",
        "|---|" + "---|" * len(profiles),
    ]
    for name, r in results.items():
        cells = [_cell(r["by_profile"].get(p)) for p in profiles]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    default = results.get("default")
    if default and default.get("cleaning", {}).get("pages"):
        c = default["cleaning"]
        pages, ocr_ms = c["pages"], 1000 * c["ocr_seconds"] / c["pages"]
        cpu_pages = c.get("cpu_pages", 0)
        ocr_cpu = 1000 * c["ocr_cpu_seconds"] / cpu_pages if cpu_pages else None
        lines += [
            "",
            "| step | ms / page (wall) | share of OCR wall time | CPU ms / page "
            "| share of OCR CPU time |",
            "|---|---|---|---|---|",
        ]
        total = total_cpu = 0.0
        for step, ms in sorted(c["steps_ms"].items(), key=lambda kv: -kv[1]):
            cpu = c.get("steps_cpu_ms", {}).get(step)
            cpu_cells = "— | —"
            if cpu is not None and ocr_cpu:
                total_cpu += cpu / cpu_pages
                cpu_cells = f"{cpu / cpu_pages:.1f} | {cpu / cpu_pages / ocr_cpu:.1%}"
            total += ms / pages
            lines.append(f"| {step} | {ms / pages:.1f} | {ms / pages / ocr_ms:.1%} | {cpu_cells} |")
        all_cpu = f"{total_cpu:.1f} | {total_cpu / ocr_cpu:.1%}" if ocr_cpu else "— | —"
        lines.append(f"| **all cleaning** | {total:.1f} | {total / ocr_ms:.1%} | {all_cpu} |")
        ocr_cpu_cell = f"{ocr_cpu:.0f}" if ocr_cpu else "—"
        lines.append(f"| OCR (Tesseract) | {ocr_ms:.0f} | | {ocr_cpu_cell} | |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the missing settings, then write and print ``OUT/ablation.md``."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.evaluate.ablation")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--merge", type=Path, action="append", default=[], help="more run folders for the table"
    )
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--only", action="append", choices=list(SETTINGS))
    parser.add_argument("--table", action="store_true", help="only rebuild the table")
    args = parser.parse_args(argv)
    if not args.table:
        run_ablation(args.folder, args.out, workers=args.workers, only=args.only)
    table = ablation_table(args.out, *args.merge)
    (args.out / "ablation.md").write_text(table, encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
