/**
 * Cards waiting at the officer's units, and the hand-overs recorded on this tablet (CONTRACT §8).
 * The list comes with the roster sync (GET /api/v1/cards?status=at_unit) and is sealed on the device like the
 * roster. A hand-over is a row of the encrypted queue (`kind: "handover"`, no photo), sent by sync.js after
 * the records to POST /api/v1/cards/handovers under the client_id made when it was saved; it leaves the
 * tablet only on `accepted` or `duplicate`. Never shows a screen (a toast says when a card was already given).
 */
import {sendInBatches} from './batch-outbox.js';
import {addStrings, t} from './i18n.js';
import {CARDS_STRINGS} from './strings-cards.js';
import {toast} from './ui.js';

// The waiting list itself is fetched at start beside the roster by the much smaller cards-fetch.js.
export {loadCards, refreshCards} from './cards-fetch.js';

addStrings(CARDS_STRINGS); // its notices and the server's codes, wherever the officer is

/**
 * Queue a hand-over (works offline).
 * @param {import('./queue-store.js').QueueStore} store
 * @param {{card: object, memberName: string, recipient: string, proxyName: string, idCheck: string, note: string}} h
 */
export function queueHandover(store, {card, memberName, recipient, proxyName, idCheck, note}) {
  const clientId = crypto.randomUUID();
  const item = {client_id: clientId, card_number: card.card_number, member_id: card.member_id,
    handed_at: new Date().toISOString(), recipient, id_check: idCheck};
  if (recipient === 'proxy') item.proxy_name = proxyName;
  if (note) item.note = note;
  return store.push({clientId, item, label: memberName, kind: 'handover'}, null);
}

/**
 * Send queued hand-overs (batch-outbox.js); a refused item stays on the tablet as needs_fix with the server's codes.
 * @param {import('./queue-store.js').QueueStore} store
 * @param {import('./api-client.js').ApiClient} client
 * @param {string} deviceId
 * @param {object[]} metas hand-over metadata, already marked `sending`
 * @param {{stored: number, rejected: number}} report
 */
export async function sendHandovers(store, client, deviceId, metas, report) {
  let elsewhere = 0;
  await sendInBatches(store, client, '/api/v1/cards/handovers', deviceId, metas, report, (result) => {
    if ((result.errors || []).some((e) => e.code === 'already_handed_over')) elsewhere += 1;
  });
  // Two tablets gave out one card: the officer must know that theirs was not recorded.
  if (elsewhere) toast(t('cards.alreadyHanded', {n: elsewhere}), {kind: 'warn', timeoutMs: 0, id: 'cards'});
}
