/**
 * The officer's roster on the device: downloaded with the server's cursor (CONTRACT §5 roster), merged,
 * and kept sealed as one blob per officer. Also the officer's open visits, with notes when the visits
 * endpoint answers, and the notices that explain visits leaving the list (kept until dismissed).
 * Never shows anything: screens read what load() returns.
 */
import {updateAccount} from './accounts.js';
import {mergeNotices} from './visit-notices.js';

/**
 * The stored roster, decrypted (empty when none was downloaded yet).
 * @param {object} db
 * @param {number} userId
 * @param {import('./vault.js').Cipher} cipher
 * @returns {Promise<{members: object[], visits: object[], savedAt: string|null}>}
 */
export async function loadRoster(db, userId, cipher) {
  const row = await db.get('rosters', userId);
  if (!row) return {members: [], visits: [], savedAt: null};
  try {
    return await cipher.open(row.box);
  } catch {
    return {members: [], visits: [], savedAt: null}; // sealed under an older key: download again
  }
}

/**
 * Seal and store a roster as it is (after a notice is dismissed or a visit dropped on the tablet).
 * @param {object} db
 * @param {number} userId
 * @param {import('./vault.js').Cipher} cipher
 * @param {object} roster
 */
export async function saveRoster(db, userId, cipher, roster) {
  await db.put('rosters', {userId, box: await cipher.seal(roster)});
}

function merge(items, changed, removed) {
  const byId = new Map(items.map((item) => [item.id, item]));
  for (const item of changed) byId.set(item.id, {...byId.get(item.id), ...item});
  for (const id of removed || []) byId.delete(id);
  return [...byId.values()];
}

/**
 * Fetch what changed since the stored cursor, merge it in, seal and store it.
 * @param {object} ctx {db, userId, cipher, client, account}
 * @returns {Promise<{members: object[], visits: object[], savedAt: string}>}
 */
export async function refreshRoster({db, userId, cipher, client, account}) {
  const current = await loadRoster(db, userId, cipher);
  let cursor = current.members.length ? account.rosterCursor : null;
  let delta;
  try {
    delta = await client.json(`/api/v1/sync/roster${cursor ? `?since=${encodeURIComponent(cursor)}` : ''}`);
  } catch (error) {
    if (error.code !== 'invalid_cursor') throw error;
    cursor = null;
    delta = await client.json('/api/v1/sync/roster');
  }
  // `full` (or no cursor): the answer is the whole roster and replaces the copy on the tablet.
  const base = delta.full || !cursor ? {members: [], visits: []} : current;
  const roster = {
    members: merge(base.members, delta.members || [], delta.removed?.members),
    visits: merge(base.visits, delta.visits || [], delta.removed?.visits),
    savedAt: new Date().toISOString(),
    notices: mergeNotices(current.notices, delta.notices || [], current.dismissed),
    dismissed: current.dismissed || {},
    bookings: delta.bookings ?? current.bookings ?? [], // §7: today's and tomorrow's, whole every time
  };
  try {
    // Notes and addresses for "my visits"; the roster's visit rows may carry less.
    const mine = await client.json('/api/v1/visits?assignee=me&status=open');
    roster.visits = merge([], mine.visits || [], []);
  } catch {
    // the roster's visits are enough offline
  }
  cursor = delta.cursor ?? cursor;
  await saveRoster(db, userId, cipher, roster);
  await updateAccount(db, userId, {rosterCursor: cursor});
  account.rosterCursor = cursor;
  return roster;
}
