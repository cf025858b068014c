"""Document classification."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.classify import DOC_TYPES, classify

DOCUMENTS = Path(__file__).parents[1] / "extractors" / "documents"


@pytest.mark.parametrize("doc_type", ["cccd_front", "birth_certificate", "application_form"])
def test_classify_printed_documents(make_document, doc_type):
    text = (DOCUMENTS / f"{doc_type}.txt").read_text(encoding="utf-8")
    got, confidence = classify(make_document(text))
    assert got == doc_type
    assert confidence >= 0.75


@pytest.mark.parametrize(
    ("text", "doc_type"),
    [
        ("CAN CUOC CONG DAN\nSo / No.: 001087012345", "cccd_front"),  # tone marks lost
        ("GIAY KHAI SINH\nHo, chu dem, ten: A", "birth_certificate"),
        ("CHỨNG MINH NHÂN DÂN\nSố 012345678", "cmnd"),
        ("Đặc điểm nhận dạng: Nốt ruồi\nNgón trỏ trái", "cccd_back"),
        ("GIẤY CHỨNG NHẬN KẾT HÔN\nHọ tên chồng: A", "marriage_certificate"),
        ("TRÍCH LỤC KHAI TỬ\nNgày chết: 1/1/2020", "death_certificate"),
        ("SỔ HỘ KHẨU\nQuan hệ với chủ hộ: Con", "household_book"),
        ("HỢP ĐỒNG MUA BÁN\nBên A: ông X\nBên B: bà Y", "contract"),
        ("ĐƠN ĐỀ NGHỊ\nKính gửi: UBND xã\nTôi tên là: A", "application_form"),
        ("TỜ KHAI CĂN CƯỚC CÔNG DÂN\n1. Họ và tên: A", "application_form"),
        ("SỔ ĐĂNG KÝ KHAI SINH\nSố thứ tự 12", "civil_register_page"),
    ],
)
def test_classify_titles(make_document, text, doc_type):
    assert classify(make_document(text))[0] == doc_type


@pytest.mark.parametrize(
    "text", ["", "Hôm nay trời đẹp\nkhông có gì", "Lorem ipsum dolor sit amet"]
)
def test_classify_unknown(make_document, text):
    assert classify(make_document(text))[0] == "unknown"


def test_classify_title_in_head_beats_quote_in_body(make_document):
    text = "GIẤY KHAI SINH\nHọ, chữ đệm, tên: A\nGhi chú: kèm theo tờ khai"
    assert classify(make_document(text))[0] == "birth_certificate"


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=400))
def test_classify_never_raises(make_document, text):
    doc_type, confidence = classify(make_document(text))
    assert doc_type in DOC_TYPES
    assert 0.0 <= confidence <= 1.0
