/**
 * What a read ID card does to the member form (`data-action="scan-id"`, CONTRACT §6, read by the shared scanner
 * scan-id.js, or by a hand-held scanner typing into the citizen ID field): it fills the citizen ID, name, birth
 * date and gender (NFC), says which of them changed from what the form held and, where the roster carries the
 * registry pre-check, whether the card now agrees with the registry. The permanent address is filled only where
 * the form's is empty; otherwise the card's address is offered beside the field and never written over it (cards
 * issued before the 2025 merger of provinces carry old addresses). Loaded with the first scan.
 */
import {app} from './app-state.js';
import {formatDate, t} from './i18n.js';
import {nameKey} from './name-fold.js';
import {openScan, readText} from './scan-id.js';
import {$, $$, el, toast} from './ui.js';
import {normaliseDate} from './dates.js';

/** The fields the card fills, in the order they are reported. */
export const IDENTITY = ['citizen_id', 'full_name', 'date_of_birth', 'gender'];

function clean(value) {
  return String(value ?? '').normalize('NFC').replace(/\s+/g, ' ').trim();
}

/** A form value as the submission item carries it (dates YYYY-MM-DD). */
function itemValue(name, value) {
  return name === 'date_of_birth' ? normaliseDate(clean(value)) : clean(value);
}

function shown(name, value) {
  if (!value) return '—';
  if (name === 'gender') return t(`f.${value}`);
  return name === 'date_of_birth' ? formatDate(value) : value;
}

/** Whether the registry's value agrees with the card's (names as the server matches them; a year-only date by year). */
function agrees(name, card, registry) {
  if (name === 'full_name') return nameKey(card) === nameKey(registry);
  if (name === 'date_of_birth' && /^\d{4}$/.test(registry)) return card.slice(0, 4) === registry;
  return card === registry;
}

/**
 * The card against the roster's registry pre-check: null where there is none (or it cannot tell).
 * @param {object|null} member the roster member (its `reconcile` and party-record values)
 * @param {object} card parseCccd's result
 * @returns {{state: 'agrees'|'differs'|'unknown', fields: string[]}|null}
 */
export function registryVerdict(member, card) {
  const rec = member?.reconcile;
  if (!rec) return null;
  if (rec.class === 'not_found') return {state: 'unknown', fields: []};
  if (rec.class === 'ambiguous') return null;
  const differing = [];
  for (const name of IDENTITY) {
    // A matching field is not repeated in `reconcile`: the registry holds the party record's value.
    const registry = clean(rec.fields?.[name] ? rec.fields[name].registry : member[name]);
    if (registry && !agrees(name, card[name], registry)) differing.push(name);
  }
  return {state: differing.length ? 'differs' : 'agrees', fields: differing};
}

/** Tell the form's own listeners a field changed, as if typed: it is marked, its hint follows, rules run. */
function edited(form, names) {
  for (const name of names) {
    for (const type of ['input', 'change']) form.elements[name].dispatchEvent(new Event(type, {bubbles: true}));
  }
}

function offerAddress(form, address) {
  const field = form.elements.permanent_address.closest('.field');
  const button = el('button', {type: 'button', class: 'btn', 'data-action': 'use-card-address'}, t('scan.useAddress'));
  const box = el('div', {class: 'card-address', 'data-for': 'permanent_address'},
    el('p', {}, `${t('scan.cardAddress')} `, el('strong', {class: 'card-address-value'}, address)),
    el('p', {class: 'muted'}, t('scan.cardAddressWhy')), button);
  button.addEventListener('click', () => {
    form.elements.permanent_address.value = address;
    button.replaceWith(el('span', {class: 'card-address-used'}, t('scan.addressUsed')));
    edited(form, ['permanent_address']);
  });
  field.append(box);
}

/** Remove what an earlier scan showed (another member, or a new scan). */
export function clearCardNotes(form) {
  for (const node of $$('#scan-note, .card-address', form)) node.remove();
}

/**
 * Fill the form from a parsed card.
 * @param {{form: HTMLFormElement, item: () => object}} ctx the open form (form-screen.js)
 * @param {object} card parseCccd's result (ok)
 * @returns {{changed: string[], registry: object|null}}
 */
export function applyCard(ctx, card) {
  const {form} = ctx;
  const member = app.membersById?.get(ctx.item().member_id) ?? null;
  clearCardNotes(form);
  const changed = IDENTITY.filter((name) => itemValue(name, form.elements[name].value) !== card[name]);
  const before = Object.fromEntries(changed.map((name) => [name, itemValue(name, form.elements[name].value)]));
  for (const name of IDENTITY) {
    form.elements[name].value = name === 'date_of_birth' ? formatDate(card.date_of_birth) : card[name];
  }
  const touched = [...IDENTITY];
  const address = clean(card.permanent_address);
  let addressFilled = false;
  if (address && !clean(form.elements.permanent_address.value)) {
    form.elements.permanent_address.value = address;
    touched.push('permanent_address');
    addressFilled = true;
  } else if (address && clean(form.elements.permanent_address.value) !== address) {
    offerAddress(form, address);
  }
  // What the card gave: the record goes as identity_source "qr" while these stay (form-screen.js readItem).
  form.dataset.scanned = JSON.stringify(Object.fromEntries(IDENTITY.map((name) => [name, card[name]])));
  edited(form, touched); // the citizen-ID digit rules run now, against the card's gender and birth year
  const registry = registryVerdict(member, card);
  const list = changed.map((name) => `${t(`f.${name}`)} (${shown(name, before[name])} → ${shown(name, card[name])})`);
  const lines = [el('p', {class: 'scan-filled'}, t('scan.filled')),
    el('p', {class: 'scan-changed'}, changed.length ? t('scan.changed', {list: list.join('; ')}) : t('scan.unchanged'))];
  if (addressFilled) lines.push(el('p', {}, t('scan.addressFilled')));
  if (registry) {
    const text = registry.state === 'agrees' ? t('scan.registryAgrees') : registry.state === 'unknown'
      ? t('scan.registryUnknown') : t('scan.registryDiffers', {list: registry.fields.map((n) => t(`f.${n}`)).join(', ')});
    lines.push(el('p', {class: 'scan-registry', 'data-registry': registry.state}, text));
  }
  const note = el('div', {id: 'scan-note', class: 'scan-note', role: 'status', 'data-changed': changed.join(' '),
    'data-registry': registry?.state || null}, ...lines);
  ($('#registry-banner', form) || $('.form-grid', form)).before(note);
  note.scrollIntoView?.({block: 'nearest'});
  return {changed, registry};
}

/** The scanner's user for the open form: every card read fills it and ends the scan. */
function formUser(ctx) {
  return {onCard(card) {
    applyCard(ctx, card);
    toast(t('scan.done', {name: card.full_name}), {kind: 'ok', id: 'scan'});
    return true;
  }};
}

/**
 * Open the scanner for the member form.
 * @param {{form: HTMLFormElement, item: () => object}} ctx see applyCard
 */
export function scanIntoForm(ctx) {
  return openScan(formUser(ctx));
}

let wedgeTimer = null;

/**
 * A hand-held scanner (keyboard wedge) typed a QR text into a form field: fill like a camera read. After its
 * Enter at once; without one (a paste, a scanner set to send no Enter) once the typing stops. A text that is not
 * an ID card gives the field back what it held before.
 * @param {HTMLInputElement} input the field (its `data-before` holds its value from before the typing)
 * @param {boolean} now the scanner's Enter came
 * @param {object} ctx see applyCard
 */
export function wedge(input, now, ctx) {
  clearTimeout(wedgeTimer);
  const read = () => {
    const text = input.value;
    if (text.includes('|') && !readText(text, formUser(ctx)) && input.value === text) {
      input.value = input.dataset.before || '';
    }
  };
  if (now) read();
  else wedgeTimer = setTimeout(read, 400);
}
