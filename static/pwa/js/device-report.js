/**
 * The device's heartbeat to the server: what this tablet still holds for the signed-in officer
 * (counts by state, age of the oldest unsent record), so leads see records stuck on tablets.
 * Sends counts and times only, never content. Failures are silent: the next beat tries again.
 */
import {countByState} from './queue-store.js';

/** Records unsent for longer than this are highlighted (on the tablet and the lead's screen). */
export const STALE_MS = 48 * 3600 * 1000;

/**
 * Whether a record has waited too long on the device.
 * @param {{createdAt: string}} meta
 * @param {number} [now]
 */
export function isStale(meta, now = Date.now()) {
  return now - Date.parse(meta.createdAt) > STALE_MS;
}

/**
 * The report body for a list of record metadata.
 * @param {string} deviceId
 * @param {Array<object>} metas
 */
export function buildReport(deviceId, metas) {
  const oldest = metas.reduce((min, m) => (!min || m.createdAt < min ? m.createdAt : min), null);
  return {device_id: deviceId, counts: countByState(metas), oldest_unsent_at: oldest};
}

/**
 * POST the report; resolves to true when the server took it.
 * @param {import('./api-client.js').ApiClient} client
 * @param {string} deviceId
 * @param {Array<object>} metas
 */
export async function sendDeviceReport(client, deviceId, metas) {
  try {
    await client.send('/api/v1/sync/device-report', {method: 'POST', json: buildReport(deviceId, metas)});
    return true;
  } catch {
    return false;
  }
}
