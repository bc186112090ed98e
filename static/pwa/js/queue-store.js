/**
 * One officer's queue of records on this device, with array-like verbs. A record and its photo are written
 * and removed together in one IndexedDB transaction. Personal data is sealed by the officer's Cipher;
 * only what counting and syncing need (state, times, photo hash) stays readable while the app is locked.
 * Never decides when a record may leave: sync.js does.
 */

/** States a record can be in on the device (stored ones are removed). */
export const STATES = ['queued', 'sending', 'needs_fix', 'waiting'];

/**
 * Count records by state from their plain metadata (no key needed).
 * @param {Array<object>} metas
 * @returns {{queued: number, sending: number, needs_fix: number, waiting: number}}
 */
export function countByState(metas) {
  const counts = {queued: 0, sending: 0, needs_fix: 0, waiting: 0};
  for (const meta of metas) counts[meta.state] = (counts[meta.state] || 0) + 1;
  return counts;
}

/**
 * The sealed part of a record: the item, its label, the server's errors, and what the officer chose at the
 * registry pre-check (registry-hints.js; kept on the tablet only, never sent).
 */
function sealedPart({item, label, errors, registry}) {
  const part = {item, label, errors: errors || []};
  if (registry) part.registry = registry;
  return part;
}

export class QueueStore {
  /**
   * @param {object} db from openQueueDb
   * @param {number} userId the officer whose partition this is
   * @param {import('./vault.js').Cipher|null} cipher null while locked: only metadata verbs work
   */
  constructor(db, userId, cipher) {
    this.db = db;
    this.userId = userId;
    this.cipher = cipher;
  }

  /**
   * Add a record and its photo in one transaction. A visit outcome (`kind: 'outcome'`, "could not collect")
   * is queued the same way, without a photo; `visitId` stays readable so "My visits" can show it waiting.
   * @param {{clientId: string, item: object, label: string, createdAt?: string, state?: string,
   *          kind?: 'record'|'outcome', registry?: object}} entry
   * @param {{bytes: ArrayBuffer, type: string, sha256: string}|null} photo null only for an outcome
   * @returns {Promise<object>} the stored metadata
   */
  async push(entry, photo) {
    const now = new Date().toISOString();
    const kind = entry.kind || 'record';
    const sealed = await this.cipher.seal(sealedPart(entry));
    const sealedPhoto = photo && await this.cipher.sealBytes(photo.bytes);
    const meta = {clientId: entry.clientId, userId: this.userId, state: entry.state || 'queued',
      createdAt: entry.createdAt || now, updatedAt: now, photoSha: photo?.sha256 ?? null, attempts: 0,
      memberId: kind === 'record' ? entry.item.member_id ?? null : null, visitId: entry.item.visit_id ?? null,
      kind, quality: entry.quality || null, box: sealed};
    const tx = this.db.transaction(['records', 'photos'], 'readwrite');
    const ops = [tx.objectStore('records').add(meta), tx.done];
    if (photo) {
      ops.push(tx.objectStore('photos').put({clientId: entry.clientId, userId: this.userId, sha256: photo.sha256,
        type: photo.type, box: sealedPhoto}));
    }
    await Promise.all(ops);
    return meta;
  }

  /**
   * Replace a record's content (and optionally its photo) in place, keeping its client_id.
   * @param {string} clientId
   * @param {{item: object, label: string, errors?: Array, state?: string, quality?: object, registry?: object}} entry
   * @param {{bytes: ArrayBuffer, type: string, sha256: string}|null} photo a new photo, or null to keep it
   */
  async replace(clientId, entry, photo = null) {
    const old = await this.meta(clientId);
    if (!old) throw new Error('not_found');
    const box = await this.cipher.seal(sealedPart(entry));
    const sealedPhoto = photo && await this.cipher.sealBytes(photo.bytes);
    const meta = {...old, box, state: entry.state || 'queued', updatedAt: new Date().toISOString(),
      quality: entry.quality ?? old.quality, clientId: entry.newClientId || clientId};
    if (photo) meta.photoSha = photo.sha256;
    const tx = this.db.transaction(['records', 'photos'], 'readwrite');
    const photos = tx.objectStore('photos');
    const ops = [tx.done];
    if (meta.clientId !== clientId) {
      const oldPhoto = await photos.get(clientId);
      ops.push(tx.objectStore('records').delete(clientId), photos.delete(clientId));
      if (!photo) ops.push(photos.put({...oldPhoto, clientId: meta.clientId}));
    }
    ops.push(tx.objectStore('records').put(meta));
    if (photo) {
      ops.push(photos.put({clientId: meta.clientId, userId: this.userId, sha256: photo.sha256, type: photo.type,
        box: sealedPhoto}));
    }
    await Promise.all(ops);
  }

  /**
   * Plain metadata of every record of this officer, oldest first (works while locked).
   * @returns {Promise<Array<object>>}
   */
  async metas() {
    const rows = await this.db.getAllFromIndex('records', 'userId', this.userId);
    return rows.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /**
   * Plain metadata of one record of this officer, or undefined.
   * @param {string} clientId
   */
  async meta(clientId) {
    const row = await this.db.get('records', clientId);
    return row && row.userId === this.userId ? row : undefined;
  }

  /**
   * Number of this officer's records on the device.
   * @returns {Promise<number>}
   */
  async size() {
    return this.db.countFromIndex('records', 'userId', this.userId);
  }

  /**
   * One record, decrypted: metadata plus {item, label, errors}.
   * @param {string} clientId
   * @returns {Promise<object|undefined>}
   */
  async get(clientId) {
    const row = await this.meta(clientId);
    if (!row) return undefined;
    return {...row, ...(await this.cipher.open(row.box))};
  }

  /**
   * Every record of this officer, decrypted, oldest first.
   * @returns {Promise<Array<object>>}
   */
  async all() {
    return Promise.all((await this.metas()).map(async (row) => ({...row, ...(await this.cipher.open(row.box))})));
  }

  /**
   * A record's photo, decrypted.
   * @param {string} clientId
   * @returns {Promise<{bytes: ArrayBuffer, type: string, sha256: string}|undefined>}
   */
  async photo(clientId) {
    const row = await this.db.get('photos', clientId);
    if (!row || row.userId !== this.userId) return undefined;
    return {bytes: await this.cipher.openBytes(row.box), type: row.type, sha256: row.sha256};
  }

  /**
   * Move records to a state (plain metadata only); `extra` fields are merged in.
   * @param {string[]} clientIds
   * @param {string} state
   * @param {object} [extra]
   */
  async setState(clientIds, state, extra = {}) {
    const tx = this.db.transaction('records', 'readwrite');
    const now = new Date().toISOString();
    await Promise.all([...clientIds.map(async (id) => {
      const row = await tx.store.get(id);
      if (row && row.userId === this.userId) await tx.store.put({...row, ...extra, state, updatedAt: now});
    }), tx.done]);
  }

  /**
   * Mark a record as needing a fix, keeping the server's field errors with it (sealed).
   * @param {string} clientId
   * @param {Array<object>} errors
   */
  async markNeedsFix(clientId, errors) {
    const record = await this.get(clientId);
    if (!record) return;
    const box = await this.cipher.seal(sealedPart({...record, errors}));
    const {item, label, errors: _old, registry: _choices, ...meta} = record;
    await this.db.put('records', {...meta, box, state: 'needs_fix', updatedAt: new Date().toISOString()});
  }

  /**
   * Remove a record and its photo in one transaction (only once the server has it).
   * @param {string} clientId
   */
  async remove(clientId) {
    const tx = this.db.transaction(['records', 'photos'], 'readwrite');
    const row = await tx.objectStore('records').get(clientId);
    if (!row || row.userId !== this.userId) { await tx.done; return; }
    await Promise.all([tx.objectStore('records').delete(clientId), tx.objectStore('photos').delete(clientId),
      tx.done]);
  }
}
