/**
 * "Station load today" on the lead's board (schedules, §7): for each station the lead sees, today's slots with
 * how many are booked, arrived and missed, from GET /api/v1/schedules. Online only, like the rest of the board;
 * counts only, no names.
 */
import {NetworkError} from './api-client.js';
import {isUnlocked} from './app-state.js';
import {t} from './i18n.js';
import {$, el} from './ui.js';

const panel = {stations: null, error: ''};

function todayVn() {
  return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10); // Vietnam is UTC+7 all year
}

/**
 * Load today's slots of every station in the lead's view.
 * @param {import('./api-client.js').ApiClient} client
 */
export async function reloadStations(client) {
  panel.error = '';
  try {
    const {stations} = await client.json('/api/v1/stations');
    const day = todayVn();
    panel.stations = await Promise.all(stations.map(async (station) => ({
      station, day: await client.json(`/api/v1/schedules?station=${encodeURIComponent(station.code)}&date=${day}`),
    })));
  } catch (error) {
    panel.error = error instanceof NetworkError ? t('stations.offline') : t('stations.failed', {code: error.code});
  }
}

function count(bookings, status) {
  return bookings.filter((b) => b.status === status).length;
}

/** Redraw the panel from what was loaded. */
export function renderStations() {
  if (!isUnlocked() || !$('#stations-load')) return;
  const loaded = (panel.stations || []).filter(({day}) => day.slots.some((s) => s.bookings.length));
  $('#stations-summary').textContent = panel.error || (!panel.stations ? t('board.loading')
    : !loaded.length ? t('stations.none') : '');
  $('#stations-load').replaceChildren(...loaded.map(({station, day}) => el('div', {class: 'station-load',
    'data-station': station.code},
  el('h3', {}, station.name),
  el('table', {class: 'load-table'},
    el('thead', {}, el('tr', {}, ...['stations.slot', 'stations.booked', 'stations.arrived', 'stations.missed']
      .map((key) => el('th', {}, t(key))))),
    el('tbody', {}, ...day.slots.filter((s) => s.bookings.length).map((slot) => el('tr', {'data-slot': slot.start},
      el('td', {}, `${slot.start.slice(11, 16)}–${slot.end.slice(11, 16)}`),
      el('td', {'data-field': 'booked'}, `${slot.bookings.length}/${slot.capacity}`),
      el('td', {'data-field': 'arrived'}, String(count(slot.bookings, 'arrived'))),
      el('td', {'data-field': 'missed'}, String(count(slot.bookings, 'missed'))))))),
  // The cell's A4 notice (§7), to print or hand to the cell secretary.
  el('p', {class: 'notice-links'}, ...cellsOf(day).map((code) => el('a', {class: 'btn', target: '_blank',
    rel: 'noopener', href: `/api/v1/schedules/cells/${encodeURIComponent(code)}.pdf`, 'data-action': 'cell-notice'},
  t('stations.notice', {cell: code})))))));
}

function cellsOf(day) {
  return [...new Set(day.slots.flatMap((s) => s.bookings.map((b) => b.cell_code)))].sort();
}

/** Forget what was shown (on lock). */
export function clearStations() {
  Object.assign(panel, {stations: null, error: ''});
  $('#stations-load')?.replaceChildren();
}
