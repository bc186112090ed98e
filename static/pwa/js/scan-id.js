/**
 * The ID-card scan (`data-action="scan-id"`, CONTRACT §6): a dialog with the rear camera that reads frames
 * (one every ~150 ms, downscaled) until a CCCD QR code reads, then stops the camera and fills the form
 * (id-card-fill.js). A hand-held scanner that types the QR text and Enter into the dialog's text box (keyboard
 * wedge) fills the same way. Another QR code (a link, a payment code) is named and fills nothing.
 * Loaded on first use; the decoder (qr-decoder.js, its wasm) on the first scan. Works with no network.
 */
import {startRearCamera, stopCamera} from './camera.js';
import {parseCccd} from './cccd-qr.js';
import {addStrings, t} from './i18n.js';
import {applyCard} from './id-card-fill.js';
import {loadStyle} from './lazy.js';
import {qrReader} from './qr-decoder.js';
import {DESK_STRINGS} from './strings-desk.js';
import {$, el, toast} from './ui.js';

addStrings(DESK_STRINGS);

export const EVERY_MS = 150;
// Frames are read at most this wide (a 1280×720 frame keeps a card's dense QR code readable and fast); a bigger
// camera frame alternates with a full-resolution centre crop, for a card held far from the lens.
const MAX_SIDE = 1280;

let dialog = null;
let run = null; // the scan in progress: {stream, timer, stopped, ctx}
let scanCtx = null; // the form the open dialog fills (also when the camera could not start)

function status(key, kind = 'info') {
  const line = $('#scan-status', dialog);
  line.textContent = t(key);
  line.dataset.kind = kind;
}

function build() {
  const wedge = el('input', {name: 'scan_text', autocomplete: 'off', spellcheck: 'false', enterkeyhint: 'done',
    placeholder: t('scan.wedgePlaceholder')});
  wedge.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    const text = wedge.value;
    wedge.value = '';
    handleText(text);
  });
  const node = el('dialog', {class: 'dialog scan-dialog', id: 'scan-dialog', 'aria-labelledby': 'scan-title'},
    el('h2', {id: 'scan-title'}, t('scan.title')),
    el('p', {class: 'muted'}, t('scan.help')),
    el('div', {class: 'scan-frame'}, el('video', {playsinline: true, muted: true}),
      el('div', {class: 'scan-guide', 'aria-hidden': 'true'})),
    el('p', {id: 'scan-status', class: 'scan-status', 'aria-live': 'polite'}),
    el('label', {class: 'field'}, el('span', {class: 'label'}, t('scan.wedge')), wedge),
    el('div', {class: 'actions'}, el('button', {type: 'button', class: 'btn big', 'data-action': 'scan-close', autofocus: true,
      onclick: () => closeScan()}, t('scan.close'))));
  node.addEventListener('cancel', () => stopRun()); // Esc closes the dialog: the camera goes off too
  document.body.append(node);
  return node;
}

/**
 * Handle a decoded or typed QR text: a CCCD fills the form and ends the scan; anything else is named.
 * @returns {boolean} whether the form was filled
 */
function handleText(text, ctx = scanCtx) {
  const card = parseCccd(text);
  if (!card.ok) {
    if (dialog?.open) status(`scan.not.${card.kind}`, 'warn');
    else toast(t(`scan.not.${card.kind}`), {kind: 'warn', id: 'scan'});
    return false;
  }
  closeScan();
  applyCard(ctx, card);
  toast(t('scan.done', {name: card.full_name}), {kind: 'ok', id: 'scan'});
  return true;
}

/** One downscaled frame (or, every other try on a big frame, its centre at full resolution). */
function grab(video, canvas, tick) {
  const w = video.videoWidth;
  const h = video.videoHeight;
  if (!w || !h) return null;
  const scale = Math.min(1, MAX_SIDE / Math.max(w, h));
  let [sx, sy, sw, sh, dw, dh] = [0, 0, w, h, Math.round(w * scale), Math.round(h * scale)];
  if (scale < 1 && tick % 2) {
    [sw, sh] = [Math.min(w, MAX_SIDE), Math.min(h, Math.round(MAX_SIDE * 0.75))];
    [sx, sy, dw, dh] = [Math.round((w - sw) / 2), Math.round((h - sh) / 2), sw, sh];
  }
  canvas.width = dw;
  canvas.height = dh;
  const context = canvas.getContext('2d', {willReadFrequently: true});
  context.drawImage(video, sx, sy, sw, sh, 0, 0, dw, dh);
  return context.getImageData(0, 0, dw, dh);
}

async function loop(current, reader, video) {
  const canvas = document.createElement('canvas');
  let tick = 0;
  const step = async () => {
    if (current.stopped) return;
    const started = performance.now();
    try {
      const image = grab(video, canvas, tick++);
      const text = image && await reader.read(image);
      if (text && !current.stopped && handleText(text, current.ctx)) return;
    } catch {
      // a frame the reader chokes on is skipped: the next one comes in 150 ms
    }
    if (!current.stopped) current.timer = setTimeout(step, Math.max(0, EVERY_MS - (performance.now() - started)));
  };
  step();
}

function stopRun() {
  if (!run) return;
  run.stopped = true;
  clearTimeout(run.timer);
  stopCamera(run.stream, $('video', dialog));
  run = null;
}

/** Close the dialog and release the camera. */
export function closeScan() {
  stopRun();
  if (dialog?.open) dialog.close();
}

/**
 * Open the scan dialog: the rear camera and the reader start (the focus goes to Close, so no on-screen
 * keyboard covers the camera; a hand-held scanner needs a tap on the text box first).
 * @param {object} ctx see applyCard (id-card-fill.js)
 */
export async function openScan(ctx) {
  await Promise.all([loadStyle('/css/screens.css'), loadStyle('/css/desk.css')]); // dialogs, and the desk's own
  dialog ??= build();
  stopRun();
  scanCtx = ctx;
  const current = {stream: null, timer: null, stopped: false, ctx};
  run = current;
  dialog.showModal();
  status('scan.starting');
  const video = $('video', dialog);
  const [reader, stream] = await Promise.allSettled([qrReader(), startRearCamera(video, {width: 1280, height: 720})]);
  if (current.stopped) { if (stream.value) stopCamera(stream.value, video); return; }
  current.stream = stream.value || null;
  if (reader.status === 'rejected') { status('scan.loadFailed', 'warn'); stopRun(); return; }
  if (!current.stream) { status('scan.noCamera', 'warn'); return; }
  dialog.dataset.reader = reader.value.kind;
  status('scan.looking');
  loop(current, reader.value, video);
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
    if (text.includes('|') && !handleText(text, ctx) && input.value === text) input.value = input.dataset.before || '';
  };
  if (now) read();
  else wedgeTimer = setTimeout(read, 400);
}
