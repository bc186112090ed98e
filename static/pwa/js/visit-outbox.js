/**
 * "Could not collect" reports: queued in the officer's encrypted queue like records (no photo), sent in the
 * same sync run to POST /api/v1/visits/{id}/outcome under the client_id made when the officer saved it, so
 * a resend after a dropped answer changes nothing on the server. A report leaves the tablet only on a 2xx,
 * or when the server says the visit moved on (reassigned or closed by someone else): then it is dropped
 * with a notice and the visit leaves "My visits". Never decides when to sync.
 */
import {ApiError, isAuthError} from './api-client.js';
import {app, emit} from './app-state.js';
import {loadRoster, saveRoster} from './roster.js';
import {localNotice, mergeNotices} from './visit-notices.js';

/** Server answers meaning the report can never apply: the visit is someone else's or already settled. */
const MOVED_ON = new Set(['visit_reassigned', 'visit_closed']);

/**
 * Queue a "could not collect" report for a visit (works offline).
 * @param {import('./queue-store.js').QueueStore} store
 * @param {{visit: object, memberName: string, reason: string, note: string}} report
 * @returns {Promise<object>} the queued metadata
 */
export function queueOutcome(store, {visit, memberName, reason, note}) {
  const clientId = crypto.randomUUID();
  const item = {client_id: clientId, visit_id: visit.id, result: 'could_not_collect', reason, note: note || ''};
  return store.push({clientId, item, label: memberName, kind: 'outcome'}, null);
}

/**
 * Take a visit off the tablet's list and leave a notice saying why (the server refused a report for it).
 * @param {import('./queue-store.js').QueueStore} store
 * @param {object} notice
 */
async function dropVisit(store, notice) {
  const roster = await loadRoster(store.db, store.userId, store.cipher);
  const next = {...roster, visits: (roster.visits || []).filter((v) => v.id !== notice.visit_id),
    notices: mergeNotices(roster.notices, [notice], roster.dismissed)};
  await saveRoster(store.db, store.userId, store.cipher, next);
  if (app.account?.userId === store.userId && app.cipher) {
    app.roster = {...app.roster, visits: next.visits, notices: next.notices};
    emit('roster');
  }
}

/**
 * Send queued outcome reports one by one. Network, auth and server failures are thrown (the caller parks
 * the queue as for records); other refusals are kept as needs_fix with the server's code.
 * @param {import('./queue-store.js').QueueStore} store
 * @param {import('./api-client.js').ApiClient} client
 * @param {object[]} metas outcome metadata, already marked `sending`
 * @param {{stored: number, rejected: number, dropped?: number}} report
 */
export async function sendOutcomes(store, client, metas, report) {
  for (const meta of metas) {
    const record = await store.get(meta.clientId);
    if (!record) continue;
    const {visit_id: visitId, ...body} = record.item;
    try {
      await client.json(`/api/v1/visits/${encodeURIComponent(visitId)}/outcome`, {method: 'POST', json: body});
      await store.remove(meta.clientId);
      report.stored += 1;
    } catch (error) {
      if (!(error instanceof ApiError) || isAuthError(error) || error.status >= 500) throw error;
      if (MOVED_ON.has(error.code) || error.status === 404) {
        await store.remove(meta.clientId);
        await dropVisit(store, localNotice({visitId, memberName: record.label},
          error.status === 404 ? 'not_found' : error.code));
        report.dropped = (report.dropped || 0) + 1;
      } else {
        await store.markNeedsFix(meta.clientId, [{field: null, code: error.code, params: {}}]);
        report.rejected += 1;
      }
    }
  }
}
