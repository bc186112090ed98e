/**
 * "My visits" on the home screen: the officer's open visits from the roster sync, by due date then priority
 * (the first few, each opening the member's form as that visit: place preset, visit_id on the record), and
 * the notices that say why visits left the list. The full screen with call and "could not collect" is
 * visits-screen.js, loaded on first use. Reads app state only; sending is sync.js's job.
 */
import {app, emit, on} from './app-state.js';
import {t} from './i18n.js';
import {saveRoster} from './roster.js';
import {$, el} from './ui.js';
import {fillList, pendingFor, visitRow} from './visit-card.js';
import {formMember, isOverdue, sortVisits, todayIso} from './visit-list.js';
import {dismissNotice, noticeKey} from './visit-notices.js';

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
  emit('visits-view');
  await saveRoster(app.db, app.account.userId, app.cipher, app.roster);
}

/** The notices as list items, each with its dismiss button. */
export function noticeItems() {
  return (app.roster.notices || []).map((notice) => {
    const {member, text} = noticeText(notice);
    return el('li', {class: 'notice', 'data-kind': notice.kind, 'data-visit-id': notice.visit_id},
      el('span', {class: 'notice-text'}, el('strong', {}, member), ' — ', text),
      el('button', {type: 'button', class: 'btn ghost', 'data-action': 'dismiss-notice',
        onclick: () => dismiss(notice)}, t('visits.dismiss')));
  });
}

/**
 * The open visits in the order the officer works them; those already handled on this tablet (waiting to be
 * sent) go last: the list is what is left to do.
 * @returns {{rows: Array<{visit, member, pending}>, summary: string, today: string}}
 */
export function visitRows() {
  const today = todayIso();
  const rows = sortVisits((app.roster.visits || []).filter((v) => !v.status || v.status === 'open'),
    app.membersById).map((visit) => ({visit, member: app.membersById.get(visit.member_id),
    pending: pendingFor(visit, app.queueMetas)}));
  rows.sort((a, b) => Number(Boolean(a.pending)) - Number(Boolean(b.pending)));
  const todo = rows.filter((r) => !r.pending).length;
  const overdue = rows.filter((r) => !r.pending && isOverdue(r.visit, today)).length;
  return {rows, today, summary: rows.length ? t('visits.summary', {n: todo, overdue}) : t('visits.none')};
}

/**
 * What opening a visit does: the member's form, as that visit.
 * @param {{visit: object, member?: object}} row
 */
export function opener({visit, member}) {
  return () => openForm({member: formMember(visit, member), visit});
}

/** Redraw the home card from the roster and the queue (only while unlocked). */
export function renderMyVisits() {
  if (!app.cipher) return;
  const {rows, today, summary} = visitRows();
  $('#visits-summary').textContent = summary;
  $('#open-visits').textContent = t('visits.openAll', {n: rows.length});
  fillList('#visits', rows.filter((r) => !r.pending).slice(0, HOME_ROWS)
    .map((row) => visitRow(row.visit, {...row, today, onOpen: opener(row)})), '');
  fillList('#home-notices', noticeItems(), '');
}

/** Forget everything shown (on lock). */
export function clearMyVisits() {
  for (const id of ['#visits', '#home-notices']) $(id).replaceChildren();
  $('#visits-summary').textContent = '';
}

/**
 * Wire the home card.
 * @param {(target: {member?: object, visit?: object}) => void} onOpen opens the member form
 */
export function initMyVisits(onOpen) {
  openForm = onOpen;
  on('roster', () => (app.cipher ? renderMyVisits() : clearMyVisits()));
  on('queue-view', renderMyVisits);
  on('visits-view', renderMyVisits);
  document.addEventListener('languagechange', renderMyVisits);
}
