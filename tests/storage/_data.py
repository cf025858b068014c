"""Extraction results built directly (no OCR), shared by the storage tests."""

from __future__ import annotations

from pipeline.models import (
    DocumentResult,
    ExtractedField,
    ExtractedRecord,
    FieldStatus,
    Line,
    Page,
    Word,
)

__all__ = ["PIPELINE_VERSION", "make_page", "make_result", "sha"]

PIPELINE_VERSION = "0.1.0"


def sha(n: int) -> str:
    """A distinct fake SHA-256 per ``n``."""
    return f"{n:064x}"


def make_result(n_records: int = 1, n_extra_fields: int = 0) -> DocumentResult:
    """A birth certificate: record 0 is the ``subject`` (auto-accepted), the others ``party_N``
    (one field needs review); ``n_extra_fields`` more fields per record."""
    records = []
    for i in range(n_records):
        fields = {
            "full_name": ExtractedField(
                name="full_name",
                value="Nguyễn Thị Hồng Nhung",
                raw="NGUYỄN THỊ HỒNG NHUNG",
                confidence=0.97,
                status=FieldStatus.auto_accepted,
                page=1,
                bbox=(412, 630, 1290, 688),
                ocr_confidence=0.96,
                extractor="sohoa.names.v1",
            ),
            "date_of_birth": ExtractedField(
                name="date_of_birth",
                value="1987-03-15",
                raw="15/3/1987",
                confidence=0.97 if i == 0 else 0.4,
                status=FieldStatus.auto_accepted if i == 0 else FieldStatus.needs_review,
                page=1,
                bbox=None,
                reasons=[] if i == 0 else ["ngày sinh khó đọc"],
            ),
        }
        for k in range(n_extra_fields):
            fields[f"extra_{k}"] = ExtractedField(
                name=f"extra_{k}", value=str(k), raw=str(k), confidence=0.9, page=1
            )
        records.append(ExtractedRecord(role="subject" if i == 0 else f"party_{i}", fields=fields))
    return DocumentResult(doc_type="birth_certificate", doc_type_confidence=0.93, records=records)


def make_page(number: int = 1) -> Page:
    """A small OCRed page with Vietnamese words, a DPI and preprocessing notes."""
    words = (
        Word(text="Họ", confidence=0.91, bbox=(10, 10, 40, 30)),
        Word(text="tên:", confidence=0.88, bbox=(45, 10, 90, 30)),
        Word(text="NGUYỄN", confidence=0.97, bbox=(100, 10, 200, 30)),
    )
    return Page(
        number=number,
        width=2480,
        height=3508,
        lines=(Line(words=words, block=0), Line(words=words[:1], block=1)),
        dpi=300,
        preprocess={"steps": ["grayscale", "deskew"], "angle": -1.25},
        ocr_seconds=2.5,
    )
