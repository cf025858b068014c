"""Register templates are data: shipped TOML files, ranked against a page's header."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.exceptions import ConfigError
from pipeline.registers import templates as tpl

GENERATOR_HEADER = (
    "Số TT Họ và tên Ngày sinh Giới tính Dân tộc Quốc tịch Nơi sinh Họ tên cha Họ tên mẹ "
    "Ngày đăng ký"
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    tpl._load_dirs.cache_clear()
    yield
    tpl._load_dirs.cache_clear()


def test_templates_ship_birth_marriage_death_in_two_eras():
    shipped = tpl.load_templates().values()
    pairs = {(t.kind, t.era) for t in shipped}
    for kind in ("birth", "marriage", "death"):
        assert {(kind, "before-2016"), (kind, "from-2016")} <= pairs


def test_templates_post_2016_birth_register_has_personal_id_column():
    assert "id_number" in tpl.get_template("khai_sinh_tu_2016").fields
    assert "id_number" not in tpl.get_template("khai_sinh_truoc_2016").fields


@pytest.mark.parametrize(
    ("header", "page", "expected"),
    [
        (GENERATOR_HEADER, "SỔ ĐĂNG KÝ KHAI SINH NĂM 1991", "khai_sinh_truoc_2016"),
        (
            "Số thứ tự Số định danh cá nhân Họ, chữ đệm, tên Ngày, tháng, năm sinh Giới tính "
            "Nơi sinh Dân tộc Quốc tịch Họ, chữ đệm, tên mẹ Họ, chữ đệm, tên cha "
            "Ngày, tháng, năm đăng ký Ghi chú",
            "SỔ ĐĂNG KÝ KHAI SINH",
            "khai_sinh_tu_2016",
        ),
        (
            "STT Họ và tên người chết Ngày sinh Giới tính Dân tộc Nơi thường trú Ngày chết "
            "Nơi chết Nguyên nhân chết Ngày đăng ký Ghi chú",
            "SỔ ĐĂNG KÝ KHAI TỬ",
            "khai_tu_truoc_2016",
        ),
        # OCR noise in the header (missing marks, a dropped title) still ranks right.
        (
            "Ho va ten chong Ngay sinh chong Dan toc chong Noi thuong tru chong Ho va ten vo "
            "Ngay sinh vo Dan toc vo Noi thuong tru vo Ngay dang ky",
            "SO DANG KY KET HON",
            "ket_hon_truoc_2016",
        ),
    ],
)
def test_templates_rank_puts_matching_template_first(header, page, expected):
    ranked = tpl.rank_templates(header, page)
    assert ranked[0].template.name == expected
    assert ranked[0].score > ranked[1].score


def test_templates_new_template_needs_no_code(tmp_path: Path, monkeypatch):
    (tmp_path / "nhan_con.toml").write_text(
        'name = "nhan_con"\ntitle = "Sổ đăng ký nhận cha, mẹ, con"\nkind = "other"\n'
        'era = "from-2016"\nbook_titles = ["Sổ đăng ký nhận cha, mẹ, con"]\n'
        '[[columns]]\ntitle = "Số TT"\nfield = "registration_number"\n'
        '[[columns]]\ntitle = "Họ tên người nhận"\nfield = "full_name"\n',
        "utf-8",
    )
    monkeypatch.setenv("SOHOA_REGISTER_TEMPLATES", str(tmp_path))
    assert tpl.get_template("nhan_con").fields == ["registration_number", "full_name"]
    assert "khai_sinh_truoc_2016" in tpl.load_templates()  # shipped ones stay


def test_templates_broken_file_is_a_config_error_naming_it(tmp_path: Path, monkeypatch):
    (tmp_path / "bad.toml").write_text('name = "bad"\nkind = "birth"\n', "utf-8")
    monkeypatch.setenv("SOHOA_REGISTER_TEMPLATES", str(tmp_path))
    with pytest.raises(ConfigError, match=r"bad\.toml"):
        tpl.load_templates()


def test_templates_unknown_name_lists_known_ones():
    with pytest.raises(ConfigError, match="khai_sinh_truoc_2016"):
        tpl.get_template("no_such_book")
