"""OCR stage: an engine turns a clean page image into a :class:`~pipeline.models.Page`.

Engines sit behind :class:`OcrEngine`. Two are real: :class:`TesseractApiEngine` (the default)
calls libtesseract in this process through ``tesserocr``, one loaded model per worker thread;
:class:`TesseractEngine` runs the ``tesseract`` command through pytesseract, one process per page.
:class:`NullEngine` returns empty pages (for tests of everything around OCR).

Why two: a ``tesseract`` process spends about 0.12 s loading its model before it reads a pixel,
and Debian's Tesseract 5.3 is slower than the 5.5 that ``tesserocr``'s wheel carries; on 20 dev-set
pages the in-process engine took 5.3 s of wall time against 8.2 s for the command, both two pages
at a time, with the same word F1 (docs/benchmarks.md). The command stays for what a separate process
gives: a crash of Tesseract cannot take the batch down with it (``SOHOA_OCR_ENGINE=cli``), and it
writes hOCR and ALTO (``sohoa ocr --format``).

The code that runs Tesseract (:func:`run_tesseract`) is separate from the code that builds the page
tree (:func:`page_from_tsv`). Images reach the command as uncompressed PNM files: pytesseract's
default re-encodes every page to PNG, which costs about 0.15 s for an A4 page at 300 dpi against
0.006 s for PNM (measured on this project's sample pages) — a tenth of the OCR time thrown away.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
import threading
import time
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import pytesseract

from pipeline import mrz
from pipeline.exceptions import MissingDependencyError, OcrError, OcrTimeoutError
from pipeline.load import temp_prefix
from pipeline.models import Line, Page, Word

__all__ = [
    "NullEngine",
    "OcrEngine",
    "TesseractApiEngine",
    "TesseractEngine",
    "api_available",
    "page_from_tsv",
    "run_tesseract",
    "set_image",
    "tessdata_dir",
    "tesseract_version",
    "thread_model",
]

# One Tesseract per core, each single-threaded: Tesseract's OpenMP threads are slower than running
# pages in parallel (OCRmyPDF measured the same). Set before any tesseract process starts.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
# A crashing Tesseract can print pages of garbage: the reason stored and shown keeps the start.
MAX_REASON_CHARS = 300


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_REASON_CHARS else text[:MAX_REASON_CHARS] + " …"


def tesseract_version() -> str:
    """Tesseract's version, or MissingDependencyError with the install command."""
    try:
        return str(pytesseract.get_tesseract_version())
    except pytesseract.TesseractNotFoundError as exc:
        raise MissingDependencyError(
            "tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-vie "
            "(or run `make demo`, which installs it)"
        ) from exc


def run_tesseract(
    image: np.ndarray,
    *,
    lang: str,
    psm: int,
    dpi: int | None,
    timeout: float,
    extension: str = "tsv",
) -> str:
    """Run Tesseract on ``image`` and return its ``tsv``, ``hocr`` or ``xml`` (ALTO) output.

    Raises:
        OcrTimeoutError: Tesseract ran longer than ``timeout`` seconds (it is killed).
        OcrError: Tesseract failed.
        MissingDependencyError: Tesseract or its language data is missing.
    """
    config = f"--psm {psm}" + (f" --dpi {dpi}" if dpi else "")
    with tempfile.TemporaryDirectory(prefix=temp_prefix("ocr")) as tmp:
        path = Path(tmp) / ("page.pgm" if image.ndim == 2 else "page.ppm")
        bgr = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        if not cv2.imwrite(str(path), bgr):
            raise OcrError(f"could not write the page image for Tesseract to {tmp}")
        try:
            if extension == "tsv":
                return pytesseract.image_to_data(
                    str(path), lang=lang, config=config, timeout=timeout
                )
            if extension == "xml":
                return pytesseract.image_to_alto_xml(
                    str(path), lang=lang, config=config, timeout=timeout
                ).decode("utf-8")
            return pytesseract.image_to_pdf_or_hocr(
                str(path), lang=lang, config=config, timeout=timeout, extension="hocr"
            ).decode("utf-8")
        except pytesseract.TesseractNotFoundError as exc:
            raise MissingDependencyError(
                "tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-vie"
            ) from exc
        except pytesseract.TesseractError as exc:
            # TesseractError subclasses RuntimeError: it must be caught first.
            if "Failed loading language" in str(exc):
                raise MissingDependencyError(
                    f"Tesseract has no '{lang}' language data: apt-get install tesseract-ocr-vie"
                ) from exc
            reason = f"Tesseract failed (status {exc.status}): {_short(exc.message)}"
            raise OcrError(reason) from exc
        except RuntimeError as exc:
            # pytesseract signals its timeout with a bare RuntimeError after killing the process.
            if "timeout" in str(exc).lower():
                raise OcrTimeoutError(f"Tesseract took longer than {timeout:.0f} s") from exc
            raise OcrError(f"Tesseract failed: {_short(str(exc))}") from exc
        except UnicodeDecodeError as exc:
            # pytesseract decodes a crashed Tesseract's stderr, or its output, as strict UTF-8.
            raise OcrError("Tesseract failed and wrote unreadable (non-UTF-8) output") from exc
        except (subprocess.SubprocessError, OSError) as exc:
            # OSError: Tesseract exited 0 but wrote no output file (killed by the OOM killer, …).
            raise OcrError(f"Tesseract could not be run: {_short(str(exc))}") from exc
        except SystemExit as exc:
            # pytesseract calls sys.exit() when `tesseract --version` prints nonsense.
            raise MissingDependencyError(
                f"the tesseract command is not a working Tesseract ({_short(str(exc))})"
            ) from exc


# What Tesseract writes for a signature, a flourish or a smudge: strings of these marks with a
# letter or two among them (`c<S3”~>`, `Ss<=>`, `««œ<=`), read with little confidence. Printed
# Vietnamese text has none of them inside a word; MRZ filler (`<<`) is kept for pipeline.mrz.
_SCRIBBLE_MARKS = frozenset("<>=~^«»‡%—“”")
SCRIBBLE_CONFIDENCE = 0.6
"""Below this confidence a word made of :data:`_SCRIBBLE_MARKS` as much as of letters and digits
is a scribble (on the dev set's flatbed pages every such word was; printed words read 0.7–0.99)."""


NOISE_CONFIDENCE = 0.4
"""Below this confidence a word of one to three letters and no vowel is noise: every Vietnamese
syllable has a vowel, and the abbreviations that have none (``TP``, ``VN``, ``HĐ``) are printed
and read at 0.7 or more. On 106 printed dev-set documents 60 such words were noise, 2 were right
(``B`` of a fax's *Bên B*, which is why one capital letter is kept)."""


def _vowelless(text: str) -> bool:
    if not (text.isalpha() and len(text) <= 3) or (len(text) == 1 and text.isupper()):
        return False
    return not any(unicodedata.normalize("NFD", c)[0].lower() in "aeiouy" for c in text)


def is_scribble(text: str, confidence: float) -> bool:
    """Whether a word is Tesseract's reading of a pen stroke or a speck rather than of print:
    unsure, and at least as many of :data:`_SCRIBBLE_MARKS` as letters and digits (never an MRZ
    piece), or a short letter string with no vowel (:data:`NOISE_CONFIDENCE`)."""
    if confidence < NOISE_CONFIDENCE and _vowelless(text):
        return True
    if confidence >= SCRIBBLE_CONFIDENCE or "<<" in text:
        return False
    marks = sum(c in _SCRIBBLE_MARKS for c in text)
    return marks > 0 and marks >= sum(c.isalnum() for c in text)


def page_from_tsv(tsv: str, *, number: int, width: int, height: int) -> Page:
    """Build the Page → Line → Word tree from Tesseract's TSV (levels 1–5; level 5 rows are words).

    Word text is normalised to NFC (Tesseract can emit decomposed tone marks); confidences go
    from 0–100 to 0–1; empty words and scribbles (:func:`is_scribble`: signatures read as
    ``Ss<=>``) are dropped. The command's TSV starts with a header row, the library's does not:
    only level-5 rows are read either way.
    """
    lines: dict[tuple[int, int, int, int], list[Word]] = {}
    for row in tsv.splitlines():
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = unicodedata.normalize("NFC", cols[11]).strip()
        if not text:
            continue
        try:
            left, top, w, h = (int(c) for c in cols[6:10])
            conf = max(0.0, min(1.0, float(cols[10]) / 100.0))
            key = (int(cols[1]), int(cols[2]), int(cols[3]), int(cols[4]))
        except ValueError as exc:
            raise OcrError(f"Tesseract wrote an unreadable TSV row: {_short(row)!r}") from exc
        if is_scribble(text, conf):
            continue
        lines.setdefault(key, []).append(
            Word(text=text, confidence=conf, bbox=(left, top, left + w, top + h))
        )
    built = tuple(Line(words=tuple(words), block=key[1]) for key, words in lines.items())
    return Page(number=number, width=width, height=height, lines=built)


def reread_mrz(
    page: Page, image: np.ndarray, read_line: Callable[[np.ndarray], Word | None]
) -> Page:
    """Read the MRZ lines of a card again, each on its own with the MRZ's characters only.

    The Vietnamese model reads OCR-B poorly (``I`` as ``T``, ``0`` as ``6``: on the dev set's
    card backs most MRZ lines had a wrong character, and the ID is read from there). A line
    that can only be an MRZ line (:func:`pipeline.mrz.looks_like_mrz`) is cut out of ``image``
    and given to ``read_line``; the new reading replaces the old when it is at least as
    plausible (:func:`pipeline.mrz.plausibility`: the 30 characters, the check digits).
    """
    lines = list(page.lines)
    for i, line in enumerate(lines):
        box = line.bbox
        if box is None or not mrz.looks_like_mrz(line.text):
            continue
        x0, y0, x1, y1 = box
        pad = max(4, (y1 - y0) // 3)
        crop = image[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad]
        word = read_line(crop)
        if word is None or len(word.text) < 20:
            continue
        if mrz.plausibility(word.text) >= mrz.plausibility(line.text):
            lines[i] = Line(words=(word.model_copy(update={"bbox": box}),), block=line.block)
    return page.model_copy(update={"lines": tuple(lines)})


class OcrEngine(ABC):
    """Reads one clean page image."""

    name: str = "abstract"

    @abstractmethod
    def read(self, image: np.ndarray, *, number: int, dpi: int | None) -> Page:
        """OCR ``image`` as page ``number``."""

    def render(self, image: np.ndarray, *, fmt: str, dpi: int | None) -> str:
        """The page as ``text``, ``hocr`` or ``alto``."""
        raise NotImplementedError(f"{self.name} cannot write {fmt}")


class TesseractEngine(OcrEngine):
    """Tesseract through pytesseract, one single-threaded process per page."""

    name = "tesseract"

    def __init__(self, lang: str = "vie", psm: int = 3, timeout: float = 180.0) -> None:
        self.lang, self.psm, self.timeout = lang, psm, timeout

    def read(self, image: np.ndarray, *, number: int, dpi: int | None) -> Page:
        start = time.perf_counter()
        tsv = run_tesseract(image, lang=self.lang, psm=self.psm, dpi=dpi, timeout=self.timeout)
        page = page_from_tsv(tsv, number=number, width=image.shape[1], height=image.shape[0])
        page = reread_mrz(page, image, self.read_mrz_line)
        return page.model_copy(update={"dpi": dpi, "ocr_seconds": time.perf_counter() - start})

    def read_mrz_line(self, image: np.ndarray) -> Word | None:
        """One MRZ line read with the English model and the MRZ's characters only; None when
        it cannot be read (no English data: the first reading then stays)."""
        config = f"--psm 7 -c tessedit_char_whitelist={mrz.ALPHABET}"
        try:
            data = pytesseract.image_to_data(
                image, lang="eng", config=config, timeout=30, output_type=pytesseract.Output.DICT
            )
        except (pytesseract.TesseractError, RuntimeError, OSError):
            return None
        read = [(t, float(c)) for t, c in zip(data["text"], data["conf"], strict=True) if t.strip()]
        return _mrz_word("".join(t for t, _ in read), [c for _, c in read], image)

    def render(self, image: np.ndarray, *, fmt: str, dpi: int | None) -> str:
        if fmt == "text":
            return self.read(image, number=1, dpi=dpi).text
        extension = {"hocr": "hocr", "alto": "xml"}[fmt]
        return run_tesseract(
            image, lang=self.lang, psm=self.psm, dpi=dpi, timeout=self.timeout, extension=extension
        )


_LANGS_IN = re.compile(r'languages in "([^"]+)"')
_TESSDATA_GUESSES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)


@lru_cache(maxsize=1)
def tessdata_dir() -> str | None:
    """Where the installed Tesseract keeps its language data (``TESSDATA_PREFIX`` first).

    ``tesserocr``'s own compiled-in path points nowhere on Debian; the data of the
    ``tesseract-ocr-vie`` package is where ``tesseract --list-langs`` says it is.
    """
    if os.environ.get("TESSDATA_PREFIX"):
        return os.environ["TESSDATA_PREFIX"]
    try:
        listing = subprocess.run(
            ["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30
        )
        found = _LANGS_IN.search(listing.stdout + listing.stderr)
        if found:
            return found.group(1)
    except (OSError, subprocess.SubprocessError):
        pass
    return next((p for p in _TESSDATA_GUESSES if Path(p, "osd.traineddata").exists()), None)


@lru_cache(maxsize=1)
def _quiet_library() -> None:
    """Silence the messages libtesseract's image library (leptonica) writes straight to stderr.

    Read as a command, Tesseract's stderr is captured and only shown when it fails; in-process,
    lines such as "Error in boxClipToRectangle: box outside rectangle" (harmless: a box Tesseract
    clips itself) would land on the clerk's console among the progress bar. The wheel's own copy
    of leptonica is already loaded; ``setMsgSeverity(L_SEVERITY_NONE)`` turns its messages off.
    Tesseract's own messages go to ``debug_file`` (set per model in :func:`thread_model`).
    """
    import ctypes

    import tesserocr

    folder = Path(tesserocr.__file__).resolve().parent.parent / "tesserocr.libs"
    for library in folder.glob("libleptonica-*.so*"):
        with contextlib.suppress(OSError, AttributeError):  # another build: messages stay
            ctypes.CDLL(str(library)).setMsgSeverity(6)  # L_SEVERITY_NONE


@lru_cache(maxsize=1)
def api_available() -> bool:
    """Can :class:`TesseractApiEngine` run here (``tesserocr`` importable)?"""
    try:
        import tesserocr  # noqa: F401
    except ImportError:
        return False
    return True


_MODELS = threading.local()


def thread_model(lang: str, psm: int, **variables: str):  # type: ignore[no-untyped-def]
    """This thread's libtesseract model for ``lang`` and ``psm``, loaded on first use and kept
    (one per thread: a model is not safe to share, and loading it costs ~0.1 s).

    Raises:
        ImportError: ``tesserocr`` is not installed.
        RuntimeError: no language data for ``lang``.
    """
    import tesserocr

    models = _MODELS.__dict__.setdefault("models", {})
    key = (lang, psm, tuple(sorted(variables.items())))
    if key not in models:
        _quiet_library()
        path = tessdata_dir()
        api = tesserocr.PyTessBaseAPI(
            path=(path.rstrip("/") + "/") if path else "./", lang=lang, psm=psm
        )
        for name, value in {"debug_file": os.devnull, **variables}.items():  # quiet, as above
            api.SetVariable(name, value)
        models[key] = api
    return models[key]


def set_image(api, image: np.ndarray) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Hand ``image`` (grey or RGB) to a :func:`thread_model` as raw bytes; its ``(w, h)``."""
    pixels = np.ascontiguousarray(image)
    height, width = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    api.SetImageBytes(pixels.tobytes(), width, height, channels, width * channels)
    return width, height


class TesseractApiEngine(TesseractEngine):
    """libtesseract in this process (``tesserocr``): one loaded model per thread, kept.

    ``read`` releases the GIL while Tesseract works, so worker threads read pages in parallel.
    A page running past ``timeout`` is cancelled by Tesseract's own monitor (OcrTimeoutError,
    retried like the command's). hOCR and ALTO come from the command (:meth:`render`).
    """

    name = "tesseract-api"

    def read(self, image: np.ndarray, *, number: int, dpi: int | None) -> Page:
        start, start_cpu = time.perf_counter(), time.thread_time()
        try:
            api = thread_model(self.lang, self.psm)
        except RuntimeError as exc:
            raise MissingDependencyError(
                f"Tesseract has no '{self.lang}' language data in "
                f"{tessdata_dir() or 'any known folder'}:"
                " apt-get install tesseract-ocr-vie (or set TESSDATA_PREFIX)"
            ) from exc
        width, height = set_image(api, image)
        if dpi:
            api.SetSourceResolution(dpi)
        if not api.Recognize(int(self.timeout * 1000)):
            api.Clear()
            raise OcrTimeoutError(f"Tesseract took longer than {self.timeout:g} s")
        tsv = api.GetTSVText(0)
        api.Clear()  # drop the page's image and results: the model stays loaded
        page = page_from_tsv(tsv, number=number, width=width, height=height)
        page = reread_mrz(page, image, self.read_mrz_line)
        return page.model_copy(
            update={
                "dpi": dpi,
                "ocr_seconds": time.perf_counter() - start,
                "ocr_cpu_seconds": time.thread_time() - start_cpu,  # Tesseract ran in this thread
            }
        )

    def read_mrz_line(self, image: np.ndarray) -> Word | None:
        try:
            import tesserocr

            single_line = tesserocr.PSM.SINGLE_LINE
            api = thread_model("eng", single_line, tessedit_char_whitelist=mrz.ALPHABET)
        except (ImportError, RuntimeError):
            return None
        set_image(api, image)
        if not api.Recognize(30_000):
            api.Clear()
            return None
        text, confidences = api.GetUTF8Text(), api.AllWordConfidences()
        api.Clear()
        return _mrz_word(text, [float(c) for c in confidences], image)


def _mrz_word(text: str, confidences: list[float], image: np.ndarray) -> Word | None:
    """One reading of an MRZ line as one word (an MRZ has no spaces), confidence the mean of
    Tesseract's 0–100 word confidences."""
    joined = "".join(text.split())
    if not joined:
        return None
    confidence = (
        min(1.0, max(0.0, sum(confidences) / len(confidences) / 100)) if confidences else 0.0
    )
    return Word(text=joined, confidence=confidence, bbox=(0, 0, image.shape[1], image.shape[0]))


class NullEngine(OcrEngine):
    """Reads nothing: every page comes back empty. For tests of the machinery around OCR."""

    name = "null"

    def read(self, image: np.ndarray, *, number: int, dpi: int | None) -> Page:
        return Page(number=number, width=image.shape[1], height=image.shape[0], dpi=dpi)
