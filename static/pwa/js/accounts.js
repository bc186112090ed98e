/**
 * Officers known to this tablet: their wrapped data keys, PIN tries and the remembered sign-in.
 * The PIN unlocks offline; five wrong PINs wipe the PIN-wrapped key (the queue stays sealed and is opened
 * again by a full online sign-in, whose password unwraps the second copy). Never talks to the network.
 */
import {getMeta, setMeta} from './queue-db.js';
import {Cipher, newDataKey, unwrapWithSecret, wrapWithSecret} from './vault.js';

export const MAX_PIN_TRIES = 5;
const PIN = /^\d{6}$/;

/** A wrong PIN; `remaining` tries are left before the unlock key is wiped. */
export class WrongPin extends Error {
  constructor(remaining) {
    super('wrong_pin');
    this.remaining = remaining;
  }
}

/**
 * Whether a text is a valid device PIN (exactly 6 digits).
 * @param {string} pin
 */
export function isPin(pin) {
  return PIN.test(pin || '');
}

/**
 * The account to offer on start (the last one signed in), or null.
 * @param {object} db
 */
export async function rememberedAccount(db) {
  const id = await getMeta(db, 'activeUser');
  return id == null ? null : (await db.get('accounts', id)) || null;
}

/**
 * Every account on this tablet that can be unlocked with a PIN.
 * @param {object} db
 */
export async function pinAccounts(db) {
  return (await db.getAll('accounts')).filter((a) => a.pin);
}

/**
 * After a successful online sign-in: open (or create) the officer's data key with the password.
 * A changed password that cannot open the old key starts a new key (old sealed data stays, unreadable).
 * @param {object} db
 * @param {object} user the server's user object
 * @param {string} password
 * @param {string} csrfToken
 * @returns {Promise<{account: object, key: CryptoKey}>}
 */
export async function signIn(db, user, password, csrfToken) {
  let account = await db.get('accounts', user.id);
  let key = null;
  if (account?.pw) key = await unwrapWithSecret(account.pw, password).catch(() => null);
  if (!key) {
    key = await newDataKey();
    // A new key: whatever was sealed under an old one (a changed password) cannot be opened any more.
    account = {userId: user.id, pin: null, pinTries: 0, rosterCursor: null, lastSyncAt: null,
      createdAt: new Date().toISOString()};
    account.pw = await wrapWithSecret(key, password);
  }
  account = {...account, username: user.username, displayName: user.display_name || user.username,
    role: user.role, unitCode: user.unit_code,
    secret: await new Cipher(key).seal({csrfToken})};
  await db.put('accounts', account);
  await setMeta(db, 'activeUser', user.id);
  return {account, key};
}

/**
 * Set (or reset) the device PIN: wrap the data key under it and clear the failed tries.
 * @param {object} db
 * @param {number} userId
 * @param {CryptoKey} key
 * @param {string} pin
 */
export async function setPin(db, userId, key, pin) {
  if (!isPin(pin)) throw new Error('pin_format');
  const account = await db.get('accounts', userId);
  await db.put('accounts', {...account, pin: await wrapWithSecret(key, pin), pinTries: 0});
}

/**
 * Unlock with the PIN. Throws WrongPin; the fifth wrong PIN in a row wipes the PIN-wrapped key.
 * @param {object} db
 * @param {number} userId
 * @param {string} pin
 * @returns {Promise<{account: object, key: CryptoKey}>}
 */
export async function unlock(db, userId, pin) {
  const account = await db.get('accounts', userId);
  if (!account?.pin) throw new WrongPin(0);
  const key = isPin(pin) ? await unwrapWithSecret(account.pin, pin).catch(() => null) : null;
  if (!key) {
    const tries = (account.pinTries || 0) + 1;
    const wiped = tries >= MAX_PIN_TRIES;
    await db.put('accounts', {...account, pinTries: wiped ? 0 : tries, pin: wiped ? null : account.pin});
    throw new WrongPin(wiped ? 0 : MAX_PIN_TRIES - tries);
  }
  const fresh = {...account, pinTries: 0};
  await db.put('accounts', fresh);
  await setMeta(db, 'activeUser', userId);
  return {account: fresh, key};
}

/**
 * Forget the PIN (sign-out): the next start needs the password online; the queue stays.
 * @param {object} db
 * @param {number} userId
 */
export async function forgetPin(db, userId) {
  const account = await db.get('accounts', userId);
  if (account) await db.put('accounts', {...account, pin: null, pinTries: 0, secret: null});
}

/**
 * Update plain fields of an account (cursor, last sync time, sealed csrf token).
 * @param {object} db
 * @param {number} userId
 * @param {object} changes
 */
export async function updateAccount(db, userId, changes) {
  const account = await db.get('accounts', userId);
  if (account) await db.put('accounts', {...account, ...changes});
}
