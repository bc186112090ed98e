/**
 * Why visits left an officer's list ("reassigned to X by Y: reason", "done by Z", or a report the server
 * refused because the visit had moved on). Notices live in the officer's sealed roster until dismissed,
 * so one seen on a dead-zone morning is still there at noon. Pure list rules: no DOM, no network.
 */

/** Notices older than this are dropped even if never dismissed. */
export const KEEP_MS = 14 * 24 * 3600 * 1000;
/** At most this many notices are kept (newest first). */
export const MAX_NOTICES = 50;

/**
 * A notice's identity: the server re-sends recent notices with every delta (its overlap window).
 * @param {{visit_id: number, kind: string, at?: string}} notice
 */
export function noticeKey(notice) {
  return `${notice.visit_id}:${notice.kind}:${notice.at || ''}`;
}

function fresh(notice, now) {
  const at = Date.parse(notice.at || notice.seen_at || '');
  return Number.isNaN(at) || now - at < KEEP_MS;
}

/**
 * The notices to keep: the current ones plus new incoming ones, minus dismissed and stale ones. A notice
 * from the server replaces one the tablet made itself for the same visit (it says more: who and why).
 * @param {object[]} current
 * @param {object[]} incoming
 * @param {Object<string, string>} [dismissed] key → when it was dismissed
 * @param {number} [now]
 * @returns {object[]} newest first
 */
export function mergeNotices(current = [], incoming = [], dismissed = {}, now = Date.now()) {
  const byKey = new Map(current.map((n) => [noticeKey(n), n]));
  for (const notice of incoming) {
    const key = noticeKey(notice);
    if (dismissed[key] || byKey.has(key)) continue;
    if (!notice.local) {
      for (const [other, old] of byKey) if (old.local && old.visit_id === notice.visit_id) byKey.delete(other);
    }
    byKey.set(key, {...notice, seen_at: notice.seen_at || new Date(now).toISOString()});
  }
  return [...byKey.values()].filter((n) => fresh(n, now))
    .sort((a, b) => String(b.at || b.seen_at).localeCompare(String(a.at || a.seen_at)))
    .slice(0, MAX_NOTICES);
}

/**
 * The roster with one notice dismissed (remembered, so the server's overlap window cannot bring it back).
 * @param {object} roster
 * @param {string} key
 * @param {number} [now]
 */
export function dismissNotice(roster, key, now = Date.now()) {
  const dismissed = {};
  for (const [k, at] of Object.entries(roster.dismissed || {})) if (now - Date.parse(at) < KEEP_MS) dismissed[k] = at;
  dismissed[key] = new Date(now).toISOString();
  return {...roster, notices: (roster.notices || []).filter((n) => noticeKey(n) !== key), dismissed};
}

/**
 * A notice the tablet makes itself when the server refuses a queued report because the visit moved on.
 * @param {{visitId: number, memberName?: string}} outcome
 * @param {string} code visit_reassigned | visit_closed | not_found | forbidden
 */
export function localNotice({visitId, memberName}, code) {
  return {visit_id: visitId, kind: `outcome_${code}`, member_name: memberName || '', local: true,
    at: new Date().toISOString()};
}
