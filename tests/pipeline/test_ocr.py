"""OCR stage: real Tesseract with Vietnamese data, the page tree, errors."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.digitise import engine_name, make_engine
from pipeline.exceptions import MissingDependencyError, OcrTimeoutError
from pipeline.models import Page
from pipeline.ocr import (
    NullEngine,
    TesseractApiEngine,
    TesseractEngine,
    is_scribble,
    page_from_tsv,
    run_tesseract,
    tessdata_dir,
)
from pipeline.options import Options

ENGINES = pytest.mark.parametrize("engine", [TesseractEngine, TesseractApiEngine])

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
LINES = [
    "Họ, chữ đệm, tên: TRẦN THỊ THU HƯƠNG",
    "Số định danh cá nhân: 079190001234",
    "Nơi thường trú: phường Bến Nghé, quận 1",
]


@pytest.fixture(scope="module")
def page_image() -> np.ndarray:
    img = Image.new("L", (2000, 500), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 44)
    for row, text in enumerate(LINES):
        draw.text((80, 80 + 110 * row), text, font=font, fill=0)
    return np.asarray(img)


@ENGINES
def test_ocr_tesseract_reads_vietnamese_with_boxes(page_image: np.ndarray, engine) -> None:
    page = engine().read(page_image, number=1, dpi=300)
    assert [line.text for line in page.lines] == LINES
    first = page.lines[0].words[0]
    assert first.text == "Họ,"
    x0, y0, x1, y1 = first.bbox
    assert 70 <= x0 < x1 < 250 and 70 <= y0 < y1 < 150
    assert 0.8 < page.mean_confidence <= 1.0
    assert page.ocr_seconds > 0


@ENGINES
def test_ocr_page_round_trips_through_json(page_image: np.ndarray, engine) -> None:
    page = engine().read(page_image, number=3, dpi=300)
    assert Page.model_validate_json(page.model_dump_json()) == page


@ENGINES
@pytest.mark.parametrize(("fmt", "marker"), [("hocr", "ocrx_word"), ("alto", "<alto")])
def test_ocr_renders_hocr_and_alto(page_image: np.ndarray, fmt: str, marker: str, engine) -> None:
    rendered = engine().render(page_image, fmt=fmt, dpi=300)
    assert marker in rendered and "HƯƠNG" in rendered


def test_ocr_tsv_parsing_nfc_and_confidence() -> None:
    decomposed = "Nguye\u0302\u0303n"  # "Nguyễn" with combining marks, as Tesseract may emit
    tsv = (
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
        "1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n"
        f"5\t1\t1\t1\t1\t1\t10\t20\t30\t40\t96.5\t{decomposed}\n"
        "5\t1\t1\t1\t1\t2\t50\t20\t30\t40\t-1\t \n"
        "5\t1\t2\t1\t1\t1\t10\t80\t30\t40\t50\tA\n"
    )
    page = page_from_tsv(tsv, number=1, width=100, height=100)
    assert [line.text for line in page.lines] == ["Nguyễn", "A"]
    assert page.lines[0].words[0].bbox == (10, 20, 40, 60)
    assert page.lines[0].words[0].confidence == pytest.approx(0.965)
    assert page.lines[1].block == 2


@pytest.mark.parametrize(
    ("text", "confidence", "scribble"),
    [
        ("c<S3”~>", 0.0, True),  # signatures as the dev set's flatbed pages had them read
        ("Ss<=>", 0.35, True),
        ("««œ<=", 0.28, True),
        ("v>", 0.53, True),
        ("Ss<=>", 0.75, False),  # read with confidence: not dropped
        ("Số", 0.2, False),  # an unsure word of letters is a word
        ("09/07/1957", 0.3, False),
        ("IDVNM<<<<", 0.1, False),  # MRZ filler is pipeline.mrz's
        ("<<<<<<<<", 0.1, False),
        ("30%", 0.4, False),  # more digits than marks
        ("c", 0.32, True),  # no vowel, unsure: a speck
        ("Kø", 0.0, True),
        ("nh", 0.2, True),
        ("c", 0.8, False),  # read with confidence
        ("B", 0.05, False),  # one capital: a party or a list item (Bên B)
        ("ở", 0.1, False),  # a syllable (a vowel)
        ("Ư", 0.1, False),
        ("s4", 0.2, False),  # digits are not noise: a fax's digits are often unsure
    ],
)
def test_ocr_scribbles(text: str, confidence: float, scribble: bool) -> None:
    assert is_scribble(text, confidence) is scribble


def test_ocr_tsv_drops_scribbles_and_their_empty_lines() -> None:
    tsv = (
        "5\t1\t1\t1\t1\t1\t10\t20\t30\t40\t91\tCHỦ\n"
        "5\t1\t1\t1\t1\t2\t50\t20\t30\t40\t93\tTỊCH\n"
        "5\t1\t1\t1\t2\t1\t10\t70\t90\t40\t21\tSs<=>\n"
        "5\t1\t1\t1\t3\t1\t10\t120\t30\t40\t35\tc<S3”~>\n"
        "5\t1\t1\t1\t3\t2\t50\t120\t30\t40\t88\tNGUYỄN\n"
    )
    page = page_from_tsv(tsv, number=1, width=200, height=200)
    assert [line.text for line in page.lines] == ["CHỦ TỊCH", "NGUYỄN"]


def test_ocr_timeout_is_its_own_error(page_image: np.ndarray) -> None:
    with pytest.raises(OcrTimeoutError):
        run_tesseract(page_image, lang="vie", psm=3, dpi=300, timeout=0.001)


def test_ocr_missing_language_data_says_what_to_install(page_image: np.ndarray) -> None:
    with pytest.raises(MissingDependencyError, match="apt-get install"):
        run_tesseract(page_image, lang="xyz", psm=3, dpi=300, timeout=30)


def test_ocr_null_engine_reads_nothing(page_image: np.ndarray) -> None:
    page = NullEngine().read(page_image, number=2, dpi=None)
    assert page.lines == () and page.width == 2000 and page.number == 2


def test_ocr_api_engine_timeout_is_the_same_error(page_image: np.ndarray) -> None:
    engine = TesseractApiEngine(timeout=0.001)
    with pytest.raises(OcrTimeoutError, match=r"longer than 0\.001 s"):
        engine.read(page_image, number=1, dpi=300)
    # The thread's model survives a cancelled page: the next one is read in full.
    engine.timeout = 60
    assert engine.read(page_image, number=1, dpi=300).lines[0].text == LINES[0]


def test_ocr_api_engine_missing_language_data_says_what_to_install(
    page_image: np.ndarray,
) -> None:
    with pytest.raises(MissingDependencyError, match="apt-get install tesseract-ocr-vie"):
        TesseractApiEngine(lang="xyz").read(page_image, number=1, dpi=300)


def test_ocr_api_engine_threads_read_pages_like_one_thread(page_image: np.ndarray) -> None:
    """One model per thread: pages read two at a time come out as when read one by one."""
    engine = TesseractApiEngine()
    images = [page_image, page_image[:, ::-1].copy(), page_image[:250], page_image]
    alone = [engine.read(image, number=1, dpi=300) for image in images]
    with ThreadPoolExecutor(2) as pool:
        together = list(pool.map(lambda im: engine.read(im, number=1, dpi=300), images))
    assert [p.lines for p in together] == [p.lines for p in alone]
    assert alone[0].lines == alone[3].lines and alone[0].lines != alone[2].lines


def test_ocr_api_and_command_read_the_same_words(page_image: np.ndarray) -> None:
    api = TesseractApiEngine().read(page_image, number=1, dpi=300)
    cli = TesseractEngine().read(page_image, number=1, dpi=300)
    assert api.text == cli.text
    # Tesseract's CPU is known when it ran in this thread, not when it was another process.
    assert api.ocr_cpu_seconds is not None and 0 < api.ocr_cpu_seconds <= 2 * api.ocr_seconds
    assert cli.ocr_cpu_seconds is None
    for a, c in zip(api.words, cli.words, strict=True):
        assert max(abs(p - q) for p, q in zip(a.bbox, c.bbox, strict=True)) <= 3


@pytest.mark.parametrize(
    ("choice", "expected"), [("api", "tesseract-api"), ("cli", "tesseract-cli")]
)
def test_ocr_engine_option_picks_the_engine(choice: str, expected: str) -> None:
    options = Options(ocr_engine=choice)
    assert engine_name(options) == expected
    assert make_engine(options).name == expected.replace("-cli", "")


def test_ocr_tessdata_dir_holds_the_vietnamese_model() -> None:
    folder = tessdata_dir()
    assert folder is not None and (Path(folder) / "vie.traineddata").is_file()


def test_ocr_api_engine_keeps_the_image_library_quiet(page_image: np.ndarray) -> None:
    """Leptonica's messages ("Error in boxClipToRectangle …") would reach the clerk's console."""
    import ctypes

    import tesserocr

    TesseractApiEngine().read(page_image, number=1, dpi=300)
    folder = Path(tesserocr.__file__).resolve().parent.parent / "tesserocr.libs"
    (library,) = folder.glob("libleptonica-*.so*")
    assert ctypes.CDLL(str(library)).setMsgSeverity(6) == 6  # already L_SEVERITY_NONE


@pytest.mark.parametrize(("value", "expected"), [("cli", "cli"), (" API ", "api"), ("", "auto")])
def test_ocr_engine_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: str
) -> None:
    monkeypatch.setenv("SOHOA_OCR_ENGINE", value)
    assert Options().ocr_engine == expected


def test_ocr_engine_unknown_in_the_environment_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipeline.exceptions import ConfigError

    monkeypatch.setenv("SOHOA_OCR_ENGINE", "fastest")
    with pytest.raises(ConfigError, match="use auto, api or cli"):
        Options()


# MRZ lines read again ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def card_back(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, list[str]]:
    """A generated CCCD back (dev-set document 4: flatbed, 300 dpi) cleaned as the pipeline
    does, and its three MRZ lines."""
    from pipeline.load import expand_inputs, load_page
    from pipeline.preprocess import preprocess
    from pipeline.samples.generate import DocumentSpec, make_document
    from pipeline.samples.truth import read_truth

    folder = tmp_path_factory.mktemp("card")
    spec = DocumentSpec(
        index=4, seed=2026, doc_type="cccd_back", profile="flatbed_300dpi", format="png"
    )
    truth = read_truth(make_document(spec, folder))
    with expand_inputs([folder / truth.file]) as entries:
        image, _ = load_page(entries[0], 1, dpi=300, max_pixels=144_000_000)
    clean, _ = preprocess(image, Options().preprocess)
    return clean, [line for line in truth.pages[0].text.splitlines() if "<<" in line]


@ENGINES
def test_ocr_mrz_lines_are_read_again_with_their_own_characters(card_back, engine) -> None:
    clean, mrz_lines = card_back
    page = engine().read(clean, number=1, dpi=300)
    read = [line.text for line in page.lines]
    assert len(mrz_lines) == 3
    assert all(line in read for line in mrz_lines), read  # all three exactly, as one word each
    texts = {line.text: line for line in page.lines}
    assert all(len(texts[line].words) == 1 for line in mrz_lines)
    assert "CÓ GIÁ TRỊ ĐẾN" in page.text.upper() or "Ngày" in page.text  # the rest stays Vietnamese


def test_ocr_mrz_reread_keeps_the_more_plausible_reading() -> None:
    from pipeline.models import Line, Word
    from pipeline.ocr import reread_mrz

    right = "IDVNM0870123454001087012345<<5"
    misread = "TDVNM6870123454001087012345<<5"  # check digit no longer agrees

    def word(text: str, box: tuple[int, int, int, int] = (0, 0, 10, 10)) -> Word:
        return Word(text=text, confidence=0.9, bbox=box)

    page = Page(
        number=1,
        width=400,
        height=100,
        lines=(
            Line(words=(word("Ngày, tháng, năm:", (0, 0, 200, 20)),)),
            Line(
                words=(word(misread[:15], (0, 40, 190, 60)), word(misread[15:], (195, 40, 390, 60)))
            ),
        ),
    )
    asked: list[tuple[int, int]] = []

    def read_line(text: str):  # type: ignore[no-untyped-def]
        def read(crop: np.ndarray) -> Word:
            asked.append(crop.shape[:2])
            return word(text)

        return read

    image = np.full((100, 400), 255, np.uint8)
    fixed = reread_mrz(page, image, read_line(right))
    assert [line.text for line in fixed.lines] == ["Ngày, tháng, năm:", right]
    assert fixed.lines[1].words[0].bbox == (0, 40, 390, 60)  # the line's box, in page pixels
    assert len(asked) == 1  # only the MRZ line was read again, with a margin around it
    assert asked[0][0] > 20 and asked[0][1] > 390
    kept = reread_mrz(page, image, read_line(right[:18]))  # a worse reading: the first stays
    assert [line.text for line in kept.lines] == [line.text for line in page.lines]
