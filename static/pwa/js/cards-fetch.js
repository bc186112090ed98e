/**
 * The cards waiting at the officer's units (CONTRACT §8), fetched beside the roster and sealed on the device like
 * it (the store's key: `cards:USER_ID` in `rosters`). Kept apart from cards-outbox.js (hand-overs, their texts and
 * their sending) so that the refresh at start loads only this; cards-outbox.js re-exports both functions.
 */

const key = (userId) => `cards:${userId}`;

/**
 * The sealed list of waiting cards (empty before the first sync).
 * @returns {Promise<{cards: object[], savedAt: string|null}>}
 */
export async function loadCards(db, userId, cipher) {
  const row = await db.get('rosters', key(userId));
  if (!row) return {cards: [], savedAt: null};
  try {
    return await cipher.open(row.box);
  } catch {
    return {cards: [], savedAt: null};
  }
}

/**
 * Fetch the cards waiting in the officer's scope (hand-over order kept) and seal them on the device.
 * @param {{db: object, userId: number, cipher: object, client: import('./api-client.js').ApiClient}} ctx
 */
export async function refreshCards({db, userId, cipher, client}) {
  const data = await client.json('/api/v1/cards?status=at_unit');
  const cards = (data.cards || []).map(({card_number, member_id, unit_code, batch_code}) =>
    ({card_number, member_id, unit_code, batch_code}));
  const box = {cards, savedAt: new Date().toISOString()};
  await db.put('rosters', {userId: key(userId), box: await cipher.seal(box)});
  return box;
}
