/**
 * The registry pre-check at the bedside (issue 6): where the member's party record differs from the population
 * registry, the form shows the registry's value beside the field ("CSDL dân cư: 01/05/1962 — hồ sơ đảng:
 * 05/01/1962; kiểm tra CCCD") with one-tap "use registry value" / "keep party record"; minor differences
 * (tone-mark placement, case, spacing) are shown as minor; "not found" / "ambiguous" and a reviewer's
 * "send back" are banners on top, with a short note.
 *
 * What leaves the tablet: only the values on the form, in the item's `fields` (CONTRACT §5 rejects unknown
 * keys). The officer's choices and note stay with the queued record on this tablet (sealed like the record)
 * until the server accepts it, so a record reopened to fix shows them again; the server does not receive them.
 * Loaded with the first form that needs it, not at start.
 */
import {addStrings, formatDate, t} from './i18n.js';
import {loadStyle} from './lazy.js';
import {$, $$, el} from './ui.js';
import {normaliseDate} from './dates.js';

/** The form fields the registry comparison covers (server/registry.py compare_fields). */
export const COMPARED = ['full_name', 'date_of_birth', 'gender', 'citizen_id', 'hometown'];
const BANNER_CLASSES = new Set(['mismatch', 'matched_minor', 'not_found', 'ambiguous']);

addStrings({
  vi: {
    'reg.registry': 'CSDL dân cư',
    'reg.record': 'hồ sơ đảng',
    'reg.checkCard': 'kiểm tra CCCD',
    'reg.mismatch': 'Khác CSDL',
    'reg.minor': 'Khác nhỏ',
    'reg.missing': 'Thiếu',
    'reg.minorWhy': 'chỉ khác vị trí dấu thanh, chữ hoa/thường hoặc khoảng trắng',
    'reg.empty': '(trống)',
    'reg.noRegistryValue': 'CSDL dân cư không có thông tin này.',
    'reg.useRegistry': 'Dùng giá trị CSDL',
    'reg.keepRecord': 'Giữ hồ sơ đảng',
    'reg.chose.registry': '✓ Đã dùng giá trị CSDL',
    'reg.chose.record': '✓ Giữ theo hồ sơ đảng',
    'reg.chose.edited': 'Đã sửa tay',
    'reg.banner.mismatch': 'Hồ sơ đảng khác CSDL dân cư ở {n} mục. Đối chiếu với CCCD rồi chọn giá trị đúng ở từng mục.',
    'reg.banner.alsoMinor': '({n} mục khác nhỏ, không cần sửa.)',
    'reg.banner.matched_minor': 'Hồ sơ đảng khớp CSDL dân cư, chỉ khác nhỏ về cách viết.',
    'reg.banner.not_found': 'Không tìm thấy người này trong CSDL dân cư. Ghi đúng số định danh trên CCCD, kiểm tra họ tên và ngày sinh.',
    'reg.banner.ambiguous': 'CSDL dân cư có nhiều người trùng họ tên và năm sinh. Ghi đúng số định danh trên CCCD để xác định đúng người.',
    'reg.banner.send_back': 'Người duyệt trả về: {note}',
    'reg.note': 'Ghi chú đối chiếu (chỉ lưu trên máy này, không gửi lên máy chủ)',
  },
  en: {
    'reg.registry': 'Population registry',
    'reg.record': 'party record',
    'reg.checkCard': 'check the ID card',
    'reg.mismatch': 'Differs',
    'reg.minor': 'Minor',
    'reg.missing': 'Missing',
    'reg.minorWhy': 'only tone-mark placement, letter case or spacing differ',
    'reg.empty': '(empty)',
    'reg.noRegistryValue': 'The registry has nothing for this field.',
    'reg.useRegistry': 'Use registry value',
    'reg.keepRecord': 'Keep party record',
    'reg.chose.registry': '✓ Registry value used',
    'reg.chose.record': '✓ Party record kept',
    'reg.chose.edited': 'Typed by hand',
    'reg.banner.mismatch': 'Fields where the party record and the population registry disagree: {n}. Compare with the ID card, then choose the right value for each.',
    'reg.banner.alsoMinor': '({n} with minor differences only: no change needed.)',
    'reg.banner.matched_minor': 'The party record matches the registry except for minor spelling differences.',
    'reg.banner.not_found': 'This person was not found in the population registry. Copy the citizen ID from the ID card; check name and birth date.',
    'reg.banner.ambiguous': 'Several people in the registry share this name and birth year. Copy the citizen ID from the ID card to tell them apart.',
    'reg.banner.send_back': 'Sent back by the reviewer: {note}',
    'reg.note': 'Note on the check (stays on this tablet, not sent to the server)',
  },
});

/** What is on show: the member's reconciliation, the officer's choices per field, the note. */
let shown = null;

const isDate = (name) => name === 'date_of_birth';

function clean(value) {
  return String(value ?? '').normalize('NFC').replace(/\s+/g, ' ').trim();
}

/** A value as the officer reads it (dates dd/mm/yyyy, gender in words). */
function display(name, value) {
  if (value == null || value === '') return t('reg.empty');
  if (name === 'gender') return t(`f.${value}`);
  return isDate(name) ? formatDate(value) : String(value);
}

/** A value as the input takes it. */
function inputValue(name, value) {
  return isDate(name) ? formatDate(value) : String(value ?? '');
}

function sameAs(name, typed, side) {
  if (side == null || side === '') return false;
  return isDate(name) ? normaliseDate(clean(typed)) === side : clean(typed) === clean(side);
}

function fieldsShown(reconcile) {
  return COMPARED.filter((name) => reconcile.fields?.[name] && reconcile.fields[name].result !== 'match');
}

function setChoice(form, name, choice) {
  shown.choices[name] = choice;
  const hint = $(`.reg-hint[data-for="${name}"]`, form);
  if (!hint) return;
  hint.dataset.choice = choice || '';
  $('.reg-choice', hint).textContent = choice ? t(`reg.chose.${choice}`) : '';
}

function take(form, name, value, choice) {
  const input = form.elements[name];
  input.value = inputValue(name, value);
  setChoice(form, name, choice);
  // The form's own listeners mark it changed and validate the field, as if typed.
  input.dispatchEvent(new Event('input', {bubbles: true}));
  input.dispatchEvent(new Event('change', {bubbles: true}));
}

function hintFor(form, name, field) {
  const {result, record, registry} = field;
  const hasRegistry = registry != null && registry !== '';
  const tag = result === 'minor' ? 'minor' : result === 'missing' ? 'missing' : 'mismatch';
  const line = hasRegistry
    ? el('p', {class: 'reg-text'}, el('span', {class: 'reg-tag'}, t(`reg.${tag}`)), ' ',
      `${t('reg.registry')}: `, el('strong', {class: 'reg-registry'}, display(name, registry)),
      ` — ${t('reg.record')}: `, el('strong', {class: 'reg-record'}, display(name, record)),
      result === 'minor' ? ` (${t('reg.minorWhy')})` : result === 'mismatch' ? `; ${t('reg.checkCard')}` : '')
    : el('p', {class: 'reg-text'}, el('span', {class: 'reg-tag'}, t(`reg.${tag}`)), ' ', t('reg.noRegistryValue'));
  return el('div', {class: 'reg-hint', 'data-for': name, 'data-result': result, 'data-choice': ''},
    line,
    hasRegistry ? el('div', {class: 'reg-actions'},
      el('button', {type: 'button', class: 'btn', 'data-action': 'use-registry', 'data-field': name,
        onclick: () => take(form, name, registry, 'registry')}, t('reg.useRegistry')),
      record != null && record !== '' ? el('button', {type: 'button', class: 'btn ghost', 'data-action': 'keep-record',
        'data-field': name, onclick: () => take(form, name, record, 'record')}, t('reg.keepRecord')) : null,
      el('span', {class: 'reg-choice', 'aria-live': 'polite'})) : null);
}

function banner(reconcile, count) {
  const lines = [];
  if (reconcile.decision === 'send_back') {
    lines.push(el('p', {class: 'reg-task', 'data-task': 'send_back'}, t('reg.banner.send_back',
      {note: reconcile.note || '—'})));
  }
  if (BANNER_CLASSES.has(reconcile.class)) {
    lines.push(el('p', {class: 'reg-summary'}, t(`reg.banner.${reconcile.class}`, {n: count.real})
      + (reconcile.class === 'mismatch' && count.minor ? ` ${t('reg.banner.alsoMinor', {n: count.minor})}` : '')));
  }
  if (!lines.length) return null;
  const note = el('input', {id: 'registry-note', maxlength: 500, autocomplete: 'off'}); // no name: not an API field
  note.value = shown.note;
  note.addEventListener('input', () => { shown.note = note.value; });
  return el('div', {class: 'reg-banner', id: 'registry-banner', role: 'note', 'data-class': reconcile.class,
    'data-decision': reconcile.decision || null},
  ...lines,
  el('label', {class: 'field reg-note'}, el('span', {class: 'label'}, t('reg.note')), note));
}

function removeAll(form) {
  for (const node of $$('.reg-hint, #registry-banner', form)) node.remove();
}

function render(form) {
  removeAll(form);
  const {reconcile} = shown;
  const names = fieldsShown(reconcile);
  const minor = names.filter((n) => reconcile.fields[n].result === 'minor').length;
  const top = banner(reconcile, {real: names.length - minor, minor});
  if (top) $('.form-grid', form).before(top);
  for (const name of names) {
    form.elements[name].closest('.field').append(hintFor(form, name, reconcile.fields[name]));
    setChoice(form, name, shown.choices[name] || '');
  }
}

/** Remove every hint and the banner (another member, or the form closed). */
export function clearHints(form) {
  shown = null;
  removeAll(form);
}

/**
 * Show the hints for a member's reconciliation on the form.
 * @param {HTMLFormElement} form
 * @param {object} reconcile the roster member's `reconcile`
 * @param {{choices?: object, note?: string}|null} saved what the officer chose before (a record being fixed)
 * @param {() => boolean} stillOpen false when the officer left this form while the styles loaded
 */
export async function showHints(form, reconcile, saved = null, stillOpen = () => true) {
  await loadStyle('/css/registry.css');
  if (!stillOpen()) return;
  shown = {reconcile, choices: {...(saved?.choices || {})}, note: saved?.note || '', form};
  render(form);
}

document.addEventListener('languagechange', () => { if (shown) render(shown.form); });

/**
 * The officer typed in a field: the choice follows what is in it now.
 * @param {HTMLFormElement} form
 * @param {string} name
 */
export function fieldEdited(form, name) {
  const field = shown?.reconcile.fields?.[name];
  if (!field || !COMPARED.includes(name)) return;
  const typed = form.elements[name].value;
  const before = shown.choices[name] || '';
  const choice = sameAs(name, typed, field.registry) ? 'registry'
    : sameAs(name, typed, field.record) ? (before === 'record' ? 'record' : '') : 'edited';
  if (choice !== before) setChoice(form, name, choice);
}

/**
 * What the officer chose, kept with the queued record on this tablet (never sent): null without hints.
 * @returns {{class: string, choices: object, note: string}|null}
 */
export function hintChoices() {
  if (!shown) return null;
  const choices = Object.fromEntries(Object.entries(shown.choices).filter(([, c]) => c));
  return {class: shown.reconcile.class, choices, note: clean(shown.note)};
}
