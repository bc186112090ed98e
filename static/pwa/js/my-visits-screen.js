/**
 * "My visits": the officer's open visits from the roster sync, by due date then priority, each opening the
 * member's form as that visit (place preset, visit_id on the record), with a call button and "could not
 * collect" (queued offline like a record). Also the notices that say why visits left the list, and the
 * home screen's short version. Reads app state only; sending is sync.js's job.
 */
import {app, emit, on} from './app-state.js';
import {t} from './i18n.js';
import {askOutcome, closeOutcomeDialog, initOutcomeDialog} from './outcome-dialog.js';
import {saveRoster} from './roster.js';
import {$, el, toast} from './ui.js';
import {fillList, pendingFor, visitCard, visitRow} from './visit-card.js';
import {formMember, isOverdue, sortVisits, todayIso, visitFacts} from './visit-list.js';
import {dismissNotice, noticeKey} from './visit-notices.js';
import {queueOutcome} from './visit-outbox.js';

const HOME_ROWS = 3;
let openForm = () => {};

/**
 * A notice as the officer reads it: "Reassigned to X by Y: reason", "Already collected by Z", …
 * @param {object} notice
 * @returns {{member: string, text: string}}
 */
export function noticeText(notice) {
  const member = notice.member_name || app.membersById.get(notice.member_id)?.full_name || `#${notice.member_id}`;
  const someone = t('notice.someone');
  const reason = notice.kind === 'could_not_collect' && notice.reason ? t(`outcome.${notice.reason}`) : notice.reason;
  const text = t(`notice.${notice.kind}`, {to: notice.to_user || someone, by: notice.by_user || someone});
  return {member, text: reason ? `${text}: ${reason}` : text};
}

async function dismiss(notice) {
  app.roster = dismissNotice(app.roster, noticeKey(notice));
  renderMyVisits();
  await saveRoster(app.db, app.account.userId, app.cipher, app.roster);
}

function noticeItems() {
  return (app.roster.notices || []).map((notice) => {
    const {member, text} = noticeText(notice);
    return el('li', {class: 'notice', 'data-kind': notice.kind, 'data-visit-id': notice.visit_id},
      el('span', {class: 'notice-text'}, el('strong', {}, member), ' — ', text),
      el('button', {type: 'button', class: 'btn ghost', 'data-action': 'dismiss-notice',
        onclick: () => dismiss(notice)}, t('visits.dismiss')));
  });
}

async function couldNotCollect(visit, member) {
  const name = visitFacts(visit, member).full_name;
  const answer = await askOutcome(name);
  if (!answer || !app.cipher) return;
  try {
    await queueOutcome(app.store, {visit, memberName: name, ...answer});
  } catch (error) {
    toast(t('form.saveFailed', {error: error.name || error.message}), {kind: 'error', id: 'form', timeoutMs: 0});
    return;
  }
  emit('queue');
  toast(t('outcome.saved', {name}), {kind: 'ok', id: 'form'});
  emit('sync-request', 'saved');
}

/** Redraw "My visits" and the home card from the roster and the queue (only while unlocked). */
export function renderMyVisits() {
  if (!app.cipher) return;
  const today = todayIso();
  const rows = sortVisits((app.roster.visits || []).filter((v) => !v.status || v.status === 'open'),
    app.membersById).map((visit) => ({visit, member: app.membersById.get(visit.member_id),
    pending: pendingFor(visit, app.queueMetas)}));
  // Visits already handled on this tablet (waiting to be sent) go last: the list is what is left to do.
  rows.sort((a, b) => Number(Boolean(a.pending)) - Number(Boolean(b.pending)));
  const todo = rows.filter((r) => !r.pending).length;
  const overdue = rows.filter((r) => !r.pending && isOverdue(r.visit, today)).length;
  const summary = rows.length ? t('visits.summary', {n: todo, overdue}) : t('visits.none');
  $('#visits-summary').textContent = summary;
  $('#visits-screen-summary').textContent = summary;
  $('#open-visits').textContent = t('visits.openAll', {n: rows.length});
  const open = ({visit, member}) => () => openForm({member: formMember(visit, member), visit});
  fillList('#visit-list', rows.map((row) => visitCard(row.visit, {...row, today, onOpen: open(row),
    onCouldNot: () => couldNotCollect(row.visit, row.member)})), t('visits.none'));
  fillList('#visits', rows.filter((r) => !r.pending).slice(0, HOME_ROWS)
    .map((row) => visitRow(row.visit, {...row, today, onOpen: open(row)})), '');
  fillList('#visit-notices', noticeItems(), '');
  fillList('#home-notices', noticeItems(), '');
}

/** Forget everything shown (on lock). */
export function clearMyVisits() {
  closeOutcomeDialog();
  for (const id of ['#visits', '#visit-list', '#visit-notices', '#home-notices']) $(id).replaceChildren();
  $('#visits-summary').textContent = '';
  $('#visits-screen-summary').textContent = '';
}

/**
 * Wire "My visits".
 * @param {(target: {member?: object, visit?: object}) => void} onOpen opens the member form
 */
export function initMyVisits(onOpen) {
  openForm = onOpen;
  initOutcomeDialog();
  on('roster', () => (app.cipher ? renderMyVisits() : clearMyVisits()));
  on('queue-view', renderMyVisits);
  document.addEventListener('languagechange', renderMyVisits);
}
