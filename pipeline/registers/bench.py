"""Generated register books and their measurement: ``python -m pipeline.registers.bench``.

``make`` draws a book with the sample generator's birth-register page
(:func:`pipeline.samples.register.civil_register_page`), degrades it with a scan profile, joins
some pages into two-page spreads and writes one PDF plus the truth of every page (entries in
page order). ``score`` compares what ``sohoa digitise BOOK --register …`` stored with that truth:
entry- and field-level accuracy, the share of fields routed to review and the error rate among
auto-accepted fields.

    python -m pipeline.registers.bench make /tmp/book.pdf --pages 40 --kind hand
    sohoa digitise /tmp/book.pdf --register khai_sinh_truoc_2016 --db sqlite:////tmp/b.db
    python -m pipeline.registers.bench score /tmp/book.pdf --db sqlite:////tmp/b.db
    python -m pipeline.registers.bench calibrate /tmp/book.pdf=sqlite:////tmp/b.db …

``score --reinterpret TEMPLATE`` reads the book's cached pages again with the current code
(no page is OCRed again), so a change to cell reading is measured in seconds per page.
"""

from __future__ import annotations

import argparse
import io
import json
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import img2pdf
import numpy as np
from PIL import Image

__all__ = ["calibrate_books", "make_book", "score_book"]

_SPREAD_GAP = 60  # px of margin either side of the fold


def _page(seed: int, kind: str, profile: str) -> tuple[Image.Image, list[dict[str, Any]]]:
    """One degraded register page of ``kind`` (``hand``, ``printed`` or ``any``) and its
    entries. The generator decides handwriting from its random stream (books before 2005, and
    some after, are handwritten): replaying the stream tells which a seed gives, checked
    against the year it printed."""
    from pipeline.samples.degrade import degrade, parse_profile
    from pipeline.samples.fonts import FAMILIES
    from pipeline.samples.layouts import render

    for attempt in range(200):
        rng = random.Random(seed * 1000 + attempt)
        family = FAMILIES[rng.choice(list(FAMILIES))]
        probe = random.Random()
        probe.setstate(rng.getstate())
        year = probe.randint(1976, 2015)
        hand = year < 2005 or probe.random() < 0.3
        if kind != "any" and hand != (kind == "hand"):
            continue
        doc = render("civil_register_page", rng, family, pages=1)
        first = doc.records[0]["fields"]
        assert str(first["registration_date"]).startswith(str(year)[:3]), "generator changed"  # type: ignore[index]
        image, _, _ = degrade(
            doc.pages[0].image, parse_profile(profile), np.random.default_rng(seed)
        )
        return image, doc.records
    raise RuntimeError(f"no {kind} page in 200 draws")


def _spread(left: Image.Image, right: Image.Image) -> Image.Image:
    """Two pages side by side with a dark fold between them, as a book lies on a scanner."""
    mode = "L" if left.mode in {"1", "L"} else "RGB"
    left, right = left.convert(mode), right.convert(mode)
    width = left.width + right.width + 2 * _SPREAD_GAP
    sheet = Image.new(mode, (width, max(left.height, right.height)), "white")
    sheet.paste(left, (0, 0))
    sheet.paste(right, (left.width + 2 * _SPREAD_GAP, 0))
    fold = left.width + _SPREAD_GAP
    sheet.paste("black" if mode == "L" else (40, 40, 40), (fold - 3, 0, fold + 3, sheet.height))
    return sheet


def make_book(
    path: Path,
    *,
    pages: int,
    kind: str = "any",
    profile: str = "flatbed_300dpi",
    spread_every: int = 0,
    unique: int | None = None,
    seed: int = 0,
) -> Path:
    """Write a register book of ``pages`` images to ``path`` (PDF) and its truth beside it.

    Args:
        pages: images in the book (a spread is one image holding two ledger pages).
        kind: ``hand``, ``printed`` or ``any`` (the generator's own mix).
        profile: a scan profile of :mod:`pipeline.samples.degrade`.
        spread_every: every n-th image is a two-page spread (0: none).
        unique: draw only this many distinct pages and repeat them (a long book for memory and
            speed runs without drawing 500 pages).
        seed: same seed, same book.

    Returns:
        The truth JSON path (``path`` with ``.json``).
    """
    cache: dict[int, tuple[Image.Image, list[dict[str, Any]]]] = {}

    def draw(i: int) -> tuple[Image.Image, list[dict[str, Any]]]:
        key = i % unique if unique else i
        if key not in cache:
            cache[key] = _page(seed * 100_000 + key, kind, profile)
            if not unique:
                cache.pop(key - 1, None)  # keep memory flat on long books
        return cache[key]

    blobs, truth, drawn = [], [], 0
    for number in range(1, pages + 1):
        halves = 2 if spread_every and number % spread_every == 0 else 1
        parts = [draw(drawn + k) for k in range(halves)]
        drawn += halves
        image = parts[0][0] if halves == 1 else _spread(parts[0][0], parts[1][0])
        buffer = io.BytesIO()
        if image.mode == "1":
            image.save(buffer, "PNG", dpi=(300, 300))
        else:
            image.convert("L").save(buffer, "JPEG", quality=85, dpi=(300, 300))
        blobs.append(buffer.getvalue())
        truth.append({"number": number, "records": [r for _, recs in parts for r in recs]})
    path.write_bytes(img2pdf.convert(blobs))
    meta = {"kind": kind, "profile": profile, "pages": truth, "seed": seed}
    target = path.with_suffix(".json")
    target.write_text(json.dumps(meta, ensure_ascii=False, indent=1), "utf-8")
    return target


def _stored_records(path: Path, db_url: str) -> list[dict[str, Any]]:
    from pipeline.load import sha256_file
    from pipeline.storage import Store

    sha = sha256_file(path)
    return [r for r in Store(db_url).iter_export() if r["source"]["sha256"] == sha]


def _reinterpreted(
    path: Path, db_url: str, template: str, calibration: Any = None
) -> list[dict[str, Any]]:
    """The book's records as the current code reads its cached pages (no page OCR again)."""
    from pipeline.archive import _book_pages
    from pipeline.digitise import get_store
    from pipeline.load import sha256_file
    from pipeline.models import Document
    from pipeline.options import Options
    from pipeline.registers.book import interpret_register

    sha = sha256_file(path)
    pages = list(_book_pages(get_store(db_url).engine, sha))
    document = Document(source=path.name, sha256=sha, pages=tuple(p for p, _ in pages))
    options = Options(register_template=template, db_url=db_url)
    result = interpret_register(
        document, options, images=[i for _, i in pages], calibration=calibration
    )
    return [
        {
            "role": r.role,
            "status": r.status.value,
            "fields": {n: f.model_dump(mode="json") for n, f in r.fields.items()},
        }
        for r in result.records
    ]


def _pairs(path: Path, records: list[dict[str, Any]]) -> Iterator[tuple[str, str, Any]]:
    """(field, truth value, extracted field dict or None) for every truth field of the book,
    records matched to truth page by page as ``sohoa eval`` matches them."""
    from pipeline.evaluate.score import match_records

    meta = json.loads(path.with_suffix(".json").read_text("utf-8"))
    by_page: dict[int, list[dict[str, Any]]] = {}
    for record in records:
        pages = [f.get("page") for f in record["fields"].values() if f.get("page")]
        by_page.setdefault(Counter(pages).most_common(1)[0][0] if pages else 0, []).append(record)
    for page in meta["pages"]:
        truth = page["records"]
        got = by_page.get(page["number"], [])
        for t, e in match_records(truth, got):
            if t is None:
                continue
            fields = got[e]["fields"] if e is not None else {}
            for name, value in truth[t]["fields"].items():
                yield name, value, fields.get(name)
            yield "", "", None  # end of an entry


def score_book(path: Path, db_url: str, *, reinterpret: str | None = None) -> dict[str, Any]:
    """Compare the records of book ``path`` with its truth (see module docstring).

    Args:
        path: the book PDF (its truth JSON beside it).
        db_url: the store it was digitised into.
        reinterpret: a template name to read the cached pages again with the current code
            instead of taking the records stored by the run.
    """
    from pipeline.evaluate.score import normalise_value

    meta = json.loads(path.with_suffix(".json").read_text("utf-8"))
    if reinterpret:
        records = _reinterpreted(path, db_url, reinterpret)
    else:
        records = _stored_records(path, db_url)
    counts: Counter[str] = Counter()
    counts["entries"] = sum(len(p["records"]) for p in meta["pages"])
    counts["records"] = len(records)
    entry_ok = True
    for name, value, f in _pairs(path, records):
        if not name:
            counts["entries_correct"] += entry_ok
            entry_ok = True
            continue
        counts["fields"] += 1
        right = f is not None and normalise_value(f["value"]) == normalise_value(value)
        counts["correct"] += right
        entry_ok &= right
        if f is None:
            continue
        if f["status"] == "auto_accepted":
            counts["accepted"] += 1
            counts["accepted_wrong"] += not right
            if not right:
                counts[f"wrong:{name}"] += 1
        else:
            counts["review"] += 1

    def share(a: str, b: str) -> float | None:
        return round(counts[a] / counts[b], 4) if counts[b] else None

    return {
        "kind": meta["kind"],
        "profile": meta["profile"],
        "pages": len(meta["pages"]),
        **{k: counts[k] for k in ("entries", "records", "fields", "accepted", "review")},
        "entry_accuracy": share("entries_correct", "entries"),
        "field_accuracy": share("correct", "fields"),
        "review_share": share("review", "fields"),
        "auto_accepted_error": share("accepted_wrong", "accepted"),
        "wrong_accepted_by_field": {k[6:]: v for k, v in counts.items() if k.startswith("wrong:")},
    }


def calibrate_books(books: list[tuple[Path, str]], template: str, out: Path) -> Path:
    """Fit the register calibration on ``(book, db_url)`` pairs and write it to ``out``.

    Raw cell confidences come from reading the cached pages with the identity calibration; the
    fit is :func:`extractors.calibration.fit` (isotonic, shrunk by a Jeffreys prior).
    """
    from extractors.calibration import IDENTITY, Outcome, fit
    from pipeline.evaluate.score import normalise_value
    from pipeline.registers.book import ILLEGIBLE_KEY
    from pipeline.registers.entries import ILLEGIBLE_REASON

    printed: list[Outcome] = []
    handwritten: list[Outcome] = []
    for path, db_url in books:
        records = _reinterpreted(path, db_url, template, calibration=IDENTITY)
        for name, value, f in _pairs(path, records):
            if not name or f is None or f["value"] is None:
                continue
            right = normalise_value(f["value"]) == normalise_value(value)
            hand = ILLEGIBLE_REASON in f["reasons"]
            outcome = Outcome(
                path.name, "civil_register_page", "", "entry", ILLEGIBLE_KEY if hand else name,
                value, f["value"], f["confidence"], right,
            )  # fmt: skip
            (handwritten if hand else printed).append(outcome)
    fitted_on = "python -m pipeline.registers.bench calibrate " + " ".join(p.name for p, _ in books)
    calibration = fit(printed, "sohoa.registers.calibration.v1", fitted_on)
    # Handwritten cells: one pooled function of their own, kept out of the printed ones.
    calibration.steps[ILLEGIBLE_KEY] = fit(handwritten, "hand").steps["*"]
    out.write_text(calibration.model_dump_json(indent=1), "utf-8")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m pipeline.registers.bench")
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("make", help="write a generated register book and its truth")
    make.add_argument("path", type=Path)
    make.add_argument("--pages", type=int, default=20)
    make.add_argument("--kind", choices=("hand", "printed", "any"), default="any")
    make.add_argument("--profile", default="flatbed_300dpi")
    make.add_argument("--spread-every", type=int, default=0)
    make.add_argument("--unique", type=int, default=None)
    make.add_argument("--seed", type=int, default=0)
    score = sub.add_parser("score", help="score the stored records of a book against its truth")
    score.add_argument("path", type=Path)
    score.add_argument("--db", required=True)
    score.add_argument("--reinterpret", metavar="TEMPLATE", help="read cached pages again")
    cal = sub.add_parser("calibrate", help="fit the register calibration on scored books")
    cal.add_argument("books", nargs="+", help="BOOK.pdf=DB_URL pairs")
    cal.add_argument("--template", default="khai_sinh_truoc_2016")
    cal.add_argument("--out", type=Path, default=Path(__file__).parent / "calibration.json")
    args = parser.parse_args(argv)
    if args.command == "calibrate":
        pairs = [(Path(b.split("=", 1)[0]), b.split("=", 1)[1]) for b in args.books]
        print(calibrate_books(pairs, args.template, args.out))
        return
    if args.command == "make":
        print(
            make_book(
                args.path,
                pages=args.pages,
                kind=args.kind,
                profile=args.profile,
                spread_every=args.spread_every,
                unique=args.unique,
                seed=args.seed,
            )
        )
    else:
        result = score_book(args.path, args.db, reinterpret=args.reinterpret)
        print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
