/**
 * Rendering of the review screen's list and detail. Builds DOM nodes with textContent only (no HTML
 * strings), so names and notes can never inject markup; no inline styles (the CSP forbids them).
 */
import {t} from '../js/i18n.js';

export const FIELDS = ['full_name', 'date_of_birth', 'gender', 'citizen_id', 'hometown', 'permanent_address'];

/**
 * Create an element with a class and text.
 * @param {string} tag
 * @param {string} [className]
 * @param {string} [text]
 * @returns {HTMLElement}
 */
export function el(tag, className = '', text = '') {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** A value as people read it: dd/mm/yyyy dates, translated gender, a dash for nothing. */
export function show(name, value) {
  if (value === null || value === undefined || value === '') return '—';
  if (name === 'date_of_birth' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [y, m, d] = value.split('-');
    return `${d}/${m}/${y}`;
  }
  if (name === 'gender') return t(`review.gender.${value}`);
  return String(value);
}

/** The name to show for an item: the party record's, else the collected one's. */
export function itemName(item) {
  const name = item.fields.find((f) => f.name === 'full_name');
  return name.party || name.submitted || '—';
}

function differing(item) {
  return item.fields.filter((f) => [f.party_result, f.submitted_result].some((r) => r && r !== 'match'));
}

/**
 * One list entry: a big button carrying data-kind and data-id.
 * @param {Object} item
 * @param {boolean} selected
 * @returns {HTMLLIElement}
 */
export function listEntry(item, selected) {
  const li = el('li');
  const button = el('button', 'item');
  button.type = 'button';
  button.dataset.kind = item.kind;
  button.dataset.id = String(item.id);
  button.setAttribute('aria-pressed', selected ? 'true' : 'false');
  const top = el('span', 'item-top');
  top.append(el('strong', 'item-name', itemName(item)), el('span', `badge class-${item.class}`, t(`review.class.${item.class}`)));
  const meta = el('span', 'item-meta',
    `${item.member_code || t('review.detail.not_on_roster')} · ${item.unit.name} · ${t(`review.kind.${item.kind}`)}`);
  const diffs = differing(item).map((f) => t(`review.field.${f.name}`)).join(', ');
  button.append(top, meta);
  if (diffs) button.append(el('span', 'item-diffs', diffs));
  li.append(button);
  return li;
}

function cell(field, side, result) {
  const td = el('td', result && result !== 'match' ? `result-${result}` : '');
  td.append(el('span', 'value', show(field.name, field[side])));
  if (result && result !== 'match') td.append(el('span', `tag tag-${result}`, t(`review.result.${result}`)));
  return td;
}

/**
 * The three sources side by side, one row per field, differences marked with colour and a word.
 * @param {Object} item
 * @returns {HTMLTableRowElement[]}
 */
export function compareRows(item) {
  return item.fields.map((field) => {
    const tr = el('tr');
    tr.dataset.field = field.name;
    tr.append(el('th', '', t(`review.field.${field.name}`)));
    tr.firstChild.scope = 'row';
    const worst = [field.party_result, field.submitted_result].find((r) => r && r !== 'match') || null;
    tr.append(cell(field, 'party', field.party_result), cell(field, 'submitted', field.submitted_result),
      cell(field, 'registry', worst));
    if (worst) tr.classList.add('differs');
    return tr;
  });
}

/**
 * How a collected record's identity got onto the form: a chip "Quét QR / Scanned from QR" or "Nhập tay / Typed"
 * (null for a party record, which has no collected side).
 * @param {Object} item
 * @returns {HTMLSpanElement|null}
 */
export function identityChip(item) {
  const source = item.submission?.identity_source;
  if (!source) return null;
  const chip = el('span', `badge source source-${source}`, t(`review.source.${source}`));
  chip.dataset.identitySource = source;
  chip.title = t(`review.source.${source}Title`);
  return chip;
}

/**
 * Radio choices for an ambiguous item's registry candidates.
 * @param {Object[]} candidates
 * @returns {HTMLLabelElement[]}
 */
export function candidateChoices(candidates) {
  return candidates.map((c, index) => {
    const label = el('label', 'candidate');
    const input = el('input');
    input.type = 'radio';
    input.name = 'registry_citizen_id';
    input.value = c.citizen_id;
    input.checked = index === 0;
    label.append(input, el('span', '', [c.citizen_id, c.full_name, show('date_of_birth', c.date_of_birth),
      show('gender', c.gender), c.hometown].join(' · ')));
    return label;
  });
}
