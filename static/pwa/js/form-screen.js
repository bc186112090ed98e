/**
 * The member form: prefilled from the roster (or from a record that needs fixing), every field editable,
 * inline validation with the server's error codes, the portrait, consent and place; Save puts record and
 * photo into the queue in one transaction. Never sends anything itself (sync.js does).
 */
import {app, emit} from './app-state.js';
import {fieldLabel, has, t} from './i18n.js';
import {loadOnce} from './lazy.js';
import {formatDate, localIso, normaliseDate} from './dates.js';
import {OPTIONAL, REQUIRED, validateItem} from './validate.js';
import {$, $$, clearToasts, el, showScreen, toast} from './ui.js';

const FIELDS = [...REQUIRED, ...OPTIONAL];
const form = () => $('#member-form');
let state = null;
let camera = null; // the CameraPanel, once camera.js is loaded (on first use)
let onSaved = () => {};
const cameraModule = loadOnce(() => import('./camera.js'));
// The registry hints (registry-hints.js) load with the first member whose party record differs from the registry.
const hintsModule = loadOnce(() => import('./registry-hints.js'));
let hints = null;
// The station desk (issue 10): the ID card's QR scan and the printed member form.
const scanModule = loadOnce(() => import('./id-card-fill.js'));
const printModule = loadOnce(() => import('./print-form.js'));
const desk = () => ({form: form(), item: readItem, photo: state.photo});

/** Whether the member's reconciliation has something to show on the form. */
function needsHints(member) {
  const rec = member?.reconcile;
  return Boolean(rec) && (rec.class !== 'matched' || rec.decision === 'send_back');
}

function showRegistryHints(member, saved) {
  hints?.clearHints(form());
  if (!needsHints(member)) return;
  const opened = state;
  hintsModule().then((module) => {
    hints = module;
    return module.showHints(form(), member.reconcile, saved, () => state === opened);
  }).catch(() => {}); // without its hints the form still works
}

async function cameraPanel() {
  const {CameraPanel} = await cameraModule();
  camera ??= new CameraPanel($('#camera'), photoTaken, (key) => toast(t(key), {kind: 'warn', id: 'camera'}));
  return camera;
}

/** Show the record's stored portrait (or none) without loading the camera for an empty form. */
function showStoredPhoto(photo) {
  if (camera) { camera.show(photo, false); return; }
  if (!photo) {
    $('#camera').dataset.mode = 'idle';
    $('#camera img.preview').removeAttribute('src');
    return;
  }
  const opened = state;
  cameraPanel().then((panel) => { if (state === opened) panel.show(photo, false); });
}

/** Whether the form holds typing that is not saved yet (updates wait for it). */
export function formIsDirty() {
  return Boolean(state?.dirty);
}

function clean(value) {
  return String(value ?? '').normalize('NFC').replace(/\s+/g, ' ').trim();
}


/** The submission item (CONTRACT §5) from what is on the form now. */
function readItem() {
  const f = form();
  const fields = {};
  for (const name of FIELDS) {
    let value = clean(f.elements[name].value);
    if (name.endsWith('_date') || name === 'date_of_birth') value = normaliseDate(value);
    if (REQUIRED.includes(name) || value) fields[name] = value;
  }
  // "qr" while the identity fields hold what the ID card's QR code gave them (id-card-fill.js)
  const scanned = f.dataset.scanned && Object.entries(JSON.parse(f.dataset.scanned)).every(([n, v]) => fields[n] === v);
  return {identity_source: scanned ? 'qr' : 'typed',
    client_id: state.clientId, member_id: state.memberId, visit_id: state.visitId,
    captured_at: state.capturedAt || localIso(), location_kind: f.elements.location_kind.value,
    photo_sha256: state.photo?.sha256 || '', consent: f.elements.consent.checked, fields};
}

function message(error) {
  const key = `err.${error.code}`;
  return has(key) ? t(key, error.params || {}) : error.code;
}

/**
 * Show errors on their fields; item-level ones (and fields without an input) go in the box on top.
 * @param {Array<{field: string|null, code: string}>} errors
 * @param {Set<string>|null} only show only these fields (inline validation of touched fields)
 */
function showErrors(errors, only = null) {
  const byField = new Map();
  const general = [];
  for (const error of errors) {
    const box = error.field && $(`.field-error[data-for="${error.field}"]`, form());
    if (box) byField.set(error.field, [...(byField.get(error.field) || []), message(error)]);
    else general.push(`${fieldLabel(error.field) ? fieldLabel(error.field) + ': ' : ''}${message(error)}`);
  }
  for (const box of $$('.field-error', form())) {
    const name = box.dataset.for;
    if (only && !only.has(name)) continue;
    const texts = byField.get(name) || [];
    box.textContent = texts.join(' · ');
    form().elements[name]?.setAttribute?.('aria-invalid', texts.length ? 'true' : 'false');
    box.closest('.field, .camera')?.classList.toggle('invalid', texts.length > 0);
  }
  if (only) return;
  const top = $('#form-errors');
  top.replaceChildren(...general.map((text) => el('p', {}, text)));
  top.hidden = !general.length;
}

function fill(values) {
  const f = form();
  f.reset();
  for (const name of FIELDS) {
    const value = values[name] ?? '';
    f.elements[name].value = name.endsWith('_date') || name === 'date_of_birth' ? formatDate(String(value), '') : value;
  }
}

/**
 * Open the form for a roster member, a visit, a new person (all empty) or a queued record to fix.
 * @param {{member?: object, visit?: object, record?: object, photo?: object}} target
 */
export function openForm({member = null, visit = null, record = null, photo = null} = {}) {
  clearToasts('sync', 'offline-ready');
  const item = record?.item;
  // The server already holds different content under this client_id: the fixed record goes as a new one.
  const reused = (record?.errors || []).some((e) => e.code === 'client_id_reused');
  state = {clientId: (!reused && item?.client_id) || crypto.randomUUID(), editing: record?.clientId || null,
    memberId: item ? item.member_id : member?.id ?? null, visitId: item ? item.visit_id : visit?.id ?? null,
    capturedAt: item?.captured_at || null, photo, newPhoto: false, quality: record?.quality || null,
    touched: new Set(), dirty: false};
  fill(item ? item.fields : member || {});
  const f = form();
  const {citizen_id, full_name, date_of_birth, gender} = item?.fields || {};
  f.dataset.scanned = item?.identity_source === 'qr' ? JSON.stringify({citizen_id, full_name, date_of_birth, gender}) : '';
  for (const node of $$('#scan-note, .card-address', f)) node.remove();
  f.elements.location_kind.value = item?.location_kind || visit?.kind || 'station';
  f.elements.consent.checked = false; // consent is asked again, even when fixing a record
  showStoredPhoto(photo);
  showQuality(state.quality);
  showRegistryHints(member || app.membersById.get(state.memberId), record?.registry);
  const name = item?.fields.full_name || member?.full_name;
  $('#form-title').textContent = record ? t('form.fixTitle', {name}) : name ? name : t('form.newTitle');
  showErrors(record?.errors || []);
  showScreen('form');
}

function showQuality(quality) {
  const box = $('#photo-quality');
  box.hidden = !quality;
  if (!quality) return;
  const warnings = quality.verdict === 'pass' ? [] : (quality.warnings || [quality.verdict]);
  box.dataset.verdict = warnings.length ? 'warn' : 'ok';
  const dark = quality.brightness?.value != null && quality.brightness.value < 128;
  box.textContent = warnings.length
    ? warnings.map((w) => t(w === 'brightness' ? (dark ? 'quality.too_dark' : 'quality.too_bright')
      : has(`quality.${w}`) ? `quality.${w}` : 'quality.label')).join(' ')
    : t('quality.ok');
}

async function photoTaken(photo) {
  state.photo = photo;
  state.newPhoto = Boolean(photo);
  state.dirty = true;
  state.quality = null;
  showQuality(null);
  state.touched.add('photo_sha256');
  showErrors(validateItem(readItem()), state.touched);
  if (photo) {
    const {checkPhotoQuality} = await import('./photo-quality.js'); // loaded with the first photo
    const quality = await checkPhotoQuality(photo);
    // The form may have been saved and closed while the check ran (state is then null).
    if (quality && state?.photo === photo) { state.quality = quality; showQuality(quality); }
  }
}

async function save(event) {
  event.preventDefault();
  const item = readItem();
  const errors = validateItem(item);
  showErrors(errors);
  if (errors.length) {
    // The first field to fix gets the focus (and scrolls into view); the photo and consent have no input focus.
    (form().querySelector('[aria-invalid=true]') || $('.camera.invalid, .field-error:not(:empty)', form()))
      ?.scrollIntoView?.({block: 'center'});
    form().querySelector('[aria-invalid=true]')?.focus();
    return;
  }
  const button = $('[data-action=save]');
  button.disabled = true;
  try {
    const entry = {clientId: item.client_id, item, label: item.fields.full_name, quality: state.quality,
      registry: hints?.hintChoices() || null}; // kept on the tablet only: the item takes no extra keys
    if (state.editing) {
      await app.store.replace(state.editing, {...entry, newClientId: item.client_id, state: 'queued'},
        state.newPhoto ? state.photo : null);
    } else {
      await app.store.push(entry, state.photo);
    }
    state.dirty = false;
    camera?.stop();
    emit('queue');
    toast(t('form.saved', {name: item.fields.full_name}), {kind: 'ok', id: 'form'});
    onSaved();
  } catch (error) {
    toast(t('form.saveFailed', {error: error.name || error.message}), {kind: 'error', id: 'form', timeoutMs: 0});
  } finally {
    button.disabled = false;
  }
}

let pressing = false;
let revalidate = false;

function validateTouched() {
  if (pressing) { revalidate = true; return; } // after the tap: the layout must not move under the finger
  revalidate = false;
  if (state) showErrors(validateItem(readItem()), state.touched);
}

function edited(event) {
  const name = event.target.name;
  if (!state || !name || name === 'photo') return;
  if (event.type !== 'focusout') state.dirty = true;
  state.touched.add(name);
  if (name === 'gender' || name === 'date_of_birth') state.touched.add('citizen_id');
  hints?.fieldEdited(form(), name);
  validateTouched();
}

/** Leave the form (camera off, unsaved typing dropped). */
export function closeForm() {
  clearToasts('form', 'camera', 'scan');
  camera?.stop();
  if ($('#scan-dialog')?.open) scanModule().then((m) => m.closeScan());
  hints?.clearHints(form());
  state = null;
}

/**
 * Wire the form.
 * @param {() => void} saved called after a record is queued
 * @param {() => void} cancelled called when the officer goes back
 */
export function initFormScreen(saved, cancelled) {
  onSaved = saved;
  const root = $('#camera');
  for (const action of ['camera', 'capture', 'retake']) {
    const method = action === 'camera' ? 'open' : action;
    $(`[data-action=${action}]`, root).addEventListener('click', async () => (await cameraPanel())[method]());
  }
  $('input[name=photo]', root).addEventListener('change', async () => (await cameraPanel()).picked());
  form().addEventListener('submit', save);
  form().addEventListener('change', edited);
  form().addEventListener('input', () => { if (state) state.dirty = true; });
  form().addEventListener('focusout', edited);
  // Leaving a field by tapping another control re-validates only once that tap has landed (after its click).
  addEventListener('pointerdown', () => { pressing = true; }, true);
  for (const type of ['pointerup', 'pointercancel']) {
    addEventListener(type, () => {
      pressing = false;
      if (revalidate) setTimeout(validateTouched, 0);
    }, true);
  }
  $('[data-action=scan-id]', form()).addEventListener('click', () => {
    camera?.stop();
    scanModule().then((m) => m.scanIntoForm(desk()));
  });
  $('[data-action=print-form]', form()).addEventListener('click', () => printModule().then((m) => m.printForm(desk())));
  // A hand-held scanner types the card's QR text (its "|" gives it away) into the citizen ID field.
  const citizenId = form().elements.citizen_id;
  citizenId.addEventListener('focus', () => { citizenId.dataset.before = citizenId.value; });
  for (const type of ['keydown', 'input']) {
    citizenId.addEventListener(type, (event) => {
      if (!state || !citizenId.value.includes('|') || (type === 'keydown' && event.key !== 'Enter')) return;
      if (type === 'keydown') event.preventDefault(); // the scanner's Enter must not submit the form
      scanModule().then((m) => m.wedge(citizenId, type === 'keydown', desk()));
    });
  }
  $('[data-action=cancel]', form()).addEventListener('click', () => {
    if (state?.dirty && !confirm(t('form.discard'))) return;
    closeForm();
    cancelled();
  });
}
