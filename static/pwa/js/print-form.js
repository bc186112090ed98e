/**
 * The member form on paper (`data-action="print-form"`, CONTRACT §6): an A4 portrait page in Vietnamese laid
 * out like the paper phiếu đảng viên — masthead, unit and cell, every field with its label, the 3×4 portrait when
 * taken, the date and place of capture, signature lines for the member and the officer — built from the form's
 * current values into a print-only container (css/desk.css: @media print, @page A4), then the browser's print.
 * Nothing is fetched but the app's own precached files: it works offline. What leaves the tablet is a notice that
 * the form was printed (print-outbox.js, for the audit trail), with the next sync.
 * Loaded on first use.
 */
import {app, emit} from './app-state.js';
import {addStrings, t} from './i18n.js';
import {loadStyle} from './lazy.js';
import {queuePrint} from './print-outbox.js';
import {TEXTS as VI_RECORD} from './record-texts-vi.js';
import {DESK_STRINGS} from './strings-desk.js';
import {el, toast} from './ui.js';

addStrings(DESK_STRINGS);

/** The rows of the form, in the paper form's order, two to a line where they are short. */
const ROWS = [['full_name'], ['date_of_birth', 'gender'], ['citizen_id'], ['hometown'], ['permanent_address'],
  ['party_join_date', 'party_official_date'], ['ethnicity', 'religion'], ['old_card_number', 'phone']];
// Labels from the field catalogue (record-texts-vi.js: the paper form is Vietnamese), except where the paper form words them its own way.
const PAPER_LABELS = {citizen_id: 'Số định danh cá nhân (CCCD)'};
const DATES = new Set(['date_of_birth', 'party_join_date', 'party_official_date']);

let photoUrl = null;

function dmy(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || '');
  return m ? `${m[3]}/${m[2]}/${m[1]}` : value || '';
}

function shown(vi, name, value) {
  if (!value) return '';
  if (name === 'gender') return vi[`f.${value}`] || value;
  return DATES.has(name) ? dmy(value) : value;
}

function when(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || '');
  return m ? {time: `${m[4]}:${m[5]}`, day: m[3], month: m[2], year: m[1]} : {time: '', day: '…', month: '…', year: '…'};
}

function portrait(photo) {
  if (photoUrl) URL.revokeObjectURL(photoUrl);
  photoUrl = photo ? URL.createObjectURL(new Blob([photo.bytes], {type: photo.type})) : null;
  return el('div', {class: 'ps-photo'}, photoUrl ? el('img', {src: photoUrl, alt: ''}) : el('span', {}, 'Ảnh 3×4'));
}

function signature(title, name) {
  return el('div', {class: 'ps-sign'}, el('strong', {}, title), el('em', {}, '(Ký, ghi rõ họ tên)'),
    el('div', {class: 'ps-sign-space'}), el('span', {class: 'ps-sign-name'}, name || ''));
}

/**
 * Build the printable sheet.
 * @param {object} vi the Vietnamese texts (strings-vi.js)
 * @param {{item: object, member: object|null, photo: object|null, officer: string}} data
 * @returns {HTMLElement}
 */
export function buildSheet(vi, {item, member, photo, officer}) {
  const f = item.fields;
  const at = when(item.captured_at);
  const rows = ROWS.map((names) => el('div', {class: `ps-row ps-cols-${names.length}`}, ...names.map((name) =>
    el('div', {class: 'ps-field', 'data-field': name}, el('span', {class: 'ps-label'}, `${PAPER_LABELS[name] || VI_RECORD[`f.${name}`]}:`),
      el('span', {class: 'ps-value'}, shown(vi, name, f[name]))))));
  // The roster names the member's cell (chi bộ); a person not on the roster leaves it to be written by hand.
  const cell = member?.unit_name ? member.unit_name.toLocaleUpperCase('vi') : 'CHI BỘ ……………………';
  return el('div', {id: 'print-sheet', class: 'print-sheet', lang: 'vi'},
    el('header', {class: 'ps-mast'},
      el('div', {class: 'ps-left'}, el('strong', {class: 'ps-unit'}, cell), el('span', {}, '*'),
        el('span', {}, `Mã chi bộ: ${member?.unit_code || '……'} · Mã đảng viên: ${member?.member_code || '……'}`)),
      el('div', {class: 'ps-right'}, el('strong', {}, 'ĐẢNG CỘNG SẢN VIỆT NAM'),
        el('span', {}, `……, ngày ${at.day} tháng ${at.month} năm ${at.year}`))),
    el('h1', {class: 'ps-title'}, 'PHIẾU ĐẢNG VIÊN'),
    el('p', {class: 'ps-sub'}, '(Thu nhận thông tin, ảnh để cấp đổi thẻ đảng viên)'),
    el('section', {class: 'ps-body'}, portrait(photo), el('div', {class: 'ps-fields'}, ...rows)),
    el('p', {class: 'ps-capture', 'data-field': 'captured'},
      `Thu nhận lúc ${at.time} ngày ${at.day}/${at.month}/${at.year}, ${(vi[`loc.${item.location_kind}`] || '').toLowerCase()}`
      + `${item.identity_source === 'qr' ? '; thông tin nhận dạng đọc từ mã QR trên CCCD' : ''}.`),
    el('p', {class: 'ps-pledge'}, 'Tôi cam đoan những thông tin trên là đúng sự thật và đồng ý cho cơ quan có thẩm quyền'
      + ' sử dụng thông tin, ảnh chân dung này để cấp đổi thẻ đảng viên.'),
    el('div', {class: 'ps-signs'}, signature('ĐẢNG VIÊN', f.full_name), signature('CÁN BỘ THU NHẬN', officer)));
}

/**
 * Put the sheet on the page and open the browser's print dialog.
 * @param {{item: () => object, photo: object|null}} form the open form (form-screen.js): `item()` reads its values
 */
export async function printForm(form) {
  let item;
  let data;
  try {
    item = form.item();
    data = {item, member: app.membersById?.get(item.member_id) ?? null, photo: form.photo,
      officer: app.account?.displayName || ''};
    const [, {VI}] = await Promise.all([loadStyle('/css/desk.css'), import('./strings-vi.js')]);
    document.getElementById('print-sheet')?.remove();
    const sheet = buildSheet(VI, data);
    document.body.append(sheet);
    const image = sheet.querySelector('img');
    if (image) await image.decode().catch(() => {}); // the portrait must be on the page before it prints
    window.print();
  } catch (error) {
    toast(t('print.failed', {error: error.message || error.name}), {kind: 'error', id: 'print'});
    return;
  }
  // Every print of personal data goes to the audit trail: a notice waits in the queue for the next sync. The
  // browser does not say whether the dialog was cancelled, so opening it counts. The page may have printed:
  // a notice that cannot be queued is told apart from a print that failed.
  try {
    await queuePrint(app.store, {item, memberName: item.fields.full_name || data.member?.full_name || ''});
    emit('queue');
    emit('sync-request', 'saved');
  } catch (error) {
    toast(t('print.notRecorded', {error: error.message || error.name}), {kind: 'error', id: 'print'});
  }
}
