"""The batch artifact: the summary table and a link to the review queue, in Prefect's UI.

The link uses ``$SOHOA_PUBLIC_URL`` (the address clerks and stewards open, e.g.
``https://sohoa.example.gov.vn``); without it the artifact has the table only.
"""

from __future__ import annotations

import os
from typing import Any

from pipeline.digitise import SUMMARY_LABELS

__all__ = ["PUBLIC_URL_ENV", "batch_markdown", "publish_batch"]

PUBLIC_URL_ENV = "SOHOA_PUBLIC_URL"


def batch_markdown(summary: Any, public_url: str | None = None) -> str:
    """Markdown for one batch: totals, failed files with their reasons, the review queue link."""
    totals = summary.totals()
    lines = [f"## Batch {summary.batch_id}", "", "| | |", "| --- | ---: |"]
    lines += [f"| {label} | {totals[key]} |" for key, label in SUMMARY_LABELS.items()]
    if summary.failures:
        lines += ["", "### Files that failed", ""]
        lines += [f"- `{f.name}`: {f.reason}" for f in summary.failures]
    url = public_url if public_url is not None else os.environ.get(PUBLIC_URL_ENV)
    if url and totals["fields_needs_review"]:
        lines += [
            "",
            f"[Review queue ({totals['fields_needs_review']} fields)]({url.rstrip('/')}/review)",
        ]
    return "\n".join(lines) + "\n"


def publish_batch(summary: Any) -> None:
    """Attach the batch summary to the current flow run as a markdown artifact and a table."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    create_markdown_artifact(
        batch_markdown(summary), key="batch-summary", description="sohoa batch summary"
    )
    create_table_artifact(
        [
            {
                "file": o.name,
                "pages": o.pages,
                "records": o.records,
                "review": o.review,
                "skipped": o.skipped,
                "error": o.error or "",
            }
            for o in summary.outcomes
        ],
        key="batch-files",
        description="one row per input file",
    )
