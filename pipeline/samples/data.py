"""Realistic Vietnamese people and places for the sample generator.

Everything here is real-world data (surnames and their frequencies, the 54 ethnic groups, province
codes of the personal ID number, districts and communes in the pre-2025 three-level scheme and their
successors in the 2025 two-level scheme, CMND number prefixes) plus the functions that draw a
consistent person from it. No document layout lives here.

    >>> import random
    >>> person = make_person(random.Random(1))
    >>> person.id_number[:3] == person.birth_province.code
    True
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = [
    "CMND_PREFIXES",
    "ETHNICITIES",
    "NEW_PROVINCES",
    "PROVINCES",
    "PROVINCES_2025",
    "REFORM_DATE",
    "Address",
    "District",
    "ModernAddress",
    "Person",
    "Province",
    "address_as_of",
    "ascii_fold",
    "cmnd_number",
    "id_number_for",
    "make_address",
    "make_person",
    "modernise",
    "phone_number",
    "province_by_code",
    "random_date",
]

# Share of the population (%) of the most frequent surnames, after the 2010s surveys quoted on
# Vietnamese Wikipedia ("Họ người Việt Nam"); the tail shares the remaining few per cent.
SURNAMES: dict[str, float] = {
    "Nguyễn": 38.4, "Trần": 11.0, "Lê": 9.5, "Phạm": 7.0, "Hoàng": 5.1, "Phan": 4.5, "Vũ": 3.9,
    "Đặng": 2.1, "Bùi": 2.0, "Đỗ": 1.4, "Hồ": 1.3, "Ngô": 1.3, "Dương": 1.0, "Lý": 0.5,
    "Đinh": 0.6, "Trịnh": 0.5, "Mai": 0.5, "Lương": 0.4, "Cao": 0.4, "Lâm": 0.4, "Đoàn": 0.4,
    "Tô": 0.3, "Hà": 0.3, "Tạ": 0.2, "Chu": 0.2, "Kiều": 0.1, "Quách": 0.1, "Thái": 0.1,
}  # fmt: skip
# The south writes Hoàng and Vũ as Huỳnh and Võ (a 16th-century naming taboo); see _surname().
SOUTHERN_VARIANTS = {"Hoàng": "Huỳnh", "Vũ": "Võ"}
# Minority groups whose surnames differ from the Kinh ones; others mostly share Kinh surnames.
ETHNIC_SURNAMES: dict[str, tuple[str, ...]] = {
    "Tày": ("Hoàng", "Nông", "Ma", "Lương", "Hà"),
    "Thái": ("Lò", "Lường", "Cầm", "Quàng", "Vi"),
    "Mường": ("Bùi", "Đinh", "Quách", "Hà"),
    "Khmer": ("Thạch", "Sơn", "Danh", "Kim", "Lâm", "Châu"),
    "Mông": ("Giàng", "Sùng", "Vàng", "Lý", "Thào", "Hờ"),
    "Nùng": ("Nông", "Hoàng", "Lương", "Vi"),
    "Dao": ("Triệu", "Bàn", "Đặng", "Lý"),
}
MIDDLE = {
    "male": ("Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Thanh", "Ngọc", "Xuân", "Đình",
             "Trung", "Tuấn", "Anh", "Hoàng", "Gia", "Bảo", "Thành", "Duy"),
    "female": ("Thị", "Ngọc", "Thu", "Thanh", "Minh", "Hồng", "Phương", "Thùy", "Bảo", "Kim",
               "Mai", "Hoài", "Khánh", "Diệu"),
}  # fmt: skip
GIVEN = {
    "male": ("An", "Anh", "Bảo", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Đức", "Giang", "Hải",
             "Hiếu", "Hoàng", "Hùng", "Huy", "Hưng", "Khang", "Khánh", "Khoa", "Kiên", "Lâm",
             "Long", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tài",
             "Thắng", "Thành", "Thịnh", "Tiến", "Toàn", "Trung", "Tuấn", "Tùng", "Việt", "Vinh"),
    "female": ("Anh", "Châu", "Chi", "Diệp", "Dung", "Duyên", "Giang", "Hà", "Hằng", "Hạnh",
               "Hiền", "Hoa", "Hồng", "Huyền", "Hương", "Lan", "Linh", "Loan", "Mai", "My",
               "Nga", "Ngân", "Ngọc", "Nhi", "Nhung", "Oanh", "Phương", "Quyên", "Quỳnh", "Tâm",
               "Thảo", "Thư", "Thủy", "Trang", "Trinh", "Tuyết", "Uyên", "Vân", "Yến"),
}  # fmt: skip

# The 54 recognised ethnic groups with their share of the population (%, 2019 census, rounded;
# groups under 0.05 % get 0.02 so they still appear in large batches).
ETHNICITIES: dict[str, float] = {
    "Kinh": 85.3, "Tày": 1.9, "Thái": 1.9, "Mường": 1.5, "Mông": 1.5, "Khmer": 1.3, "Nùng": 1.1,
    "Dao": 0.9, "Hoa": 0.8, "Gia Rai": 0.5, "Ê Đê": 0.4, "Ba Na": 0.3, "Sán Chay": 0.2,
    "Chăm": 0.2, "Cơ Ho": 0.2, "Xơ Đăng": 0.2, "Sán Dìu": 0.2, "Hrê": 0.15, "Ra Glai": 0.15,
    "Mnông": 0.1, "Thổ": 0.1, "Xtiêng": 0.1, "Khơ Mú": 0.1, "Bru - Vân Kiều": 0.1, "Cơ Tu": 0.08,
    "Giáy": 0.07, "Tà Ôi": 0.05, "Mạ": 0.05, "Giẻ - Triêng": 0.05, "Co": 0.05, "Chơ Ro": 0.03,
    "Xinh Mun": 0.03, "Hà Nhì": 0.03, "Chu Ru": 0.02, "Lào": 0.02, "La Chí": 0.02, "Kháng": 0.02,
    "Phù Lá": 0.02, "La Hủ": 0.02, "La Ha": 0.02, "Pà Thẻn": 0.02, "Lự": 0.02, "Ngái": 0.02,
    "Chứt": 0.02, "Lô Lô": 0.02, "Mảng": 0.02, "Cơ Lao": 0.02, "Bố Y": 0.02, "Cống": 0.02,
    "Si La": 0.02, "Pu Péo": 0.02, "Rơ Măm": 0.02, "Brâu": 0.02, "Ơ Đu": 0.02,
}  # fmt: skip
# Where some groups mostly live (province codes), so a Khmer is born in Sóc Trăng, not Hà Nội.
HOMELANDS: dict[str, tuple[str, ...]] = {
    "Tày": ("019", "010", "002"), "Thái": ("014", "040", "038"), "Mường": ("038",),
    "Mông": ("002", "010", "014"), "Khmer": ("094", "089", "096"), "Nùng": ("002", "010"),
    "Dao": ("010", "002"), "Gia Rai": ("064",), "Ê Đê": ("066",), "Ba Na": ("064",),
    "Chăm": ("058", "089"), "Cơ Ho": ("068",), "Ra Glai": ("058",), "Hoa": ("079", "094"),
}  # fmt: skip


@dataclass(frozen=True)
class District:
    """A district-level unit (``quận``, ``huyện``, ``thị xã``, ``thành phố``) and its communes."""

    name: str  # with its unit word, lower case: "huyện Quỳnh Phụ"
    communes: tuple[str, ...]  # "xã Đông Hải", "phường Ngô Thì Nhậm", "thị trấn Quỳnh Côi"
    streets: tuple[str, ...] = ()  # "phố Huế", "đường Lê Lợi": for urban house addresses


@dataclass(frozen=True)
class Province:
    """A province as written before the 2025 merger, with its 3-digit personal ID code."""

    code: str
    name: str  # with its unit word: "tỉnh Thái Bình", "thành phố Hà Nội"
    districts: tuple[District, ...]

    @property
    def short(self) -> str:
        return _strip_unit(self.name)


def _d(name: str, communes: str, streets: str = "") -> District:
    split = [s.strip() for s in communes.split(";")]
    return District(name, tuple(split), tuple(s.strip() for s in streets.split(";") if s))


# Province codes of the 12-digit personal ID number (Thông tư 07/2016/TT-BCA, still in force for
# IDs issued before the 2025 merger). Communes are real units of the old three-level scheme.
PROVINCES: tuple[Province, ...] = (
    Province("001", "thành phố Hà Nội", (
        _d("quận Hai Bà Trưng", "phường Ngô Thì Nhậm; phường Bạch Đằng; phường Lê Đại Hành; "
           "phường Minh Khai", "phố Huế; phố Bạch Mai; phố Lò Đúc; phố Minh Khai"),
        _d("quận Cầu Giấy", "phường Dịch Vọng; phường Quan Hoa; phường Nghĩa Đô; phường Yên Hòa",
           "đường Xuân Thủy; đường Cầu Giấy; phố Trần Thái Tông; phố Nguyễn Khang"),
        _d("quận Đống Đa", "phường Láng Hạ; phường Văn Miếu; phường Kim Liên; phường Ô Chợ Dừa",
           "phố Tôn Đức Thắng; đường Láng; phố Chùa Bộc; phố Xã Đàn"),
        _d("huyện Gia Lâm", "xã Bát Tràng; xã Đa Tốn; thị trấn Trâu Quỳ"),
        _d("huyện Sóc Sơn", "xã Phù Linh; xã Mai Đình; thị trấn Sóc Sơn"),
    )),
    Province("079", "thành phố Hồ Chí Minh", (
        _d("quận 1", "phường Bến Nghé; phường Bến Thành; phường Đa Kao; phường Tân Định",
           "đường Lê Lợi; đường Hai Bà Trưng; đường Nguyễn Thị Minh Khai; đường Pasteur"),
        _d("quận Gò Vấp", "phường 10; phường 17; phường 5",
           "đường Quang Trung; đường Nguyễn Oanh; đường Phan Văn Trị"),
        _d("huyện Củ Chi", "xã Tân Thông Hội; xã Phước Vĩnh An; thị trấn Củ Chi"),
        _d("huyện Bình Chánh", "xã Vĩnh Lộc A; xã Bình Hưng; thị trấn Tân Túc"),
    )),
    Province("031", "thành phố Hải Phòng", (
        _d("quận Lê Chân", "phường An Biên; phường Dư Hàng", "đường Tô Hiệu; phố Cát Cụt"),
        _d("quận Ngô Quyền", "phường Máy Tơ; phường Lạch Tray", "đường Lạch Tray; phố Lê Lợi"),
        _d("huyện Thủy Nguyên", "xã Lập Lễ; thị trấn Núi Đèo"),
        _d("huyện Kiến Thụy", "xã Đại Hợp; thị trấn Núi Đối"),
    )),
    Province("048", "thành phố Đà Nẵng", (
        _d("quận Hải Châu", "phường Thạch Thang; phường Hải Châu I; phường Hòa Cường Bắc",
           "đường Bạch Đằng; đường Trần Phú; đường Lê Duẩn"),
        _d("quận Sơn Trà", "phường An Hải Bắc; phường Mân Thái", "đường Ngô Quyền"),
        _d("huyện Hòa Vang", "xã Hòa Tiến; xã Hòa Phong; xã Hòa Bắc"),
    )),
    Province("092", "thành phố Cần Thơ", (
        _d("quận Ninh Kiều", "phường Tân An; phường An Hòa; phường Xuân Khánh",
           "đường Hai Bà Trưng; đường 30 Tháng 4; đường Mậu Thân"),
        _d("huyện Phong Điền", "xã Nhơn Ái; thị trấn Phong Điền"),
        _d("quận Cái Răng", "phường Lê Bình; phường Hưng Phú", "đường Võ Nguyên Giáp"),
    )),
    Province("022", "tỉnh Quảng Ninh", (
        _d("thành phố Hạ Long", "phường Bạch Đằng; phường Hồng Gai; phường Bãi Cháy",
           "đường Lê Thánh Tông; đường Hạ Long"),
        _d("thành phố Uông Bí", "phường Quang Trung; phường Thanh Sơn", "đường Trần Phú"),
        _d("huyện Vân Đồn", "xã Quan Lạn; xã Minh Châu; thị trấn Cái Rồng"),
    )),
    Province("034", "tỉnh Thái Bình", (
        _d("huyện Quỳnh Phụ", "xã Đông Hải; xã An Ninh; thị trấn Quỳnh Côi"),
        _d("huyện Kiến Xương", "xã Vũ Quý; thị trấn Thanh Nê"),
        _d("thành phố Thái Bình", "phường Lê Hồng Phong; phường Kỳ Bá", "đường Lý Bôn"),
    )),
    Province("036", "tỉnh Nam Định", (
        _d("huyện Hải Hậu", "xã Hải Bắc; thị trấn Yên Định"),
        _d("huyện Giao Thủy", "xã Giao Thiện; thị trấn Ngô Đồng"),
        _d("thành phố Nam Định", "phường Trần Hưng Đạo; phường Vị Xuyên", "đường Trần Hưng Đạo"),
    )),
    Province("037", "tỉnh Ninh Bình", (
        _d("huyện Kim Sơn", "xã Kim Chính; xã Tân Thành; thị trấn Phát Diệm"),
        _d("huyện Gia Viễn", "xã Gia Sinh; thị trấn Me"),
        _d("thành phố Ninh Bình", "phường Đông Thành; phường Vân Giang", "đường Trần Hưng Đạo"),
    )),
    Province("038", "tỉnh Thanh Hóa", (
        _d("huyện Hoằng Hóa", "xã Hoằng Lộc; thị trấn Bút Sơn"),
        _d("huyện Thọ Xuân", "xã Xuân Lập; thị trấn Thọ Xuân"),
        _d("thành phố Thanh Hóa", "phường Điện Biên; phường Ba Đình", "đường Lê Lợi"),
    )),
    Province("040", "tỉnh Nghệ An", (
        _d("thành phố Vinh", "phường Hưng Bình; phường Lê Lợi; phường Trường Thi",
           "đường Lê Duẩn; đường Nguyễn Du; đường Quang Trung"),
        _d("huyện Nam Đàn", "xã Kim Liên; thị trấn Nam Đàn"),
        _d("huyện Diễn Châu", "xã Diễn Thịnh; thị trấn Diễn Châu"),
    )),
    Province("042", "tỉnh Hà Tĩnh", (
        _d("huyện Nghi Xuân", "xã Tiên Điền; thị trấn Nghi Xuân"),
        _d("huyện Can Lộc", "xã Thuần Thiện; thị trấn Nghèn"),
        _d("thành phố Hà Tĩnh", "phường Bắc Hà; phường Nam Hà", "đường Phan Đình Phùng"),
    )),
    Province("046", "tỉnh Thừa Thiên Huế", (
        _d("thành phố Huế", "phường Phú Hội; phường Vĩnh Ninh; phường Thuận Thành",
           "đường Lê Lợi; đường Hùng Vương; đường Đinh Tiên Hoàng"),
        _d("huyện Phú Vang", "xã Phú Thuận; thị trấn Thuận An"),
    )),
    Province("049", "tỉnh Quảng Nam", (
        _d("thành phố Hội An", "phường Minh An; phường Cẩm Phô; xã Cẩm Thanh", "đường Trần Phú"),
        _d("thành phố Tam Kỳ", "phường An Mỹ; phường Phước Hòa", "đường Phan Chu Trinh"),
        _d("huyện Duy Xuyên", "xã Duy Phú; thị trấn Nam Phước"),
    )),
    Province("052", "tỉnh Bình Định", (
        _d("thành phố Quy Nhơn", "phường Lê Lợi; phường Trần Phú", "đường Xuân Diệu"),
        _d("huyện Tây Sơn", "xã Bình Thành; thị trấn Phú Phong"),
    )),
    Province("056", "tỉnh Khánh Hòa", (
        _d("thành phố Nha Trang", "phường Lộc Thọ; phường Vĩnh Hải; phường Phước Hải",
           "đường Trần Phú; đường Yersin"),
        _d("huyện Cam Lâm", "xã Cam Hải Đông; thị trấn Cam Đức"),
    )),
    Province("058", "tỉnh Ninh Thuận", (
        _d("thành phố Phan Rang - Tháp Chàm", "phường Kinh Dinh; phường Đạo Long",
           "đường Thống Nhất; đường 16 Tháng 4"),
        _d("huyện Ninh Phước", "xã Phước Hậu; thị trấn Phước Dân"),
        _d("huyện Bác Ái", "xã Phước Bình; xã Phước Đại"),
        _d("huyện Ninh Hải", "xã Vĩnh Hải; thị trấn Khánh Hải"),
    )),
    Province("064", "tỉnh Gia Lai", (
        _d("thành phố Pleiku", "phường Hoa Lư; phường Diên Hồng", "đường Hùng Vương"),
        _d("huyện Chư Păh", "xã Ia Ka; thị trấn Phú Hòa"),
    )),
    Province("066", "tỉnh Đắk Lắk", (
        _d("thành phố Buôn Ma Thuột", "phường Tân Lợi; phường Thắng Lợi", "đường Lê Duẩn"),
        _d("huyện Krông Pắc", "xã Ea Kly; thị trấn Phước An"),
        _d("huyện Lắk", "xã Bông Krang; thị trấn Liên Sơn"),
    )),
    Province("068", "tỉnh Lâm Đồng", (
        _d("thành phố Đà Lạt", "phường 1; phường 3; xã Tà Nung", "đường Phan Đình Phùng"),
        _d("thành phố Bảo Lộc", "phường Lộc Phát; xã Đại Lào", "đường Trần Phú"),
        _d("huyện Đức Trọng", "xã Hiệp Thạnh; thị trấn Liên Nghĩa"),
    )),
    Province("075", "tỉnh Đồng Nai", (
        _d("thành phố Biên Hòa", "phường Tân Phong; phường Trảng Dài", "đường Đồng Khởi"),
        _d("huyện Trảng Bom", "xã Hố Nai 3; thị trấn Trảng Bom"),
    )),
    Province("074", "tỉnh Bình Dương", (
        _d("thành phố Thủ Dầu Một", "phường Phú Cường; phường Hiệp Thành", "đường Yersin"),
        _d("thành phố Dĩ An", "phường Dĩ An; phường Đông Hòa", "đường Nguyễn An Ninh"),
    )),
    Province("089", "tỉnh An Giang", (
        _d("thành phố Long Xuyên", "phường Mỹ Bình; phường Mỹ Long", "đường Trần Hưng Đạo"),
        _d("thành phố Châu Đốc", "phường Châu Phú A; phường Núi Sam", "đường Thủ Khoa Nghĩa"),
        _d("huyện Tri Tôn", "xã Châu Lăng; thị trấn Tri Tôn"),
    )),
    Province("094", "tỉnh Sóc Trăng", (
        _d("thành phố Sóc Trăng", "phường 1; phường 2", "đường Hùng Vương; đường Trần Hưng Đạo"),
        _d("huyện Mỹ Xuyên", "xã Đại Tâm; thị trấn Mỹ Xuyên"),
        _d("huyện Trần Đề", "xã Lịch Hội Thượng; thị trấn Trần Đề"),
        _d("thị xã Vĩnh Châu", "xã Lai Hòa; phường 1"),
    )),
    Province("096", "tỉnh Cà Mau", (
        _d("thành phố Cà Mau", "phường 5; phường 7", "đường Phan Ngọc Hiển"),
        _d("huyện Năm Căn", "xã Hàm Rồng; thị trấn Năm Căn"),
    )),
    Province("019", "tỉnh Thái Nguyên", (
        _d("thành phố Thái Nguyên", "phường Hoàng Văn Thụ; phường Phan Đình Phùng",
           "đường Hoàng Văn Thụ"),
        _d("huyện Đại Từ", "xã La Bằng; thị trấn Hùng Sơn"),
    )),
    Province("010", "tỉnh Lào Cai", (
        _d("thành phố Lào Cai", "phường Cốc Lếu; phường Kim Tân", "đường Hoàng Liên"),
        _d("huyện Bắc Hà", "xã Bản Phố; thị trấn Bắc Hà"),
    )),
    Province("002", "tỉnh Hà Giang", (
        _d("huyện Đồng Văn", "xã Lũng Cú; thị trấn Đồng Văn"),
        _d("thành phố Hà Giang", "phường Nguyễn Trãi; phường Trần Phú", "đường Nguyễn Trãi"),
    )),
    Province("014", "tỉnh Sơn La", (
        _d("thành phố Sơn La", "phường Chiềng Lề; phường Quyết Thắng", "đường Tô Hiệu"),
        _d("huyện Mộc Châu", "xã Chiềng Sơn; thị trấn Nông trường Mộc Châu"),
    )),
)  # fmt: skip
_BY_CODE = {p.code: p for p in PROVINCES}
# Rough population weights so Hà Nội and Hồ Chí Minh City dominate, as they do in real batches.
_PROVINCE_WEIGHTS = [{"001": 8, "079": 9}.get(p.code, 2) for p in PROVINCES]


def province_by_code(code: str) -> Province:
    """The province with a 3-digit personal ID code (``KeyError`` when unknown)."""
    return _BY_CODE[code]


def _strip_unit(name: str) -> str:
    """``"huyện Quỳnh Phụ"`` → ``"Quỳnh Phụ"``; numbered units keep their word (``"Phường 1"``)."""
    for unit in ("thành phố", "thị trấn", "thị xã", "phường", "quận", "huyện", "tỉnh", "xã"):
        if name.startswith(unit + " "):
            rest = name[len(unit) + 1 :]
            return rest if not rest[0].isdigit() else unit.capitalize() + " " + rest
    return name


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Address:
    """A place of the old province / district / commune scheme, with an optional house part."""

    province: Province
    district: District
    commune: str
    detail: str = ""  # "Số 12 ngõ 34 phố Huế", "Thôn 4", "Ấp 3"

    def full(self) -> str:
        """As on paper forms: ``"Thôn 4, xã Đông Hải, huyện Quỳnh Phụ, tỉnh Thái Bình"``."""
        parts = [self.detail, self.commune, self.district.name, self.province.name]
        return _capitalize(", ".join(p for p in parts if p))

    def short(self) -> str:
        """As on ID cards, unit words dropped: ``"Thôn 4, Đông Hải, Quỳnh Phụ, Thái Bình"``."""
        parts = [self.detail, *(_strip_unit(n) for n in (self.commune, self.district.name))]
        return ", ".join(p for p in [*parts, self.province.short] if p)


def make_address(rng: random.Random, province: Province | None = None, *, house: bool) -> Address:
    """A random real commune, in ``province`` if given; ``house`` adds a street number or hamlet."""
    province = province or rng.choices(PROVINCES, _PROVINCE_WEIGHTS)[0]
    district = rng.choice(province.districts)
    commune = rng.choice(district.communes)
    rural = [c for c in district.communes if c.startswith("xã ")]
    if not house and rural and rng.random() < 0.8:
        commune = rng.choice(rural)  # a quê quán is usually a village commune
    detail = ""
    if house:
        urban = not commune.startswith("xã ")
        if urban and district.streets and rng.random() < 0.75:
            street = rng.choice(district.streets)
            number = rng.randint(1, 180)
            lane = (
                f" ngõ {rng.randint(2, 120)}"
                if province.code == "001" and rng.random() < 0.5
                else ""
            )
            detail = f"Số {number}{lane} {street}"
        elif urban:
            detail = f"Tổ dân phố {rng.randint(1, 25)}"
        else:
            south = int(province.code) >= 70
            hamlet = "Ấp" if south else rng.choice(("Thôn", "Xóm"))
            detail = f"{hamlet} {rng.randint(1, 12)}"
    return Address(province, district, commune, detail)


def random_date(rng: random.Random, first: date, last: date) -> date:
    """A uniformly drawn date between ``first`` and ``last`` inclusive."""
    return first + timedelta(days=rng.randint(0, (last - first).days))


def id_number_for(province_code: str, sex: str, birth_year: int, serial: int) -> str:
    """The 12-digit personal ID: province code, century/sex digit, year digits, 6-digit serial.

    The century/sex digit is ``2 * ((year - 1900) // 100) + (1 if female)``: 0/1 for the 1900s,
    2/3 for the 2000s, 4/5 for the 2100s.

        >>> id_number_for("001", "female", 1987, 12345)
        '001187012345'
    """
    century_sex = 2 * ((birth_year - 1900) // 100) + (1 if sex == "female" else 0)
    return f"{province_code}{century_sex}{birth_year % 100:02d}{serial:06d}"


def _inconsistent(rng: random.Random, good: str) -> str:
    """``good`` with exactly one of the checkable parts wrong (sex digit, year, province)."""
    part = rng.choice(("sex", "year", "province"))
    if part == "sex":
        return good[:3] + str(int(good[3]) ^ 1) + good[4:]
    if part == "year":
        return good[:4] + f"{(int(good[4:6]) + rng.randint(1, 9)) % 100:02d}" + good[6:]
    return "1" + good[1:]  # no province code starts with 1


def ascii_fold(text: str) -> str:
    """Vietnamese without diacritics (for e-mail addresses): ``"Đặng Hồng"`` → ``"Dang Hong"``."""
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_MOBILE_PREFIXES = ("090", "091", "093", "094", "096", "097", "098", "086", "088", "089", "032",
                    "033", "035", "036", "037", "038", "039", "070", "076", "077", "078", "079",
                    "081", "083", "084", "085", "056", "058")  # fmt: skip


def phone_number(rng: random.Random) -> str:
    """A 10-digit Vietnamese mobile number."""
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"


@dataclass(frozen=True)
class Person:
    """One made-up citizen; the document layouts choose which facts they print."""

    surname: str
    middle: str
    given: str
    sex: str  # "male" | "female"
    date_of_birth: date
    ethnicity: str
    birth_province: Province
    place_of_origin: Address
    residence: Address
    id_number: str
    id_consistent: bool
    phone: str
    email: str | None

    @property
    def full_name(self) -> str:
        """Name case, NFC: ``"Nguyễn Thị Hồng Nhung"``."""
        return unicodedata.normalize("NFC", f"{self.surname} {self.middle} {self.given}")

    @property
    def sex_vi(self) -> str:
        return "Nam" if self.sex == "male" else "Nữ"


def _surname(rng: random.Random, ethnicity: str, province: Province) -> str:
    if ethnicity in ETHNIC_SURNAMES and rng.random() < 0.8:
        return rng.choice(ETHNIC_SURNAMES[ethnicity])
    name = rng.choices(list(SURNAMES), list(SURNAMES.values()))[0]
    # From Quảng Nam southwards (code 049 and up) the southern spelling dominates.
    if int(province.code) >= 49 and name in SOUTHERN_VARIANTS and rng.random() < 0.8:
        return SOUTHERN_VARIANTS[name]
    return name


def _middle(rng: random.Random, sex: str, year: int, ethnicity: str) -> str:
    if ethnicity == "Mông":
        return rng.choice(("A", "Seo", "Mí")) if sex == "male" else "Thị"
    classic = "Văn" if sex == "male" else "Thị"
    # "Văn"/"Thị" were near universal before 1980 and have been fading since.
    share = 0.7 if year < 1980 else 0.45 if year < 2000 else 0.2
    if rng.random() < share:
        middle = classic
        if sex == "female" and rng.random() < 0.3:  # "Thị Hồng", "Thị Thu"
            middle += " " + rng.choice(MIDDLE["female"][1:])
        return middle
    return rng.choice(MIDDLE[sex][1:])


def make_person(
    rng: random.Random,
    *,
    born: tuple[date, date] = (date(1950, 1, 1), date(2008, 12, 31)),
    sex: str | None = None,
    surname: str | None = None,
    ethnicity: str | None = None,
    birth_province: Province | None = None,
    residence: Address | None = None,
    inconsistent_id: bool = False,
) -> Person:
    """Draw a citizen whose ID number agrees with sex, birth year and province of birth.

    Args:
        rng: the only source of randomness, so a seed reproduces the person.
        born: range of the date of birth.
        sex: ``"male"`` or ``"female"``; random when None.
        surname: forced surname (a child takes the father's).
        ethnicity: forced ethnic group; drawn with real frequencies when None.
        birth_province: forced province of birth (it gives the ID's first three digits).
        residence: forced place of residence (family members share one).
        inconsistent_id: make the ID contradict the other facts in one checkable part.

    Returns:
        A consistent :class:`Person` (except the ID when ``inconsistent_id``).
    """
    sex = sex or rng.choice(("male", "female"))
    ethnicity = ethnicity or rng.choices(list(ETHNICITIES), list(ETHNICITIES.values()))[0]
    if birth_province is None and ethnicity in HOMELANDS and rng.random() < 0.85:
        birth_province = _BY_CODE[rng.choice(HOMELANDS[ethnicity])]
    birth_province = birth_province or rng.choices(PROVINCES, _PROVINCE_WEIGHTS)[0]
    dob = random_date(rng, *born)
    origin_province = birth_province if rng.random() < 0.7 else None
    origin = make_address(rng, origin_province, house=False)
    if residence is None:
        stays = rng.random() < 0.6
        residence = make_address(rng, birth_province if stays else None, house=True)
    id_number = id_number_for(birth_province.code, sex, dob.year, rng.randrange(10**6))
    if inconsistent_id:
        id_number = _inconsistent(rng, id_number)
    middle = _middle(rng, sex, dob.year, ethnicity)
    given = rng.choice(GIVEN[sex])
    family = _surname(rng, ethnicity, birth_province) if surname is None else surname
    email = None
    if rng.random() < 0.6:
        handle = ascii_fold(f"{given}{family}").lower().replace(" ", "")
        email = f"{handle}{rng.randint(1, 99)}@{rng.choice(('gmail.com', 'yahoo.com'))}"
    return Person(
        surname=family,
        middle=middle,
        given=given,
        sex=sex,
        date_of_birth=dob,
        ethnicity=ethnicity,
        birth_province=birth_province,
        place_of_origin=origin,
        residence=residence,
        id_number=id_number,
        id_consistent=not inconsistent_id,
        phone=phone_number(rng),
        email=email,
    )


# ---- the 2025 two-level scheme ------------------------------------------------------------

# Resolution 202/2025/QH15 merged the 63 provinces into 34 and abolished districts on 1 July 2025;
# documents dated from then on write "commune, province" only. Old province code → the province
# that absorbed it, with some of its new communes and wards (real units of the resolutions of the
# Standing Committee, June 2025). Which new unit succeeded which old commune is only approximated:
# :meth:`Address.as_of` keeps the known successors below and otherwise picks a commune of the right
# new province, which is all a sample needs (a real place, in the right province, in new style).
REFORM_DATE = date(2025, 7, 1)
# The 34 provinces and centrally-run cities from 1 July 2025 (Resolution 202/2025/QH15).
PROVINCES_2025 = (
    "thành phố Hà Nội", "thành phố Huế", "tỉnh Lai Châu", "tỉnh Điện Biên", "tỉnh Sơn La",
    "tỉnh Lạng Sơn", "tỉnh Quảng Ninh", "tỉnh Thanh Hóa", "tỉnh Nghệ An", "tỉnh Hà Tĩnh",
    "tỉnh Cao Bằng", "tỉnh Tuyên Quang", "tỉnh Lào Cai", "tỉnh Thái Nguyên", "tỉnh Phú Thọ",
    "tỉnh Bắc Ninh", "tỉnh Hưng Yên", "thành phố Hải Phòng", "tỉnh Ninh Bình", "tỉnh Quảng Trị",
    "thành phố Đà Nẵng", "tỉnh Quảng Ngãi", "tỉnh Gia Lai", "tỉnh Khánh Hòa", "tỉnh Lâm Đồng",
    "tỉnh Đắk Lắk", "thành phố Hồ Chí Minh", "tỉnh Đồng Nai", "tỉnh Tây Ninh", "thành phố Cần Thơ",
    "tỉnh Vĩnh Long", "tỉnh Đồng Tháp", "tỉnh Cà Mau", "tỉnh An Giang",
)  # fmt: skip
NEW_PROVINCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "001": ("thành phố Hà Nội", ("phường Ba Đình", "phường Hoàn Kiếm", "phường Cửa Nam",
            "phường Hai Bà Trưng", "phường Bạch Mai", "phường Cầu Giấy", "phường Nghĩa Đô",
            "phường Yên Hòa", "phường Đống Đa", "phường Láng", "phường Kim Liên",
            "phường Văn Miếu - Quốc Tử Giám", "phường Ô Chợ Dừa", "xã Bát Tràng", "xã Gia Lâm",
            "xã Sóc Sơn")),
    "079": ("thành phố Hồ Chí Minh", ("phường Sài Gòn", "phường Bến Thành", "phường Tân Định",
            "phường Gò Vấp", "phường Hạnh Thông", "xã Củ Chi", "xã Bình Chánh")),
    "074": ("thành phố Hồ Chí Minh", ("phường Thủ Dầu Một", "phường Dĩ An")),
    "031": ("thành phố Hải Phòng", ("phường Lê Chân", "phường An Biên", "phường Ngô Quyền",
            "phường Gia Viên", "phường Thủy Nguyên")),
    "048": ("thành phố Đà Nẵng", ("phường Hải Châu", "phường Hòa Cường", "phường Sơn Trà",
            "phường An Hải")),
    "049": ("thành phố Đà Nẵng", ("phường Hội An", "phường Tam Kỳ")),
    "092": ("thành phố Cần Thơ", ("phường Ninh Kiều", "phường Cái Khế", "phường Tân An",
            "phường Cái Răng", "xã Phong Điền")),
    "094": ("thành phố Cần Thơ", ("phường Sóc Trăng",)),
    "022": ("tỉnh Quảng Ninh", ("phường Hạ Long", "phường Hồng Gai", "phường Bãi Cháy",
            "phường Uông Bí", "đặc khu Vân Đồn")),
    "034": ("tỉnh Hưng Yên", ("phường Thái Bình", "phường Trần Lãm", "xã Quỳnh Phụ",
            "xã Kiến Xương")),
    "036": ("tỉnh Ninh Bình", ("phường Nam Định", "xã Hải Hậu", "xã Giao Thủy")),
    "037": ("tỉnh Ninh Bình", ("phường Hoa Lư", "xã Kim Sơn", "xã Gia Viễn")),
    "038": ("tỉnh Thanh Hóa", ("phường Hạc Thành", "phường Hàm Rồng", "xã Hoằng Hóa",
            "xã Thọ Xuân")),
    "040": ("tỉnh Nghệ An", ("phường Thành Vinh", "phường Trường Vinh", "phường Vinh Hưng",
            "xã Nam Đàn", "xã Kim Liên", "xã Diễn Châu")),
    "042": ("tỉnh Hà Tĩnh", ("phường Thành Sen", "phường Trần Phú", "xã Tiên Điền",
            "xã Can Lộc")),
    "046": ("thành phố Huế", ("phường Phú Xuân", "phường Thuận Hóa", "phường Thuận An",
            "phường Vỹ Dạ")),
    "052": ("tỉnh Gia Lai", ("phường Quy Nhơn", "xã Tây Sơn")),
    "064": ("tỉnh Gia Lai", ("phường Pleiku", "phường Hội Phú")),
    "056": ("tỉnh Khánh Hòa", ("phường Nha Trang", "phường Bắc Nha Trang", "xã Cam Lâm")),
    "058": ("tỉnh Khánh Hòa", ("phường Phan Rang", "phường Đô Vinh", "xã Ninh Phước")),
    "066": ("tỉnh Đắk Lắk", ("phường Buôn Ma Thuột", "phường Tân Lập", "xã Krông Pắc")),
    "068": ("tỉnh Lâm Đồng", ("phường Xuân Hương - Đà Lạt", "phường Lâm Viên - Đà Lạt",
            "phường Bảo Lộc 1", "xã Đức Trọng")),
    "075": ("tỉnh Đồng Nai", ("phường Biên Hòa", "phường Trấn Biên", "xã Trảng Bom")),
    "089": ("tỉnh An Giang", ("phường Long Xuyên", "phường Châu Đốc", "xã Tri Tôn")),
    "096": ("tỉnh Cà Mau", ("phường An Xuyên", "phường Lý Văn Lâm", "xã Năm Căn")),
    "019": ("tỉnh Thái Nguyên", ("phường Phan Đình Phùng", "phường Gia Sàng", "xã Đại Từ")),
    "010": ("tỉnh Lào Cai", ("phường Lào Cai", "phường Cam Đường", "xã Bắc Hà")),
    "002": ("tỉnh Tuyên Quang", ("phường Hà Giang 1", "phường Hà Giang 2", "xã Đồng Văn",
            "xã Lũng Cú")),
    "014": ("tỉnh Sơn La", ("phường Tô Hiệu", "phường Chiềng An", "phường Mộc Châu")),
}  # fmt: skip
# Old communes whose successor keeps (or takes) their name: (province code, old) → new.
SUCCESSORS: dict[tuple[str, str], str] = {
    ("001", "phường Ngô Thì Nhậm"): "phường Hai Bà Trưng",
    ("001", "phường Bạch Đằng"): "phường Hai Bà Trưng",
    ("001", "phường Lê Đại Hành"): "phường Hai Bà Trưng",
    ("001", "phường Minh Khai"): "phường Bạch Mai",
    ("001", "phường Dịch Vọng"): "phường Cầu Giấy",
    ("001", "phường Quan Hoa"): "phường Cầu Giấy",
    ("001", "phường Nghĩa Đô"): "phường Nghĩa Đô",
    ("001", "phường Yên Hòa"): "phường Yên Hòa",
    ("001", "phường Láng Hạ"): "phường Láng",
    ("001", "phường Văn Miếu"): "phường Văn Miếu - Quốc Tử Giám",
    ("001", "phường Kim Liên"): "phường Kim Liên",
    ("001", "phường Ô Chợ Dừa"): "phường Ô Chợ Dừa",
    ("001", "xã Bát Tràng"): "xã Bát Tràng",
    ("001", "thị trấn Trâu Quỳ"): "xã Gia Lâm",
    ("001", "thị trấn Sóc Sơn"): "xã Sóc Sơn",
    ("079", "phường Bến Nghé"): "phường Sài Gòn",
    ("079", "phường Bến Thành"): "phường Bến Thành",
    ("079", "phường Tân Định"): "phường Tân Định",
    ("079", "thị trấn Củ Chi"): "xã Củ Chi",
    ("074", "phường Phú Cường"): "phường Thủ Dầu Một",
    ("074", "phường Dĩ An"): "phường Dĩ An",
    ("022", "phường Hồng Gai"): "phường Hồng Gai",
    ("022", "phường Bãi Cháy"): "phường Bãi Cháy",
    ("092", "phường Tân An"): "phường Tân An",
    ("040", "xã Kim Liên"): "xã Kim Liên",
    ("042", "xã Tiên Điền"): "xã Tiên Điền",
    ("046", "phường Thuận Thành"): "phường Phú Xuân",
}
# First digits of the 9-digit CMND by province of registration (the pre-1990s province groups,
# so merged provinces share one: 18 is Nghệ An and Hà Tĩnh, 36 Cần Thơ and Sóc Trăng).
CMND_PREFIXES: dict[str, str] = {
    "001": "01", "079": "02", "031": "03", "014": "05", "010": "06", "002": "07", "019": "09",
    "022": "10", "034": "15", "036": "16", "037": "16", "038": "17", "040": "18", "042": "18",
    "046": "19", "048": "20", "049": "20", "052": "21", "056": "22", "064": "23", "066": "24",
    "068": "25", "058": "26", "075": "27", "074": "28", "089": "35", "092": "36", "094": "36",
    "096": "38",
}  # fmt: skip


def cmnd_number(rng: random.Random, province: Province) -> str:
    """A 9-digit CMND (old ID card) number starting with the province group's digits."""
    prefix = CMND_PREFIXES[province.code]
    return prefix + f"{rng.randrange(10 ** (9 - len(prefix))):0{9 - len(prefix)}d}"


@dataclass(frozen=True)
class ModernAddress:
    """A place of the 2025 two-level scheme: ``"Số 12 phố Huế, phường Hai Bà Trưng, thành phố
    Hà Nội"``."""

    province_name: str
    commune: str
    detail: str = ""

    def full(self) -> str:
        """As on paper forms, unit words kept."""
        return _capitalize(
            ", ".join(p for p in (self.detail, self.commune, self.province_name) if p)
        )

    def short(self) -> str:
        """As on ID cards, unit words dropped: ``"Hai Bà Trưng, Hà Nội"``."""
        parts = (self.detail, _strip_unit(self.commune), _strip_unit(self.province_name))
        return ", ".join(p for p in parts if p)


def modernise(address: Address) -> ModernAddress:
    """The same place written in the 2025 scheme (see :data:`NEW_PROVINCES`); deterministic."""
    code = address.province.code
    province_name, communes = NEW_PROVINCES[code]
    commune = SUCCESSORS.get((code, address.commune))
    if commune is None:
        # A stable pick (no rng): the same old commune always gets the same new one, of the same
        # kind (a village commune stays a "xã", a town's becomes a "phường").
        kind = "xã " if address.commune.startswith("xã ") else "phường "
        same_kind = [c for c in communes if c.startswith(kind)] or list(communes)
        key = sum(map(ord, address.district.name + address.commune))
        commune = same_kind[key % len(same_kind)]
    return ModernAddress(province_name, commune, address.detail)


def address_as_of(address: Address, day: date) -> Address | ModernAddress:
    """``address`` as a document dated ``day`` writes it: old scheme before 1 July 2025."""
    return modernise(address) if day >= REFORM_DATE else address
