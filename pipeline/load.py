"""Load stage: turn paths (files, folders, zips) into identified inputs and pages into pixels.

Inputs are recognised by their bytes, not their extension, and identified by SHA-256. Pages are
rasterised one at a time (``pdftoppm`` through pdf2image for PDFs, Pillow for images), so a
1,000-page PDF never sits in memory whole.

    >>> from pathlib import Path
    >>> sniff_kind(b"%PDF-1.7 ...")
    'pdf'
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from pipeline.exceptions import (
    CorruptFileError,
    EmptyFileError,
    EncryptedPdfError,
    FileTooLargeError,
    InputFileError,
    MissingDependencyError,
    NoInputError,
    UnsupportedFormatError,
)

__all__ = [
    "InputFile",
    "InputProblem",
    "expand_inputs",
    "load_page",
    "page_count",
    "sha256_file",
    "sniff_kind",
]

# Magic numbers of the formats we read; anything else is refused with its name.
_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"PK\x03\x04", "zip"),
    (b"BM", "bmp"),
]
_MEDIA_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "tiff": "image/tiff",
    "bmp": "image/bmp",
    "webp": "image/webp",
    "zip": "application/zip",
}
# Zip limits: enough for any real batch, small enough that a zip bomb is refused before it
# fills the disk.
MAX_ZIP_TOTAL_BYTES = 4 * 1024**3
MAX_ZIP_RATIO = 200
MAX_ZIP_DEPTH = 3
# Names that promise a scan: such a file with other content is an error, not a companion file.
SCAN_SUFFIXES = frozenset(
    {".pdf", ".png", ".jpg", ".jpeg", ".jpe", ".tif", ".tiff", ".bmp", ".webp", ".zip"}
)


def sniff_kind(head: bytes) -> str | None:
    """The input kind from a file's first bytes (``pdf``, ``png``, ``jpeg``, ``tiff``, ``zip``,
    ``bmp``, ``webp``), or None."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class InputFile:
    """One document file to digitise.

    ``name`` is what users see (``batch.zip/ks.pdf`` for a zip member); ``path`` is where the bytes
    are on disk (a temporary copy for zip members).
    """

    name: str
    path: Path
    kind: str
    sha256: str
    size: int

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES.get(self.kind, "application/octet-stream")


@dataclass(frozen=True)
class InputProblem:
    """A path that could not become an :class:`InputFile` (empty, unknown format, bad zip).

    ``ignored`` marks a file found inside a folder or zip that is plainly not a scan (a
    ``README.md``, a ground-truth ``.json``, ``Thumbs.db``): it is listed, not counted as a failure.
    A file named on the command line, or one whose name promises a scan, is never ignored.
    """

    name: str
    error: InputFileError
    ignored: bool = False


def _identify(name: str, path: Path) -> InputFile:
    size = path.stat().st_size
    if size == 0:
        raise EmptyFileError("the file is empty (0 bytes)", name=name)
    with path.open("rb") as fh:
        kind = sniff_kind(fh.read(16))
    if kind is None:
        raise UnsupportedFormatError(
            "not a PDF, JPEG, PNG, TIFF, BMP, WebP or zip file (checked its content, "
            "not its extension)",
            name=name,
        )
    return InputFile(name=name, path=path, kind=kind, sha256=sha256_file(path), size=size)


def _walk(path: Path) -> Iterator[Path]:
    if path.is_dir():
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for fname in sorted(files):
                if not fname.startswith("."):
                    yield Path(root) / fname
    else:
        yield path


def _check_zip_sizes(name: str, archive: zipfile.ZipFile) -> None:
    members = [m for m in archive.infolist() if not m.is_dir()]
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if total > MAX_ZIP_TOTAL_BYTES or total / packed > MAX_ZIP_RATIO:
        raise FileTooLargeError(
            f"the zip would unpack to {total / 1024**2:.0f} MB "
            f"({total / packed:.0f}× its packed size); refused as a possible zip bomb",
            name=name,
        )


def _expand_zip(
    name: str, path: Path, workdir: Path, depth: int
) -> Iterator[InputFile | InputProblem]:
    """Members of a zip, extracted one by one into ``workdir`` under neutral names: member names
    are never used as paths, so ``../../x`` entries cannot write outside it."""
    if depth > MAX_ZIP_DEPTH:
        yield InputProblem(name, FileTooLargeError("zips nested deeper than 3 levels", name=name))
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield InputProblem(name, CorruptFileError(f"not a readable zip ({exc})", name=name))
        return
    with archive:
        try:
            _check_zip_sizes(name, archive)
        except FileTooLargeError as exc:
            yield InputProblem(name, exc)
            return
        for index, member in enumerate(sorted(archive.infolist(), key=lambda m: m.filename)):
            base = member.filename.rsplit("/", 1)[-1]
            if member.is_dir() or not base or base.startswith(".") or "__MACOSX" in member.filename:
                continue
            member_name = f"{name}/{member.filename.lstrip('/')}"
            target = (
                workdir / f"z{depth}-{index}-{hashlib.sha1(member_name.encode()).hexdigest()[:8]}"
            )
            try:
                with archive.open(member) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
                yield InputProblem(member_name, CorruptFileError(f"{exc}", name=member_name))
                continue
            yield from _identify_or_expand(member_name, target, workdir, depth + 1)


def _identify_or_expand(
    name: str, path: Path, workdir: Path, depth: int, *, explicit: bool = False
) -> Iterator[InputFile | InputProblem]:
    try:
        item = _identify(name, path)
    except UnsupportedFormatError as exc:
        companion = not explicit and Path(name).suffix.lower() not in SCAN_SUFFIXES
        yield InputProblem(name, exc, ignored=companion)
        return
    except InputFileError as exc:
        yield InputProblem(name, exc)
        return
    except OSError as exc:
        yield InputProblem(name, CorruptFileError(f"cannot be read ({exc.strerror})", name=name))
        return
    if item.kind == "zip":
        yield from _expand_zip(name, path, workdir, depth)
    else:
        yield item


@contextmanager
def expand_inputs(
    paths: list[Path], workdir: Path | None = None
) -> Iterator[list[InputFile | InputProblem]]:
    """All document files under ``paths`` (files, folders recursively, zips and nested zips).

    A context manager because zip members are extracted to a temporary folder that is removed on
    exit. Problems (empty or unknown files, broken zips) come back as :class:`InputProblem` so the
    batch can report them and go on.

    Raises:
        NoInputError: a path does not exist.
    """
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise NoInputError(f"no such file or folder: {', '.join(missing)}")
    tmp = Path(tempfile.mkdtemp(prefix="sohoa-in-", dir=workdir))
    try:
        items: list[InputFile | InputProblem] = []
        for top in paths:
            for path in _walk(top):
                explicit = top.is_file()
                name = str(path) if explicit else str(path.relative_to(top.parent))
                items.extend(_identify_or_expand(name, path, tmp, 1, explicit=explicit))
        yield items
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _pdf_info(path: Path, name: str) -> dict:
    from pdf2image import pdfinfo_from_path
    from pdf2image.exceptions import PDFInfoNotInstalledError, PDFPageCountError

    try:
        return pdfinfo_from_path(str(path))
    except PDFInfoNotInstalledError as exc:
        raise MissingDependencyError(
            "pdfinfo/pdftoppm not found: install poppler-utils (apt-get install poppler-utils)"
        ) from exc
    except PDFPageCountError as exc:
        message = str(exc)
        if "password" in message.lower() or "encrypt" in message.lower():
            raise EncryptedPdfError(
                "the PDF is password-protected; save an unprotected copy and add it again",
                name=name,
            ) from exc
        raise CorruptFileError(f"not a readable PDF ({message.strip()[-200:]})", name=name) from exc


def page_count(item: InputFile, max_pages: int) -> int:
    """Number of pages of a PDF, TIFF or image.

    Raises:
        InputFileError: encrypted, corrupt, pageless or too long.
    """
    if item.kind == "pdf":
        pages = int(_pdf_info(item.path, item.name).get("Pages", 0))
    else:
        with _open_image(item) as img:
            pages = getattr(img, "n_frames", 1)
    if pages < 1:
        raise CorruptFileError("the file has no pages", name=item.name)
    if pages > max_pages:
        raise FileTooLargeError(
            f"{pages} pages, more than the limit of {max_pages}", name=item.name
        )
    return pages


@contextmanager
def _open_image(item: InputFile) -> Iterator[Image.Image]:
    try:
        with Image.open(item.path) as img:
            yield img
    except Image.DecompressionBombError as exc:
        raise FileTooLargeError(f"image too large to be a scan ({exc})", name=item.name) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise CorruptFileError(f"the image cannot be decoded ({exc})", name=item.name) from exc


def load_page(
    item: InputFile, number: int, *, dpi: int, max_pixels: int
) -> tuple[np.ndarray, int | None]:
    """Pixels of page ``number`` (1-based) and their resolution in dpi when known.

    The array is uint8, grey (H, W) or RGB (H, W, 3).

    Raises:
        InputFileError: the page cannot be decoded or is absurdly large.
    """
    Image.MAX_IMAGE_PIXELS = max_pixels
    if item.kind == "pdf":
        from pdf2image import convert_from_path
        from pdf2image.exceptions import PDFPageCountError, PDFSyntaxError

        try:
            images = convert_from_path(
                str(item.path), dpi=dpi, first_page=number, last_page=number, timeout=300
            )
        except (PDFPageCountError, PDFSyntaxError, OSError, ValueError) as exc:
            raise CorruptFileError(
                f"page {number}: cannot be rendered ({exc})", name=item.name
            ) from exc
        if not images:
            raise CorruptFileError(f"page {number}: poppler rendered nothing", name=item.name)
        image = images[0]
        if image.width * image.height > max_pixels:
            raise FileTooLargeError(f"page {number}: page too large at {dpi} dpi", name=item.name)
        return _to_array(image), dpi
    with _open_image(item) as img:
        # Pillow only refuses images over twice its limit; refuse anything over the limit itself.
        if img.width * img.height > max_pixels:
            raise FileTooLargeError(
                f"{img.width}×{img.height} pixels is too large to be a scan", name=item.name
            )
        try:
            img.seek(number - 1)
            frame = ImageOps.exif_transpose(img) if number == 1 else img.copy()
            found = img.info.get("dpi")
            # Scanners write 72 or 1 when they do not know: treat those as unknown.
            page_dpi = round(float(found[0])) if found and float(found[0]) > 72 else None
            return _to_array(frame), page_dpi
        except (OSError, EOFError, ValueError, SyntaxError) as exc:
            raise CorruptFileError(
                f"page {number}: cannot be decoded ({exc})", name=item.name
            ) from exc


def _to_array(image: Image.Image) -> np.ndarray:
    if image.mode in ("1", "L", "I;16", "I", "F"):
        return np.asarray(image.convert("L"))
    return np.asarray(image.convert("RGB"))
