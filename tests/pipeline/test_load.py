"""Load stage: input discovery, identification by content, page rasterisation."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.exceptions import (
    CorruptFileError,
    EmptyFileError,
    EncryptedPdfError,
    FileTooLargeError,
    NoInputError,
    UnsupportedFormatError,
)
from pipeline.load import InputFile, InputProblem, expand_inputs, load_page, page_count, sniff_kind


def _image_bytes(fmt: str, size=(64, 48), frames: int = 1) -> bytes:
    buf = io.BytesIO()
    images = [Image.new("L", size, 255 - 40 * i) for i in range(frames)]
    images[0].save(buf, format=fmt, save_all=frames > 1, append_images=images[1:])
    return buf.getvalue()


def _pdf_bytes(pages: int) -> bytes:
    buf = io.BytesIO()
    images = [Image.new("RGB", (200, 280), (255, 255, 255)) for _ in range(pages)]
    images[0].save(buf, format="PDF", save_all=True, append_images=images[1:], resolution=72)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"%PDF-1.4\n", "pdf"),
        (b"\x89PNG\r\n\x1a\nxxxx", "png"),
        (b"\xff\xd8\xff\xe0", "jpeg"),
        (b"II*\x00", "tiff"),
        (b"MM\x00*", "tiff"),
        (b"PK\x03\x04", "zip"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"hello world", None),
    ],
)
def test_load_sniff_kind_reads_magic_numbers(head: bytes, kind: str | None) -> None:
    assert sniff_kind(head) == kind


def _items(paths: list[Path]) -> tuple[list[InputFile], list[InputProblem]]:
    with expand_inputs(paths) as entries:
        files = [e for e in entries if isinstance(e, InputFile)]
        problems = [e for e in entries if isinstance(e, InputProblem)]
        return files, problems


def test_load_expand_walks_folders_and_zips_and_reports_problems(tmp_path: Path) -> None:
    folder = tmp_path / "dossier 17"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.png").write_bytes(_image_bytes("PNG"))
    (folder / "sub" / "b.jpg").write_bytes(_image_bytes("JPEG"))
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "notes.txt").write_text("not a scan")
    with zipfile.ZipFile(folder / "batch.zip", "w") as zf:
        zf.writestr("inner/c.tif", _image_bytes("TIFF", frames=2))
        zf.writestr("../../escape.png", _image_bytes("PNG", size=(10, 10)))
    files, problems = _items([folder])
    names = sorted(f.name for f in files)
    assert names == [
        "dossier 17/a.png",
        "dossier 17/batch.zip/../../escape.png",
        "dossier 17/batch.zip/inner/c.tif",
        "dossier 17/sub/b.jpg",
    ]
    assert {p.name: (type(p.error), p.ignored) for p in problems} == {
        "dossier 17/empty.pdf": (EmptyFileError, False),
        "dossier 17/notes.txt": (UnsupportedFormatError, True),  # a companion file, not a scan
    }
    # the zip-slip member was extracted under a neutral name inside the temporary folder
    assert not (tmp_path.parent / "escape.png").exists()
    assert all(len(f.sha256) == 64 for f in files)


def test_load_named_non_scan_or_scan_suffix_is_never_ignored(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "scan.jpg").write_text("not really a JPEG")
    _, problems = _items([tmp_path / "notes.txt", tmp_path / "folder"])
    assert [(p.name, p.ignored) for p in problems] == [
        (str(tmp_path / "notes.txt"), False),
        ("folder/scan.jpg", False),
    ]
    assert problems[1].error.reason.startswith("not a PDF")


def test_load_expand_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(NoInputError, match="nope"), expand_inputs([tmp_path / "nope"]):
        pass


def test_load_zip_bomb_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 50_000_000)
    files, problems = _items([bomb])
    assert files == []
    assert isinstance(problems[0].error, FileTooLargeError)


def test_load_pdf_pages_one_at_a_time(tmp_path: Path) -> None:
    pdf = tmp_path / "three.pdf"
    pdf.write_bytes(_pdf_bytes(3))
    (item,), _ = _items([pdf])
    assert page_count(item, max_pages=10) == 3
    image, dpi = load_page(item, 2, dpi=100, max_pixels=10**8)
    assert dpi == 100
    assert image.shape[:2] == (389, 278)  # 200×280 pt page at 100 dpi
    with pytest.raises(FileTooLargeError):
        page_count(item, max_pages=2)


def test_load_multipage_tiff_frames(tmp_path: Path) -> None:
    tif = tmp_path / "two.tif"
    tif.write_bytes(_image_bytes("TIFF", frames=2))
    (item,), _ = _items([tif])
    assert page_count(item, max_pages=10) == 2
    first, _ = load_page(item, 1, dpi=300, max_pixels=10**8)
    second, _ = load_page(item, 2, dpi=300, max_pixels=10**8)
    assert int(first.mean()) == 255 and int(second.mean()) == 215


def test_load_truncated_pdf_is_corrupt(tmp_path: Path) -> None:
    pdf = tmp_path / "cut.pdf"
    pdf.write_bytes(_pdf_bytes(1)[:200])
    (item,), _ = _items([pdf])
    with pytest.raises(CorruptFileError, match=r"cut\.pdf"):
        page_count(item, max_pages=10)


def test_load_encrypted_pdf_says_so(tmp_path: Path) -> None:
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(_pdf_bytes(1)))
    writer.encrypt("secret")
    pdf = tmp_path / "locked.pdf"
    with pdf.open("wb") as fh:
        writer.write(fh)
    (item,), _ = _items([pdf])
    with pytest.raises(EncryptedPdfError, match="password"):
        page_count(item, max_pages=10)


def test_load_decompression_bomb_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "huge.png"
    Image.new("1", (4000, 4000)).save(big)
    (item,), _ = _items([big])
    with pytest.raises(FileTooLargeError, match=r"huge\.png"):
        load_page(item, 1, dpi=300, max_pixels=1_000_000)


def test_load_rgb_and_grey_arrays(tmp_path: Path) -> None:
    path = tmp_path / "c.png"
    Image.new("RGB", (30, 20), (255, 0, 0)).save(path, dpi=(300, 300))
    (item,), _ = _items([path])
    image, dpi = load_page(item, 1, dpi=300, max_pixels=10**8)
    assert image.shape == (20, 30, 3) and image.dtype == np.uint8 and dpi == 300


def _scan_pdf(tmp_path: Path, image: Image.Image, dpi: tuple[int, int], **kw) -> InputFile:
    """A PDF page holding only ``image``, as a scanner writes it (img2pdf, no re-encoding)."""
    import img2pdf

    buf = io.BytesIO()
    image.save(buf, format="PNG", dpi=dpi)
    path = tmp_path / "scan.pdf"
    path.write_bytes(img2pdf.convert(buf.getvalue(), **kw))
    (item,), _ = _items([path])
    return item


def _noise(size: tuple[int, int], mode: str = "L") -> Image.Image:
    rng = np.random.default_rng(1)
    shape = (size[1], size[0]) if mode == "L" else (size[1], size[0], 3)
    return Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode)


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_load_scanned_pdf_page_is_its_own_image_at_its_own_dpi(tmp_path: Path, mode: str) -> None:
    image = _noise((340, 480), mode)
    item = _scan_pdf(tmp_path, image, (200, 200))
    array, dpi = load_page(item, 1, dpi=300, max_pixels=10**8)
    # The stored pixels, untouched: not resampled to 300 dpi, not turned to colour.
    assert dpi == 200
    assert np.array_equal(array, np.asarray(image))


def test_load_pdf_page_that_is_not_a_plain_scan_is_rendered(tmp_path: Path) -> None:
    import img2pdf

    # Turned a quarter by the page's /Rotate: drawn as a viewer shows it, at the asked dpi.
    item = _scan_pdf(tmp_path, _noise((340, 480)), (200, 200), rotation=img2pdf.Rotation.ifvalid)
    import pikepdf

    with pikepdf.open(item.path, allow_overwriting_input=True) as pdf:
        pdf.pages[0].obj["/Rotate"] = 90
        pdf.save(item.path)
    (item,), _ = _items([item.path])
    array, dpi = load_page(item, 1, dpi=100, max_pixels=10**8)
    assert dpi == 100 and array.shape[:2] == (170, 240)  # 340 px at 200 dpi is 170 at 100
    # Unequal resolutions (a fax's 200 × 100 dpi) are drawn to scale by poppler, not stretched.
    item = _scan_pdf(tmp_path, _noise((340, 240)), (200, 100))
    array, dpi = load_page(item, 1, dpi=100, max_pixels=10**8)
    assert dpi == 100 and array.shape[:2] == (240, 170)
    # Anything drawn besides the one image (here the image a second time, small): rendered.
    item = _scan_pdf(tmp_path, _noise((340, 480)), (200, 200))
    with pikepdf.open(item.path, allow_overwriting_input=True) as pdf:
        page = pdf.pages[0]
        (name,) = page.obj.Resources.XObject.keys()
        page.contents_add(pdf.make_stream(b"q 10 0 0 10 0 0 cm " + name.encode() + b" Do Q"))
        pdf.save(item.path)
    (item,), _ = _items([item.path])
    array, dpi = load_page(item, 1, dpi=50, max_pixels=10**8)
    assert dpi == 50 and array.shape[:2] == (120, 85)


def test_load_scanned_pdf_page_over_the_pixel_limit_is_refused(tmp_path: Path) -> None:
    item = _scan_pdf(tmp_path, _noise((400, 400)), (300, 300))
    with pytest.raises(FileTooLargeError, match="400×400"):
        load_page(item, 1, dpi=300, max_pixels=100_000)


def test_load_phone_photo_exif_orientation_turns_the_first_frame(tmp_path: Path) -> None:
    image = _noise((60, 40), "RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    turned, plain = tmp_path / "turned.jpg", tmp_path / "plain.jpg"
    image.save(turned, exif=exif)
    image.save(plain)
    (a, b), _ = _items([plain, turned])
    by_name = {i.path.name: i for i in (a, b)}
    assert load_page(by_name["plain.jpg"], 1, dpi=300, max_pixels=10**8)[0].shape == (40, 60, 3)
    assert load_page(by_name["turned.jpg"], 1, dpi=300, max_pixels=10**8)[0].shape == (60, 40, 3)
