/**
 * The running app's shared state: the database, the officer on show (remembered or unlocked), the
 * unlocked key and queue, the decrypted roster, and a tiny event bus between screens.
 * Holds keys only in memory; lock() in app.js clears them.
 */
import {ApiClient} from './api-client.js';

export const app = {
  db: null,
  deviceId: null,
  /** The remembered or unlocked officer's account row (plain fields). */
  account: null,
  /** @type {import('./vault.js').Cipher|null} */
  cipher: null,
  /** @type {import('./queue-store.js').QueueStore|null} */
  store: null,
  client: new ApiClient(),
  roster: {members: [], visits: [], savedAt: null},
  index: [],
  /** Plain metadata of the officer's queued records, refreshed on every queue change. */
  queueMetas: [],
  membersById: new Map(),
  /** The server said 401: records wait until the password is typed again. */
  sessionExpired: false,
  /** The password was asked for once already since this unlock. */
  askedPassword: false,
  syncing: false,
  events: new EventTarget(),
};

/**
 * Whether the queue key is in memory (the officer unlocked with PIN or password).
 * @returns {boolean}
 */
export function isUnlocked() {
  return app.cipher !== null;
}

/**
 * Tell the screens something changed: 'queue', 'roster', 'sync', 'unlocked', 'locked'.
 * @param {string} name
 * @param {any} [detail]
 */
export function emit(name, detail) {
  app.events.dispatchEvent(new CustomEvent(name, {detail}));
}

/**
 * Listen to an app event.
 * @param {string} name
 * @param {(detail: any) => void} fn
 */
export function on(name, fn) {
  app.events.addEventListener(name, (event) => fn(event.detail));
}
