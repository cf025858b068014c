"""Civil-registry books: ruled ledger pages to one record per register entry.

Modules, in the order a page meets them: :mod:`.templates` (which field each column holds, as
TOML data), :mod:`.engine` (OCR with the ruling erased), :mod:`.grid` (rules found, or a grid
inferred from the words), :mod:`.entries` (cells read, ditto marks, confidence, one record per
row) and :mod:`.book` (a whole book, page by page). ``docs/registers.md`` is the guide.
"""

from __future__ import annotations

from pipeline.registers.book import interpret_register, iter_register, read_register_page
from pipeline.registers.grid import Grid, detect_grid, grid_from_words
from pipeline.registers.templates import Template, get_template, load_templates, rank_templates

__all__ = [
    "Grid",
    "Template",
    "detect_grid",
    "get_template",
    "grid_from_words",
    "interpret_register",
    "iter_register",
    "load_templates",
    "rank_templates",
    "read_register_page",
]
