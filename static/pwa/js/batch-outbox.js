/**
 * What the queue's batched kinds share (card hand-overs, print notices): POST the items BATCH_SIZE at a time in a
 * `{device_id, items}` envelope, remove each on `accepted` or `duplicate`, keep a refused one as needs_fix with
 * the server's codes. Network, auth and server failures are thrown for sync.js to park the queue.
 */
export const BATCH_SIZE = 50;
const GONE = new Set(['accepted', 'duplicate']);

/**
 * @param {import('./queue-store.js').QueueStore} store
 * @param {import('./api-client.js').ApiClient} client
 * @param {string} path the endpoint
 * @param {string} deviceId
 * @param {object[]} metas the items' metadata, already marked `sending`
 * @param {{stored: number, rejected: number}} report
 * @param {(result: object) => void} [refused] told of each refused item's result
 */
export async function sendInBatches(store, client, path, deviceId, metas, report, refused = () => {}) {
  for (let start = 0; start < metas.length; start += BATCH_SIZE) {
    const batch = metas.slice(start, start + BATCH_SIZE);
    const records = await Promise.all(batch.map((meta) => store.get(meta.clientId)));
    const data = await client.json(path, {method: 'POST', json: {device_id: deviceId, items: records.map((r) => r.item)}});
    for (const [i, result] of (data.results || []).entries()) {
      const meta = batch[i];
      if (result.client_id !== meta.clientId) continue; // answers are in order; never trust a mismatch
      if (GONE.has(result.outcome)) {
        await store.remove(meta.clientId);
        report.stored += 1;
      } else {
        await store.markNeedsFix(meta.clientId, result.errors || []);
        report.rejected += 1;
        refused(result);
      }
    }
  }
}
