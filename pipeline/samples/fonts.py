"""Fonts with full Vietnamese coverage, found by file name under ``/usr/share/fonts``.

Printed text uses the Debian font families of :data:`FAMILIES`. No handwriting font in Debian
covers Vietnamese (Dancing Script, Kristi, Klee, DKG handwriting, Comic Neue … all lack the
tone-marked vowels), so :data:`HANDWRITING` is Google's Dancing Script 2.001, which does, from
the PyPI package ``fontpkg-dancing-script``; :meth:`Sheet.scrawl
<pipeline.samples.render.Sheet.scrawl>` adds the per-word jitter a real hand has. Check boxes
(``☐``) come from DejaVu Sans, the one installed family that has them.

A font that silently drops tone marks would make every sample wrong, so :func:`missing_glyphs`
checks each letter against the font's character map (through Pillow's basic layout, which does
not fall back to decomposed marks) and the test suite runs it on every family.
"""

from __future__ import annotations

import functools
import glob
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

__all__ = [
    "FAMILIES",
    "HANDWRITING",
    "SYMBOLS",
    "VIETNAMESE_LETTERS",
    "FontFamily",
    "FontNotFoundError",
    "find_font",
    "load_font",
    "missing_glyphs",
]

FONT_ROOT = Path("/usr/share/fonts")

_BASES = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # ` ´ ? ~ .
# Every vowel with every tone (12 × 6), plus đ, in both cases, precomposed (NFC).
VIETNAMESE_LETTERS = "".join(
    unicodedata.normalize("NFC", base + tone) for base in _BASES for tone in _TONES
)
VIETNAMESE_LETTERS += "đ"
VIETNAMESE_LETTERS += VIETNAMESE_LETTERS.upper()


class FontNotFoundError(FileNotFoundError):
    """A font file the generator needs is not installed."""


@dataclass(frozen=True)
class FontFamily:
    """File names of one family's styles and the Debian package that installs them."""

    regular: str
    bold: str
    italic: str
    package: str

    @property
    def name(self) -> str:
        """Stem of the regular file, recorded in ground truth: ``"NotoSerif-Regular"``."""
        return Path(self.regular).stem


# Liberation Serif has the metrics of Times New Roman, which Decree 30/2020/NĐ-CP prescribes
# for administrative documents: it is the likeliest look of a real dossier, hence listed first.
FAMILIES: dict[str, FontFamily] = {
    "LiberationSerif": FontFamily(
        "LiberationSerif-Regular.ttf",
        "LiberationSerif-Bold.ttf",
        "LiberationSerif-Italic.ttf",
        "fonts-liberation2",
    ),
    "NotoSerif": FontFamily(
        "NotoSerif-Regular.ttf", "NotoSerif-Bold.ttf", "NotoSerif-Italic.ttf", "fonts-noto-core"
    ),
    "DejaVuSerif": FontFamily(
        "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "fonts-dejavu-core"
    ),
    "LiberationSans": FontFamily(
        "LiberationSans-Regular.ttf",
        "LiberationSans-Bold.ttf",
        "LiberationSans-Italic.ttf",
        "fonts-liberation2",
    ),
    "NotoSans": FontFamily(
        "NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSans-Italic.ttf", "fonts-noto-core"
    ),
    "DejaVuSans": FontFamily(
        "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "fonts-dejavu-core"
    ),
}


# Handwriting: one style only (the variable font's default instance, weight 400).
HANDWRITING = FontFamily(
    "DancingScript[wght].ttf",
    "DancingScript[wght].ttf",
    "DancingScript[wght].ttf",
    "fontpkg-dancing-script",
)
SYMBOLS = FontFamily("DejaVuSans.ttf", "DejaVuSans.ttf", "DejaVuSans.ttf", "fonts-dejavu-core")


def _roots() -> list[Path]:
    """Where fonts are searched: the system's fonts, then font packages installed from PyPI."""
    roots = [FONT_ROOT]
    try:
        import fontpkg_dancing_script  # PyPI fonts ship inside their package

        roots.append(Path(fontpkg_dancing_script.ROOT))
    except ImportError:
        pass
    return [root for root in roots if root.is_dir()]


def _install_hint(package: str) -> str:
    if package.startswith("fontpkg-"):
        return f"pip install {package}"
    return f"apt-get install {package}"


@functools.cache
def find_font(file_name: str, package: str = "a fonts-* package") -> Path:
    """The installed path of a font file with full Vietnamese coverage.

    Searched by name under ``/usr/share/fonts`` and in PyPI font packages. Several packages can
    ship the same file name (``fonts-liberation`` 1.x has ``LiberationSerif-Bold.ttf`` without
    Vietnamese, next to ``fonts-liberation2``), so the first copy that covers every Vietnamese
    letter wins.

    Raises:
        FontNotFoundError: naming the Debian package to install.
    """
    matches = [path for root in _roots() for path in sorted(root.rglob(glob.escape(file_name)))]
    for path in matches:
        if not missing_glyphs(path):
            return path
    found = (
        f" (found without Vietnamese letters: {', '.join(map(str, matches))})" if matches else ""
    )
    raise FontNotFoundError(
        f"font {file_name} with Vietnamese coverage not found under {FONT_ROOT}{found}: "
        f"install it with `{_install_hint(package)}`"
    )


@functools.cache
def load_font(
    file_name: str, size: int, package: str = "a fonts-* package"
) -> ImageFont.FreeTypeFont:
    """A cached Pillow font of ``size`` pixels (em height)."""
    return ImageFont.truetype(str(find_font(file_name, package)), size)


def missing_glyphs(font_path: Path, text: str = VIETNAMESE_LETTERS) -> list[str]:
    """Characters of ``text`` the font has no glyph for (drawn as the .notdef box).

    Uses the basic layout so HarfBuzz cannot hide a missing precomposed letter by composing it
    from a base and combining marks; Pillow offers no direct cmap query.
    """
    font = ImageFont.truetype(str(font_path), 48, layout_engine=ImageFont.Layout.BASIC)
    notdef = font.getmask("\ue000")  # a private-use code point no text font maps
    notdef_bytes, notdef_size = bytes(notdef), notdef.size
    missing = []
    for char in dict.fromkeys(text):
        mask = font.getmask(char)
        if mask.size == notdef_size and bytes(mask) == notdef_bytes:
            missing.append(char)
    return missing
