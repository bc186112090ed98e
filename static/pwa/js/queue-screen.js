/**
 * The queue screen: counts per state, each record's name, time and state (records older than 48 hours
 * highlighted), the last successful sync, space on the device, and the export/import emergency actions.
 * Loaded on first use (app.js), not at start.
 */
import {app, emit, on} from './app-state.js';
import {isStale} from './device-report.js';
import {exportQueue, importQueue} from './export-file.js';
import {addStrings, fieldLabel, formatTime, has, t, translateTree} from './i18n.js';
import {loadStyle, markup} from './lazy.js';
import {countByState} from './queue-store.js';
import {storageText} from './storage.js';
import {CARDS_STRINGS} from './strings-cards.js';
import {$, chip, el, screen, toast} from './ui.js';

let openRecord = () => {};

const QUEUE = `
  <section class="screen" data-screen="queue" hidden>
    <div class="panel wide">
      <div class="screen-head">
        <button type="button" class="btn ghost" data-go="home" data-i18n="form.back">← Quay lại</button>
        <h1 data-i18n="queue.title">Hàng đợi trên máy</h1>
      </div>
      <div class="state-chips" id="queue-counts"></div>
      <p class="warn" id="queue-stale" hidden></p>
      <p id="queue-last-sync"></p>
      <p class="muted" id="storage-info"></p>
      <ul class="records" id="records"></ul>
      <div class="card emergency">
        <h2 data-i18n="export.title"></h2>
        <p data-i18n="export.help"></p>
        <div class="actions">
          <button type="button" class="btn" data-action="export" data-i18n="export.button">Xuất tệp hàng đợi</button>
          <label class="file-pick"><span class="label" data-i18n="import.label"></span>
            <input type="file" name="import" accept="application/json,.json"></label>
        </div>
        <p id="import-result" role="status"></p>
      </div>
    </div>
  </section>`;

addStrings(CARDS_STRINGS); // card hand-overs wait in the queue too
addStrings({
  vi: {'queue.reg.registry': '{field}: theo CSDL dân cư', 'queue.reg.record': '{field}: theo hồ sơ đảng',
    'queue.reg.edited': '{field}: sửa tay', 'queue.reg.note': 'ghi chú: {note}', 'queue.reg.title': 'Đối chiếu CSDL'},
  en: {'queue.reg.registry': '{field}: registry value', 'queue.reg.record': '{field}: party record',
    'queue.reg.edited': '{field}: typed by hand', 'queue.reg.note': 'note: {note}', 'queue.reg.title': 'Registry check'},
});

/** The officer's registry pre-check choices (kept on the tablet only), in a line. */
function registryText(registry) {
  if (!registry) return '';
  const parts = Object.entries(registry.choices || {}).map(([field, choice]) =>
    t(`queue.reg.${choice}`, {field: t(`f.${field}`)}));
  if (registry.note) parts.push(t('queue.reg.note', {note: registry.note}));
  return parts.length ? `${t('queue.reg.title')}: ${parts.join(' · ')}` : '';
}

function errorText(errors) {
  return (errors || []).map((e) => {
    const text = has(`err.${e.code}`) ? t(`err.${e.code}`, e.params || {}) : e.code;
    return fieldLabel(e.field) ? `${fieldLabel(e.field)}: ${text}` : text;
  }).join(' · ');
}

/** Redraw the queue screen (only while it is on show and unlocked). */
export async function renderQueueScreen() {
  if (screen() !== 'queue' || !app.cipher) return;
  const records = await app.store.all();
  const counts = countByState(records);
  $('#queue-counts').replaceChildren(...Object.entries(counts).map(([state, n]) => chip(state, n)));
  const stale = records.filter((r) => isStale(r)).length;
  $('#queue-stale').hidden = !stale;
  $('#queue-stale').textContent = t('queue.stale', {n: stale});
  $('#queue-last-sync').textContent = t('queue.lastSync', {time: formatTime(app.account?.lastSyncAt)});
  $('#records').replaceChildren(...records.map((record) => el('li',
    {class: `record${isStale(record) ? ' stale' : ''}`, 'data-client-id': record.clientId, 'data-state': record.state,
      'data-kind': record.kind || 'record'},
    el('div', {class: 'record-main'},
      el('span', {class: 'name'}, record.kind === 'outcome'
        ? t('visits.outcomeRecord', {name: record.label || '—', reason: t(`outcome.${record.item.reason}`)})
        : record.kind === 'handover'
          ? t('cards.queueRecord', {name: record.label || '—', card: record.item.card_number})
          : record.kind === 'print' ? t('queue.printRecord', {name: record.label || '—'}) : record.label || '—'),
      el('span', {class: 'muted'}, `${t(record.kind === 'print' ? 'queue.printed' : 'queue.captured')} ${formatTime(record.createdAt)}`),
      isStale(record) ? el('span', {class: 'warn'}, t('queue.staleOne')) : null,
      registryText(record.registry) ? el('span', {class: 'muted reg-line'}, registryText(record.registry)) : null,
      record.state === 'needs_fix' ? el('span', {class: 'error-text'}, errorText(record.errors)) : null),
    chip(record.state),
    record.state === 'needs_fix' ? fixButton(record) : null)));
  if (!records.length) $('#records').append(el('li', {class: 'muted empty-queue'}, t('queue.empty')));
  $('#storage-info').textContent = await storageText();
}

/** Kinds the officer cannot edit: a refused one can only be dropped. */
const NOTHING_TO_FIX = new Set(['outcome', 'handover', 'print']);

function fixButton(record) {
  if (!NOTHING_TO_FIX.has(record.kind)) {
    return el('button', {type: 'button', class: 'btn primary', 'data-action': 'fix',
      onclick: () => openRecord(record.clientId)}, t('queue.fix'));
  }
  // A refused visit report, hand-over or print notice has nothing to fix on the tablet: the officer reads why,
  // then lets it go.
  const outcome = record.kind === 'outcome';
  return el('button', {type: 'button', class: 'btn', 'data-action': 'discard', onclick: async () => {
    if (!confirm(t(outcome ? 'visits.discardConfirm' : 'queue.discardConfirm'))) return;
    await app.store.remove(record.clientId);
    emit('queue');
  }}, t(outcome ? 'visits.discard' : 'queue.discard'));
}

async function exportFile() {
  const doc = await exportQueue(app.store, {deviceId: app.deviceId, username: app.account.username});
  const url = URL.createObjectURL(new Blob([JSON.stringify(doc)], {type: 'application/json'}));
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '');
  const link = el('a', {href: url, download: `fieldkit-queue-${app.account.username}-${stamp}.json`});
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  toast(t('export.done', {n: doc.records.length}), {kind: 'ok'});
}

async function importFile(event) {
  const file = event.target.files[0];
  if (!file) return;
  const box = $('#import-result');
  try {
    const result = await importQueue(app.store, JSON.parse(await file.text()));
    box.textContent = t('import.done', result);
    emit('queue');
  } catch (error) {
    box.textContent = t(`import.${error.message === 'import_corrupt' ? 'corrupt' : 'bad'}`);
  }
  event.target.value = '';
}

/**
 * Wire the queue screen.
 * @param {(clientId: string) => void} onFix opens a record that needs fixing
 */
export async function initQueueScreen(onFix) {
  openRecord = onFix;
  await loadStyle('/css/screens.css');
  const nodes = markup(QUEUE);
  translateTree(nodes);
  $('#app').append(nodes);
  $('[data-action=export]').addEventListener('click', exportFile);
  $('input[name=import]').addEventListener('change', importFile);
  on('queue-view', renderQueueScreen);
  document.addEventListener('languagechange', renderQueueScreen);
}
