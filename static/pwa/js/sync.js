/**
 * Replay of the queue against the server (CONTRACT §5): for each record HEAD its photo and PUT it if
 * missing, then POST the records in batches of at most 50. A record leaves the device only on `accepted`
 * or `duplicate`, a visit outcome only on a 2xx (visit-outbox.js), a card hand-over or a print notice as a
 * record does (batch-outbox.js). The first network failure stops the run (everything stays queued); a 401
 * parks the records as `waiting` for a new sign-in. Never runs twice at once (the caller holds the lock).
 */
import {ApiError, NetworkError, isAuthError} from './api-client.js';

export const BATCH_SIZE = 50;
const SENDABLE = new Set(['queued', 'sending', 'waiting']);
const GONE = new Set(['accepted', 'duplicate']);

/** The queue's other kinds, in the order a run sends them, and how each is sent. */
const OUTBOXES = [
  {kind: 'outcome', send: async () => {
    const {sendOutcomes} = await import('./visit-outbox.js');
    return (store, client, deviceId, metas, report) => sendOutcomes(store, client, metas, report);
  }},
  {kind: 'handover', send: async () => (await import('./cards-outbox.js')).sendHandovers},
  {kind: 'print', send: async () => (await import('./print-outbox.js')).sendPrints},
];
const OUTBOX_KINDS = new Set(OUTBOXES.map((outbox) => outbox.kind));

/** Why a run stopped before the end. */
export class SyncStopped extends Error {
  /** @param {'network'|'auth'|'server'} reason */
  constructor(reason, cause) {
    super(reason);
    this.reason = reason;
    this.cause = cause;
  }
}

function stopFor(error) {
  if (error instanceof NetworkError) return new SyncStopped('network', error);
  if (isAuthError(error)) return new SyncStopped('auth', error);
  return new SyncStopped('server', error);
}

/**
 * Make sure the server holds a record's photo: HEAD, then PUT the bytes if it answers 404.
 * @returns {Promise<object|null>} the quality report when uploaded now, else null
 */
async function ensurePhoto(store, client, meta, force = false) {
  if (!force) {
    const head = await client.send(`/api/v1/photos/${meta.photoSha}`, {method: 'HEAD'});
    if (head.status === 200) return null;
  }
  const photo = await store.photo(meta.clientId);
  const result = await client.json(`/api/v1/photos/${photo.sha256}`,
    {method: 'PUT', body: photo.bytes, type: photo.type, timeoutMs: 120000});
  return result?.quality || null;
}

/** Photos in flight at once: hides the round trips of HEAD and PUT on a slow, high-latency link. */
export const UPLOADS_IN_FLIGHT = 3;

async function uploadPhotos(store, client, metas, report, force = false) {
  const ready = new Set();
  let next = 0;
  let failure = null;
  async function worker() {
    while (!failure && next < metas.length) {
      const meta = metas[next++];
      try {
        const quality = await ensurePhoto(store, client, meta, force);
        if (quality) await store.setState([meta.clientId], 'sending', {quality});
        ready.add(meta);
      } catch (error) {
        const serverRefused = error instanceof ApiError && !isAuthError(error) && error.status < 500;
        if (!serverRefused) { failure = failure || error; return; } // stop taking new photos; let others end
        // The server will never take these bytes (corrupt, too large...): the officer retakes the photo.
        await store.markNeedsFix(meta.clientId, [{field: 'photo_sha256', code: error.code, params: {}}]);
        report.rejected += 1;
      }
    }
  }
  await Promise.all(Array.from({length: Math.min(UPLOADS_IN_FLIGHT, metas.length)}, worker));
  if (failure) throw failure;
  return metas.filter((meta) => ready.has(meta));
}

async function postBatch(store, client, deviceId, metas, report) {
  const records = await Promise.all(metas.map((meta) => store.get(meta.clientId)));
  const data = await client.json('/api/v1/sync/submissions',
    {method: 'POST', json: {device_id: deviceId, items: records.map((r) => r.item)}});
  const retry = [];
  for (const [i, result] of (data.results || []).entries()) {
    const meta = metas[i];
    if (result.client_id !== meta.clientId) continue; // answers are in order; never trust a mismatch
    if (GONE.has(result.outcome)) {
      await store.remove(meta.clientId);
      report.stored += 1;
    } else if ((result.errors || []).every((e) => e.code === 'photo_missing')) {
      retry.push(meta);
    } else {
      await store.markNeedsFix(meta.clientId, result.errors || []);
      report.rejected += 1;
    }
  }
  return retry;
}

/** After a failure: put what was being sent back in the queue (or park it all for a sign-in). */
async function park(store, error, onChange) {
  const stop = stopFor(error);
  const parked = stop.reason === 'auth' ? SENDABLE : new Set(['sending']);
  const left = (await store.metas()).filter((m) => parked.has(m.state)).map((m) => m.clientId);
  await store.setState(left, stop.reason === 'auth' ? 'waiting' : 'queued');
  onChange();
  return stop;
}

/**
 * Send every sendable record of the store (records, then visit outcomes, hand-overs and print notices). Throws SyncStopped when it had to stop early.
 * @param {{store: import('./queue-store.js').QueueStore, client: import('./api-client.js').ApiClient,
 *          deviceId: string, onChange?: Function}} options
 * @returns {Promise<{stored: number, rejected: number}>}
 */
export async function syncQueue({store, client, deviceId, onChange = () => {}}) {
  const report = {stored: 0, rejected: 0};
  const sendable = (await store.metas()).filter((meta) => SENDABLE.has(meta.state));
  const pending = sendable.filter((meta) => !OUTBOX_KINDS.has(meta.kind));
  for (let start = 0; start < pending.length; start += BATCH_SIZE) {
    const batch = pending.slice(start, start + BATCH_SIZE);
    const ids = batch.map((meta) => meta.clientId);
    await store.setState(ids, 'sending');
    onChange();
    try {
      const ready = await uploadPhotos(store, client, batch, report);
      let retry = ready.length ? await postBatch(store, client, deviceId, ready, report) : [];
      if (retry.length) {
        // photo_missing: the server lost or never kept the photo — upload it again, then resend once.
        retry = await postBatch(store, client, deviceId, await uploadPhotos(store, client, retry, report, true),
          report);
        for (const meta of retry) {
          await store.markNeedsFix(meta.clientId, [{field: 'photo_sha256', code: 'photo_missing', params: {}}]);
        }
      }
    } catch (error) {
      throw await park(store, error, onChange);
    }
    onChange();
  }
  // Visit outcomes ("could not collect"), card hand-overs and print notices ride in the same run, after the
  // records, each sent by its own module (loaded only when there is something of its kind to send).
  for (const {kind, send} of OUTBOXES) {
    const metas = sendable.filter((meta) => meta.kind === kind);
    if (!metas.length) continue;
    let sender;
    try {
      sender = await send();
    } catch (error) {
      throw new SyncStopped('network', error); // its code could not be fetched: try again later, keep everything
    }
    await store.setState(metas.map((meta) => meta.clientId), 'sending');
    onChange();
    try {
      await sender(store, client, deviceId, metas, report);
    } catch (error) {
      throw await park(store, error, onChange);
    }
    onChange();
  }
  // Anything the server did not answer for stays queued for the next run.
  const unanswered = (await store.metas()).filter((m) => m.state === 'sending').map((m) => m.clientId);
  if (unanswered.length) await store.setState(unanswered, 'queued');
  return report;
}
