/**
 * Bulk planning from the needs-home-visit list: the lead picks cells (with a rough count of who needs a
 * visit, from the roster on the tablet), officers (with their open workload), how to share (in turn or least
 * loaded first), the kind and a due date; the server plans and says what it created and skipped, and the
 * board then marks the new visits. Needs the network.
 */
import {app} from './app-state.js';
import {bulkPlan, cellsOf, homeVisitCandidates} from './board-data.js';
import {has, t} from './i18n.js';
import {$, el, setError} from './ui.js';
import {typedDate} from './dates.js';

const dialog = () => $('#bulk-dialog');
const form = () => $('#bulk-form');
let ctx = null;

function choice(name, value, text, checked) {
  const box = el('input', {type: 'checkbox', name, value});
  box.checked = checked;
  return el('label', {class: 'choice'}, box, el('span', {}, text));
}

/** Open the dialog with the cells and officers of the loaded board. */
export function openBulkDialog() {
  const {board} = ctx;
  if (!board.data || !navigator.onLine) return;
  form().reset();
  setError($('.error', form()), '');
  $('#bulk-result').hidden = true;
  const counts = homeVisitCandidates(app.roster.members || [], board.data.open);
  const cells = [...cellsOf(app.roster.members || [], board.data.visits)]
    .sort((a, b) => (counts.get(b[0]) || 0) - (counts.get(a[0]) || 0));
  // "about 0 people" says nothing: a cell without candidates shows its name alone.
  $('#bulk-cells').replaceChildren(...cells.map(([code, name]) => choice('cell', code,
    counts.get(code) ? t('bulk.cellCount', {name, n: counts.get(code)}) : name, (counts.get(code) || 0) > 0)));
  const load = new Map();
  for (const v of board.data.open) load.set(v.assignee_id, (load.get(v.assignee_id) || 0) + 1);
  $('#bulk-officers').replaceChildren(...board.data.officers.map((o) => choice('officer', o.id,
    t('board.officerLoad', {name: o.display_name || o.username, n: load.get(o.id) || 0}), true)));
  dialog().showModal();
}

function checked(name) {
  return [...form().querySelectorAll(`input[name=${name}]:checked`)].map((box) => box.value);
}

function showResult(result, board) {
  const names = new Map(board.data.officers.map((o) => [String(o.id), o.display_name || o.username]));
  const created = new Set(result.visits);
  const members = (board.data.visits || []).filter((v) => created.has(v.id))
    .map((v) => `${v.member_name} → ${v.assignee_name || names.get(String(v.assignee_id)) || ''}`);
  const box = $('#bulk-result');
  const perOfficer = Object.entries(result.per_assignee || {}).filter(([, n]) => n > 0)
    .map(([id, n]) => t('bulk.perOfficer', {name: names.get(id) || `#${id}`, n})).join(' · ');
  // replaceChildren prints a null as the text "null": leave out the lines that have nothing to say.
  box.replaceChildren(...[
    el('p', {class: 'strong'}, result.created ? t('bulk.result', {n: result.created}) : t('bulk.nothing')),
    perOfficer ? el('p', {}, perOfficer) : null,
    members.length ? el('ul', {class: 'bulk-members'}, members.map((text) => el('li', {}, text))) : null,
    result.skipped ? el('p', {class: 'warn'}, t('bulk.skipped', {n: result.skipped})) : null,
  ].filter(Boolean));
  box.hidden = false;
}

async function submit(event) {
  event.preventDefault();
  const error = $('.error', form());
  setError(error, '');
  const cells = checked('cell');
  const officers = checked('officer').map(Number);
  if (!cells.length) { setError(error, t('bulk.needCells')); return; }
  if (!officers.length) { setError(error, t('bulk.needOfficers')); return; }
  const due = typedDate(form().elements.due.value);
  if (due === null) { setError(error, t('err.invalid_date')); return; }
  const button = $('[data-action=bulk-create]', form());
  button.disabled = true;
  try {
    const result = await bulkPlan(app.client, {unit_codes: cells, assignee_ids: officers,
      strategy: form().elements.strategy.value, kind: form().elements.kind.value,
      due_date: due || null});
    ctx.board.marked = new Set(result.visits);
    await ctx.reload();
    showResult(result, ctx.board);
  } catch (failure) {
    const code = failure.code || 'network';
    setError(error, has(`err.${code}`) ? t(`err.${code}`) : t('board.loadFailed', {code}));
  } finally {
    button.disabled = false;
  }
}

/**
 * Wire the dialog once.
 * @param {{reload: () => Promise<void>, board: object}} context
 */
export function initBulkDialog(context) {
  ctx = context;
  form().addEventListener('submit', submit);
  $('[data-action=bulk-close]', form()).addEventListener('click', () => dialog().close());
}
