"""Every error code the API can answer, with its HTTP status (where it has one of its own) and its texts.

One line per code: `_code(code, status, vi, en)`. `status` is the answer's status when the code is the whole
answer's `error.code`; None for codes that only name a field's or an item's fault (`fields`, sync `errors`).
Texts may hold `{name}` placeholders filled from the error's `params`. The tablet gets these texts as the
generated `static/pwa/js/record-rules.js` (`tools/write_record_rules.py`), the OpenAPI description from
`openapi_description()`. A new code is one line here; tests/test_error_codes.py fails when a code raised
anywhere in the server is missing, or a tablet text names a code that is not here.
"""
from __future__ import annotations

from typing import NamedTuple


class ErrorCode(NamedTuple):
    code: str
    status: int | None
    vi: str
    en: str


CODES: dict[str, ErrorCode] = {}


def _code(code: str, status: int | None, vi: str, en: str) -> None:
    assert code not in CODES, code
    CODES[code] = ErrorCode(code, status, vi, en)


# --- whole answers: HTTP-level -------------------------------------------------------------------------------
_code("bad_request", 400, "Yêu cầu không hợp lệ.", "The request is malformed.")
_code("not_authenticated", 401, "Hãy đăng nhập trước.", "Sign in first.")
_code("forbidden", 403, "Không có quyền.", "Your role may not do this.")
_code("not_found", 404, "Không tìm thấy (ngoài phạm vi được giao).", "Not found (outside your scope).")
_code("method_not_allowed", 405, "Phương thức này không được phép ở đây.", "This method is not allowed here.")
_code("conflict", 409, "Yêu cầu mâu thuẫn với dữ liệu hiện có.", "The request conflicts with the current state.")
_code("too_large", 413, "Quá lớn (ảnh trên 10 MiB hoặc dữ liệu gửi vượt giới hạn) — chụp lại.",
      "Too large (a photo over 10 MiB, or a request over its limit) — retake it.")
_code("unsupported_media_type", 415, "Kiểu dữ liệu này không được chấp nhận.", "This content type is not accepted.")
_code("invalid_input", 422, "Một số trường không hợp lệ.", "Some fields are not valid.")
_code("too_many_requests", 429, "Quá nhiều yêu cầu; hãy chờ một lát.", "Too many requests; wait a moment.")
_code("internal_error", 500, "Lỗi máy chủ; không có dữ liệu nào bị lưu dở.",
      "Something went wrong on the server; nothing was half-stored.")
_code("database_busy", 503, "Cơ sở dữ liệu đang bận hoặc tạm thời không kết nối được; không có gì bị lưu dở. "
      "Hãy thử lại sau ít phút.", "The database is busy or out of reach for the moment; nothing was half-stored. "
      "Try again in a few minutes.")
_code("error", None, "Có lỗi ({code}).", "Something went wrong ({code}).")
# --- sign-in and users ---------------------------------------------------------------------------------------
_code("invalid_credentials", 401, "Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password.")
_code("too_many_attempts", 429, "Đăng nhập sai quá nhiều lần; hãy chờ rồi thử lại.",
      "Too many failed sign-ins; wait before trying again.")
_code("csrf_failed", 403, "Phiên làm việc không hợp lệ; hãy tải lại trang.", "Missing or wrong CSRF token.")
_code("invalid_role", 400, "Vai trò không hợp lệ.", "Unknown role.")
_code("unknown_unit", 400, "Không có đơn vị với mã này.", "Unknown unit.")
_code("own_account", 409, "Không thể tự khóa hay đổi vai trò của chính mình — nhờ quản trị cấp trên.",
      "You cannot deactivate your own account or change your own role — ask an admin of a unit above.")
_code("username_taken", 409, "Tên đăng nhập đã có người dùng.", "This username is taken.")
_code("password_too_short", 422, "Mật khẩu phải có ít nhất 8 ký tự.", "Passwords have at least 8 characters.")
_code("invalid_username", None, "Tên đăng nhập gồm 3–64 ký tự: a-z, 0-9, dấu chấm, gạch dưới hoặc gạch ngang.",
      "A username is 3–64 characters: a-z, 0-9, '.', '_' or '-'.")
_code("invalid_kind", 400, "Loại đơn vị không hợp lệ.", "Unknown unit kind.")
_code("invalid_parent", 400, "Đơn vị cấp trên không hợp lệ.", "The parent unit does not fit this kind of unit.")
# --- photos --------------------------------------------------------------------------------------------------
_code("hash_mismatch", 400, "Ảnh bị lỗi khi gửi — chụp lại.", "The image was damaged in transfer — retake it.")
_code("invalid_sha256", 400, "Mã ảnh không hợp lệ.", "The address does not hold a SHA-256.")
_code("unsupported_image", 415, "Ảnh không đúng định dạng — chụp lại.", "Unsupported image — retake it.")
_code("image_too_large", 422, "Ảnh quá lớn — chụp lại.", "Image too large — retake it.")
_code("image_corrupt", 422, "Ảnh hỏng — chụp lại.", "Damaged image — retake it.")
# --- sync envelope and roster --------------------------------------------------------------------------------
_code("invalid_json", 400, "Dữ liệu gửi không phải JSON.", "The body is not valid JSON.")
_code("invalid_envelope", 400, "Gói gửi không đúng cấu trúc.", "The request is not a submissions envelope.")
_code("no_items", 400, "Gói gửi phải có ít nhất một bản ghi.", "A batch holds at least one item.")
_code("too_many_items", 400, "Gói gửi có quá nhiều bản ghi (tối đa {max}).", "A batch holds at most {max} items.")
_code("invalid_cursor", 400, "Mốc đồng bộ không hợp lệ; hãy đồng bộ lại từ đầu.",
      "The sync cursor is not valid; sync without one.")
# --- visits --------------------------------------------------------------------------------------------------
_code("assignee_out_of_scope", 422, "Người này không phụ trách đảng viên này.",
      "This person does not cover this member.")
_code("visit_exists", 409, "Đảng viên này đã có lịch thăm đang mở.", "This member already has an open visit.")
_code("visit_closed", 409, "Lịch thăm đã đóng.", "The visit is closed.")
_code("visit_reassigned", 409, "Lịch thăm đã được giao cho người khác.", "The visit was given to someone else.")
_code("visit_open", 409, "Lịch thăm vẫn đang mở.", "The visit is still open.")
# --- review --------------------------------------------------------------------------------------------------
_code("no_submission", 422, "Đảng viên này chưa có bản ghi nào để chấp nhận.",
      "This member has no submitted record to accept.")
_code("already_verified", 409, "Bản ghi này đã được xác minh.", "This record is already verified.")
_code("member_required", 422, "Hãy chọn đảng viên mà bản ghi này thuộc về.",
      "Name the member this record belongs to.")
_code("choose_candidate", 422, "Có nhiều bản ghi CSDL dân cư; hãy chọn một.",
      "Several registry records match; choose one.")
_code("no_registry_record", 422, "Không có bản ghi CSDL dân cư để lấy giá trị.",
      "There is no registry record to take values from.")
_code("not_a_candidate", None, "Bản ghi này không nằm trong các bản ghi được đề xuất.",
      "This registry record is not one of the candidates.")
_code("demo_exists", 409, "Tỉnh mẫu hoặc người dùng mẫu đã có.", "The demo province or its users already exist.")
# --- fields and items (no status of their own: inside `fields` or a sync item's `errors`) --------------------
_code("required", None, "Bắt buộc nhập.", "Required.")
_code("unknown_field", None, "Trường không được hỗ trợ.", "Field not supported.")
_code("invalid_type", None, "Dữ liệu không hợp lệ.", "Invalid data.")
_code("invalid", None, "Giá trị không hợp lệ.", "Not a valid value.")
_code("invalid_date", None, "Ngày không hợp lệ (dd/mm/yyyy, hoặc chỉ năm với ngày sinh).",
      "Not a valid date (dd/mm/yyyy, or the year only for the birth date).")
_code("invalid_datetime", None, "Thời điểm không hợp lệ.", "Not a valid date and time.")
_code("invalid_choice", None, "Lựa chọn không hợp lệ.", "Not a valid choice.")
_code("too_long", None, "Quá dài (tối đa {max} ký tự).", "Too long (at most {max} characters).")
_code("too_short", None, "Quá ngắn (ít nhất {min} ký tự).", "Too short (at least {min} characters).")
_code("too_small", None, "Giá trị quá nhỏ.", "The value is too small.")
_code("out_of_range", None, "Giá trị nằm ngoài khoảng cho phép.", "The value is out of range.")
_code("too_few_items", None, "Cần ít nhất {min} mục.", "At least {min} items are needed.")
_code("too_deep", None, "Dữ liệu lồng quá sâu.", "The data nests too deeply.")
_code("invalid_characters", None, "Có ký tự không hợp lệ (ký tự ẩn hoặc điều khiển).",
      "Contains invalid (hidden or control) characters.")
_code("date_in_future", None, "Ngày nằm trong tương lai.", "This date is in the future.")
_code("date_too_early", None, "Năm phải từ {min} trở đi.", "The year is {min} or later.")
_code("before_birth", None, "Ngày này trước ngày sinh.", "This date is before the date of birth.")
_code("official_before_join", None, "Ngày chính thức trước ngày vào Đảng.", "Official before joining.")
_code("invalid_phone", None, "Số điện thoại chỉ gồm chữ số, dấu cách và + - . ( ).",
      "A phone number holds only digits, spaces and + - . ( ).")
_code("citizen_id_format", None, "Số định danh phải gồm đúng 12 chữ số.", "The citizen ID is exactly 12 digits.")
_code("citizen_id_province", None, "Ba số đầu không phải mã tỉnh.", "The first three digits are not a province code.")
_code("citizen_id_gender", None, "Số thứ tư không khớp giới tính (và thế kỷ sinh).",
      "Digit 4 does not match the gender (and century of birth).")
_code("citizen_id_birth_year", None, "Số thứ 4–6 không khớp năm sinh.", "Digits 4–6 do not match the year of birth.")
_code("captured_in_future", None, "Giờ trên máy tính bảng sai (ở tương lai). Hãy chỉnh đồng hồ rồi lưu lại.",
      "The tablet clock is wrong (in the future). Fix the clock, then save again.")
_code("consent_required", None, "Cần xác nhận đồng ý.", "Consent must be confirmed.")
_code("photo_missing", None, "Cần có ảnh chân dung.", "A portrait is needed.")
_code("client_id_reused", None, "Máy chủ đã có một bản khác của bản ghi này; lưu lại sẽ gửi thành bản ghi mới.",
      "The server holds a different version of this record; saving sends it as a new record.")
_code("invalid_client_id", None, "Mã bản ghi trên máy không hợp lệ.", "The record's device id is not valid.")
_code("visit_member_mismatch", None, "Lịch thăm không khớp với đảng viên.", "The visit does not belong to this member.")
# --- documents -----------------------------------------------------------------------------------------------
_code("cell_or_grassroots_required", 422,
      "Danh sách ký xác nhận chỉ lập cho một chi bộ hoặc một đảng bộ cơ sở; hãy chọn một đơn vị như vậy.",
      "The signature list is made for a cell or a grassroots unit; choose one of those.")
# --- background jobs and the console -------------------------------------------------------------------------
_code("job_running", 409, "Đang có một việc cùng loại chờ hoặc đang chạy cho đơn vị này; hãy chờ nó xong.",
      "A job of this kind is already queued or running for this unit; wait for it to end.")
_code("job_not_retryable", 409,
      "Chỉ chạy lại được việc bị lỗi hoặc gián đoạn (nếu tệp không còn, hãy tải lên lại).",
      "Only a failed or interrupted job can be run again (if its file is gone, upload it again).")
_code("import_kind_unsupported", 422, "Máy chủ này chưa nhận nhập loại dữ liệu {kind}.",
      "Imports of {kind} are not available on this server yet.")
_code("unsupported_file_type", 415, "Hãy tải lên tệp .csv hoặc .xlsx.", "Upload a .csv or .xlsx file.")
_code("import_file_too_large", 413, "Tệp lớn hơn {max_mib} MiB; hãy chia tệp thành nhiều phần rồi tải lên từng phần.",
      "The file is larger than {max_mib} MiB; split it into parts and upload each part.")
_code("worker_lost", None, "Máy chạy việc này đã dừng giữa chừng; không có gì bị lưu dở. Hãy chạy lại.",
      "The worker running this job stopped midway; nothing was half-stored. Run it again.")
# --- hardening: bounded bodies and dates ----------------------------------------------------------------------
_code("item_too_large", 413, "Bản ghi chứa nội dung dài quá mức cho phép; không lưu gì.",
      "An item holds text far longer than any field allows; nothing was stored.")
_code("date_out_of_range", None, "Ngày nằm ngoài khoảng cho phép ({min}–{max}).",
      "The date is outside the allowed range ({min}–{max}).")
# --- gunicorn's own answers (requests it cannot read: server/gunicorn_conf.py) ---------------------------------
_code("request_line_too_long", 414, "Địa chỉ yêu cầu quá dài.", "The request line is too long.")
_code("headers_too_large", 431, "Phần đầu yêu cầu quá lớn.", "The request headers are too large.")
_code("expectation_failed", 417, "Máy chủ không đọc được yêu cầu này.", "The server could not read this request.")
_code("not_implemented", 501, "Máy chủ không đọc được yêu cầu này.", "The server could not read this request.")
# --- schedules -----------------------------------------------------------------------------------------------
_code("desks_out_of_range", None, "Số bàn phải từ 1 đến 50.",
      "Desks must be between 1 and 50.")
_code("slot_minutes_out_of_range", None, "Mỗi lượt dài từ 5 đến 120 phút.",
      "A slot lasts 5 to 120 minutes.")
_code("session_end_before_start", None, "Ca làm việc kết thúc trước khi bắt đầu.",
      "A session ends before it starts.")
_code("sessions_overlap", None, "Hai ca trong cùng một ngày bị trùng giờ.",
      "Two sessions of one day overlap.")
_code("invalid_time", None, "Giờ phải có dạng HH:MM.",
      "Times are HH:MM.")
_code("invalid_weekday", None, "Thứ trong tuần phải từ 1 đến 7.",
      "The weekday must be 1–7.")
_code("code_mismatch", None, "Mã trong nội dung khác mã trên đường dẫn.",
      "The code in the body differs from the path.")
_code("unknown_cell", None, "Không có chi bộ này.",
      "No such cell.")
_code("not_a_cell", None, "Chỉ chọn chi bộ, không chọn đơn vị lớn hơn.",
      "Name cells, not larger units.")
_code("cell_outside_station", None, "Chi bộ không thuộc điểm thu nhận này.",
      "The cell is not served by this station.")
_code("plan_range_in_past", None, "Lịch bắt đầu trong quá khứ.",
      "The plan starts in the past.")
_code("plan_range_reversed", None, "Ngày kết thúc trước ngày bắt đầu.",
      "The plan ends before it starts.")
_code("plan_range_too_long", None, "Một lần lập lịch tối đa 90 ngày.",
      "A plan covers at most 90 days.")
_code("booking_conflict", 409, "Một lịch khác vừa xếp các đảng viên này; hãy chạy lại.",
      "Another plan booked these members meanwhile; run it again.")
_code("slot_full", 409, "Lượt này đã đủ người.",
      "That slot is full.")
_code("booking_closed", 409, "Lịch hẹn đã đến hoặc đã huỷ.",
      "The booking has arrived or was cancelled.")
_code("not_a_slot", None, "Điểm thu nhận không có lượt bắt đầu lúc đó.",
      "The station has no open slot starting then.")
_code("not_missed", None, "Chỉ lịch hẹn vắng mặt trong phạm vi mới chuyển thành thăm tại nhà được.",
      "Only missed bookings in scope can become visits.")
# --- cards -----------------------------------------------------------------------------------------------------
_code("cards_not_sendable", 422, "Một số thẻ không thể gửi tới đơn vị này.",
      "Some cards cannot be sent to this unit.")
_code("card_not_here", None, "Thẻ không còn ở đơn vị.",
      "The card is not at your unit.")
_code("card_member_outside", None, "Đảng viên của thẻ không thuộc đơn vị nhận.",
      "The card's member is not in the receiving unit.")
_code("card_not_below", None, "Đơn vị nhận không ở cấp dưới nơi giữ thẻ.",
      "The receiving unit is not below the card's unit.")
_code("cards_changed", 409, "Thẻ vừa được chuyển, hãy tải lại.",
      "Some cards were moved meanwhile; reload.")
_code("receipt_incomplete", 422, "Biên bản nhận phải kê mỗi thẻ đúng một lần.",
      "The receipt must list every card exactly once.")
_code("not_accounted_for", None, "Thẻ chưa được kê.",
      "Card not accounted for.")
_code("listed_twice", None, "Thẻ bị kê hai lần.",
      "Card listed twice.")
_code("not_in_consignment", None, "Thẻ không thuộc lô giao này.",
      "Card not in this consignment.")
_code("consignment_received", 409, "Lô giao đã được nhận với biên bản khác.",
      "Already received with another receipt.")
_code("card_member_mismatch", None, "Thẻ không phải của đảng viên này.",
      "The card belongs to another member.")
_code("already_handed_over", None, "Thẻ đã được trao trước đó.",
      "The card was already handed over.")
_code("handed_in_future", None, "Thời điểm trao ở tương lai.",
      "The hand-over time is in the future.")
# --- the tablet's own (never answered by the server, translated by the same key) -----------------------------
_code("network", None, "Không có mạng.", "No network.")

CLIENT_ONLY = frozenset({"network"})


def coded(code: str, **params) -> dict:
    """One field's or item's error as the API reports it: {"code", "params"} (the field is added by the caller)."""
    return {"code": code, "params": params}


def error_text(code: str, lang: str = "en", **params) -> str:
    """The text for `code` in `lang` ("vi" or "en") with its placeholders filled; the generic text if unknown."""
    entry = CODES.get(code) or CODES["error"]
    text = entry.vi if lang == "vi" else entry.en
    values = {"code": code, **params}
    return text.format_map(_Missing(values))


class _Missing(dict):
    def __missing__(self, key):
        return ""


def status_of(code: str, default: int = 400) -> int:
    """The HTTP status a whole answer with this code carries."""
    entry = CODES.get(code)
    return entry.status if entry and entry.status else default


def openapi_description() -> str:
    """The codes as a Markdown table for the OpenAPI document's description."""
    rows = ["| code | HTTP | meaning |", "|---|---|---|"]
    rows += [f"| `{e.code}` | {e.status or '—'} | {e.en} |" for e in CODES.values() if e.code not in CLIENT_ONLY]
    return "\n".join(rows)
