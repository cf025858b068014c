"""Register templates: which field each column of a ledger holds, as data (TOML), not code.

A template is one ``*.toml`` file in ``pipeline/registers/templates/`` (or in a folder named by
``SOHOA_REGISTER_TEMPLATES``): its columns in printed order, each with its title, the titles
other books print for it (``aliases``) and the record field it fills. Adding a register layout is
adding a file; ``docs/registers.md`` describes the format.

    >>> template = get_template("khai_sinh_truoc_2016")
    >>> template.columns[1].field
    'full_name'
    >>> best = rank_templates("Số TT Họ và tên Ngày sinh Giới tính Dân tộc Quốc tịch Nơi sinh")[0]
    >>> best.template.kind
    'birth'
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rapidfuzz import fuzz

from extractors.text import fold
from pipeline.exceptions import ConfigError

__all__ = [
    "Column",
    "Template",
    "TemplateScore",
    "get_template",
    "load_templates",
    "rank_templates",
    "template_dirs",
]

TEMPLATE_DIR = Path(__file__).parent / "templates"


class Column(BaseModel):
    """One ledger column: its printed title, other spellings of it, and the field it fills.

    ``parse_as`` names the field whose value parser normalises this column when ``field`` has
    none of its own (``husband_name`` is parsed as a ``full_name``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    field: str
    aliases: tuple[str, ...] = ()
    parse_as: str | None = None

    @property
    def titles(self) -> tuple[str, ...]:
        return (self.title, *self.aliases)


class Template(BaseModel):
    """A register layout: book title(s) and columns in printed order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    title: str
    kind: Literal["birth", "marriage", "death", "other"]
    era: str
    book_titles: tuple[str, ...] = ()
    columns: tuple[Column, ...] = Field(min_length=1)
    doc_type: str = "civil_register_page"

    @property
    def fields(self) -> list[str]:
        return [c.field for c in self.columns]


def template_dirs() -> list[Path]:
    """Folders searched for templates: the shipped ones, then ``SOHOA_REGISTER_TEMPLATES``
    (``:``-separated), whose files override shipped ones of the same name."""
    extra = os.environ.get("SOHOA_REGISTER_TEMPLATES", "")
    return [TEMPLATE_DIR, *(Path(p) for p in extra.split(os.pathsep) if p)]


@cache
def _load_dirs(dirs: tuple[Path, ...]) -> dict[str, Template]:
    templates: dict[str, Template] = {}
    for folder in dirs:
        for path in sorted(folder.glob("*.toml")):
            try:
                template = Template.model_validate(tomllib.loads(path.read_text("utf-8")))
            except (tomllib.TOMLDecodeError, ValidationError) as exc:
                # A broken template is the user's file to fix: name it and say what is wrong.
                raise ConfigError(f"register template {path} is not valid: {exc}") from exc
            templates[template.name] = template
    return templates


def load_templates() -> dict[str, Template]:
    """Every template by name (cached per set of folders)."""
    return _load_dirs(tuple(template_dirs()))


def get_template(name: str) -> Template:
    """The template called ``name``.

    Raises:
        ConfigError: no template has that name (the message lists the known ones).
    """
    templates = load_templates()
    try:
        return templates[name]
    except KeyError:
        known = ", ".join(sorted(templates))
        raise ConfigError(f"unknown register template {name!r}; known: {known}") from None


@dataclass(frozen=True)
class TemplateScore:
    """How well a page's header matches a template (0–100), and its parts."""

    template: Template
    score: float
    header: float
    title: float


def _key(text: str) -> str:
    return " ".join(fold(text).replace(",", " ").split())


def _header_score(template: Template, header: str) -> float:
    # The columns' titles in printed order against the header row as OCR read it: order,
    # missing and extra columns all cost, so the two eras of one register tell apart.
    best = 0.0
    for variant in range(2):
        titles = [c.titles[min(variant, len(c.titles) - 1)] for c in template.columns]
        best = max(best, fuzz.ratio(_key(" ".join(titles)), header))
    return best


def rank_templates(header_text: str, page_text: str = "") -> list[TemplateScore]:
    """Templates ordered best first for a page whose header row reads ``header_text``.

    The score is 80 % the header's likeness to the template's column titles (rapidfuzz ratio on
    folded text) and 20 % how well the book title (``Sổ đăng ký khai sinh``) appears in
    ``page_text``: the columns say most, the title tells birth from death books whose columns
    look alike.
    """
    header = _key(header_text)
    page = _key(page_text)
    scores = []
    for template in load_templates().values():
        head = _header_score(template, header)
        title = max(
            (fuzz.partial_ratio(_key(t), page) for t in template.book_titles if page), default=0.0
        )
        scores.append(TemplateScore(template, round(0.8 * head + 0.2 * title, 1), head, title))
    return sorted(scores, key=lambda s: -s.score)
