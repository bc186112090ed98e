/**
 * The board's action bar, shown while visits are selected: who takes them (with their open workload), why
 * (a typed reason or a one-tap suggestion), a new due date when replanning, and "Reassign". Reports what
 * moved and what the server refused; stops and says so when the network drops half-way.
 */
import {app} from './app-state.js';
import {reassignVisits} from './board-data.js';
import {has, t} from './i18n.js';
import {$, el, setError, toast} from './ui.js';
import {typedDate} from './dates.js';

const QUICK_REASONS = ['board.reasonBalance', 'board.reasonStuck', 'board.reasonCloser'];
const bar = () => $('#board-actions');

function selectedVisits(board) {
  return (board.data?.visits || []).filter((v) => board.selected.has(v.id));
}

/**
 * Show or hide the bar for the current selection; fill the officer list with workload counts.
 * @param {object} board the board state
 * @param {boolean} offline
 */
export function renderActions(board, offline) {
  const chosen = selectedVisits(board);
  bar().hidden = !chosen.length;
  document.body.classList.toggle('has-action-bar', chosen.length > 0);
  if (!chosen.length) return;
  $('#board-selected').textContent = t('board.selected', {n: chosen.length});
  const select = bar().elements.assignee;
  const current = select.value;
  const load = new Map();
  for (const v of board.data.open) load.set(v.assignee_id, (load.get(v.assignee_id) || 0) + 1);
  select.replaceChildren(el('option', {value: ''}, t('board.chooseOfficer')),
    ...board.data.officers.map((o) => el('option', {value: o.id},
      t('board.officerLoad', {name: o.display_name || o.username, n: load.get(o.id) || 0}))));
  select.value = current;
  $('#board-new-due').hidden = chosen.every((v) => v.status === 'open');
  $('#reason-chips').replaceChildren(...QUICK_REASONS.map((key) => el('button', {type: 'button', class: 'btn chip-btn',
    'data-action': 'quick-reason', onclick: () => { bar().elements.reason.value = t(key); }}, t(key))));
  $('[data-action=reassign]', bar()).disabled = offline;
}

function failureText(failed) {
  return failed.map(({visit, code}) => `${visit.member_name || '#' + visit.member_id}: `
    + (has(`err.${code}`) ? t(`err.${code}`) : code)).join(' · ');
}

async function submit(event, board, {reload, render}) {
  event.preventDefault();
  const form = bar();
  const error = $('.error', form);
  setError(error, '');
  const assigneeId = Number(form.elements.assignee.value);
  const reason = form.elements.reason.value.normalize('NFC').trim();
  if (!assigneeId) { setError(error, t('board.needOfficer')); return; }
  if (!reason) { setError(error, t('board.needReason')); form.elements.reason.focus(); return; }
  const due = typedDate(form.elements.due.value);
  if (due === null) { setError(error, t('err.invalid_date')); form.elements.due.focus(); return; }
  const button = $('[data-action=reassign]', form);
  button.disabled = true;
  try {
    const result = await reassignVisits(app.client, selectedVisits(board), assigneeId, reason, due);
    const officer = board.data.officers.find((o) => o.id === assigneeId);
    const name = officer?.display_name || officer?.username || `#${assigneeId}`;
    board.marked = new Set(result.moved);
    board.selected = new Set(result.failed.map((f) => f.visit.id));
    if (result.offline) board.offline = true;
    const parts = [t('board.moved', {n: result.moved.length, name})];
    if (result.failed.length) {
      parts.push(t('board.failed', {n: result.failed.length, errors: failureText(result.failed)}));
    }
    if (result.offline) parts.push(t('board.stoppedOffline'));
    const kind = result.failed.length || result.offline ? 'warn' : 'ok';
    toast(parts.join(' '), {kind, id: 'board', timeoutMs: 10000});
    if (!result.failed.length && !result.offline) form.reset();
  } finally {
    button.disabled = false;
  }
  if (board.offline) render(); else await reload();
}

/**
 * Wire the bar once.
 * @param {object} board the board state
 * @param {{reload: () => Promise<void>, render: () => void}} actions
 */
export function initBoardActions(board, actions) {
  bar().addEventListener('submit', (event) => submit(event, board, actions));
  $('[data-action=clear-selection]', bar()).addEventListener('click', () => {
    board.selected.clear();
    actions.render();
  });
}
