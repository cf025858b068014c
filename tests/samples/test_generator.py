"""The sample generator: determinism, consistent people, dates in words, fonts, truth, OCR."""

from __future__ import annotations

import random
import shutil
import subprocess
import unicodedata
import zipfile
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.samples import DOC_TYPES, PROFILES, date_in_words, generate, read_truth
from pipeline.samples.__main__ import main
from pipeline.samples.data import ETHNICITIES, PROVINCES, id_number_for, make_person
from pipeline.samples.degrade import degrade
from pipeline.samples.fonts import FAMILIES, HANDWRITING, SYMBOLS, find_font, missing_glyphs
from pipeline.samples.forms import DEV_LAYOUTS, FORMS
from pipeline.samples.generate import DocumentSpec, make_document
from pipeline.samples.truth import GroundTruth

SAMPLES = Path(__file__).resolve().parents[2] / "sample_scans"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """One document of each type, clean flatbed PNGs."""
    out = tmp_path_factory.mktemp("generated")
    return generate(out, n=len(DOC_TYPES), seed=11, profiles=["flatbed_300dpi"], workers=2)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize(
    "spec",
    [
        DocumentSpec(1, 5, "cccd_front", "flatbed_300dpi", "pdf"),
        DocumentSpec(2, 5, "cccd_front", "office_200dpi", "jpeg", archive="dossier"),
        DocumentSpec(3, 5, "cccd_front", "phone_photo", "jpeg"),
        DocumentSpec(
            4,
            5,
            "application_form",
            "flatbed_bw_300dpi",
            "tiff",
            options={"template": FORMS[1], "layout": "dotted"},
        ),
    ],
    ids=["pdf", "zip-jpeg", "jpeg-phone", "tiff-2-pages"],
)
def test_generate_same_seed_same_bytes(tmp_path: Path, spec: DocumentSpec) -> None:
    make_document(spec, tmp_path / "a")
    make_document(spec, tmp_path / "b")
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert first.keys() == second.keys() and len(first) == 2
    assert first == second


def test_generate_multi_page_tiff_holds_every_page(tmp_path: Path) -> None:
    spec = DocumentSpec(
        1,
        3,
        "application_form",
        "flatbed_bw_300dpi",
        "png",
        options={"template": FORMS[1], "layout": "dotted"},
    )
    truth = read_truth(make_document(spec, tmp_path))
    assert truth.file.endswith(".tif")  # PNG holds one page: falls back to TIFF
    with Image.open(tmp_path / truth.file) as image:
        assert getattr(image, "n_frames", 1) == len(truth.pages) == 2
        assert image.mode == "1"


@pytest.mark.parametrize("seed", range(40))
def test_data_id_number_agrees_with_person(seed: int) -> None:
    person = make_person(random.Random(seed))
    dob, digits = person.date_of_birth, person.id_number
    assert len(digits) == 12 and digits.isdigit()
    assert digits[:3] == person.birth_province.code
    century_sex = int(digits[3])
    assert 1900 + 100 * (century_sex // 2) <= dob.year < 2000 + 100 * (century_sex // 2)
    assert (century_sex % 2 == 1) == (person.sex == "female")
    assert digits[4:6] == f"{dob.year % 100:02d}"


@pytest.mark.parametrize("seed", range(20))
def test_data_inconsistent_id_contradicts_one_part(seed: int) -> None:
    person = make_person(random.Random(seed), inconsistent_id=True)
    good = id_number_for(person.birth_province.code, person.sex, person.date_of_birth.year, 0)
    assert not person.id_consistent
    assert person.id_number[:6] != good[:6]


@pytest.mark.parametrize(
    ("province", "sex", "year", "expected"),
    [
        ("001", "female", 1987, "001187012345"),
        ("079", "male", 2003, "079203012345"),
        ("048", "female", 2010, "048310012345"),
        ("094", "male", 1999, "094099012345"),
    ],
)
def test_data_id_number_for_layout(province: str, sex: str, year: int, expected: str) -> None:
    assert id_number_for(province, sex, year, 12345) == expected


def test_data_tables_are_complete() -> None:
    assert len(ETHNICITIES) == 54
    codes = [p.code for p in PROVINCES]
    assert len(codes) >= 20 and len(set(codes)) == len(codes)
    assert {
        "001": "thành phố Hà Nội",
        "079": "thành phố Hồ Chí Minh",
        "094": "tỉnh Sóc Trăng",
        "058": "tỉnh Ninh Thuận",
        "022": "tỉnh Quảng Ninh",
    }.items() <= {p.code: p.name for p in PROVINCES}.items()


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (date(1987, 3, 15), "Ngày mười lăm, tháng ba, năm một nghìn chín trăm tám mươi bảy"),
        (date(2001, 1, 21), "Ngày hai mươi mốt, tháng một, năm hai nghìn không trăm linh một"),
        (date(2010, 10, 1), "Ngày mồng một, tháng mười, năm hai nghìn không trăm mười"),
        (
            date(1999, 12, 25),
            "Ngày hai mươi lăm, tháng mười hai, năm một nghìn chín trăm chín mươi chín",
        ),
        (date(2024, 4, 4), "Ngày mồng bốn, tháng tư, năm hai nghìn không trăm hai mươi tư"),
        (date(2000, 11, 14), "Ngày mười bốn, tháng mười một, năm hai nghìn"),
        (date(1905, 5, 31), "Ngày ba mươi mốt, tháng năm, năm một nghìn chín trăm linh năm"),
        (date(2020, 2, 20), "Ngày hai mươi, tháng hai, năm hai nghìn không trăm hai mươi"),
    ],
)
def test_words_date_in_words(day: date, words: str) -> None:
    assert date_in_words(day) == words


@pytest.mark.parametrize(
    "file_name",
    sorted(
        {
            name
            for f in (*FAMILIES.values(), HANDWRITING, SYMBOLS)
            for name in (f.regular, f.bold, f.italic)
        }
    ),
)
def test_fonts_cover_every_vietnamese_letter(file_name: str) -> None:
    assert missing_glyphs(find_font(file_name)) == []


def test_fonts_missing_glyphs_sees_a_font_without_vietnamese() -> None:
    matches = sorted(Path("/usr/share/fonts").rglob("NotoNaskhArabic-Regular.ttf"))
    if not matches:
        pytest.skip("fonts-noto-core's Arabic font is not installed")
    assert "ệ" in missing_glyphs(matches[0])


def _printed(key: str, value: str) -> list[str]:
    """Ways a truth value can appear on the page."""
    forms = [value, value.upper()]
    if len(value) == 10 and value[4] == "-" and value[7] == "-":  # ISO date
        y, m, d = value.split("-")
        forms += [f"{d}/{m}/{y}", f"ngày {d} tháng {m} năm {y}"]
        forms.append(f"{d}-{m}-{y}")  # CMND
    if key == "sex":
        forms.append({"male": "Nam", "female": "Nữ"}[value])
    return forms


def test_truth_matches_schema_and_rendered_text(generated: list[Path]) -> None:
    assert [read_truth(p).doc_type for p in generated] == list(DOC_TYPES)
    for path in generated:
        truth = read_truth(path)
        assert truth.schema_ == "sohoa-truth/1"
        assert (path.parent / truth.file).is_file()
        text = "\n".join(page.text for page in truth.pages)
        assert unicodedata.is_normalized("NFC", text)
        flat = text.replace("\n", " ")  # long values wrap onto the next line
        for record in truth.records:
            for key, value in record.fields.items():
                assert unicodedata.is_normalized("NFC", value)
                assert any(form in flat for form in _printed(key, value)), (path.name, key, value)


def test_truth_birth_certificate_has_parent_records(generated: list[Path]) -> None:
    truth = read_truth(generated[DOC_TYPES.index("birth_certificate")])
    roles = {r.role: r.fields for r in truth.records}
    assert set(roles) == {"subject", "mother", "father"}
    assert roles["subject"]["mother_name"] == roles["mother"]["full_name"]
    assert roles["subject"]["father_name"] == roles["father"]["full_name"]
    assert len(roles["father"]["date_of_birth"]) == 4  # year only


def test_truth_json_round_trip(generated: list[Path]) -> None:
    truth = read_truth(generated[0])
    assert GroundTruth.model_validate_json(truth.to_json()) == truth
    assert truth.to_json() == generated[0].read_text(encoding="utf-8")


def test_generate_inconsistent_share_is_recorded(tmp_path: Path) -> None:
    (path,) = generate(
        tmp_path,
        n=1,
        seed=3,
        doc_types=["cccd_front"],
        profiles=["office_200dpi"],
        inconsistent_share=1.0,
    )
    truth = read_truth(path)
    assert truth.inconsistent == ["id_number"]
    fields = truth.records[0].fields
    year, sex = int(fields["date_of_birth"][:4]), fields["sex"]
    id_number = fields["id_number"]
    assert id_number[3:6] != id_number_for("000", sex, year, 0)[3:6] or id_number[0] == "1"


@pytest.mark.parametrize("name", list(PROFILES))
def test_degrade_profile_output(name: str) -> None:
    profile = PROFILES[name]
    clean = Image.new("RGB", (600, 400), (255, 255, 255))
    image, skew, turn = degrade(clean, profile, np.random.default_rng(0), colour_original=True)
    expected_mode = {"bitonal": "1", "grey": "L", "colour": "RGB", "auto": "RGB"}[profile.mode]
    assert image.mode == expected_mode
    # A phone photo shows the table around the page: wider than the page itself.
    width = round((400 if turn in {90, 270} else 600) * profile.scale)
    if profile.perspective or profile.expand:
        assert image.width > width
    else:
        assert image.width == width
    assert abs(skew) <= profile.skew_deg
    assert turn in {0, *profile.rotations}


def test_degrade_forced_skew_is_reported() -> None:
    clean = Image.new("RGB", (300, 200), (255, 255, 255))
    _, skew, _ = degrade(clean, PROFILES["flatbed_300dpi"], np.random.default_rng(0), skew=1.5)
    assert skew == 1.5


def test_generate_rejects_unknown_names(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown doc_type"):
        generate(tmp_path, n=1, seed=0, doc_types=["passport"])


def test_main_writes_documents(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                str(tmp_path),
                "--n",
                "1",
                "--seed",
                "2",
                "--doc-type",
                "cccd_front",
                "--profile",
                "office_200dpi",
                "--format",
                "jpeg",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.strip() == str(tmp_path / "cccd_front_001.json")
    assert (tmp_path / "cccd_front_001.jpg").is_file()


def test_sample_scans_truth_points_at_committed_files() -> None:
    truths = sorted(SAMPLES.glob("*.json"))
    assert len(truths) >= 5
    for path in truths:
        truth = read_truth(path)
        scan = SAMPLES / truth.file
        assert scan.is_file(), truth.file
        if truth.member:
            with zipfile.ZipFile(scan) as archive:
                assert truth.member in archive.namelist()


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_ocr_tesseract_reads_generated_birth_certificate(tmp_path: Path) -> None:
    spec = DocumentSpec(
        1,
        9,
        "birth_certificate",
        "flatbed_300dpi",
        "png",
        options={"born": (date(2016, 1, 1), date(2023, 12, 31))},
    )
    truth = read_truth(make_document(spec, tmp_path))
    subject = truth.records[0].fields
    ocr = subprocess.run(
        ["tesseract", str(tmp_path / truth.file), "-", "-l", "vie"],
        capture_output=True,
        text=True,
        check=True,
        env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"},
    ).stdout
    ocr = unicodedata.normalize("NFC", ocr)
    assert subject["full_name"].upper() in ocr
    assert subject["id_number"] in ocr


@pytest.mark.parametrize(
    ("doc_type", "roles"),
    [
        ("cccd_back", {"subject"}),
        ("cmnd", {"subject"}),
        ("marriage_certificate", {"husband", "wife"}),
        ("death_certificate", {"subject", "declarant"}),
        ("contract", {"party_a", "party_b"}),
        ("civil_register_page", {"entry"}),
    ],
)
def test_truth_roles_per_type(generated: list[Path], doc_type: str, roles: set[str]) -> None:
    truth = read_truth(generated[DOC_TYPES.index(doc_type)])
    assert {r.role for r in truth.records} == roles


def test_truth_marriage_and_death_fields(generated: list[Path]) -> None:
    marriage = read_truth(generated[DOC_TYPES.index("marriage_certificate")])
    for record in marriage.records:
        assert {"full_name", "date_of_birth", "ethnicity", "nationality", "place_of_residence",
                "id_number", "registration_date", "registration_number",
                "registration_office"} <= record.fields.keys()  # fmt: skip
    sexes = {r.role: r.fields["id_number"][3] for r in marriage.records}
    assert int(sexes["husband"]) % 2 == 0 and int(sexes["wife"]) % 2 == 1
    death = read_truth(generated[DOC_TYPES.index("death_certificate")])
    subject = next(r.fields for r in death.records if r.role == "subject")
    assert {"date_of_death", "place_of_death", "cause", "sex"} <= subject.keys()
    assert subject["date_of_birth"] < subject["date_of_death"] <= subject["registration_date"]


def test_truth_cccd_back_has_issue_date_authority_and_mrz(generated: list[Path]) -> None:
    truth = read_truth(generated[DOC_TYPES.index("cccd_back")])
    fields = truth.records[0].fields
    assert fields["issuing_authority"] == (
        "CỤC TRƯỞNG CỤC CẢNH SÁT QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI"
    )
    lines = truth.pages[0].text.splitlines()
    assert "Đặc điểm nhân dạng / Personal identification:" in lines[0]
    mrz = [line for line in lines if line.startswith("IDVNM")]
    assert mrz and fields["id_number"] in mrz[0]
    assert len(lines[-1]) == len(lines[-2]) == len(mrz[0]) == 30


def test_truth_cmnd_has_nine_digit_old_id(generated: list[Path]) -> None:
    fields = read_truth(generated[DOC_TYPES.index("cmnd")]).records[0].fields
    assert len(fields["old_id_number"]) == 9 and fields["old_id_number"].isdigit()
    assert "id_number" not in fields


def test_truth_dev_set_forms_use_dev_layouts(generated: list[Path]) -> None:
    layouts = {read_truth(p).layout for p in generated} - {None}
    assert layouts and layouts <= set(DEV_LAYOUTS)
