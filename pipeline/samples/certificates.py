"""Civil-status certificates: giấy khai sinh, giấy chứng nhận kết hôn, trích lục khai tử.

Each layout is a function ``(rng, family, *, inconsistent) -> RenderedDocument`` registered in
:data:`pipeline.samples.layouts.LAYOUTS`. Certificates dated from 1 July 2025 write places in the
two-level scheme (:func:`~pipeline.samples.data.address_as_of`).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from pipeline.samples.data import (
    Address,
    ModernAddress,
    Person,
    address_as_of,
    make_person,
    random_date,
)
from pipeline.samples.fonts import FontFamily
from pipeline.samples.render import (
    Item,
    RenderedDocument,
    RenderedPage,
    Sheet,
    blank_page,
    dmy,
    make_family,
    motto,
    place_date,
)
from pipeline.samples.words import date_in_words

__all__ = ["birth_certificate", "death_certificate", "marriage_certificate", "office_of"]


def office_of(address: Address | ModernAddress) -> str:
    """The commune's People's Committee, which registers civil status, in the address's style."""
    if isinstance(address, ModernAddress):
        return f"Ủy ban nhân dân {address.commune}, {address.province_name}"
    return f"Ủy ban nhân dân {address.commune}, {address.district.name}, {address.province.name}"


def _birth_place(rng: random.Random, home: Address) -> str:
    province = home.province
    if rng.random() < 0.35:
        return f"Trạm Y tế {home.commune}, {home.district.name}, {province.name}"
    if province.name.startswith("thành phố"):
        return f"Bệnh viện Phụ sản {province.short}"
    return f"Bệnh viện Đa khoa {province.name}"


def birth_certificate(
    rng: random.Random,
    family: FontFamily,
    *,
    inconsistent: bool,
    born: tuple[date, date] | None = None,
) -> RenderedDocument:
    """Giấy khai sinh: the child is the ``subject``; father and mother get records too.

    Certificates registered since 2016 print the child's personal ID number; older ones do not.
    """
    if born is None:
        born = (date(1980, 1, 1), date(2015, 12, 31))
        if rng.random() < 0.7:  # most certificates handled today carry the personal ID
            born = (date(2016, 1, 1), date(2024, 6, 30))
    father, mother, child = make_family(rng, born, inconsistent=inconsistent)
    home = child.residence
    registered = child.date_of_birth + timedelta(days=rng.randint(3, 60))
    shows_id = registered.year >= 2016
    place_of_birth = _birth_place(rng, home)
    office = office_of(home)
    number = f"{rng.randint(1, 400)}/{registered.year}"
    book = f"{rng.randint(1, 3):02d}"

    sheet = blank_page(rng, family, pt=11.5)
    motto(sheet, pt=12.5)
    sheet.gap(14)
    sheet.center("GIẤY KHAI SINH", pt=20)
    sheet.gap(6)
    sheet.row(
        [
            (sheet.left, f"Số: {number}", "regular"),
            (sheet.left + 1000, f"Quyển số: {book}", "regular"),
        ]
    )
    sheet.gap(6)
    sheet.field("Họ, chữ đệm, tên:", child.full_name.upper(), style="bold")
    sheet.field("Ngày, tháng, năm sinh:", dmy(child.date_of_birth))
    sheet.field("Ghi bằng chữ:", date_in_words(child.date_of_birth))
    col = (sheet.right - sheet.left) / 3
    sheet.row(
        [
            (sheet.left, f"Giới tính: {child.sex_vi}", "regular"),
            (sheet.left + col, f"Dân tộc: {child.ethnicity}", "regular"),
            (sheet.left + 2 * col, "Quốc tịch: Việt Nam", "regular"),
        ]
    )
    sheet.field("Nơi sinh:", place_of_birth)
    sheet.field("Quê quán:", child.place_of_origin.full())
    if shows_id:
        sheet.field("Số định danh cá nhân:", child.id_number)
    parents = []
    for role, parent in (("mẹ", mother), ("cha", father)):
        sheet.gap(8)
        sheet.field(f"Họ, chữ đệm, tên người {role}:", parent.full_name.upper(), style="bold")
        sheet.row(
            [
                (sheet.left, f"Năm sinh: {parent.date_of_birth.year}", "regular"),
                (sheet.left + col, f"Dân tộc: {parent.ethnicity}", "regular"),
                (sheet.left + 2 * col, "Quốc tịch: Việt Nam", "regular"),
            ]
        )
        sheet.field("Nơi cư trú:", parent.residence.full())
        parents.append(parent)
    sheet.gap(8)
    sheet.field("Nơi đăng ký khai sinh:", office)
    sheet.gap(8)
    place_date(sheet, home, registered)
    declarant = rng.choice(parents)
    signer = make_person(rng, born=(date(1960, 1, 1), date(1990, 1, 1)))
    left_mid, right_mid = sheet.left + col * 0.75, sheet.right - col * 0.8
    signs = sheet.columns(
        [
            (
                left_mid,
                [
                    Item("text", "NGƯỜI ĐI KHAI SINH", "bold", 11),
                    Item("text", "(Ký, ghi rõ họ, chữ đệm, tên)", "italic", 10),
                    Item("text", "", pt=10),
                    Item("sign"),
                    Item("hand", declarant.full_name, pt=13),
                ],
            ),
            (
                right_mid,
                [
                    Item("text", "NGƯỜI KÝ GIẤY KHAI SINH", "bold", 11),
                    Item("text", "(Ký, ghi rõ họ, chữ đệm, tên, chức vụ và đóng dấu)", "italic", 9),
                    Item("text", "KT. CHỦ TỊCH - PHÓ CHỦ TỊCH", "bold", 10),
                    Item("sign"),
                    Item("text", signer.full_name, "bold", 11),
                ],
            ),
        ]
    )
    sheet.stamp(signs[-1])

    subject: dict[str, object] = {
        "full_name": child.full_name,
        "date_of_birth": child.date_of_birth.isoformat(),
        "sex": child.sex,
        "ethnicity": child.ethnicity,
        "nationality": "Việt Nam",
        "place_of_birth": place_of_birth,
        "place_of_origin": child.place_of_origin.full(),
        "father_name": father.full_name,
        "mother_name": mother.full_name,
        "registration_number": number,
        "book_number": book,
        "registration_office": office,
        "registration_date": registered.isoformat(),
    }
    if shows_id:
        subject["id_number"] = child.id_number
    records: list[dict[str, object]] = [{"role": "subject", "fields": subject}]
    for role, parent in (("mother", mother), ("father", father)):
        records.append(
            {
                "role": role,
                "fields": {
                    "full_name": parent.full_name,
                    "date_of_birth": str(parent.date_of_birth.year),
                    "ethnicity": parent.ethnicity,
                    "nationality": "Việt Nam",
                    "place_of_residence": parent.residence.full(),
                },
            }
        )
    return RenderedDocument(
        "birth_certificate",
        [RenderedPage(sheet.image, sheet.lines, 300)],
        records,
        family.name,
        ["id_number"] if inconsistent and shows_id else [],
    )


def _header(sheet: Sheet, title: str, number: str, book: str) -> None:
    motto(sheet, pt=12.5)
    sheet.gap(14)
    sheet.center(title, pt=18)
    sheet.gap(6)
    sheet.row(
        [
            (sheet.left, f"Số: {number}", "regular"),
            (sheet.left + 1000, f"Quyển số: {book}", "regular"),
        ]
    )
    sheet.gap(6)


def _official(
    sheet: Sheet, rng: random.Random, title: str, *, left: list[Item] | None = None
) -> None:
    """The signing official's column on the right (stamp over the signature and name), and
    optionally another column on the left."""
    signer = make_person(rng, born=(date(1960, 1, 1), date(1990, 1, 1)))
    width = sheet.right - sheet.left
    official_x = sheet.right - width * 0.27
    blocks = []
    if left:
        blocks.append((sheet.left + width * 0.22, left))
    blocks.append(
        (
            official_x,
            [
                Item("text", title, "bold", 11),
                Item("text", "(Ký, ghi rõ họ, chữ đệm, tên, chức vụ và đóng dấu)", "italic", 9),
                Item("text", rng.choice(("CHỦ TỊCH", "KT. CHỦ TỊCH - PHÓ CHỦ TỊCH")), "bold", 10),
                Item("sign"),
                Item("text", signer.full_name, "bold", 11),
            ],
        )
    )
    signs = sheet.columns(blocks)
    sheet.stamp(next(sign for sign in signs if sign[0] == official_x))


def _id_document(person: Person) -> str:
    return f"Căn cước công dân số {person.id_number}"


def _spouse_block(sheet: Sheet, role: str, person: Person, residence: str) -> None:
    col = (sheet.right - sheet.left) / 2
    sheet.field(f"Họ, chữ đệm, tên {role}:", person.full_name.upper(), style="bold")
    sheet.field("Ngày, tháng, năm sinh:", dmy(person.date_of_birth))
    sheet.row(
        [
            (sheet.left, f"Dân tộc: {person.ethnicity}", "regular"),
            (sheet.left + col, "Quốc tịch: Việt Nam", "regular"),
        ]
    )
    sheet.field("Nơi cư trú:", residence)
    sheet.field("Giấy tờ tùy thân:", _id_document(person))


def marriage_certificate(
    rng: random.Random, family: FontFamily, *, inconsistent: bool
) -> RenderedDocument:
    """Giấy chứng nhận kết hôn: ``husband`` and ``wife`` records, registration on both."""
    registered = random_date(rng, date(2016, 7, 1), date(2026, 6, 30))
    year = registered.year
    husband = make_person(
        rng, born=(date(year - 50, 1, 1), date(year - 21, 1, 1)), sex="male",
        inconsistent_id=inconsistent,
    )  # fmt: skip
    wife = make_person(rng, born=(date(year - 45, 1, 1), date(year - 19, 1, 1)), sex="female")
    home = address_as_of(wife.residence if rng.random() < 0.5 else husband.residence, registered)
    office = office_of(home)
    number = f"{rng.randint(1, 180)}/{year}"
    book = f"{rng.randint(1, 2):02d}"
    sheet = blank_page(rng, family, pt=11.5)
    _header(sheet, "GIẤY CHỨNG NHẬN KẾT HÔN", number, book)
    residences = {}
    for role, person in (("chồng", husband), ("vợ", wife)):
        residences[role] = address_as_of(person.residence, registered).full()
        _spouse_block(sheet, role, person, residences[role])
        sheet.gap(8)
    sheet.field("Nơi đăng ký kết hôn:", office)
    sheet.field("Ngày, tháng, năm đăng ký:", dmy(registered))
    sheet.gap(8)
    place_date(sheet, home, registered)
    # The spouses sign in the middle; the official's column (with the stamp) on the right.
    spouses = [
        Item("text", "CHỒNG", "bold", 11),
        Item("sign"),
        Item("hand", husband.full_name, pt=13),
        Item("text", "VỢ", "bold", 11),
        Item("sign"),
        Item("hand", wife.full_name, pt=13),
    ]
    _official(sheet, rng, "NGƯỜI KÝ GIẤY CHỨNG NHẬN", left=spouses)
    common = {
        "registration_number": number,
        "book_number": book,
        "registration_date": registered.isoformat(),
        "registration_office": office,
    }
    records: list[dict[str, object]] = []
    for role, key, person in (("husband", "chồng", husband), ("wife", "vợ", wife)):
        fields = {
            "full_name": person.full_name,
            "date_of_birth": person.date_of_birth.isoformat(),
            "ethnicity": person.ethnicity,
            "nationality": "Việt Nam",
            "place_of_residence": residences[key],
            "id_number": person.id_number,
            **common,
        }
        records.append({"role": role, "fields": fields})
    return RenderedDocument(
        "marriage_certificate",
        [RenderedPage(sheet.image, sheet.lines, 300)],
        records,
        family.name,
        ["id_number"] if inconsistent else [],
    )


_CAUSES = (
    "Bệnh già",
    "Suy tim",
    "Đột quỵ",
    "Ung thư phổi",
    "Ung thư gan",
    "Tai nạn giao thông",
    "Viêm phổi",
    "Nhồi máu cơ tim",
)


def death_certificate(
    rng: random.Random, family: FontFamily, *, inconsistent: bool
) -> RenderedDocument:
    """Trích lục khai tử: the deceased is the ``subject``; the declarant gets a record too."""
    died = random_date(rng, date(2016, 7, 1), date(2026, 6, 15))
    registered = died + timedelta(days=rng.randint(1, 14))
    subject = make_person(
        rng, born=(date(1925, 1, 1), date(died.year - 30, 12, 31)), inconsistent_id=inconsistent
    )
    declarant = make_person(
        rng,
        born=(date(max(1940, subject.date_of_birth.year - 10), 1, 1), date(died.year - 20, 1, 1)),
        surname=subject.surname,
        residence=subject.residence,
    )
    home = address_as_of(subject.residence, registered)
    residence = address_as_of(subject.residence, died).full()
    if rng.random() < 0.5:
        place_of_death = residence
    else:
        place_of_death = f"Bệnh viện Đa khoa {subject.residence.province.name}"
    office = office_of(home)
    number = f"{rng.randint(1, 120)}/{registered.year}"
    book = f"{rng.randint(1, 2):02d}"
    cause = rng.choice(_CAUSES)
    sheet = blank_page(rng, family, pt=11.5)
    _header(sheet, "TRÍCH LỤC KHAI TỬ", number, book)
    col = (sheet.right - sheet.left) / 3
    sheet.field("Họ, chữ đệm, tên:", subject.full_name.upper(), style="bold")
    sheet.field("Ngày, tháng, năm sinh:", dmy(subject.date_of_birth))
    sheet.row(
        [
            (sheet.left, f"Giới tính: {subject.sex_vi}", "regular"),
            (sheet.left + col, f"Dân tộc: {subject.ethnicity}", "regular"),
            (sheet.left + 2 * col, "Quốc tịch: Việt Nam", "regular"),
        ]
    )
    sheet.field("Số định danh cá nhân:", subject.id_number)
    sheet.field("Nơi cư trú cuối cùng:", residence)
    time_of_day = f"{rng.randint(0, 23):02d} giờ {rng.randrange(0, 60, 5):02d} phút"
    sheet.field("Đã chết vào lúc:", f"{time_of_day}, ngày {dmy(died)}")
    sheet.field("Nơi chết:", place_of_death)
    sheet.field("Nguyên nhân chết:", cause)
    sheet.gap(8)
    sheet.field("Họ, chữ đệm, tên người đi khai tử:", declarant.full_name.upper(), style="bold")
    sheet.field("Giấy tờ tùy thân:", _id_document(declarant))
    sheet.gap(8)
    sheet.field("Nơi đăng ký khai tử:", office)
    sheet.field("Ngày, tháng, năm đăng ký:", dmy(registered))
    sheet.gap(10)
    place_date(sheet, home, registered)
    _official(sheet, rng, "NGƯỜI KÝ TRÍCH LỤC")
    fields = {
        "full_name": subject.full_name,
        "date_of_birth": subject.date_of_birth.isoformat(),
        "sex": subject.sex,
        "ethnicity": subject.ethnicity,
        "nationality": "Việt Nam",
        "id_number": subject.id_number,
        "place_of_residence": residence,
        "date_of_death": died.isoformat(),
        "place_of_death": place_of_death,
        "cause": cause,
        "registration_number": number,
        "book_number": book,
        "registration_date": registered.isoformat(),
        "registration_office": office,
    }
    declarant_fields = {"full_name": declarant.full_name, "id_number": declarant.id_number}
    return RenderedDocument(
        "death_certificate",
        [RenderedPage(sheet.image, sheet.lines, 300)],
        [{"role": "subject", "fields": fields}, {"role": "declarant", "fields": declarant_fields}],
        family.name,
        ["id_number"] if inconsistent else [],
    )
