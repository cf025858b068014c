"""Show an evaluation: rich tables in the terminal; JSON, Markdown and PNG plots on disk.

Tables are built once as plain data (:func:`tables`) and rendered twice — rich for the terminal,
Markdown for the README — so the two never disagree.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = [
    "ReportTable",
    "markdown_report",
    "plot_field_bars",
    "plot_reliability",
    "print_report",
    "tables",
    "write_report",
]


@dataclass(frozen=True)
class ReportTable:
    """One table: the first ``labels`` columns are text (left-aligned), the rest numbers."""

    title: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]
    labels: int = 1


def _pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f} %"


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _overall_rows(result: dict[str, Any]) -> list[tuple[str, ...]]:
    o, speed = result["overall"], result.get("speed", {})
    text, plain, fields, routing = (
        o["text"],
        o["text_without_diacritics"],
        o["fields"],
        o["routing"],
    )
    rows = [
        ("documents / pages / failed", f"{o['documents']} / {o['pages']} / {o['failed']}"),
        ("document type accuracy", _pct(o["doc_type_accuracy"])),
        ("OCR character error rate", _pct(text["cer"], 2)),
        (
            "OCR word F1 (precision / recall)",
            f"{_pct(text['word_f1'])} ({_pct(text['word_precision'])} / "
            f"{_pct(text['word_recall'])})",
        ),
        (
            "OCR CER / word F1 without diacritics",
            f"{_pct(plain['cer'], 2)} / {_pct(plain['word_f1'])}",
        ),
        (
            "fields: precision / recall (exact match)",
            f"{_pct(fields['precision'])} / {_pct(fields['recall'])}",
        ),
        ("fields found (right or wrong)", _pct(fields["found_rate"])),
        (
            "fields in truth / extracted / correct",
            f"{fields['in_truth']} / {fields['extracted']} / {fields['correct']}",
        ),
        ("documents with every field right", _pct(o["documents_exact"])),
        ("auto-accepted fields (target ≥ 85 %)", _pct(routing["auto_accept_rate"])),
        (
            "error among auto-accepted (target ≤ 0.5 %)",
            f"{_pct(routing['auto_error_rate'], 2)} ({routing['auto_wrong']} of "
            f"{routing['auto_accepted']}; 95 % bound {_pct(routing['auto_error_upper95'], 2)})",
        ),
        (
            "error among needs-review",
            f"{_pct(routing['review_error_rate'])} ({routing['review_wrong']} of "
            f"{routing['needs_review']})",
        ),
        (
            "deliberately inconsistent fields auto-accepted",
            f"{routing['inconsistent_auto']} of {routing['inconsistent']}",
        ),
        ("expected calibration error", _num(result["reliability"]["ece"], 3)),
    ]
    printed = result.get("printed")
    if printed:
        p, r = printed["overall"], printed["overall"]["routing"]
        rows += [
            (
                "printed values, non-register documents: exact match (target ≥ 97 %)",
                f"{_pct(p['fields']['exact_match'])} ({p['fields']['correct']} of "
                f"{p['fields']['in_truth']})",
            ),
            (
                "… id_number / date_of_birth (target ≥ 99 %)",
                f"{_pct(p['id_number']['exact_match'])} / "
                f"{_pct(p['date_of_birth']['exact_match'])}",
            ),
            (
                "… auto-accepted / error among auto-accepted",
                f"{_pct(r['auto_accept_rate'])} / {_pct(r['auto_error_rate'], 2)} "
                f"({r['auto_wrong']} of {r['auto_accepted']})",
            ),
        ]
    if speed:
        rows += [
            (
                "pages per second (pipeline, whole run)",
                f"{_num(speed['pages_per_second'])} ({speed['pages']} pages, "
                f"{speed['workers']} workers, {_num(speed['pipeline_seconds'], 1)} s)",
            ),
            (
                "bare Tesseract, same pages",
                f"{_num(speed['bare_pages_per_second'])} pages/s "
                f"({_num(speed['bare_tesseract_seconds'], 1)} s)",
            ),
            (
                "pipeline / bare Tesseract time",
                f"{_num(speed['ratio'])}× whole run, {_num(speed['flow_ratio'])}× flow only, "
                f"{_num(speed['cpu_ratio'])}× CPU time",
            ),
        ]
    return rows


def tables(result: dict[str, Any]) -> list[ReportTable]:
    """The report's tables: overall, per document type × field, per profile, and printed values
    of non-register documents per profile (the scope of the accuracy targets)."""
    field_rows = [
        (
            r["doc_type"],
            r["field"],
            str(r["in_truth"]),
            str(r["extracted"]),
            str(r["correct"]),
            _pct(r["precision"]),
            _pct(r["exact_match"]),
            _pct(r["found_rate"]),
        )
        for r in result["by_doc_type_field"]
    ]
    profile_rows = [
        (
            name,
            str(g["documents"]),
            str(g["pages"]),
            _pct(g["text"]["cer"], 2),
            _pct(g["text"]["word_f1"]),
            _pct(g["fields"]["precision"]),
            _pct(g["fields"]["recall"]),
            _pct(g["routing"]["auto_accept_rate"]),
            _pct(g["routing"]["auto_error_rate"], 2),
        )
        for name, g in result["by_profile"].items()
    ]
    printed = result.get("printed")
    printed_rows = []
    if printed:
        groups = [("all profiles", printed["overall"]), *printed["by_profile"].items()]
        printed_rows = [_printed_row(name, g) for name, g in groups]
    return [
        ReportTable("Overall", ("measure", "value"), _overall_rows(result), labels=2),
        ReportTable(
            "Fields by document type",
            (
                "doc type",
                "field",
                "in truth",
                "extracted",
                "correct",
                "precision",
                "recall = exact match",
                "found",
            ),
            field_rows,
            labels=2,
        ),
        ReportTable(
            "By scan profile",
            (
                "profile",
                "docs",
                "pages",
                "CER",
                "word F1",
                "field precision",
                "field recall",
                "auto-accepted",
                "auto error",
            ),
            profile_rows,
        ),
    ] + (
        [
            ReportTable(
                "Printed values of non-register documents, by scan profile (targets: exact "
                "match ≥ 97 %, id_number and date_of_birth ≥ 99 %, error among auto-accepted "
                "≤ 0.5 %)",
                (
                    "profile",
                    "fields",
                    "exact match",
                    "id_number",
                    "date_of_birth",
                    "auto-accepted",
                    "auto error",
                ),
                printed_rows,
            )
        ]
        if printed_rows
        else []
    )


def _printed_row(name: str, group: dict[str, Any]) -> tuple[str, ...]:
    def em(score: dict[str, Any]) -> str:
        return f"{_pct(score['exact_match'])} ({score['correct']}/{score['in_truth']})"

    routing = group["routing"]
    return (
        name,
        str(group["fields"]["in_truth"]),
        em(group["fields"]),
        em(group["id_number"]),
        em(group["date_of_birth"]),
        _pct(routing["auto_accept_rate"]),
        f"{_pct(routing['auto_error_rate'], 2)} "
        f"({routing['auto_wrong']}/{routing['auto_accepted']})",
    )


def print_report(result: dict[str, Any], console: Console) -> None:
    """Print the tables, then any truth files that were left out."""
    for spec in tables(result):
        table = Table(title=spec.title, header_style="bold")
        for i, header in enumerate(spec.headers):
            table.add_column(header, justify="left" if i < spec.labels else "right")
        for row in spec.rows:
            table.add_row(*row)
        console.print(table)
    for problem in result.get("problems", []):
        console.print(f"[yellow]left out:[/yellow] {problem}")
    if result.get("speed", {}).get("skipped_files"):
        console.print("[yellow]some files were already in the database: speed is not valid[/]")


def _markdown_table(spec: ReportTable) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    align = ["---" if i < spec.labels else "---:" for i in range(len(spec.headers))]
    body = [line(spec.headers), "| " + " | ".join(align) + " |", *map(line, spec.rows)]
    return f"### {spec.title}\n\n" + "\n".join(body) + "\n"


def markdown_report(result: dict[str, Any], command: str) -> str:
    """The tables as Markdown, headed by date, machine and command, ready for the README."""
    m = result["machine"]
    head = (
        f"## Evaluation — {result['date'][:10]}\n\n"
        f"- command: `{command}`\n"
        f"- machine: {m['platform']}, {m['cores']} cores, {m['cpu']}\n"
        f"- {m['tesseract']}, Python {m['python']}, sohoa {m['sohoa']}\n"
    )
    return head + "\n" + "\n".join(_markdown_table(t) for t in tables(result))


def plot_reliability(result: dict[str, Any], path: Path) -> Path:
    """Reliability diagram: observed accuracy per confidence bin against the diagonal."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and in CI
    import matplotlib.pyplot as plt

    rel = result["reliability"]
    bins = [b for b in rel["bins"] if b["count"]]
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.bar(
        [b["lower"] for b in bins],
        [b["accuracy"] for b in bins],
        width=[b["upper"] - b["lower"] for b in bins],
        align="edge",
        edgecolor="black",
        alpha=0.7,
        label="observed accuracy",
    )
    for b in bins:
        ax.annotate(
            str(b["count"]),
            ((b["lower"] + b["upper"]) / 2, b["accuracy"]),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.set(
        xlim=(0, 1),
        ylim=(0, 1.08),
        xlabel="field confidence",
        ylabel="share of fields correct",
        title=f"Reliability (ECE {_num(rel['ece'], 3)}, {rel['count']} fields)",
    )
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_field_bars(result: dict[str, Any], path: Path) -> Path:
    """Horizontal bars: exact match of each document type × field (numbers of truth fields)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in result["by_doc_type_field"] if r["in_truth"]]
    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.28 * max(1, len(rows))))
    labels = [f"{r['doc_type']} · {r['field']}" for r in rows]
    values = [r["exact_match"] for r in rows]
    ax.barh(labels, values, color="tab:blue")
    for y, r in enumerate(rows):
        ax.annotate(
            f" {r['correct']}/{r['in_truth']}", (r["exact_match"], y), va="center", fontsize=7
        )
    ax.invert_yaxis()  # first row on top, as in the table
    ax.set(xlim=(0, 1.15), xlabel="exact match", title="Field exact match by document type")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_report(result: dict[str, Any], out: Path, command: str) -> list[Path]:
    """Write ``eval.json``, ``eval.md``, ``reliability.png`` and ``fields.png`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    result = result | {"command": command}
    json_path = out / "eval.json"
    json_path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    md_path = out / "eval.md"
    md_path.write_text(markdown_report(result, command), "utf-8")
    return [
        json_path,
        md_path,
        plot_reliability(result, out / "reliability.png"),
        plot_field_bars(result, out / "fields.png"),
    ]
