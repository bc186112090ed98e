/**
 * "Records still on tablets" on the lead's board: per officer and device, what its last report says it holds
 * (counts by state), how old the oldest unsent record is, and when it reported — records unsent for more than
 * 48 hours are marked in colour and in words. The tablets send counts and times only (device-report.js), so
 * this panel never shows whose records they are. Online only, like the rest of the board.
 */
import {NetworkError} from './api-client.js';
import {isUnlocked} from './app-state.js';
import {STALE_MS} from './device-report.js';
import {formatTime, t} from './i18n.js';
import {STATES} from './queue-store.js';
import {$, chip, el} from './ui.js';

const panel = {devices: null, loading: false, error: ''};

/**
 * How long ago, in words ("3 giờ", "2 ngày 5 giờ").
 * @param {number} ms
 */
export function ageText(ms) {
  const minutes = Math.max(0, Math.floor(ms / 60000));
  if (minutes < 60) return t('devices.minutes', {n: minutes});
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t('devices.hours', {n: hours});
  return t('devices.days', {d: Math.floor(hours / 24), h: hours % 24});
}

function total(device) {
  return STATES.reduce((sum, state) => sum + (device.counts?.[state] || 0), 0);
}

function isStaleDevice(device, now) {
  return Boolean(device.stale) || (device.oldest_unsent_at != null && total(device) > 0
    && now - Date.parse(device.oldest_unsent_at) > STALE_MS);
}

/**
 * Fetch the latest report of every device in the lead's scope.
 * @param {import('./api-client.js').ApiClient} client
 */
export async function reloadDevices(client) {
  panel.loading = true;
  panel.error = '';
  try {
    panel.devices = (await client.json('/api/v1/sync/devices')).devices || [];
  } catch (error) {
    panel.error = error instanceof NetworkError ? t('devices.offline') : t('devices.failed', {code: error.code});
  } finally {
    panel.loading = false;
  }
}

function deviceRow(device, names, now) {
  const n = total(device);
  const stale = isStaleDevice(device, now);
  const name = names.get(device.user_id);
  return el('li', {class: `device${stale ? ' stale' : ''}`, 'data-user-id': device.user_id,
    'data-device-id': device.device_id, 'data-stale': stale ? 'true' : 'false', 'data-count': n},
  el('span', {class: 'dv-who'},
    el('span', {class: 'name'}, name || device.username),
    el('span', {class: 'muted'}, name ? `${device.username} · ` : '',
      t('devices.device', {id: String(device.device_id).slice(-6)}))),
  el('span', {class: 'dv-count'},
    el('strong', {'data-device-count': ''}, String(n)), ' ', t('devices.records', {n}),
    el('span', {class: 'state-chips'}, n ? STATES.filter((s) => device.counts?.[s]).map((s) => chip(s, device.counts[s]))
      : el('span', {class: 'chip', 'data-state': 'stored'}, t('devices.allSent')))),
  el('span', {class: 'dv-age'},
    n && device.oldest_unsent_at
      ? el('span', {}, t('devices.oldest', {age: ageText(now - Date.parse(device.oldest_unsent_at))})) : null,
    stale ? el('span', {class: 'badge stale-badge'}, t('devices.stale')) : null,
    el('span', {class: 'muted'}, t('devices.reported', {time: formatTime(device.reported_at)}))));
}

/**
 * Redraw the panel from what was loaded.
 * @param {boolean} offline
 * @param {Array<{id: number, display_name?: string}>} [officers] the board's officers (for their names)
 */
export function renderDevices(offline, officers = []) {
  if (!isUnlocked() || !$('#devices-list')) return;
  const now = Date.now();
  const devices = panel.devices || [];
  const names = new Map(officers.map((o) => [o.id, o.display_name || '']));
  const records = devices.reduce((sum, d) => sum + total(d), 0);
  const stale = devices.filter((d) => isStaleDevice(d, now)).length;
  const summary = $('#devices-summary');
  summary.dataset.stale = stale ? 'true' : 'false';
  summary.textContent = panel.loading && !panel.devices ? t('board.loading')
    : panel.error || (offline && !panel.devices ? t('devices.offline')
      : !devices.length ? t('devices.none')
        : t('devices.summary', {n: records, devices: devices.filter((d) => total(d) > 0).length,
          reported: devices.length})
          + (stale ? `\n${t('devices.staleSummary', {n: stale})}` : ''));
  // Tablets that hold nothing are folded away: the list is what a lead has to act on.
  const idle = devices.filter((d) => total(d) === 0);
  $('#devices-list').replaceChildren(...devices.filter((d) => total(d) > 0).map((d) => deviceRow(d, names, now)),
    idle.length ? el('li', {class: 'devices-idle'}, el('details', {},
      el('summary', {}, t('devices.idle', {n: idle.length})),
      el('ul', {class: 'devices'}, ...idle.map((d) => deviceRow(d, names, now))))) : '');
}

/** Forget what was shown (on lock). */
export function clearDevices() {
  Object.assign(panel, {devices: null, loading: false, error: ''});
  $('#devices-list')?.replaceChildren();
  if ($('#devices-summary')) $('#devices-summary').textContent = '';
}
