"""The generator's breadth: new document types, form layouts, the held-out split, profiles."""

from __future__ import annotations

import random
import re
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.samples import DEVSET_PROFILES, DOC_TYPES, generate, parse_profile, read_truth
from pipeline.samples.cards import mrz_check_digit, mrz_lines
from pipeline.samples.data import (
    NEW_PROVINCES,
    PROVINCES,
    PROVINCES_2025,
    ModernAddress,
    address_as_of,
    make_address,
)
from pipeline.samples.degrade import PROFILES, degrade
from pipeline.samples.fonts import FAMILIES
from pipeline.samples.forms import (
    DEV_LAYOUTS,
    FORM_LAYOUTS,
    HELD_OUT_LAYOUTS,
    NAMED_PROBE_LAYOUTS,
    PROBE_LAYOUTS,
)
from pipeline.samples.generate import DocumentSpec, make_document, plan
from pipeline.samples.layouts import render
from pipeline.samples.register import COLUMNS


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# Every new type once, each under a profile the old tests do not cover.
@pytest.mark.parametrize(
    "spec",
    [
        DocumentSpec(1, 8, "cccd_back", "phone_photo+old_paper", "jpeg"),
        DocumentSpec(2, 8, "cmnd", "flatbed_300dpi+rotated", "png"),
        DocumentSpec(3, 8, "marriage_certificate", "fax_bitonal", "tiff"),
        DocumentSpec(4, 8, "death_certificate", "office_200dpi+crooked", "png"),
        DocumentSpec(5, 8, "contract", "office_200dpi", "pdf"),
        DocumentSpec(6, 8, "civil_register_page", "flatbed_bw_300dpi", "png"),
        DocumentSpec(7, 8, "application_form", "fax_bitonal+old_paper", "png",
                     options={"layout": "table"}),
    ],
    ids=lambda spec: spec.doc_type,
)  # fmt: skip
def test_generate_new_types_same_seed_same_bytes(tmp_path: Path, spec: DocumentSpec) -> None:
    make_document(spec, tmp_path / "a")
    make_document(spec, tmp_path / "b")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    truth = read_truth(next((tmp_path / "a").glob("*.json")))
    assert truth.profile == spec.profile
    for page in truth.pages:
        assert page.rotation_deg in {0, *parse_profile(spec.profile).rotations}


@pytest.mark.parametrize("seed", range(4))
def test_register_pages_hold_5_to_10_entries(seed: int) -> None:
    doc = render("civil_register_page", random.Random(seed), FAMILIES["LiberationSerif"], pages=2)
    assert doc.pages[0].image.width > doc.pages[0].image.height  # landscape
    numbers = [r["fields"]["registration_number"] for r in doc.records]  # type: ignore[index]
    for page in doc.pages:
        assert page.lines[2].startswith("Trang ")
        header = " ".join(title for title, _ in COLUMNS)
        assert header in page.lines
        entries = [line for line in page.lines if line.split(" ")[0] in numbers]
        assert 5 <= len(entries) <= 10
        assert all(line.startswith("Quyển số") or "Quyển số: " in line for line in page.lines[:1])
    assert len(set(numbers)) == len(numbers)  # running numbers continue across pages


def test_checkbox_form_crosses_the_printed_sex() -> None:
    doc = render(
        "application_form",
        random.Random(2),
        FAMILIES["NotoSerif"],
        layout="checkbox",
        template=None,
    )
    sex = doc.records[0]["fields"]["sex"]  # type: ignore[index]
    text = doc.pages[0].text
    expected = "☒ Nam ☐ Nữ" if sex == "male" else "☐ Nam ☒ Nữ"
    assert f"Giới tính: {expected}" in text


def test_truth_says_which_values_are_written_by_hand() -> None:
    family = FAMILIES["LiberationSerif"]
    cards = [render("cmnd", random.Random(seed), family).records[0] for seed in range(12)]
    hand = [set(r["handwritten"]) for r in cards]  # type: ignore[call-overload]
    assert set() in hand and any(hand)  # both kinds are drawn
    for record, written in zip(cards, hand, strict=True):
        assert written in (set(), set(record["fields"]) - {"old_id_number"})  # type: ignore[call-overload]
    form = render("application_form", random.Random(2), family, layout="checkbox").records[0]
    written = set(form["handwritten"])  # type: ignore[call-overload]
    assert "full_name" in written and "sex" not in written  # the crossed box is printed
    printed = render("application_form", random.Random(2), family, layout="dotted").records[0]
    assert printed["handwritten"] == []
    ledgers = [render("civil_register_page", random.Random(s), family) for s in range(6)]
    for entry in (doc.records[0] for doc in ledgers):
        assert not {"book_number", "registration_office"} & set(entry["handwritten"])  # type: ignore[call-overload]


@pytest.mark.parametrize("layout", FORM_LAYOUTS)
def test_form_layouts_print_every_truth_value(layout: str) -> None:
    doc = render("application_form", random.Random(5), FAMILIES["DejaVuSans"], layout=layout)
    assert doc.layout == layout
    flat = " ".join(page.text for page in doc.pages).replace("\n", " ")
    # A date written into dotted slots ("..... 12 ...... / ...... 03 ......") reads as one.
    flat += " " + re.sub(r"\s*/\s*", "/", " ".join(re.sub(r"\.{2,}", " ", flat).split()))
    for key, value in doc.records[0]["fields"].items():  # type: ignore[union-attr]
        printed = {value, value.upper()}
        if key == "date_of_birth" or key == "issue_date":
            y, m, d = value.split("-")
            printed.add(f"{d}/{m}/{y}")
        if key == "sex":
            printed.add({"male": "Nam", "female": "Nữ"}[value])
        assert printed & {p for p in printed if p in flat}, (layout, key, value)


def test_held_out_and_probe_layouts_never_in_the_dev_set(tmp_path: Path) -> None:
    apart = (set(HELD_OUT_LAYOUTS), set(PROBE_LAYOUTS), set(NAMED_PROBE_LAYOUTS), set(DEV_LAYOUTS))
    assert sum(map(len, apart)) == len(FORM_LAYOUTS)
    assert set.union(*apart) == set(FORM_LAYOUTS)
    for seed in (2026, 1, 7):
        for spec in plan(n=300, seed=seed, all_profiles=True):
            if spec.doc_type == "application_form":
                assert set(spec.options["layouts"]) == set(DEV_LAYOUTS)  # type: ignore[arg-type]
    held_out = generate(tmp_path, n=2, seed=7, layouts="held-out", profiles=["flatbed_300dpi"])
    truths = [read_truth(p) for p in held_out]
    assert {t.doc_type for t in truths} == {"application_form"}
    assert {t.layout for t in truths} <= set(HELD_OUT_LAYOUTS)
    probe = generate(tmp_path / "p", n=2, seed=7, layouts="probe", profiles=["flatbed_300dpi"])
    assert {read_truth(p).layout for p in probe} <= set(PROBE_LAYOUTS)


def test_plan_all_profiles_is_balanced() -> None:
    specs = plan(n=len(DOC_TYPES) * len(DEVSET_PROFILES), seed=2026, all_profiles=True)
    pairs = {(s.doc_type, s.profile) for s in specs}
    assert len(pairs) == len(DOC_TYPES) * len(DEVSET_PROFILES)
    with pytest.raises(ValueError, match="not both"):
        plan(n=1, seed=0, profiles=["old_paper"], all_profiles=True)


def test_profiles_combine_left_to_right() -> None:
    office_then_fax = parse_profile("office_200dpi+fax_bitonal")
    fax_then_office = parse_profile("fax_bitonal+office_200dpi")
    assert office_then_fax.name == "office_200dpi+fax_bitonal"
    assert office_then_fax.mode == "bitonal" and fax_then_office.mode == "grey"
    assert office_then_fax.y_scale == fax_then_office.y_scale == 0.5  # only the fax sets it
    photo = parse_profile("phone_photo+old_paper+crooked")
    assert photo.perspective == PROFILES["phone_photo"].perspective
    assert photo.paper_age == PROFILES["old_paper"].paper_age and photo.skew_deg == 10
    assert parse_profile("flatbed_300dpi") == PROFILES["flatbed_300dpi"]
    for name in DEVSET_PROFILES:
        assert parse_profile(name).name == name
    with pytest.raises(ValueError, match="unknown profile"):
        parse_profile("phone_photo+coffee")


def test_degrade_old_paper_yellows_and_rotated_turns() -> None:
    page = Image.new("RGB", (300, 200), (255, 255, 255))
    aged, _, _ = degrade(page, parse_profile("phone_photo+old_paper"), np.random.default_rng(1))
    r, g, b = (float(np.asarray(aged)[..., k].mean()) for k in range(3))
    assert b < g < r  # yellowed
    turned, _, turn = degrade(page, parse_profile("rotated"), np.random.default_rng(1))
    assert turn in {90, 180, 270}
    assert turned.size == ((200, 300) if turn in {90, 270} else (300, 200))
    fax, _, _ = degrade(page, PROFILES["fax_bitonal"], np.random.default_rng(1))
    assert fax.mode == "1" and fax.size == (200, 133)
    crooked, skew, _ = degrade(page, parse_profile("crooked"), np.random.default_rng(1), skew=9)
    assert skew == 9 and crooked.width > 300  # the canvas grew: no corner was cut


def test_mrz_check_digits_and_layout() -> None:
    # ICAO 9303 part 3's worked examples.
    assert mrz_check_digit("L898902C3") == "6"
    assert mrz_check_digit("740812") == "2"
    assert mrz_check_digit("120415") == "9"
    lines = mrz_lines("001187012345", "Nguyễn Thị Hồng Nhung", "female", date(1987, 3, 15), None)
    assert [len(line) for line in lines] == [30, 30, 30]
    assert lines[0].startswith("IDVNM187012345") and "001187012345" in lines[0]
    assert lines[1].startswith("870315") and lines[1][7] == "F"
    assert lines[2].startswith("NGUYEN<<THI<HONG<NHUNG<")


def test_data_2025_units() -> None:
    assert len(PROVINCES_2025) == 34 == len(set(PROVINCES_2025))
    assert {p.code for p in PROVINCES} <= NEW_PROVINCES.keys()
    assert {name for name, _ in NEW_PROVINCES.values()} <= set(PROVINCES_2025)
    address = make_address(random.Random(3), house=True)
    assert address_as_of(address, date(2025, 6, 30)) is address
    modern = address_as_of(address, date(2025, 7, 1))
    assert isinstance(modern, ModernAddress)
    assert "huyện" not in modern.full() and "quận" not in modern.full()
    assert modern.full().endswith(NEW_PROVINCES[address.province.code][0])


def test_cli_samples_writes_and_rejects(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["samples", str(tmp_path / "x"), "--n", "0"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["samples", str(tmp_path / "y"), "--profile", "coffee"])
    assert result.exit_code == 2
    assert "unknown profile" in result.output
