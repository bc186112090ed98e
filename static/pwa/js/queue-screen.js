/**
 * The queue screen: counts per state, each record's name, time and state (records older than 48 hours
 * highlighted), the last successful sync, space on the device, and the export/import emergency actions.
 */
import {app, emit, on} from './app-state.js';
import {isStale} from './device-report.js';
import {exportQueue, importQueue} from './export-file.js';
import {formatTime, has, t} from './i18n.js';
import {countByState} from './queue-store.js';
import {storageText} from './storage.js';
import {$, chip, el, screen, toast} from './ui.js';

let openRecord = () => {};

function errorText(errors) {
  return (errors || []).map((e) => {
    const text = has(`err.${e.code}`) ? t(`err.${e.code}`, e.params || {}) : e.code;
    return e.field ? `${t(`f.${e.field}`)}: ${text}` : text;
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
        : record.label || '—'),
      el('span', {class: 'muted'}, `${t('queue.captured')} ${formatTime(record.createdAt)}`),
      isStale(record) ? el('span', {class: 'warn'}, t('queue.staleOne')) : null,
      record.state === 'needs_fix' ? el('span', {class: 'error-text'}, errorText(record.errors)) : null),
    chip(record.state),
    record.state === 'needs_fix' ? fixButton(record) : null)));
  if (!records.length) $('#records').append(el('li', {class: 'muted empty-queue'}, t('queue.empty')));
  $('#storage-info').textContent = await storageText();
}

function fixButton(record) {
  if (record.kind !== 'outcome') {
    return el('button', {type: 'button', class: 'btn primary', 'data-action': 'fix',
      onclick: () => openRecord(record.clientId)}, t('queue.fix'));
  }
  // A refused visit report has nothing to fix on the tablet: the officer reads why, then lets it go.
  return el('button', {type: 'button', class: 'btn', 'data-action': 'discard', onclick: async () => {
    if (!confirm(t('visits.discardConfirm'))) return;
    await app.store.remove(record.clientId);
    emit('queue');
  }}, t('visits.discard'));
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
export function initQueueScreen(onFix) {
  openRecord = onFix;
  $('[data-action=export]').addEventListener('click', exportFile);
  $('input[name=import]').addEventListener('change', importFile);
  on('queue-view', renderQueueScreen);
  document.addEventListener('languagechange', renderQueueScreen);
}
