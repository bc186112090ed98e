/**
 * Prints of the member form (print-form.js) for the audit trail: the form is printed on the tablet, often with
 * no network, so the server never sees the paper. Each print queues a notice in the officer's encrypted queue
 * (`kind: "print"`, no photo), sent by sync.js after the records to POST /api/v1/prints under the client_id made
 * when it was printed; it leaves the tablet only on `accepted` or `duplicate`. The server never refuses a print
 * for what the officer cannot change, so a notice that is refused is one the officer may discard.
 */
import {sendInBatches} from './batch-outbox.js';

/**
 * Queue a print notice (works offline).
 * @param {import('./queue-store.js').QueueStore} store
 * @param {{item: object, memberName: string}} print the form's item as printed, and whose form it was
 */
export function queuePrint(store, {item, memberName}) {
  const clientId = crypto.randomUUID();
  const notice = {client_id: clientId, member_id: item.member_id ?? null, record_client_id: item.client_id || null,
    printed_at: new Date().toISOString()};
  return store.push({clientId, item: notice, label: memberName, kind: 'print'}, null);
}

/**
 * Send queued print notices (batch-outbox.js).
 * @param {import('./queue-store.js').QueueStore} store
 * @param {import('./api-client.js').ApiClient} client
 * @param {string} deviceId
 * @param {object[]} metas notice metadata, already marked `sending`
 * @param {{stored: number, rejected: number}} report
 */
export function sendPrints(store, client, deviceId, metas, report) {
  return sendInBatches(store, client, '/api/v1/prints', deviceId, metas, report);
}
