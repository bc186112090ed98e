/**
 * The home screen: roster search (instant, offline), the queue summary and "my visits" (my-visits-screen.js),
 * and the button to the lead's board (board-screen.js, loaded on first use by app.js).
 * Results are rebuilt synchronously on every keystroke, so only the current query's results are shown.
 */
import {app, on} from './app-state.js';
import {isStale} from './device-report.js';
import {formatTime, t} from './i18n.js';
import {clearMyVisits, initMyVisits} from './my-visits-screen.js';
import {countByState} from './queue-store.js';
import {search} from './roster-search.js';
import {$, chip, el} from './ui.js';

/** Roles that may plan and reassign visits (CONTRACT §3): they get the board button. */
const LEAD_ROLES = new Set(['team_lead', 'unit_admin']);
let openForm = () => {};
let arrivals = null; // arrivals-panel.js, loaded once the roster holds bookings (§7)

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
      chip(state),
      // A reviewer sent this member back to the field: the task shows on the card (and on the form).
      member.reconcile?.decision === 'send_back'
        ? el('span', {class: 'task', 'data-task': 'send_back'}, t('task.sendBack', {note: member.reconcile.note || '—'}))
        : null));
}

/** Re-run the search for what is in the box now. */
export function renderResults() {
  const query = $('input[name=q]').value;
  let found = search(app.index, query);
  if (arrivals && found.length) { // members due at the station now come first
    const due = arrivals.dueMemberIds(app.roster.bookings);
    found = [...found].sort((a, b) => Number(due.has(b.id)) - Number(due.has(a.id)));
  }
  const queuedIds = new Set(app.queueMetas.map((m) => m.memberId).filter(Boolean));
  $('#results').replaceChildren(...found.map((member) => memberRow(member, queuedIds)));
  $('#search-hint').textContent = !query.trim() ? t('search.hint', {n: app.roster.members.length})
    : found.length ? t('search.count', {n: found.length}) : t('search.none');
}

function renderRosterInfo() {
  $('#roster-info').textContent = app.roster.savedAt
    ? t('roster.info', {n: app.roster.members.length, time: formatTime(app.roster.savedAt)}) : t('roster.never');
}

/** The arrivals panel, loaded on first use (only rosters with bookings need it). */
async function renderArrivalsPanel() {
  if (!app.roster?.bookings?.length) {
    $('#arrivals').hidden = true;
    return;
  }
  arrivals ||= await import('./arrivals-panel.js');
  if (app.cipher) arrivals.renderArrivals(openForm);
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
  initMyVisits(openForm);
  on('roster', () => {
    $('#open-board').hidden = !app.cipher || !LEAD_ROLES.has(app.account?.role);
    renderRosterInfo();
    renderResults();
    renderArrivalsPanel();
  });
  on('queue-view', () => { renderQueueSummary(); renderArrivalsPanel(); });
  document.addEventListener('languagechange', () => {
    if (app.cipher) { renderRosterInfo(); renderResults(); renderQueueSummary(); renderArrivalsPanel(); }
  });
}

/** Forget everything shown (on lock). */
export function clearHomeScreen() {
  $('input[name=q]').value = '';
  $('#results').replaceChildren();
  $('#arrivals-list').replaceChildren();
  $('#arrivals').hidden = true;
  clearMyVisits();
  $('#search-hint').textContent = '';
}
