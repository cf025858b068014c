"""The MRZ helpers (pipeline.mrz): check digits, what an MRZ line looks like, which of two
readings is more plausible."""

from __future__ import annotations

import pytest

from pipeline.mrz import check_digit, looks_like_mrz, plausibility

LINE_1 = "IDVNM0870123454001087012345<<5"
LINE_2 = "8701015M2701013VNM<<<<<<<<<<<8"  # pipeline.samples.cards.mrz_lines


@pytest.mark.parametrize(
    ("text", "digit"),
    [("L898902C3", "6"), ("740812", "2"), ("120415", "9"), ("087012345", "4"), ("<<<<<<", "0")],
)
def test_mrz_check_digit_follows_icao_9303(text: str, digit: str) -> None:
    assert check_digit(text) == digit


def test_mrz_lines_are_recognised_and_text_is_not() -> None:
    assert looks_like_mrz(LINE_1) and looks_like_mrz("PHAN<<VAN<MINH<<<<<<<<<<<<<<<<")
    assert looks_like_mrz("IDVNM08701 23454001087012345<<5")  # OCR put a space in
    assert not looks_like_mrz("Họ và tên: PHAN VĂN MINH")
    assert not looks_like_mrz("0870123454001087012345")  # digits without a filler
    assert not looks_like_mrz("AB<<C")  # too short to tell


def test_mrz_plausibility_prefers_whole_lines_that_pass_their_checks() -> None:
    assert plausibility(LINE_1) == (1, 1, 1)
    assert plausibility(LINE_2) == (1, 2, 1)
    misread = LINE_1[:6] + "6" + LINE_1[7:]  # one digit of the document number
    assert plausibility(LINE_1) > plausibility(misread) > plausibility(LINE_1[:-3])
    assert plausibility(LINE_2) > plausibility(LINE_2.replace("8701015", "8701O15"))
