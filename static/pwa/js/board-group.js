/**
 * One officer's column on the lead's board: name, workload and overdue counts, a "select all" box, and each
 * visit as a whole-row touch target (≥ 56 px) with its checkbox, member, cell, kind, due date and the last
 * hand-over or outcome. Builds elements only; selection lives in the board state it is given.
 */
import {formatDate, t} from './i18n.js';
import {chip, el} from './ui.js';
import {isOverdue} from './visit-list.js';

/** Visits a lead can give to someone: open (reassign) or not collected / cancelled (replan). */
export function movable(visit) {
  return visit.status !== 'done';
}

function lastWord(visit) {
  if (visit.status === 'could_not_collect' && visit.outcome_reason) {
    const why = t(`outcome.${visit.outcome_reason}`);
    return visit.outcome_note ? `${why} — ${visit.outcome_note}` : why;
  }
  if (visit.status === 'done') return t('board.doneBy', {by: visit.done_by_name || '—'});
  // Only a hand-over says something: the first assignment's reason is routine ("bulk", "initial").
  const step = visit.history?.length > 1 ? visit.history[visit.history.length - 1] : null;
  return step?.reason ? t('board.lastStep', {by: step.assigned_by_name || '—', reason: step.reason}) : '';
}

function visitRow(visit, {today, offline, board, onChange}) {
  const overdue = isOverdue(visit, today);
  const box = el('input', {type: 'checkbox', name: 'pick', value: visit.id,
    disabled: offline || !movable(visit), onchange: (event) => {
      if (event.target.checked) board.selected.add(visit.id); else board.selected.delete(visit.id);
      onChange();
    }});
  box.checked = board.selected.has(visit.id);
  const word = lastWord(visit);
  return el('li', {},
    el('label', {class: `board-visit${board.marked.has(visit.id) ? ' marked' : ''}`, 'data-visit-id': visit.id,
      'data-status': visit.status, 'data-overdue': overdue ? 'true' : null},
    box,
    el('span', {class: 'bv-main'},
      el('span', {class: 'name'}, visit.member_name || `#${visit.member_id}`,
        visit.priority && visit.priority !== 'standard'
          ? el('span', {class: 'badge prio', 'data-priority': visit.priority}, t(`prio.${visit.priority}`)) : null,
        board.marked.has(visit.id) ? el('span', {class: 'badge new'}, t('board.new')) : null),
      el('span', {class: 'facts'},
        el('span', {}, visit.unit_name || visit.unit_code || ''),
        el('span', {}, t(`loc.${visit.kind}`)),
        el('span', {class: overdue ? 'overdue-text' : ''}, visit.due_date
          ? `${overdue ? t('visits.overdue') + ' · ' : ''}${t('visits.due')} ${formatDate(visit.due_date)}`
          : t('visits.noDue'))),
      word ? el('span', {class: 'muted small'}, word) : null),
    visit.status !== 'open' ? chip(`visit_${visit.status}`) : null));
}

/**
 * The card of one group.
 * @param {{id: number|null, name: string, unit: string, open: number, overdue: number, visits: object[]}} group
 * @param {{today: string, offline: boolean, board: object, onChange: Function}} options
 */
export function groupCard(group, options) {
  const {board, offline, onChange} = options;
  const ids = group.visits.filter(movable).map((v) => v.id);
  const all = el('input', {type: 'checkbox', 'data-action': 'select-group', disabled: offline || !ids.length,
    'aria-label': t('board.selectGroup'), onchange: (event) => {
      for (const id of ids) if (event.target.checked) board.selected.add(id); else board.selected.delete(id);
      onChange();
    }});
  all.checked = ids.length > 0 && ids.every((id) => board.selected.has(id));
  return el('section', {class: 'board-group', 'data-assignee-id': group.id ?? 'none'},
    el('header', {},
      el('label', {class: 'group-pick'}, all,
        el('span', {class: 'group-name'}, group.id == null ? t('board.unassigned') : group.name)),
      el('span', {class: 'group-counts'},
        el('span', {class: 'count', 'data-count': 'open'}, t('board.openCount', {n: group.open})),
        group.overdue ? el('span', {class: 'count overdue', 'data-count': 'overdue'},
          t('board.overdueCount', {n: group.overdue})) : null)),
    group.unit ? el('p', {class: 'muted small group-unit'}, group.unit) : null,
    group.visits.length
      ? el('ul', {class: 'board-visits'}, group.visits.map((visit) => visitRow(visit, options)))
      : el('p', {class: 'muted empty'}, t('board.empty')));
}
