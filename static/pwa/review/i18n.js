/**
 * The review screen's words, Vietnamese by default and English on request. `?lang=en|vi` sets the
 * choice; it persists under the same key the tablet app uses, so one choice serves both screens.
 */
const STORAGE_KEY = 'fieldkit.lang';

const VI = {
  'title': 'Rà soát, đối chiếu với CSDL dân cư',
  'logout': 'Đăng xuất',
  'login.title': 'Đăng nhập quản trị đơn vị',
  'login.username': 'Tên đăng nhập',
  'login.password': 'Mật khẩu',
  'login.submit': 'Đăng nhập',
  'filter.unit': 'Đơn vị',
  'filter.class': 'Kết quả đối chiếu',
  'filter.field': 'Trường khác biệt',
  'filter.kind': 'Loại',
  'filter.any': 'Tất cả',
  'filter.apply': 'Lọc',
  'reconcile.run': 'Đối chiếu lại',
  'reconcile.running': 'Đang đối chiếu…',
  'reconcile.done': 'Đã đối chiếu {total} đảng viên: khớp {matched}, khác nhỏ {matched_minor}, không khớp {mismatch}, không tìm thấy {not_found}, trùng {ambiguous}; thay đổi {changed}.',
  'export': 'Xuất danh sách ký (XLSX)',
  'list.title': 'Cần xem xét',
  'list.empty': 'Không còn hồ sơ nào cần xem xét.',
  'list.prev': '‹ Trước',
  'list.next': 'Sau ›',
  'list.page': 'Trang {page}/{pages}',
  'detail.hint': 'Chọn một hồ sơ ở danh sách bên trái.',
  'detail.candidates': 'Các bản ghi trùng họ tên và ngày sinh — chọn đúng người',
  'detail.previous': 'Quyết định trước: {decision} — {note}',
  'detail.stale': '(số liệu đã thay đổi sau quyết định, cần xem lại)',
  'detail.meta': '{code} · {unit} · {kind}',
  'detail.not_on_roster': 'Người chưa có trong danh sách',
  'explain.not_found': 'Không tìm thấy trong CSDL dân cư theo số định danh, cũng không theo họ tên và ngày sinh.',
  'explain.ambiguous': 'Không có số định danh khớp; CSDL dân cư có nhiều người trùng họ tên và ngày sinh.',
  'explain.mismatch': 'Các trường tô đỏ khác với CSDL dân cư; tô vàng là khác nhỏ (dấu thanh, chữ hoa).',
  'detail.member_id': 'Mã số nội bộ của đảng viên để gắn hồ sơ',
  'col.field': 'Trường', 'col.party': 'Hồ sơ đảng', 'col.submitted': 'Kê khai', 'col.registry': 'CSDL dân cư',
  'class.matched': 'Khớp', 'class.matched_minor': 'Khớp (khác nhỏ)', 'class.mismatch': 'Không khớp',
  'class.not_found': 'Không tìm thấy', 'class.ambiguous': 'Trùng nhiều người',
  'kind.submission': 'Hồ sơ đã thu nhận', 'kind.member': 'Hồ sơ đảng viên',
  'field.full_name': 'Họ và tên', 'field.date_of_birth': 'Ngày sinh', 'field.gender': 'Giới tính',
  'field.citizen_id': 'Số định danh', 'field.hometown': 'Quê quán', 'field.permanent_address': 'Thường trú',
  'result.match': 'khớp', 'result.minor': 'khác nhỏ', 'result.mismatch': 'khác', 'result.missing': 'thiếu',
  'gender.male': 'Nam', 'gender.female': 'Nữ',
  'reason.registry_mismatch': 'Không khớp CSDL dân cư', 'reason.not_on_roster': 'Chưa có trong danh sách',
  'reason.second_submission': 'Thu nhận lần hai',
  'reason.photo_reused': 'Cùng một ảnh cho hai người',
  'decision.note': 'Ghi chú (bắt buộc khi yêu cầu điều chỉnh hoặc trả về)',
  'decision.accept_submitted': 'Chấp nhận thông tin kê khai',
  'decision.accept_registry': 'Lấy theo CSDL dân cư',
  'decision.citizen_must_update_registry': 'Đảng viên cần điều chỉnh CSDL dân cư',
  'decision.send_back': 'Trả về tổ công tác',
  'decision.saved': 'Đã ghi quyết định: {decision}.',
  'error.invalid_credentials': 'Sai tên đăng nhập hoặc mật khẩu.',
  'error.too_many_attempts': 'Đăng nhập sai quá nhiều lần; hãy chờ rồi thử lại.',
  'error.forbidden': 'Chỉ quản trị đơn vị được rà soát.',
  'error.not_found': 'Không tìm thấy (hoặc ngoài phạm vi đơn vị).',
  'error.required': 'Cần nhập ghi chú.',
  'error.choose_candidate': 'Hãy chọn một bản ghi trong danh sách trùng.',
  'error.no_registry_record': 'Không có bản ghi CSDL dân cư để lấy.',
  'error.no_submission': 'Đảng viên này chưa có hồ sơ thu nhận.',
  'error.member_required': 'Hãy nhập mã số đảng viên để gắn hồ sơ.',
  'error.already_verified': 'Hồ sơ này đã được xác nhận.',
  'error.network': 'Không kết nối được máy chủ.',
  'error.other': 'Có lỗi: {code}.',
};

const EN = {
  'title': 'Review against the population registry',
  'logout': 'Sign out',
  'login.title': 'Unit admin sign-in',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'filter.unit': 'Unit',
  'filter.class': 'Registry result',
  'filter.field': 'Differing field',
  'filter.kind': 'Kind',
  'filter.any': 'Any',
  'filter.apply': 'Filter',
  'reconcile.run': 'Reconcile again',
  'reconcile.running': 'Reconciling…',
  'reconcile.done': 'Reconciled {total} members: matched {matched}, minor {matched_minor}, mismatch {mismatch}, not found {not_found}, ambiguous {ambiguous}; changed {changed}.',
  'export': 'Export list to sign (XLSX)',
  'list.title': 'To review',
  'list.empty': 'Nothing left to review.',
  'list.prev': '‹ Previous',
  'list.next': 'Next ›',
  'list.page': 'Page {page}/{pages}',
  'detail.hint': 'Pick a record from the list on the left.',
  'detail.candidates': 'Registry records with this name and birth date — pick the right person',
  'detail.previous': 'Earlier decision: {decision} — {note}',
  'detail.stale': '(the data changed after it; look again)',
  'detail.meta': '{code} · {unit} · {kind}',
  'detail.not_on_roster': 'Person not on the roster',
  'explain.not_found': 'Not in the registry by citizen ID, nor by name and birth date.',
  'explain.ambiguous': 'No matching citizen ID; the registry holds several people with this name and birth date.',
  'explain.mismatch': 'Red fields differ from the registry; yellow ones differ only slightly (tone mark, case).',
  'detail.member_id': 'Internal member id to attach this record to',
  'col.field': 'Field', 'col.party': 'Party record', 'col.submitted': 'Collected', 'col.registry': 'Registry',
  'class.matched': 'Matched', 'class.matched_minor': 'Matched (minor)', 'class.mismatch': 'Mismatch',
  'class.not_found': 'Not found', 'class.ambiguous': 'Ambiguous',
  'kind.submission': 'Collected record', 'kind.member': 'Party record',
  'field.full_name': 'Full name', 'field.date_of_birth': 'Date of birth', 'field.gender': 'Gender',
  'field.citizen_id': 'Citizen ID', 'field.hometown': 'Hometown', 'field.permanent_address': 'Address',
  'result.match': 'match', 'result.minor': 'minor', 'result.mismatch': 'differs', 'result.missing': 'missing',
  'gender.male': 'Male', 'gender.female': 'Female',
  'reason.registry_mismatch': 'Registry mismatch', 'reason.not_on_roster': 'Not on the roster',
  'reason.second_submission': 'Second record',
  'reason.photo_reused': 'Same portrait for two people',
  'decision.note': 'Note (required to ask for a registry update or to send back)',
  'decision.accept_submitted': 'Accept the collected data',
  'decision.accept_registry': 'Take the registry values',
  'decision.citizen_must_update_registry': 'Citizen must update the registry',
  'decision.send_back': 'Send back to the field',
  'decision.saved': 'Decision saved: {decision}.',
  'error.invalid_credentials': 'Wrong username or password.',
  'error.too_many_attempts': 'Too many failed sign-ins; wait and try again.',
  'error.forbidden': 'Only unit admins may review.',
  'error.not_found': 'Not found (or outside your unit).',
  'error.required': 'A note is required.',
  'error.choose_candidate': 'Pick one of the registry records listed.',
  'error.no_registry_record': 'There is no registry record to take values from.',
  'error.no_submission': 'This member has no collected record yet.',
  'error.member_required': 'Enter the member id to attach this record to.',
  'error.already_verified': 'This record is already verified.',
  'error.network': 'Cannot reach the server.',
  'error.other': 'Error: {code}.',
};

const TABLES = {vi: VI, en: EN};
let current = 'vi';

/**
 * Choose the language: ?lang= (remembered), else the saved choice, else Vietnamese.
 * @returns {string}
 */
export function initLanguage() {
  const asked = new URLSearchParams(location.search).get('lang');
  try {
    if (asked && TABLES[asked]) localStorage.setItem(STORAGE_KEY, asked);
    const saved = localStorage.getItem(STORAGE_KEY);
    current = TABLES[saved] ? saved : 'vi';
  } catch {
    current = TABLES[asked] ? asked : 'vi';
  }
  document.documentElement.lang = current;
  return current;
}

/**
 * Translate a key, filling {placeholders} from `params`.
 * @param {string} key
 * @param {Object<string, *>} [params]
 * @returns {string}
 */
export function t(key, params = {}) {
  const text = TABLES[current][key] ?? VI[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

/** Put the current language's text into every element that carries data-i18n. */
export function translatePage(root = document) {
  root.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  root.querySelectorAll('[data-lang]').forEach((el) => {
    el.setAttribute('aria-current', el.dataset.lang === current ? 'true' : 'false');
  });
}
