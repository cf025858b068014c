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
import struct
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
    "sweep_stale_temp",
    "temp_prefix",
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
# fills the disk. The total counts a zip and every zip nested in it together: a 42.zip-style bomb
# passes the ratio check level by level and only its total gives it away.
MAX_ZIP_TOTAL_BYTES = 4 * 1024**3
MAX_ZIP_RATIO = 200
MAX_ZIP_DEPTH = 3
# pdfinfo answers in milliseconds; pdftoppm takes about a second for an A4 page at 300 dpi. A PDF
# that keeps poppler busy far longer than that is built to, and is refused.
PDFINFO_TIMEOUT = 60
RENDER_TIMEOUT = 300
# Temporary folders are named "sohoa-<what>-<pid>-…" so that a later run can remove those of a
# process that was killed (SIGKILL leaves no chance to clean up): they hold page images.
TEMP_PREFIX = "sohoa-"
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


class _ZipBudget:
    """Bytes a top-level zip may still unpack to, nested zips included."""

    def __init__(self) -> None:
        self.left = MAX_ZIP_TOTAL_BYTES

    def take(self, name: str, archive: zipfile.ZipFile) -> None:
        """Reserve the declared size of every member of ``archive``.

        Raises:
            FileTooLargeError: over the ratio, or over what is left of the total.
        """
        members = [m for m in archive.infolist() if not m.is_dir()]
        total = sum(m.file_size for m in members)
        packed = sum(m.compress_size for m in members) or 1
        if total > self.left or total / packed > MAX_ZIP_RATIO:
            raise FileTooLargeError(
                f"the zip would unpack to more than {MAX_ZIP_TOTAL_BYTES / 1024**2:.0f} MB "
                f"(nested zips included) or to over {MAX_ZIP_RATIO}× its packed size; "
                "refused as a possible zip bomb"
                if total > self.left
                else f"the zip would unpack to {total / 1024**2:.0f} MB "
                f"({total / packed:.0f}× its packed size); refused as a possible zip bomb",
                name=name,
            )
        # zipfile never reads past a member's declared size, so the declaration is a real bound.
        self.left -= total


def _expand_zip(
    name: str, path: Path, workdir: Path, depth: int, budget: _ZipBudget | None = None
) -> Iterator[InputFile | InputProblem]:
    """Members of a zip, extracted one by one into ``workdir`` under neutral names: member names
    are never used as paths, so ``../../x`` entries cannot write outside it.

    A top-level zip (``budget`` None) that turns out to be a bomb deeper down is refused whole:
    one problem under its own name, not hundreds of half-extracted members.
    """
    if budget is None:
        budget = _ZipBudget()
        try:
            members = list(_expand_zip(name, path, workdir, depth, budget))
        except FileTooLargeError as exc:
            yield InputProblem(name, FileTooLargeError(exc.reason, name=name))
            return
        yield from members
        return
    if depth > MAX_ZIP_DEPTH:
        yield InputProblem(
            name, FileTooLargeError(f"zips nested deeper than {MAX_ZIP_DEPTH} levels", name=name)
        )
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield InputProblem(name, CorruptFileError(f"not a readable zip ({exc})", name=name))
        return
    with archive:
        # Raises FileTooLargeError up to the top-level zip, which refuses itself whole.
        budget.take(name, archive)
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
                reason = f"cannot be unpacked from the zip ({exc})"
                yield InputProblem(member_name, CorruptFileError(reason, name=member_name))
                continue
            yield from _identify_or_expand(member_name, target, workdir, depth + 1, budget=budget)


def _identify_or_expand(
    name: str,
    path: Path,
    workdir: Path,
    depth: int,
    *,
    explicit: bool = False,
    budget: _ZipBudget | None = None,
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
        yield from _expand_zip(name, path, workdir, depth, budget)
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
    sweep_stale_temp(workdir)
    tmp = Path(tempfile.mkdtemp(prefix=temp_prefix("in"), dir=workdir))
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


def temp_prefix(what: str) -> str:
    """Prefix of a temporary folder of this process: ``sohoa-<what>-<pid>-``."""
    return f"{TEMP_PREFIX}{what}-{os.getpid()}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def sweep_stale_temp(folder: Path | None = None) -> list[Path]:
    """Remove the temporary folders of sohoa processes that no longer run (killed mid-batch).

    Only folders named ``sohoa-<what>-<pid>-…`` whose process is gone are touched; a live
    process's folders (another batch running now) are left alone.

    Returns:
        The folders removed.
    """
    base = Path(folder or tempfile.gettempdir())
    removed = []
    for path in base.glob(f"{TEMP_PREFIX}*-*-*"):
        pid = path.name.split("-")[2]
        if path.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _poppler_reason(message: str) -> str:
    """Poppler's error output in one line, its own repetitions and temp paths left out."""
    lines = [" ".join(line.split()) for line in message.splitlines() if line.strip()]
    unique = list(dict.fromkeys(line for line in lines if "Unable to get page count" not in line))
    return "; ".join(unique)[-200:] or "poppler cannot read it"


def _pdf_info(path: Path, name: str, page: int | None = None) -> dict:
    from pdf2image import pdfinfo_from_path
    from pdf2image.exceptions import (
        PDFInfoNotInstalledError,
        PDFPageCountError,
        PDFPopplerTimeoutError,
    )

    try:
        return pdfinfo_from_path(
            str(path), timeout=PDFINFO_TIMEOUT, first_page=page, last_page=page
        )
    except PDFInfoNotInstalledError as exc:
        raise MissingDependencyError(
            "pdfinfo/pdftoppm not found: install poppler-utils (apt-get install poppler-utils)"
        ) from exc
    except PDFPopplerTimeoutError as exc:
        raise CorruptFileError(
            f"poppler could not read the PDF in {PDFINFO_TIMEOUT} s", name=name
        ) from exc
    except PDFPageCountError as exc:
        message = str(exc)
        if "password" in message.lower() or "encrypt" in message.lower():
            raise EncryptedPdfError(
                "the PDF is password-protected; save an unprotected copy and add it again",
                name=name,
            ) from exc
        if "Invalid page count 0" in message:
            raise CorruptFileError("the file has no pages", name=name) from exc
        raise CorruptFileError(
            f"not a readable PDF ({_poppler_reason(message)})", name=name
        ) from exc


MIN_NATIVE_DPI = 150
"""A PDF page's own image is read as stored from this resolution up; a coarser one (a 72 dpi
picture) is drawn by poppler at the asked dpi, which Tesseract reads better."""

# Operators a scanner's PDF page uses to place its one image: save, transform, draw, restore.
_SCAN_OPERATORS = {"q", "Q", "cm", "Do"}


def _scanned_pdf_page(
    item: InputFile, number: int, max_pixels: int
) -> tuple[np.ndarray, int] | None:
    """The scan itself when page ``number`` is nothing but one image filling the page, as a
    scanner or a phone app writes it — else None, and the page is rendered by poppler.

    Rendering such a page with poppler decodes the image, resamples it to the requested dpi and
    writes it through a pipe as a 26 MB colour bitmap: a fifth of a page's OCR time spent
    reproducing pixels the file already holds. Taking the image as stored keeps its own
    resolution (a 200 dpi scan is not blown up to 300) and its own colours (a grey scan stays
    grey). Anything less plain — text or vector drawing on the page, a rotated page or image,
    masks, CMYK, unequal horizontal and vertical resolution, under :data:`MIN_NATIVE_DPI`, a
    codec Pillow cannot decode — goes to poppler, which draws exactly what a viewer shows.

    Raises:
        FileTooLargeError: the stored image is over ``max_pixels``.
    """
    import pikepdf

    try:
        with pikepdf.open(item.path) as pdf:
            page = pdf.pages[number - 1]
            if int(page.obj.get("/Rotate", 0)) % 360:
                return None
            resources = page.obj.get("/Resources", pikepdf.Dictionary())
            xobjects = resources.get("/XObject", pikepdf.Dictionary())
            if "/Font" in resources or len(xobjects.keys()) != 1:
                return None
            (name,) = xobjects.keys()
            raw = xobjects[name]
            if raw.get("/Subtype") != "/Image" or any(
                key in raw for key in ("/SMask", "/Mask", "/ImageMask", "/Decode")
            ):
                return None
            matrix = _single_image_matrix(pikepdf.parse_content_stream(page), name)
            x0, y0, x1, y1 = (float(v) for v in page.mediabox)
            if matrix is None or not _fills(matrix, x0, y0, x1 - x0, y1 - y0):
                return None
            image = pikepdf.PdfImage(raw)
            width, height = image.width, image.height
            if width * height > max_pixels:
                raise FileTooLargeError(
                    f"page {number}: its image is {width}×{height} pixels, too large to be a "
                    f"scan (limit {max_pixels:,} pixels)",
                    name=item.name,
                )
            dpi_x, dpi_y = width / (x1 - x0) * 72, height / (y1 - y0) * 72
            if abs(dpi_x - dpi_y) > 0.02 * dpi_x or image.mode not in {"1", "L", "RGB", "P"}:
                return None
            if dpi_x < MIN_NATIVE_DPI:
                return None  # too coarse to read as it is: poppler draws it larger
            pil = image.as_pil_image()
    except FileTooLargeError:
        raise
    except Exception:
        # pikepdf or Pillow cannot take this page apart (damaged, exotic, encrypted): poppler
        # renders it, or reports by name why it cannot.
        return None
    return _to_array(pil), round(dpi_x)


def _single_image_matrix(operations: list, name: object) -> list[float] | None:
    """The transformation under which a content stream of only ``q cm Do Q`` draws image
    ``name`` exactly once, or None for any other content."""
    import numpy as np

    ctm, stack, drawn = np.eye(3), [], None
    for operands, operator in operations:
        op = str(operator)
        if op not in _SCAN_OPERATORS:
            return None
        if op == "q":
            stack.append(ctm)
        elif op == "Q":
            if not stack:
                return None
            ctm = stack.pop()
        elif op == "cm":
            a, b, c, d, e, f = (float(v) for v in operands)
            ctm = np.array([[a, b, 0], [c, d, 0], [e, f, 1]]) @ ctm
        elif op == "Do":
            if drawn is not None or operands[0] != name:
                return None
            drawn = [ctm[0, 0], ctm[0, 1], ctm[1, 0], ctm[1, 1], ctm[2, 0], ctm[2, 1]]
    return drawn


def _fills(matrix: list[float], x: float, y: float, width: float, height: float) -> bool:
    """Does an image drawn under ``matrix`` cover the page upright, edge to edge (±1 pt)?"""
    a, b, c, d, e, f = matrix
    return (
        abs(b) < 1e-6
        and abs(c) < 1e-6
        and abs(a - width) <= 1
        and abs(d - height) <= 1
        and abs(e - x) <= 1
        and abs(f - y) <= 1
    )


def _check_pdf_page_size(item: InputFile, number: int, dpi: int, max_pixels: int) -> None:
    """Refuse a page whose size at ``dpi`` is over ``max_pixels`` *before* rendering it: a PDF of
    a few hundred bytes can declare a 5 m page, 60,000 pixels square at 300 dpi."""
    info = _pdf_info(item.path, item.name, page=number)
    size = next((v for k, v in info.items() if k.startswith("Page") and k.endswith("size")), "")
    parts = str(size).split()
    try:
        width_pt, height_pt = float(parts[0]), float(parts[2])
    except (IndexError, ValueError):
        return  # poppler did not say: the check after rendering still applies
    width, height = round(width_pt / 72 * dpi), round(height_pt / 72 * dpi)
    if width * height > max_pixels:
        raise FileTooLargeError(
            f"page {number} is {width_pt / 72 * 25.4:.0f} × {height_pt / 72 * 25.4:.0f} mm: at "
            f"{dpi} dpi that is {width}×{height} pixels, too large to be a scan "
            f"(limit {max_pixels:,} pixels)",
            name=item.name,
        )


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
        raise FileTooLargeError(
            "the image claims more pixels than any scan has; refused as a possible "
            "decompression bomb",
            name=item.name,
        ) from exc
    except UnidentifiedImageError as exc:
        # Pillow's message is only "cannot identify image file '<temporary path>'".
        raise CorruptFileError(
            "the image cannot be decoded (damaged, or not really an image)", name=item.name
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        reason = str(exc).replace(str(item.path), "the file")
        raise CorruptFileError(f"the image cannot be decoded ({reason})", name=item.name) from exc


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
        from pdf2image.exceptions import PDFPageCountError, PDFPopplerTimeoutError, PDFSyntaxError

        scan = _scanned_pdf_page(item, number, max_pixels)
        if scan is not None:
            return scan
        _check_pdf_page_size(item, number, dpi, max_pixels)
        try:
            images = convert_from_path(
                str(item.path),
                dpi=dpi,
                first_page=number,
                last_page=number,
                timeout=RENDER_TIMEOUT,
            )
        except PDFPopplerTimeoutError as exc:
            raise CorruptFileError(
                f"page {number}: poppler could not render it in {RENDER_TIMEOUT} s", name=item.name
            ) from exc
        except (PDFPageCountError, PDFSyntaxError, OSError, ValueError) as exc:
            raise CorruptFileError(
                f"page {number}: cannot be rendered ({_poppler_reason(str(exc))})", name=item.name
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
            # A phone's "rotated" flag turns the first frame upright; no copy when there is none.
            turned = number == 1 and img.getexif().get(_EXIF_ORIENTATION, 1) != 1
            frame = ImageOps.exif_transpose(img) if turned else img
            found = img.info.get("dpi")
            # Scanners write 72 or 1 when they do not know: treat those as unknown.
            page_dpi = round(float(found[0])) if found and float(found[0]) > 72 else None
            return _to_array(frame), page_dpi
        except (OSError, EOFError, ValueError, SyntaxError, struct.error) as exc:
            raise CorruptFileError(
                f"page {number}: cannot be decoded ({exc})", name=item.name
            ) from exc


_EXIF_ORIENTATION = 0x0112


def _to_array(image: Image.Image) -> np.ndarray:
    if image.mode in ("L", "RGB"):
        return np.asarray(image)  # decoded straight into the array, no converted copy first
    if image.mode in ("1", "I;16", "I", "F"):
        return np.asarray(image.convert("L"))
    return np.asarray(image.convert("RGB"))
