"""Every document type the generator draws: :data:`LAYOUTS` maps a DESIGN.md type to its layout.

A layout is a function ``(rng, family, *, inconsistent, **options) -> RenderedDocument`` built
from the :mod:`~pipeline.samples.render` primitives. Adding a document type means writing one
and registering it here.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from pipeline.samples.cards import cccd_back, cccd_front, cmnd
from pipeline.samples.certificates import birth_certificate, death_certificate, marriage_certificate
from pipeline.samples.fonts import FontFamily
from pipeline.samples.forms import application_form, contract
from pipeline.samples.register import civil_register_page
from pipeline.samples.render import RenderedDocument

__all__ = ["LAYOUTS", "Layout", "render"]

Layout = Callable[..., RenderedDocument]
# The first three keep their places: a run cycles through types in this order, so appending new
# types leaves the documents of old seeds where they were.
LAYOUTS: dict[str, Layout] = {
    "birth_certificate": birth_certificate,
    "cccd_front": cccd_front,
    "application_form": application_form,
    "cccd_back": cccd_back,
    "cmnd": cmnd,
    "marriage_certificate": marriage_certificate,
    "death_certificate": death_certificate,
    "contract": contract,
    "civil_register_page": civil_register_page,
}


def render(
    doc_type: str,
    rng: random.Random,
    family: FontFamily,
    *,
    inconsistent: bool = False,
    **options: object,
) -> RenderedDocument:
    """Draw one document of ``doc_type`` (a key of :data:`LAYOUTS`) with the given font family."""
    try:
        layout = LAYOUTS[doc_type]
    except KeyError:
        raise ValueError(f"unknown doc_type {doc_type!r}; known: {', '.join(LAYOUTS)}") from None
    return layout(rng, family, inconsistent=inconsistent, **options)
