/**
 * The on-device database: its stores and their versioned upgrades. An upgrade MIGRATES what is stored;
 * it never deletes a store, because a store may hold records that exist nowhere else yet.
 */
import {openDB} from '../vendor/idb/index.js';

export const DB_NAME = 'fieldkit';
export const DB_VERSION = 2;

/**
 * Upgrade steps; STEPS[v] takes the database from version v to v + 1.
 * Each step may only add stores or indexes and rewrite rows; tests open a version-1 database with rows in it.
 */
const STEPS = [
  (db) => {
    db.createObjectStore('meta', {keyPath: 'key'}); // device id, the remembered account
    db.createObjectStore('accounts', {keyPath: 'userId'}); // wrapped keys, PIN tries, roster cursor
    db.createObjectStore('rosters', {keyPath: 'userId'}); // one encrypted roster per officer
    db.createObjectStore('records', {keyPath: 'clientId'}).createIndex('userId', 'userId');
    db.createObjectStore('photos', {keyPath: 'clientId'}).createIndex('userId', 'userId');
  },
  async (db, tx) => {
    // v2: records carry a send-attempt counter, and an index by (officer, state) for the queue counts.
    const records = tx.objectStore('records');
    records.createIndex('userState', ['userId', 'state']);
    let cursor = await records.openCursor();
    while (cursor) {
      if (cursor.value.attempts == null) await cursor.update({...cursor.value, attempts: 0});
      cursor = await cursor.continue();
    }
  },
];

/**
 * Open (and if needed upgrade) the database.
 * @param {string} [name] database name (tests use their own)
 * @param {number} [version] target version (tests open older ones)
 * @returns {Promise<import('../vendor/idb/index.js').IDBPDatabase>}
 */
export function openQueueDb(name = DB_NAME, version = DB_VERSION) {
  return openDB(name, version, {
    async upgrade(db, oldVersion, newVersion, tx) {
      for (let v = oldVersion; v < newVersion; v += 1) await STEPS[v](db, tx);
    },
    blocking(current, next, event) {
      // Another tab brings a newer schema: let it upgrade (this tab asks the officer to reload).
      event.target.close();
      dispatchEvent(new CustomEvent('fieldkit:db-closed'));
    },
  });
}

/**
 * A small value from the meta store.
 * @param {object} db
 * @param {string} key
 * @returns {Promise<any>}
 */
export async function getMeta(db, key) {
  return (await db.get('meta', key))?.value;
}

/**
 * Store a small value in the meta store.
 * @param {object} db
 * @param {string} key
 * @param {any} value
 */
export async function setMeta(db, key, value) {
  await db.put('meta', {key, value});
}

/**
 * This tablet's id (made once, kept for ever): the server's device reports are keyed by it.
 * @param {object} db
 * @returns {Promise<string>}
 */
export async function deviceId(db) {
  let id = await getMeta(db, 'deviceId');
  if (!id) {
    id = crypto.randomUUID();
    await setMeta(db, 'deviceId', id);
  }
  return id;
}
