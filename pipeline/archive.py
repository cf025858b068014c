"""Archival outputs of a digitised book: ALTO XML per page, a searchable PDF, entries as CSV.

Everything is written from what the store already holds — the cached OCR of each page (words,
boxes, confidences) and the clean page image kept beside it — so exporting never runs Tesseract
again and a book of any length is written one page at a time.

* ALTO 4 (:func:`alto_xml`): one file per page, a ``String`` per word with its ``WC`` (word
  confidence); valid against ``pipeline/registers/schema/alto-4-subset.xsd``.
* Searchable PDF (:func:`write_searchable_pdf`): the page image with the words laid over it as
  invisible text (text render mode 3) in Tesseract's glyphless font, so a viewer's search and
  copy find them where they are printed. Bitonal pages are stored CCITT G4 (a few tens of kB),
  other pages as greyscale JPEG.
* CSV (:func:`write_entries_csv`): one row per register entry, the template's fields in order.

    sohoa register export BOOK_SHA_OR_NAME --out DIR
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import quoteattr

import cv2
import numpy as np
import pikepdf
from PIL import Image

from pipeline import __version__
from pipeline.models import Page

__all__ = [
    "ALTO_NS",
    "ALTO_XSD",
    "ArchiveSummary",
    "alto_xml",
    "export_book",
    "write_entries_csv",
    "write_searchable_pdf",
]

ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
ALTO_XSD = Path(__file__).parent / "registers" / "schema" / "alto-4-subset.xsd"
# Tesseract's own glyphless font: every character is one empty glyph of half an em, which is
# all an invisible text layer needs, and it ships with every Tesseract install.
GLYPHLESS_FONT = Path("/usr/share/tesseract-ocr/5/tessdata/pdf.ttf")
# A page is bitonal when almost no pixel is mid-grey (scanner "document" mode, fax, binarised).
BITONAL_GREY_SHARE = 0.01
JPEG_QUALITY = 60  # greyscale ledgers stay legible at 300 dpi; 85 doubles the size


def alto_xml(page: Page, *, image_name: str = "", page_id: str | None = None) -> bytes:
    """The page as an ALTO 4 document: blocks, lines and words with boxes (pixels) and ``WC``.

    >>> from pipeline.models import Line, Word
    >>> page = Page(number=1, width=100, height=50, lines=(Line(words=(
    ...     Word(text="Nữ", confidence=0.9, bbox=(10, 10, 30, 20)),)),))
    >>> b'WC="0.900"' in alto_xml(page)
    True
    """
    number = page.number
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<alto xmlns="{ALTO_NS}" SCHEMAVERSION="4.2">',
        "<Description><MeasurementUnit>pixel</MeasurementUnit>",
        f"<sourceImageInformation><fileName>{_text(image_name)}</fileName>"
        "</sourceImageInformation>",
        '<Processing ID="OCR_0"><processingCategory>contentGeneration</processingCategory>'
        f"<processingDateTime>{datetime.now(UTC).replace(microsecond=0).isoformat()}"
        "</processingDateTime><processingSoftware><softwareName>sohoa (Tesseract)"
        f"</softwareName><softwareVersion>{_text(__version__)}</softwareVersion>"
        "</processingSoftware></Processing>",
        "</Description><Layout>",
        f'<Page ID="{page_id or f"P{number}"}" PHYSICAL_IMG_NR="{number}" '
        f'WIDTH="{page.width}" HEIGHT="{page.height}" PC="{page.mean_confidence:.3f}">',
        f'<PrintSpace HPOS="0" VPOS="0" WIDTH="{page.width}" HEIGHT="{page.height}">',
    ]
    blocks: dict[int, list[Any]] = {}
    for line in page.lines:
        blocks.setdefault(line.block, []).append(line)
    word_id = 0
    for b, (block, lines) in enumerate(blocks.items()):
        boxes = [line.bbox for line in lines if line.bbox]
        if not boxes:
            continue
        bx = _box(boxes)
        out.append(f'<TextBlock ID="P{number}_B{b}_{block}" {bx} LANG="vi">')
        for i, line in enumerate(lines):
            if not line.bbox:
                continue
            out.append(f'<TextLine ID="P{number}_B{b}_L{i}" {_box([line.bbox])}>')
            for k, word in enumerate(line.words):
                if k:
                    out.append(f'<SP HPOS="{line.words[k - 1].bbox[2]}"/>')
                word_id += 1
                out.append(
                    f'<String ID="P{number}_W{word_id}" CONTENT={quoteattr(word.text)} '
                    f'{_box([word.bbox])} WC="{word.confidence:.3f}"/>'
                )
            out.append("</TextLine>")
        out.append("</TextBlock>")
    out.append("</PrintSpace></Page></Layout></alto>")
    return "\n".join(out).encode("utf-8")


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _box(boxes: Sequence[tuple[int, int, int, int]]) -> str:
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    return f'HPOS="{x0}" VPOS="{y0}" WIDTH="{x1 - x0}" HEIGHT="{y1 - y0}"'


# Searchable PDF --------------------------------------------------------------------------------


def _glyphless_font(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    """A Type0 font whose codes are UTF-16 code units and whose every glyph is invisible:
    the construction Tesseract's PDF renderer uses, so copy and search return the text."""
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        b"/CMapName /Adobe-Identify-UCS def /CMapType 2 def\n"
        b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        b"1 beginbfrange <0000> <FFFF> <0000> endbfrange\n"
        b"endcmap CMapName currentdict /CMap defineresource pop end end\n"
    )
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor,
        FontName=pikepdf.Name.GlyphLessFont,
        Flags=5,
        FontBBox=[0, 0, 500, 1000],
        ItalicAngle=0,
        Ascent=1000,
        Descent=0,
        CapHeight=1000,
        StemV=80,
    )
    if GLYPHLESS_FONT.is_file():
        descriptor.FontFile2 = pikepdf.Stream(pdf, GLYPHLESS_FONT.read_bytes())
    # Every code maps to glyph 1, the font's one (empty) glyph.
    gid_map = pikepdf.Stream(pdf, b"\x00\x01" * 65536)
    cid_font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.CIDFontType2,
        BaseFont=pikepdf.Name.GlyphLessFont,
        CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        FontDescriptor=pdf.make_indirect(descriptor),
        DW=500,
        CIDToGIDMap=pdf.make_indirect(gid_map),
    )
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=pikepdf.Name.GlyphLessFont,
            Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=[pdf.make_indirect(cid_font)],
            ToUnicode=pdf.make_indirect(pikepdf.Stream(pdf, cmap)),
        )
    )


def _is_bitonal(grey: np.ndarray) -> bool:
    mid = np.count_nonzero((grey > 40) & (grey < 215))
    return mid <= BITONAL_GREY_SHARE * grey.size


def _image_xobject(
    pdf: pikepdf.Pdf, grey: np.ndarray, mode: Literal["auto", "bitonal", "grey"]
) -> pikepdf.Stream:
    h, w = grey.shape
    if mode == "bitonal" or (mode == "auto" and _is_bitonal(grey)):
        _, bw = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        buffer = io.BytesIO()
        # One strip: PDF's CCITT filter takes one stream, not TIFF's independent strips.
        Image.fromarray(bw).convert("1").save(
            buffer, "TIFF", compression="group4", strip_size=2**31 - 1
        )
        tiff = Image.open(buffer)
        offset, count = tiff.tag_v2[273][0], tiff.tag_v2[279][0]
        data = buffer.getvalue()[offset : offset + count]
        # Pillow writes photometric MinIsBlack for mode "1": a 1 bit is white, so BlackIs1
        # stays false and the decode array is flipped.
        black_is_zero = tiff.tag_v2.get(262, 0) == 1
        stream = pikepdf.Stream(pdf, data)
        stream.Filter = pikepdf.Name.CCITTFaxDecode
        stream.DecodeParms = pikepdf.Dictionary(K=-1, Columns=w, Rows=h, BlackIs1=False)
        stream.BitsPerComponent = 1
        if black_is_zero:
            stream.Decode = [1, 0]
    else:
        ok, jpeg = cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise ValueError("could not encode the page image as JPEG")
        stream = pikepdf.Stream(pdf, jpeg.tobytes())
        stream.Filter = pikepdf.Name.DCTDecode
        stream.BitsPerComponent = 8
    stream.Type = pikepdf.Name.XObject
    stream.Subtype = pikepdf.Name.Image
    stream.Width, stream.Height = w, h
    stream.ColorSpace = pikepdf.Name.DeviceGray
    return stream


def _text_layer(page: Page, scale: float, height_pt: float) -> bytes:
    """Content stream drawing every word invisibly over its box (``scale``: pt per pixel)."""
    ops = ["BT", "3 Tr"]
    for word in page.words:
        x0, y0, x1, y1 = word.bbox
        chars = word.text.encode("utf-16-be")
        units = len(chars) // 2
        if not units or x1 <= x0 or y1 <= y0:
            continue
        size = (y1 - y0) * scale
        # Glyphs are half an em wide: stretch them so the word spans its box exactly.
        stretch = 100.0 * (x1 - x0) * scale / (units * 0.5 * size)
        ops.append(
            f"/F1 {size:.2f} Tf {stretch:.1f} Tz 1 0 0 1 {x0 * scale:.2f} "
            f"{height_pt - y1 * scale:.2f} Tm <{chars.hex()}> Tj"
        )
    ops.append("ET")
    return "\n".join(ops).encode("ascii")


@dataclass
class ArchiveSummary:
    """What an export wrote and how big the PDF came out."""

    pages: int = 0
    bitonal_pages: int = 0
    pdf_bytes: int = 0
    entries: int = 0
    files: list[str] = field(default_factory=list)

    @property
    def pdf_mb_per_page(self) -> float:
        return self.pdf_bytes / 1e6 / self.pages if self.pages else 0.0


def write_searchable_pdf(
    pages: Iterable[tuple[Page, Path | None]],
    out: Path,
    *,
    mode: Literal["auto", "bitonal", "grey"] = "auto",
    summary: ArchiveSummary | None = None,
) -> ArchiveSummary:
    """Write a PDF of page images with an invisible text layer of the OCRed words.

    Args:
        pages: each OCRed page with its stored clean image (pages without one are left out).
        out: the PDF to write.
        mode: ``auto`` stores bitonal pages as CCITT G4 and others as JPEG; ``bitonal``
            binarises every page (smallest files); ``grey`` never does.
        summary: totals to add to (a new one by default).
    """
    summary = summary or ArchiveSummary()
    pdf = pikepdf.new()
    font = _glyphless_font(pdf)
    for page, image_path in pages:
        if image_path is None or not Path(image_path).is_file():
            continue
        grey = cv2.imread(str(image_path), cv2.IMREAD_GRAYSCALE)
        if grey is None:
            continue
        dpi = page.dpi or 300
        scale = 72.0 / dpi
        width_pt, height_pt = grey.shape[1] * scale, grey.shape[0] * scale
        image = _image_xobject(pdf, grey, mode)
        summary.bitonal_pages += image.BitsPerComponent == 1
        del grey
        draw = f"q {width_pt:.2f} 0 0 {height_pt:.2f} 0 0 cm /Im0 Do Q\n".encode("ascii")
        content = draw + _text_layer(page, scale, height_pt)
        pdf_page = pikepdf.Page(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Page,
                MediaBox=[0, 0, width_pt, height_pt],
                Resources=pikepdf.Dictionary(
                    XObject=pikepdf.Dictionary(Im0=image), Font=pikepdf.Dictionary(F1=font)
                ),
                Contents=pikepdf.Stream(pdf, content),
            )
        )
        pdf.pages.append(pdf_page)
        summary.pages += 1
    pdf.docinfo["/Producer"] = f"sohoa {__version__}"
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    summary.pdf_bytes = out.stat().st_size
    return summary


# CSV -------------------------------------------------------------------------------------------


def write_entries_csv(records: Iterable[dict[str, Any]], out: Path, fields: Sequence[str]) -> int:
    """One row per exported record (``iter_export`` shape): position, page, status, then each
    of ``fields`` (value) and a ``<field>_status`` column; fields outside ``fields`` follow."""
    rows = list(records)
    extra = sorted({n for r in rows for n in r["fields"]} - set(fields))
    names = [*fields, *extra]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "page", "status", *names, *(f"{n}_status" for n in names)])
        for record in rows:
            fields_ = record["fields"]
            pages = sorted({f.get("page") for f in fields_.values() if f.get("page")})
            writer.writerow(
                [
                    record["record_id"],
                    pages[0] if pages else "",
                    record["status"],
                    *(fields_.get(n, {}).get("value") or "" for n in names),
                    *(fields_.get(n, {}).get("status") or "" for n in names),
                ]
            )
    return len(rows)


# A stored book ---------------------------------------------------------------------------------


def _book_pages(engine: Any, sha256: str) -> Iterator[tuple[Page, Path | None]]:
    """The cached OCR of every page of a file, newest cache row per page, in page order."""
    from sqlalchemy import select

    from pipeline.storage.schema import FileRow, PageRow

    with engine.connect() as conn:
        rows = conn.execute(
            select(PageRow.number, PageRow.ocr, PageRow.image_path)
            .join(FileRow, PageRow.file_id == FileRow.id)
            .where(FileRow.sha256 == sha256)
            .order_by(PageRow.number, PageRow.created_at)
        ).all()
    latest = {r.number: r for r in rows}  # later rows (a newer cache key) win
    for number in sorted(latest):
        row = latest[number]
        yield Page.model_validate(row.ocr), Path(row.image_path) if row.image_path else None


def _find_book(engine: Any, book: str) -> tuple[str, str]:
    from sqlalchemy import or_, select

    from pipeline.exceptions import ConfigError
    from pipeline.storage.schema import FileRow

    with engine.connect() as conn:
        found = conn.execute(
            select(FileRow.sha256, FileRow.name).where(
                or_(FileRow.sha256.startswith(book.lower()), FileRow.name == book)
            )
        ).all()
    if len(found) != 1:
        what = "no stored file" if not found else f"{len(found)} stored files"
        raise ConfigError(f"{what} match {book!r}: give a file name or a longer SHA-256 prefix")
    return found[0].sha256, found[0].name


def export_book(
    db_url: str,
    book: str,
    out_dir: Path,
    *,
    mode: Literal["auto", "bitonal", "grey"] = "auto",
    template: str | None = None,
) -> ArchiveSummary:
    """Write ``alto/NNNN.xml``, ``<name>.pdf`` and ``<name>.csv`` for a digitised book.

    Args:
        db_url: the store holding the book.
        book: the file's name as digitised, or a prefix of its SHA-256.
        out_dir: where to write (created).
        mode: image storage of the PDF (see :func:`write_searchable_pdf`).
        template: register template whose field order the CSV follows (default: the fields
            as stored, alphabetically).

    Raises:
        ConfigError: ``book`` matches no stored file, or several.
    """
    from pipeline.digitise import get_store
    from pipeline.registers.templates import get_template

    store = get_store(db_url)
    sha256, name = _find_book(store.engine, book)
    stem = Path(name).stem or sha256[:12]
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = ArchiveSummary()
    alto_dir = out_dir / "alto"
    alto_dir.mkdir(exist_ok=True)
    for page, image in _book_pages(store.engine, sha256):
        target = alto_dir / f"{page.number:04d}.xml"
        target.write_bytes(alto_xml(page, image_name=image.name if image else ""))
        summary.files.append(str(target))
    pdf_path = out_dir / f"{stem}.pdf"
    write_searchable_pdf(_book_pages(store.engine, sha256), pdf_path, mode=mode, summary=summary)
    summary.files.append(str(pdf_path))
    fields = get_template(template).fields if template else []
    records = (r for r in store.iter_export() if r["source"]["sha256"] == sha256)
    csv_path = out_dir / f"{stem}.csv"
    summary.entries = write_entries_csv(records, csv_path, fields)
    summary.files.append(str(csv_path))
    return summary
