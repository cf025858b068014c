"""``python -m pipeline.samples OUT_DIR --n N --seed S [--demo]``: write sample scans.

The same options as ``sohoa samples`` (:mod:`pipeline.cli`), for use without the console script.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.samples import DOC_TYPES, FORMATS, PROFILES, generate, generate_demo_samples
from pipeline.samples.forms import FORM_LAYOUTS


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, generate, print one line per ground-truth file written."""
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.samples",
        description="Generate synthetic Vietnamese document scans with ground-truth JSON.",
    )
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--n", type=int, default=10, help="number of documents (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same bytes (default 0)")
    parser.add_argument(
        "--doc-type",
        action="append",
        choices=DOC_TYPES,
        dest="doc_types",
        help="document type to cycle through (repeatable; default all)",
    )
    parser.add_argument(
        "--profile",
        action="append",
        dest="profiles",
        help=f"scan profile to draw from, combine with '+' (repeatable; default all of "
        f"{', '.join(PROFILES)})",
    )
    parser.add_argument(
        "--all-profiles",
        action="store_true",
        help="give every document type each dev-set profile in turn (balanced composition)",
    )
    parser.add_argument(
        "--layouts",
        default="dev",
        help=f"form layouts: dev (default), held-out, probe, all, or comma-separated names of "
        f"{', '.join(FORM_LAYOUTS)}",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="processes generating in parallel (default 1)"
    )
    parser.add_argument(
        "--format",
        action="append",
        choices=FORMATS,
        dest="formats",
        help="file format to draw from (repeatable; default png)",
    )
    parser.add_argument(
        "--inconsistent",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="share of documents with a deliberately inconsistent ID number",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="write the committed demo set instead (ignores --n/--seed)",
    )
    args = parser.parse_args(argv)
    if args.demo:
        paths = generate_demo_samples(args.out_dir)
    else:
        layouts = args.layouts if "," not in args.layouts else args.layouts.split(",")
        try:
            paths = generate(
                args.out_dir,
                n=args.n,
                seed=args.seed,
                doc_types=args.doc_types,
                profiles=args.profiles,
                formats=args.formats,
                inconsistent_share=args.inconsistent,
                all_profiles=args.all_profiles,
                layouts=layouts,
                workers=args.workers,
            )
        except ValueError as error:
            parser.error(str(error))
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
