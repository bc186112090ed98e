/**
 * The emergency hand-over: the officer's queue as one JSON file (items exactly as the API takes them,
 * photos in base64; visit outcomes have none; beside each item, the officer's registry pre-check choices),
 * and its import into the queue of whoever is signed in on another tablet.
 * The file is NOT encrypted: the screen says so.
 */
import {sha256Hex} from './photo.js';

export const FORMAT = 'fieldkit-queue-export';
// The kinds queued without a photo, and the key each one's item must carry.
const WITHOUT_PHOTO = new Map([['outcome', 'visit_id'], ['handover', 'card_number'], ['print', 'printed_at']]);

function toBase64(bytes) {
  const view = new Uint8Array(bytes);
  let text = '';
  for (let i = 0; i < view.length; i += 0x8000) text += String.fromCharCode(...view.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/**
 * Build the export document of a store's records.
 * @param {import('./queue-store.js').QueueStore} store
 * @param {{deviceId: string, username: string}} about
 * @returns {Promise<object>}
 */
export async function exportQueue(store, {deviceId, username}) {
  const records = [];
  for (const record of await store.all()) {
    const photo = await store.photo(record.clientId); // none for a visit outcome
    records.push({client_id: record.clientId, state: record.state, created_at: record.createdAt,
      errors: record.errors, item: record.item, kind: record.kind || 'record', label: record.label,
      registry: record.registry || null,
      photo: photo ? {type: photo.type, sha256: photo.sha256, base64: toBase64(photo.bytes)} : null});
  }
  return {format: FORMAT, version: 1, exported_at: new Date().toISOString(), device_id: deviceId,
    username, records};
}

/**
 * Import an export document into a store; records whose client_id is already on the device are skipped.
 * Every photo is checked against its SHA-256 before anything is stored.
 * @param {import('./queue-store.js').QueueStore} store
 * @param {object} doc
 * @returns {Promise<{added: number, skipped: number}>}
 */
export async function importQueue(store, doc) {
  if (doc?.format !== FORMAT || !Array.isArray(doc.records)) throw new Error('import_format');
  const prepared = [];
  for (const record of doc.records) {
    if (WITHOUT_PHOTO.has(record.kind)) { // no photo: a visit report, a card hand-over or a print notice
      const target = record.item?.[WITHOUT_PHOTO.get(record.kind)];
      if (record.item?.client_id !== record.client_id || target == null) {
        throw new Error('import_corrupt');
      }
      prepared.push({record, photo: null});
      continue;
    }
    const bytes = fromBase64(record.photo.base64);
    if (await sha256Hex(bytes) !== record.photo.sha256 || record.item?.client_id !== record.client_id) {
      throw new Error('import_corrupt');
    }
    prepared.push({record, photo: {bytes, type: record.photo.type, sha256: record.photo.sha256}});
  }
  let added = 0;
  for (const {record, photo} of prepared) {
    if (await store.db.get('records', record.client_id)) continue;
    await store.push({clientId: record.client_id, item: record.item, kind: record.kind || 'record',
      label: record.item.fields?.full_name || record.label || '', createdAt: record.created_at,
      errors: record.errors || [], registry: record.registry || null,
      state: record.state === 'needs_fix' ? 'needs_fix' : 'queued'}, photo);
    added += 1;
  }
  return {added, skipped: doc.records.length - added};
}
