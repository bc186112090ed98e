/**
 * The ID-card scanner, one for every screen that reads a chip ID card (CCCD): a dialog with the rear camera that
 * reads frames (one every ~150 ms, downscaled) until a CCCD QR code reads, and hands the parsed card to its user's
 * `onCard`. A hand-held scanner that types the QR text and Enter into the dialog's text box (keyboard wedge) reads
 * the same way. Another QR code (a link, a payment code) is named and goes to nobody. It knows nothing of what a
 * card is for: the member form fills itself (id-card-fill.js), the card hand-over checks whose card it is
 * (cards-screen.js). Loaded on first use; the decoder (qr-decoder.js, its wasm) on the first scan. Works with no
 * network.
 */
import {startRearCamera, stopCamera} from './camera.js';
import {parseCccd} from './cccd-qr.js';
import {addStrings, t} from './i18n.js';
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
let run = null; // the scan in progress: {stream, timer, stopped, user}
let scanUser = null; // who the open dialog reads for (also when the camera could not start)

/**
 * @typedef {object} ScanUser
 * @property {(card: object) => (true|{message: string, kind?: string})} onCard given each CCCD read (parseCccd's
 *   ok result): true takes the card (the scanner then closes and the camera goes off), or a message (kind `bad`,
 *   `warn`…) to show while the scan goes on, e.g. "this is another person's card"
 * @property {() => void} [onCancel] the officer closed the scan without a card taken
 * @property {string} [intro] what this scan is for, shown above the camera (e.g. whose card to hold up)
 */

function say(text, kind = 'info') {
  const line = $('#scan-status', dialog);
  line.textContent = text;
  line.dataset.kind = kind;
}

function status(key, kind = 'info') {
  say(t(key), kind);
}

function build() {
  const wedge = el('input', {name: 'scan_text', autocomplete: 'off', spellcheck: 'false', enterkeyhint: 'done'});
  wedge.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    const text = wedge.value;
    wedge.value = '';
    readText(text, scanUser);
  });
  const node = el('dialog', {class: 'dialog scan-dialog', id: 'scan-dialog', 'aria-labelledby': 'scan-title'},
    el('h2', {id: 'scan-title', 'data-text': 'scan.title'}),
    el('p', {id: 'scan-for', class: 'scan-for', hidden: true}),
    el('p', {class: 'muted', 'data-text': 'scan.help'}),
    el('div', {class: 'scan-frame'}, el('video', {playsinline: true, muted: true}),
      el('div', {class: 'scan-guide', 'aria-hidden': 'true'})),
    el('p', {id: 'scan-status', class: 'scan-status', 'aria-live': 'polite'}),
    el('label', {class: 'field'}, el('span', {class: 'label', 'data-text': 'scan.wedge'}), wedge),
    el('div', {class: 'actions'}, el('button', {type: 'button', class: 'btn big', 'data-action': 'scan-close', autofocus: true,
      'data-text': 'scan.close', onclick: () => cancelScan()})));
  node.addEventListener('cancel', () => cancelScan()); // Esc closes the dialog: the camera goes off too
  document.body.append(node);
  return node;
}

/** The dialog's own texts in the language of the moment (it is built once, the language may change since). */
function translate() {
  for (const node of dialog.querySelectorAll('[data-text]')) node.textContent = t(node.dataset.text);
  $('input[name=scan_text]', dialog).placeholder = t('scan.wedgePlaceholder');
}

/** The officer closed the scan: the camera goes off and the user hears of it. */
function cancelScan() {
  const user = scanUser;
  scanUser = null;
  closeScan();
  user?.onCancel?.();
}

/**
 * Handle a decoded or typed QR text: a CCCD goes to the user, who may end the scan or say why not; anything
 * else is named. The camera reads the same card several times a second: a text already answered is not asked
 * again, so the user's reason stays on show without flicker.
 * @param {string} text
 * @param {ScanUser} user
 * @returns {boolean} whether the user took the card (the scan is over)
 */
export function readText(text, user) {
  const card = parseCccd(text);
  const open = Boolean(dialog?.open);
  if (!card.ok) {
    if (open) status(`scan.not.${card.kind}`, 'warn');
    else toast(t(`scan.not.${card.kind}`), {kind: 'warn', id: 'scan'});
    return false;
  }
  if (run && run.refused === card.raw) return false;
  const answer = user.onCard(card);
  if (answer !== true) {
    if (run) run.refused = card.raw;
    if (open) say(answer.message, answer.kind || 'bad');
    else toast(answer.message, {kind: 'warn', id: 'scan'});
    return false;
  }
  if (scanUser === user) scanUser = null;
  closeScan();
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
      if (text && !current.stopped && readText(text, current.user)) return;
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
 * @param {ScanUser} user who the cards read go to
 */
export async function openScan(user) {
  await Promise.all([loadStyle('/css/screens.css'), loadStyle('/css/desk.css')]); // dialogs, and the desk's own
  dialog ??= build();
  translate();
  stopRun();
  scanUser = user;
  const current = {stream: null, timer: null, stopped: false, user, refused: null};
  run = current;
  $('input[name=scan_text]', dialog).value = '';
  $('#scan-for', dialog).textContent = user.intro || '';
  $('#scan-for', dialog).hidden = !user.intro;
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
