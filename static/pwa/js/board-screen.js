/**
 * The team lead's "Visits board": open visits grouped by officer with workload and overdue counts, filters
 * (cell, status, due date), touch selection of one or many visits and reassignment in a couple of taps,
 * and bulk planning (bulk-dialog.js). It needs the network: offline it says so and disables its actions.
 * Shown only to team leads and unit admins; cleared on lock.
 */
import {NetworkError} from './api-client.js';
import {app, isUnlocked, on} from './app-state.js';
import {cellsOf, groupBoard, loadBoard} from './board-data.js';
import {initBoardActions, renderActions} from './board-actions.js';
import {clearDevices, reloadDevices, renderDevices} from './board-devices.js';
import {clearStations, reloadStations, renderStations} from './board-stations.js';
import {groupCard} from './board-group.js';
import {insertBoardMarkup} from './board-markup.js';
import {initBulkDialog, openBulkDialog} from './bulk-dialog.js';
import {addStrings, formatTime, t} from './i18n.js';
import {loadStyle} from './lazy.js';
import {BOARD_STRINGS} from './strings-board.js';
import {$, $$, el, screen} from './ui.js';
import {typedDate} from './dates.js';
import {isOverdue, todayIso} from './visit-list.js';

/** What the board shows; `selected` holds visit ids, `marked` ids just created or moved (highlighted). */
export const board = {data: null, offline: false, loading: false, error: '', selected: new Set(), marked: new Set()};
const filters = () => $('#board-filters');

function readFilters() {
  const f = filters().elements;
  return {cell: f.cell.value, status: f.status.value, due: typedDate(f.due.value) || '', overdue: f.overdue.checked};
}

function renderCells() {
  const select = filters().elements.cell;
  const chosen = select.value;
  const cells = cellsOf(app.roster.members || [], board.data?.visits || []);
  select.replaceChildren(el('option', {value: ''}, t('board.allCells')),
    ...[...cells].map(([code, name]) => el('option', {value: code}, name)));
  select.value = cells.has(chosen) ? chosen : '';
}

function statusLine() {
  if (board.loading) return t('board.loading');
  if (board.error) return board.error;
  if (!board.data) return '';
  const today = todayIso();
  const overdue = board.data.open.filter((v) => isOverdue(v, today)).length;
  return t('board.loaded', {n: board.data.open.length, overdue, time: formatTime(board.data.at)});
}

/** Redraw the board from what was loaded (no network). */
export function renderBoard() {
  if (!isUnlocked()) return;
  const offline = board.offline || !navigator.onLine;
  const banner = $('#board-offline');
  banner.hidden = !offline;
  banner.textContent = offline ? t('board.offline') + (board.data ? t('board.offlineStale',
    {time: formatTime(board.data.at)}) : '') : '';
  $('#board-status').textContent = statusLine();
  for (const button of $$('[data-action=bulk-open], [data-action=board-reload]')) {
    button.disabled = offline || board.loading;
  }
  renderCells();
  const today = todayIso();
  const groups = board.data ? groupBoard(board.data, readFilters(), today) : [];
  $('#board-groups').replaceChildren(...groups.map((group) => groupCard(group, {today, offline, board,
    onChange: renderBoard})));
  renderActions(board, offline);
  renderDevices(offline, board.data?.officers);
  renderStations();
}

/**
 * Load the board from the server (or say that the network is missing).
 * @returns {Promise<void>}
 */
export async function reloadBoard() {
  if (!isUnlocked()) return;
  board.error = '';
  if (!navigator.onLine) { board.offline = true; renderBoard(); return; }
  board.loading = true;
  renderBoard();
  reloadDevices(app.client).then(() => renderDevices(board.offline || !navigator.onLine, board.data?.officers));
  reloadStations(app.client).then(renderStations);
  try {
    board.data = await loadBoard(app.client, readFilters().status);
    board.offline = false;
    const known = new Set(board.data.visits.map((v) => v.id));
    board.selected = new Set([...board.selected].filter((id) => known.has(id)));
  } catch (error) {
    if (error instanceof NetworkError) board.offline = true;
    else board.error = t('board.loadFailed', {code: error.code || error.message});
  } finally {
    board.loading = false;
  }
  renderBoard();
}

function clearBoard() {
  Object.assign(board, {data: null, offline: false, loading: false, error: '', selected: new Set(), marked: new Set()});
  $('#board-groups').replaceChildren();
  $('#board-status').textContent = '';
  $('#board-actions').hidden = true;
  if ($('#bulk-dialog').open) $('#bulk-dialog').close();
  clearDevices();
  clearStations();
}

/** Put the board into the page and wire it (once, on first use): markup, texts, styles. */
export async function initBoard() {
  addStrings(BOARD_STRINGS);
  await Promise.all([loadStyle('/css/screens.css'), loadStyle('/css/board.css')]);
  insertBoardMarkup();
  on('roster', () => { if (!app.cipher) clearBoard(); });
  $('[data-action=board-reload]').addEventListener('click', reloadBoard);
  filters().addEventListener('submit', (event) => event.preventDefault());
  filters().addEventListener('change', (event) => (event.target.name === 'status' ? reloadBoard() : renderBoard()));
  initBoardActions(board, {reload: reloadBoard, render: renderBoard});
  initBulkDialog({reload: reloadBoard, board});
  $('[data-action=bulk-open]').addEventListener('click', () => openBulkDialog());
  addEventListener('online', () => { if (screen() === 'board') reloadBoard(); });
  addEventListener('offline', () => { board.offline = true; if (screen() === 'board') renderBoard(); });
  document.addEventListener('languagechange', () => { if (board.data || board.offline) renderBoard(); });
}

/** The board was opened: load it from the server. */
export function showBoard() {
  if (isUnlocked()) reloadBoard();
}
