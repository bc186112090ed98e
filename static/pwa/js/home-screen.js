/**
 * The home screen: roster search (instant, offline), the queue summary and "my visits".
 * Results are rebuilt synchronously on every keystroke, so only the current query's results are shown.
 */
import {app, on} from './app-state.js';
import {isStale} from './device-report.js';
import {formatDate, formatTime, t} from './i18n.js';
import {countByState} from './queue-store.js';
import {search} from './roster-search.js';
import {$, chip, el} from './ui.js';

let openForm = () => {};

function memberRow(member, queuedIds) {
  const year = String(member.date_of_birth || '').slice(0, 4);
  const state = queuedIds.has(member.id) ? 'on_device' : member.status || 'pending';
  return el('li', {},
    el('button', {type: 'button', class: 'result', 'data-member-id': member.id, onclick: () => openForm({member})},
      el('span', {class: 'name'}, member.full_name),
      el('span', {class: 'facts'},
        el('span', {}, `${t('search.born')} ${year || '—'}`),
        el('span', {}, member.unit_name || `${t('search.cell')} ${member.unit_code || '—'}`),
        member.citizen_id ? el('span', {class: 'mono'}, member.citizen_id) : null),
      chip(state)));
}

/** Re-run the search for what is in the box now. */
export function renderResults() {
  const query = $('input[name=q]').value;
  const found = search(app.index, query);
  const queuedIds = new Set(app.queueMetas.map((m) => m.memberId).filter(Boolean));
  $('#results').replaceChildren(...found.map((member) => memberRow(member, queuedIds)));
  $('#search-hint').textContent = !query.trim() ? t('search.hint', {n: app.roster.members.length})
    : found.length ? t('search.count', {n: found.length}) : t('search.none');
}

function renderVisits() {
  const visits = app.roster.visits.filter((v) => !v.status || v.status === 'open');
  $('#visits').replaceChildren(...visits.map((visit) => {
    const member = app.membersById.get(visit.member_id);
    return el('li', {},
      el('button', {type: 'button', class: 'visit', 'data-visit-id': visit.id,
        onclick: () => openForm({member, visit})},
      el('span', {class: 'name'}, member?.full_name || `#${visit.member_id}`),
      el('span', {class: 'facts'}, el('span', {}, t(`loc.${visit.kind}`)),
        el('span', {}, `${t('visits.due')} ${formatDate(visit.due_date)}`)),
      member?.permanent_address ? el('span', {class: 'address'}, member.permanent_address) : null,
      visit.note ? el('span', {class: 'note'}, visit.note) : null));
  }));
  if (!visits.length) $('#visits').append(el('li', {class: 'muted'}, t('visits.none')));
  $('#roster-info').textContent = app.roster.savedAt
    ? t('roster.info', {n: app.roster.members.length, time: formatTime(app.roster.savedAt)}) : t('roster.never');
}

/** Refresh the queue summary card. */
export function renderQueueSummary() {
  const metas = app.queueMetas;
  const counts = countByState(metas);
  $('#home-counts').replaceChildren(...Object.entries(counts).map(([state, n]) => chip(state, n)));
  const stale = metas.filter((m) => isStale(m)).length;
  $('#home-stale').hidden = !stale;
  $('#home-stale').textContent = t('queue.stale', {n: stale});
  $('#home-last-sync').textContent = t('queue.lastSync', {time: formatTime(app.account?.lastSyncAt)});
}

/**
 * Wire the home screen.
 * @param {(target: {member?: object, visit?: object}) => void} onOpen opens the member form
 */
export function initHomeScreen(onOpen) {
  openForm = onOpen;
  $('input[name=q]').addEventListener('input', renderResults);
  $('[data-action=new-person]').addEventListener('click', () => openForm({}));
  on('roster', () => { renderVisits(); renderResults(); });
  on('queue-view', renderQueueSummary);
  document.addEventListener('languagechange', () => {
    if (app.cipher) { renderVisits(); renderResults(); renderQueueSummary(); }
  });
}

/** Forget everything shown (on lock). */
export function clearHomeScreen() {
  $('input[name=q]').value = '';
  $('#results').replaceChildren();
  $('#visits').replaceChildren();
  $('#search-hint').textContent = '';
}
