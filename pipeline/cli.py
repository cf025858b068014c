"""The ``sohoa`` command line (contract: see the README's "Command line" section).

Exceptions become exit codes here and only here (:func:`main`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

# typer 0.29 vendors click; its exception classes live here (pinned in pyproject).
from typer._click.exceptions import ClickException, UsageError

from pipeline import __version__
from pipeline.exceptions import ExitCode, SohoaError
from pipeline.options import Options, resolve_db_url

__all__ = ["app", "main"]

app = typer.Typer(
    name="sohoa",
    help="Digitise scanned Vietnamese dossiers and civil-registry books into validated records.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console(soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL (default: $SOHOA_DB_URL, else sqlite:///./data/sohoa.db)."
    ),
]

PreprocessJsonOption = Annotated[
    str | None,
    typer.Option(
        "--preprocess-json",
        help="Cleaning options as JSON, e.g. '{\"fax_redraw\": false}' (docs/cleaning.md).",
    ),
]


def _cleaning(preprocess_json: str | None) -> Any:
    """The cleaning options ``--preprocess-json`` gives (the defaults without it)."""
    from pydantic import ValidationError

    from pipeline.options import PreprocessOptions

    try:
        return PreprocessOptions.model_validate_json(preprocess_json or "{}")
    except ValidationError as exc:
        raise typer.BadParameter(str(exc), param_hint="--preprocess-json") from exc


def _existing_store(db: str | None) -> Any:
    """The store for a command that only reads: an embedded database that does not exist yet is
    an error (with what to do), not a new empty file."""
    from sqlalchemy.engine import make_url

    from pipeline.exceptions import StorageError
    from pipeline.storage import Store

    url = resolve_db_url(db)
    parsed = make_url(url)
    embedded = parsed.get_backend_name() == "sqlite" and parsed.database not in (
        None,
        "",
        ":memory:",
    )
    if embedded and not Path(str(parsed.database)).exists():
        raise StorageError(
            f"no database at {parsed.database}: digitise something first "
            "(sohoa digitise PATH), or name the database with --db or SOHOA_DB_URL"
        )
    return Store(url)


def _version(value: bool) -> None:
    if value:
        out.print(f"sohoa {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    """sohoa: scans in, validated records out."""


def _summary_table(totals: dict[str, Any]) -> Table:
    """Label | value rows: readable at any terminal width."""
    table = Table(title="Batch summary", show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("value", justify="right")
    from pipeline.digitise import SUMMARY_LABELS

    for key, label in SUMMARY_LABELS.items():
        table.add_row(label, str(totals[key]))
    return table


@app.command()
def digitise(
    paths: Annotated[list[Path], typer.Argument(help="Files, folders or zips of scans.")],
    db: DbOption = None,
    doc_type: Annotated[
        str, typer.Option("--doc-type", help="Document type, or 'auto' to classify each file.")
    ] = "auto",
    register: Annotated[
        str | None, typer.Option("--register", help="Civil-register template for ledger pages.")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Pages OCRed in parallel (default: cores)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    dask_address: Annotated[
        str | None,
        typer.Option(
            "--dask-address",
            help="Read pages on this dask.distributed scheduler, e.g. tcp://host:8786 "
            "(default: $SOHOA_DASK_ADDRESS, else threads here); see docs/deploy.md.",
        ),
    ] = None,
    preprocess_json: PreprocessJsonOption = None,
) -> None:
    """Digitise scans (PDF, JPEG, PNG, TIFF, zips, folders) into the database.

    Exit 0 when every file was processed (fields needing review are not failures), 3 when some
    files failed (they are listed, and stored with their reasons).
    """
    started = time.perf_counter()
    from flows.runners import finished_batch

    settings: dict[str, Any] = {
        "db_url": resolve_db_url(db),
        "doc_type": doc_type,
        "preprocess": _cleaning(preprocess_json),
    }
    if register:
        settings["register_template"] = register
    if workers:
        settings["workers"] = workers
    options = Options(**settings)
    # A finished batch is recognised before Prefect is imported and its server started.
    summary = finished_batch([str(p) for p in paths], options)
    if summary is None:
        summary = _run_flow(paths, options, quiet, dask_address)
    _print_batch(summary, started)


def _run_flow(paths: list[Path], options: Options, quiet: bool, dask_address: str | None) -> Any:
    from flows.runners import dask_address as resolve_dask_address
    from flows.runners import start_server_early

    server = start_server_early()  # comes up while the pipeline's modules load
    from pipeline.digitise import read_ahead

    # Meanwhile the first pages are read into the page cache, leaving a core to the server.
    ahead = options.model_copy(update={"workers": max(1, options.workers - 1)})
    if resolve_dask_address(dask_address) is None:  # on a cluster, pages are read there
        read_ahead([str(p) for p in paths], ahead, server.is_alive)
    from flows.digitise import run_digitise

    server.join()

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("pages"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet or not console.is_terminal,
        transient=True,
    ) as progress:
        bar = progress.add_task("Reading", total=None)

        def listener(event: str, data: dict[str, Any]) -> None:
            if event == "planned":
                progress.update(bar, total=data["pages"])
            elif event == "page":
                progress.update(bar, advance=1, description=f"Reading {data['name'][-40:]}")

        return run_digitise([str(p) for p in paths], options, listener, dask_address)


def _print_batch(summary: Any, started: float) -> None:
    totals = summary.totals()
    totals["seconds"] = round(time.perf_counter() - started, 1)  # what the user waited, all in
    out.print(_summary_table(totals))
    if summary.ignored:
        shown = ", ".join(summary.ignored[:5]) + (" …" if len(summary.ignored) > 5 else "")
        console.print(f"Ignored {len(summary.ignored)} file(s) that are not scans: {shown}")
    if summary.empty:
        names = [o.name for o in summary.empty]
        shown = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
        console.print(
            f"[yellow]{len(names)} file(s) gave no record (nothing read as a field): {shown}"
            "[/yellow] — look at the scan; a blank page or an unreadable ledger page"
        )
    if summary.failures:
        console.print(f"[red]{len(summary.failures)} file(s) could not be processed:[/red]")
        for failure in summary.failures:
            console.print(f"  [bold]{failure.name}[/bold]: {failure.reason}")
        raise typer.Exit(ExitCode.partial_failure)


@app.command()
def watch(
    drop_dir: Annotated[Path, typer.Argument(help="Folder a scanner or clerks save files into.")],
    db: DbOption = None,
    interval: Annotated[
        float, typer.Option("--interval", min=1, help="Seconds between two looks.")
    ] = 10.0,
    settle: Annotated[
        float,
        typer.Option("--settle", min=0, help="Seconds a file must stay unchanged first."),
    ] = 10.0,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Pages OCRed in parallel (default: cores)."),
    ] = None,
) -> None:
    """Digitise every file dropped into DROP_DIR, then move it to done/ or failed/ (Ctrl-C stops).

    See docs/deploy.md for wiring a scanner's network folder to it.
    """
    from flows.deploy import watch as watch_folder

    settings: dict[str, Any] = {"db_url": resolve_db_url(db)}
    if workers:
        settings["workers"] = workers
    console.print(f"watching {drop_dir} every {interval:g} s (Ctrl-C to stop)")
    watch_folder(drop_dir, Options(**settings), interval, settle, say=console.print)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv.")] = "jsonl",
    db: DbOption = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write here instead of standard output.")
    ] = None,
) -> None:
    """Export records in the documented schema (one JSON object per line, or CSV)."""
    from pipeline.export import write_csv, write_jsonl

    writers = {"jsonl": write_jsonl, "csv": write_csv}
    if fmt not in writers:
        raise typer.BadParameter("must be jsonl or csv", param_hint="--format")
    store = _existing_store(db)
    try:
        _audit_cli(store, "export", None, detail=f"format={fmt}")
        if out_file:
            with out_file.open("w", encoding="utf-8", newline="") as fh:
                writers[fmt](store.iter_export(), fh)
        else:
            writers[fmt](store.iter_export(), sys.stdout)
    finally:
        store.close()


@app.command()
def ocr(
    file: Annotated[Path, typer.Argument(help="One PDF, image or multi-page TIFF.")],
    fmt: Annotated[str, typer.Option("--format", help="text, hocr or alto.")] = "text",
) -> None:
    """Clean and OCR every page of FILE and print it (pages separated by a form feed).

    Stores nothing.
    """
    from pipeline.digitise import make_engine
    from pipeline.load import InputProblem, expand_inputs, load_page, page_count
    from pipeline.ocr import tesseract_version
    from pipeline.preprocess import preprocess
    from pipeline.preprocess.context import clean_dpi

    if fmt not in ("text", "hocr", "alto"):
        raise typer.BadParameter("must be text, hocr or alto", param_hint="--format")
    if not file.is_file():
        raise typer.BadParameter(f"{file} is not a file", param_hint="FILE")
    tesseract_version()
    options = Options()
    engine = make_engine(options)
    with expand_inputs([file]) as entries:
        for entry in entries:
            if isinstance(entry, InputProblem):
                raise entry.error
            for number in range(1, page_count(entry, options.max_pages_per_file) + 1):
                image, dpi = load_page(
                    entry, number, dpi=options.dpi, max_pixels=options.max_image_pixels
                )
                clean, provenance = preprocess(image, options.preprocess)
                if number > 1:
                    sys.stdout.write("\f")
                if not (provenance.get("blank") and fmt == "text"):
                    sys.stdout.write(engine.render(clean, fmt=fmt, dpi=clean_dpi(dpi, provenance)))
                sys.stdout.write("\n" if fmt == "text" else "")
                sys.stdout.flush()


@app.command(name="eval")
def evaluate(
    folder: Annotated[Path, typer.Argument(help="Scans with a ground-truth JSON beside each.")],
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write eval.json, eval.md and plots into this folder."),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database to digitise into (default: a fresh temporary one)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Pages OCRed in parallel (default: cores)."),
    ] = None,
    preprocess_json: PreprocessJsonOption = None,
) -> None:
    """Measure OCR, field accuracy, routing and speed on labelled scans (docs/evaluation.md)."""
    from pipeline.evaluate import evaluate_folder, print_report, write_report

    cleaning = _cleaning(preprocess_json)
    result = evaluate_folder(
        folder,
        db_url=db,
        workers=workers,
        notify=lambda m: console.print(f"[dim]{m}…[/dim]"),
        preprocess=cleaning,
    )
    print_report(result, out)
    if report:
        written = write_report(result, report, "sohoa " + " ".join(sys.argv[1:]))
        console.print("wrote " + ", ".join(str(p) for p in written))


@app.command()
def samples(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write scans and ground truth into.")],
    n: Annotated[int, typer.Option("--n", min=0, help="Number of documents.")] = 10,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same bytes.")] = 0,
    doc_type: Annotated[
        list[str] | None, typer.Option("--doc-type", help="Type to cycle through (repeatable).")
    ] = None,
    profile: Annotated[
        list[str] | None,
        typer.Option("--profile", help="Scan profile, combine with '+' (repeatable)."),
    ] = None,
    all_profiles: Annotated[
        bool, typer.Option("--all-profiles", help="Every type gets each dev-set profile in turn.")
    ] = False,
    layouts: Annotated[
        str, typer.Option("--layouts", help="Form layouts: dev, held-out, all, or names a,b.")
    ] = "dev",
    fmt: Annotated[
        list[str] | None, typer.Option("--format", help="png, jpeg, pdf or tiff (repeatable).")
    ] = None,
    inconsistent: Annotated[
        float, typer.Option("--inconsistent", help="Share of deliberately inconsistent IDs.")
    ] = 0.0,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Processes in parallel.")] = 1,
    demo: Annotated[bool, typer.Option("--demo", help="Write the committed demo set.")] = False,
) -> None:
    """Generate synthetic scans with ground truth (docs/ground-truth.md, docs/devset.md)."""
    from pipeline.samples import generate, generate_demo_samples

    if demo:
        paths = generate_demo_samples(out_dir)
    else:
        try:
            paths = generate(
                out_dir,
                n=n,
                seed=seed,
                doc_types=doc_type,
                profiles=profile,
                formats=fmt,
                inconsistent_share=inconsistent,
                all_profiles=all_profiles,
                layouts=layouts.split(",") if "," in layouts else layouts,
                workers=workers,
            )
        except ValueError as error:
            raise typer.BadParameter(str(error)) from error
    console.print(f"wrote {len(paths)} documents with ground truth to {out_dir}")


@app.command()
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
) -> None:
    """Run the web app for clerks and stewards (upload, review, lookup); see docs/web.md."""
    import uvicorn

    from pipeline.web import create_app
    from pipeline.web.logs import install_log_masking, log_to_stderr

    install_log_masking()
    log_to_stderr()
    web = create_app(Options(db_url=resolve_db_url(db)))
    # One process: upload jobs run in its background thread (see pipeline/web/jobs.py).
    uvicorn.run(web, host=host, port=port, proxy_headers=True, server_header=False)


users = typer.Typer(help="Manage web app users.", no_args_is_help=True)
app.add_typer(users, name="users")


@users.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="The sign-in name.")],
    role: Annotated[str, typer.Option("--role", help="clerk, steward or admin.")] = "clerk",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Add a user, or reset the password and role of an existing one."""
    from pipeline.storage import Store
    from pipeline.web.auth import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with Store(resolve_db_url(db)) as store:
        add_user(store.engine, username, password, role)
    out.print(f"user {username} ({role}) saved")


register = typer.Typer(help="Civil-register books: templates, detection, archival export.")
app.add_typer(register, name="register", no_args_is_help=True)


@register.command("templates")
def register_templates() -> None:
    """List the register templates (TOML files; see docs/registers.md)."""
    from pipeline.registers.templates import load_templates

    table = Table("name", "kind", "era", "columns")
    for name, template in sorted(load_templates().items()):
        table.add_row(name, template.kind, template.era, " | ".join(template.fields))
    out.print(table)


@register.command("detect")
def register_detect(
    file: Annotated[Path, typer.Argument(help="A register page (image or PDF).")],
    page: Annotated[int, typer.Option("--page", min=1, help="Page of FILE to look at.")] = 1,
) -> None:
    """OCR one page and score every template against its header row (best first)."""
    from pipeline.digitise import make_engine
    from pipeline.load import InputProblem, expand_inputs, load_page
    from pipeline.preprocess import preprocess
    from pipeline.registers.book import find_grids, header_text
    from pipeline.registers.templates import load_templates, rank_templates

    if not file.is_file():
        raise typer.BadParameter(f"{file} is not a file", param_hint="FILE")
    options = Options(register_template="auto")
    with expand_inputs([file]) as entries:
        entry = entries[0]
        if isinstance(entry, InputProblem):
            raise entry.error
        image, dpi = load_page(entry, page, dpi=options.dpi, max_pixels=options.max_image_pixels)
    clean, provenance = preprocess(image, options.preprocess)
    read = make_engine(options).read(clean, number=page, dpi=dpi)
    read = read.model_copy(update={"preprocess": provenance})
    titles = tuple(t for tpl in load_templates().values() for c in tpl.columns for t in c.titles)
    grids = find_grids(read, clean if clean.ndim == 2 else None, [titles])
    header = header_text(read, grids[0]) if grids else read.text
    out.print(f"header: {header or '(none found)'}")
    table = Table("template", "score", "header", "title", "kind", "era")
    for s in rank_templates(header, read.text):
        t = s.template
        table.add_row(t.name, f"{s.score:.1f}", f"{s.header:.1f}", f"{s.title:.1f}", t.kind, t.era)
    out.print(table)


@register.command("export")
def register_export(
    book: Annotated[str, typer.Argument(help="The book's file name or SHA-256 prefix.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write to.")],
    db: DbOption = None,
    mode: Annotated[
        str, typer.Option("--mode", help="PDF images: auto (G4 if bitonal), bitonal or grey.")
    ] = "auto",
    template: Annotated[
        str | None, typer.Option("--template", help="Template giving the CSV's column order.")
    ] = None,
) -> None:
    """Write ALTO XML per page, a searchable PDF and a CSV of entries for a digitised book."""
    from pipeline.archive import export_book

    if mode not in ("auto", "bitonal", "grey"):
        raise typer.BadParameter("must be auto, bitonal or grey", param_hint="--mode")
    _existing_store(db).close()
    summary = export_book(resolve_db_url(db), book, out_dir, mode=mode, template=template)  # type: ignore[arg-type]
    console.print(
        f"{summary.pages} pages ({summary.bitonal_pages} bitonal), {summary.entries} entries, "
        f"PDF {summary.pdf_bytes / 1e6:.1f} MB ({summary.pdf_mb_per_page:.3f} MB/page) → {out_dir}"
    )


@app.command()
def lookup(
    id_number: Annotated[str, typer.Argument(help="12-digit personal ID (or 9-digit CMND).")],
    db: DbOption = None,
) -> None:
    """Print the citizen master record for ID_NUMBER as JSON (exit 1 when there is none)."""
    import json

    from pipeline.citizens import lookup as find_citizen

    with _existing_store(db) as store:
        found = find_citizen(store.engine, id_number)
        _audit_cli(store, "lookup", found)
    if found is None:
        console.print("no citizen with this ID number")
        raise typer.Exit(ExitCode.other_error)
    sys.stdout.write(json.dumps(found, ensure_ascii=False, indent=2) + "\n")


def _audit_cli(store: Any, action: str, found: dict[str, Any] | None, **extra: Any) -> None:
    """The CLI's views of personal data go to the access log too, under the operating-system
    user: the CLI is a local administrator's tool, trusted with the database URL itself."""
    import getpass

    from pipeline.storage.access import record_access

    if action == "lookup":
        extra = {"citizen_id": found["citizen_id"]} if found else {"detail": "not found"}
    record_access(store.engine, getpass.getuser(), f"cli {action}", action, **extra)


def main() -> None:
    """Console-script entry point: the one place where errors become exit codes."""
    from pipeline.web.logs import install_log_masking

    install_log_masking()  # every log record of the process, Prefect's and SQLAlchemy's too
    try:
        rc = app(standalone_mode=False)
    except SohoaError as exc:
        console.print(f"[red]error:[/red] {exc}")
        sys.exit(exc.exit_code)
    except UsageError as exc:
        exc.show()
        sys.exit(ExitCode.bad_arguments)
    except ClickException as exc:
        exc.show()
        sys.exit(ExitCode.other_error)
    except (typer.Abort, KeyboardInterrupt):
        console.print("interrupted")
        sys.exit(ExitCode.interrupted)
    sys.exit(rc if isinstance(rc, int) else ExitCode.ok)
