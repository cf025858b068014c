"""Vietnamese names for what the pipeline stores in English (field names, document types, statuses).

Unknown keys fall back to the key itself, so a new extractor field shows up before it has a label.
"""

from __future__ import annotations

__all__ = [
    "ACTION_LABELS",
    "DOC_TYPE_LABELS",
    "FIELD_LABELS",
    "JOB_STATUS_LABELS",
    "ROLE_LABELS",
    "STATUS_LABELS",
    "display_value",
    "label",
]

FIELD_LABELS = {
    "id_number": "Số định danh cá nhân (CCCD)",
    "old_id_number": "Số CMND cũ",
    "full_name": "Họ, chữ đệm và tên",
    "date_of_birth": "Ngày sinh",
    "issue_date": "Ngày cấp",
    "expiry_date": "Có giá trị đến",
    "registration_date": "Ngày đăng ký",
    "sex": "Giới tính",
    "nationality": "Quốc tịch",
    "ethnicity": "Dân tộc",
    "place_of_birth": "Nơi sinh",
    "place_of_origin": "Quê quán",
    "place_of_residence": "Nơi thường trú",
    "temporary_residence": "Nơi tạm trú",
    "issuing_authority": "Cơ quan cấp",
    "phone": "Số điện thoại",
    "email": "Thư điện tử",
    "father_name": "Họ tên cha",
    "mother_name": "Họ tên mẹ",
    "spouse_name": "Họ tên vợ/chồng",
    "registration_number": "Số đăng ký",
    "book_number": "Quyển số",
    "registration_office": "Nơi đăng ký",
}

DOC_TYPE_LABELS = {
    "cccd_front": "Căn cước công dân (mặt trước)",
    "cccd_back": "Căn cước công dân (mặt sau)",
    "cmnd": "Chứng minh nhân dân",
    "birth_certificate": "Giấy khai sinh",
    "marriage_certificate": "Giấy chứng nhận kết hôn",
    "death_certificate": "Trích lục khai tử",
    "household_book": "Sổ hộ khẩu",
    "application_form": "Đơn, tờ khai",
    "contract": "Hợp đồng",
    "civil_register_page": "Trang sổ đăng ký hộ tịch",
    "unknown": "Chưa xác định",
}

STATUS_LABELS = {
    "auto_accepted": "Tự động chấp nhận",
    "needs_review": "Cần kiểm tra",
    "verified": "Đã xác minh",
    "rejected": "Đã loại",
    "linked": "Đã liên kết",
}

JOB_STATUS_LABELS = {
    "queued": "Đang chờ",
    "running": "Đang xử lý",
    "done": "Hoàn tất",
    "failed": "Có lỗi",
    "interrupted": "Bị gián đoạn",
    "reading": "Đang đọc",
    "skipped": "Đã có từ trước",
}

ROLE_LABELS = {"clerk": "Cán bộ tiếp nhận", "steward": "Cán bộ kiểm duyệt", "admin": "Quản trị"}

ACTION_LABELS = {"accept": "Chấp nhận", "correct": "Sửa", "reject": "Loại"}

_SEX = {"male": "Nam", "female": "Nữ"}


def label(table: dict[str, str], key: str | None) -> str:
    """``table[key]``, or the key itself when it has no label yet."""
    if key is None:
        return ""
    return table.get(key, key)


def display_value(name: str, value: str | None) -> str:
    """A stored value as a clerk reads it (dates as dd/mm/yyyy, sex in Vietnamese)."""
    if value is None:
        return "—"
    if name == "sex":
        return _SEX.get(value, value)
    if name == "date_of_birth" or name.endswith("_date"):
        parts = value.split("-")
        return "/".join(reversed(parts)) if all(p.isdigit() for p in parts) else value
    return value
