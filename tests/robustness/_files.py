"""Bad inputs made on the spot: every file is built in the test, none is committed.

Each builder writes one file into a folder and returns its path. They are small (except the
90 MB scan, written in a second) and need no network: the decompression bomb is a valid PNG
*header* claiming 100,000 × 100,000 pixels, never the pixels themselves.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

__all__ = [
    "BAD_INPUTS",
    "EXPECTED",
    "big_tiff",
    "blank_photo",
    "bomb_png",
    "bomb_tiff",
    "corrupt_tiff",
    "empty_file",
    "encrypted_pdf",
    "huge_page_pdf",
    "nested_zip",
    "noise_photo",
    "pageless_pdf",
    "pdf_bytes",
    "pdf_named_jpg",
    "slip_zip",
    "text_named_pdf",
    "truncated_pdf",
    "unicode_name",
    "write_bad_inputs",
    "zip_bomb",
]

BIG_TIFF_PAGES = 4
BIG_TIFF_SIDE = 4900  # 4 grey pages of 4900 × 4900 = 96 MB (91.6 MiB) uncompressed


def pdf_bytes(pages: int = 1, text: str | None = None) -> bytes:
    """A small image PDF (Pillow), ``pages`` A4-ish pages, optionally with a line of text."""
    images = []
    for _ in range(pages):
        image = Image.new("RGB", (620, 877), "white")
        if text:
            ImageDraw.Draw(image).text((40, 40), text, fill="black")
        images.append(image)
    buf = io.BytesIO()
    images[0].save(buf, format="PDF", save_all=True, append_images=images[1:], resolution=72)
    return buf.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def empty_file(folder: Path) -> Path:
    path = folder / "empty.pdf"
    path.write_bytes(b"")
    return path


def truncated_pdf(folder: Path) -> Path:
    path = folder / "truncated.pdf"
    path.write_bytes(pdf_bytes(2)[:300])
    return path


def encrypted_pdf(folder: Path) -> Path:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf_bytes(1)))
    writer.encrypt("mat-khau")
    path = folder / "encrypted.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def pageless_pdf(folder: Path) -> Path:
    """A well-formed PDF whose page tree is empty (``/Count 0``)."""
    import pypdf

    path = folder / "no-pages.pdf"
    with path.open("wb") as fh:
        pypdf.PdfWriter().write(fh)
    return path


def huge_page_pdf(folder: Path) -> Path:
    """A valid one-page PDF whose page is 14,400 pt square (the PDF maximum, 5 m): at 300 dpi it
    would be 60,000 × 60,000 pixels, 10 GB of RGB, from a file of a few hundred bytes."""
    body = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(body, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(body) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    trailer = b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
    out.write(trailer % (len(body) + 1, xref))
    path = folder / "huge-page.pdf"
    path.write_bytes(out.getvalue())
    return path


def bomb_png(folder: Path) -> Path:
    """A PNG header claiming 100,000 × 100,000 grey pixels (10 GB) followed by one tiny IDAT."""
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + _png_chunk(b"IEND", b"")
    )
    path = folder / "bomb.png"
    path.write_bytes(data)
    return path


def bomb_tiff(folder: Path) -> Path:
    """A little-endian TIFF whose only IFD claims 100,000 × 100,000 pixels, strips nowhere."""
    entries = [
        (256, 4, 1, 100_000),  # ImageWidth, LONG
        (257, 4, 1, 100_000),  # ImageLength
        (258, 3, 1, 8),  # BitsPerSample
        (259, 3, 1, 1),  # Compression: none
        (262, 3, 1, 1),  # Photometric: black is zero
        (273, 4, 1, 8),  # StripOffsets
        (277, 3, 1, 1),  # SamplesPerPixel
        (278, 4, 1, 100_000),  # RowsPerStrip
        (279, 4, 1, 10**10 % 2**32),  # StripByteCounts (wrapped: a lie either way)
    ]
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        packed = struct.pack("<HHI", tag, kind, count)
        packed += struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
        ifd += packed
    ifd += struct.pack("<I", 0)
    path = folder / "bomb.tif"
    path.write_bytes(b"II*\x00" + struct.pack("<I", 8) + ifd)
    return path


def pdf_named_jpg(folder: Path) -> Path:
    path = folder / "actually-a-pdf.jpg"
    path.write_bytes(pdf_bytes(1, text="Ho va ten: NGUYEN VAN AN"))
    return path


def text_named_pdf(folder: Path) -> Path:
    path = folder / "notes.pdf"
    path.write_text("Đây là một tệp văn bản, không phải PDF.\n", encoding="utf-8")
    return path


def corrupt_tiff(folder: Path) -> Path:
    """A real TIFF with its pixel data and the end of its directory overwritten by garbage."""
    buf = io.BytesIO()
    Image.new("L", (300, 200), 255).save(buf, format="TIFF")
    data = bytearray(buf.getvalue())
    rng = random.Random(7)
    for i in range(8, len(data)):
        data[i] = rng.randrange(256)
    path = folder / "corrupt.tif"
    path.write_bytes(bytes(data))
    return path


def noise_photo(folder: Path) -> Path:
    """A phone "photo" of nothing: coloured noise, no document in it."""
    rng = random.Random(11)
    image = Image.frombytes("RGB", (900, 1200), rng.randbytes(900 * 1200 * 3))
    path = folder / "noise.jpg"
    image.save(path, quality=85)
    return path


def blank_photo(folder: Path) -> Path:
    """A photo of an empty grey desk: smooth, no text."""
    image = Image.linear_gradient("L").resize((1200, 1600)).convert("RGB")
    path = folder / "blank.jpg"
    image.save(path, quality=90)
    return path


def big_tiff(folder: Path) -> Path:
    """A 96 MB uncompressed multi-page TIFF (a big scan), written in about a second."""
    pages = []
    for n in range(BIG_TIFF_PAGES):
        page = Image.new("L", (BIG_TIFF_SIDE, BIG_TIFF_SIDE), 255)
        ImageDraw.Draw(page).rectangle((200, 200 + 40 * n, 600, 260 + 40 * n), fill=0)
        pages.append(page)
    path = folder / "big scan.tif"
    pages[0].save(path, format="TIFF", save_all=True, append_images=pages[1:], compression=None)
    return path


def unicode_name(folder: Path, source: Path) -> Path:
    """A real scan under a name with Vietnamese letters (NFD, as macOS writes them) and spaces."""
    import unicodedata

    path = folder / unicodedata.normalize("NFD", "Giấy tờ  của bà Hồng (bản sao).jpg")
    path.write_bytes(source.read_bytes())
    return path


def slip_zip(folder: Path) -> Path:
    """A zip whose members try to climb out of any folder they are extracted to."""
    path = folder / "slip.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../../x.pdf", pdf_bytes(1))
        zf.writestr("/etc/sohoa-x.png", _tiny_png())
        zf.writestr("ok/../../../y.txt", "companion")
    return path


def nested_zip(folder: Path, depth: int = 5) -> Path:
    """Zips in zips ``depth`` deep, a small PNG at each level."""
    inner = b""
    for level in range(depth, 0, -1):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(f"level{level}.png", _tiny_png(level))
            if inner:
                zf.writestr(f"level{level + 1}.zip", inner)
        inner = buf.getvalue()
    path = folder / "nested.zip"
    path.write_bytes(inner)
    return path


def zip_bomb(folder: Path) -> Path:
    """A 42.zip-style bomb: each member is a zip of zeros that passes the ratio check on its
    own; only the total gives it away (16 × 16 × 20 MB = 5 GB from a few hundred kB)."""
    zeros = io.BytesIO()
    with zipfile.ZipFile(zeros, "w", zipfile.ZIP_DEFLATED) as zf:
        # 20 MB of zeros behind a PNG signature deflates about 1000:1: over the ratio limit alone
        # it would be refused at once, so mix in incompressible bytes to stay under it.
        block = b"\x89PNG\r\n\x1a\n" + random.Random(3).randbytes(120_000) + b"\0" * 20_000_000
        zf.writestr("page.png", block)
    layer = zeros.getvalue()
    for _ in range(2):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
            for i in range(16):
                zf.writestr(f"part{i:02d}.zip", layer)
        layer = buf.getvalue()
    path = folder / "bomb.zip"
    path.write_bytes(layer)
    return path


def _tiny_png(shade: int = 0) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (40, 30), 200 - shade).save(buf, format="PNG")
    return buf.getvalue()


BAD_INPUTS = {
    "empty": empty_file,
    "truncated_pdf": truncated_pdf,
    "encrypted_pdf": encrypted_pdf,
    "pageless_pdf": pageless_pdf,
    "huge_page_pdf": huge_page_pdf,
    "bomb_png": bomb_png,
    "bomb_tiff": bomb_tiff,
    "text_named_pdf": text_named_pdf,
    "corrupt_tiff": corrupt_tiff,
    "nested_zip": nested_zip,
    "zip_bomb": zip_bomb,
}
"""Builders of files that must fail, each with a clear reason."""

EXPECTED = {
    "empty.pdf": ("EmptyFileError", "empty"),
    "truncated.pdf": ("CorruptFileError", "not a readable PDF"),
    "encrypted.pdf": ("EncryptedPdfError", "password"),
    "no-pages.pdf": ("CorruptFileError", "no pages"),
    "huge-page.pdf": ("FileTooLargeError", "too large"),
    "bomb.png": ("FileTooLargeError", "decompression bomb"),
    "bomb.tif": ("FileTooLargeError", "decompression bomb"),
    "notes.pdf": ("UnsupportedFormatError", "not a PDF"),
    "corrupt.tif": ("CorruptFileError", "cannot be decoded"),
    "bomb.zip": ("FileTooLargeError", "zip bomb"),
}
"""File name → (error class, words of its reason) for every file that must fail."""


def write_bad_inputs(folder: Path) -> dict[str, Path]:
    """Every file of :data:`BAD_INPUTS` in ``folder``; returns name → path."""
    folder.mkdir(parents=True, exist_ok=True)
    return {key: build(folder) for key, build in BAD_INPUTS.items()}
