/**
 * Whose ID card was read at a card hand-over (CONTRACT §8 `id_check: "qr"`): the 12-digit citizen ID in the
 * card's QR code against the citizen ID of the member the card was printed for, as the tablet holds it offline
 * (the roster). Only an equal ID makes "QR read" the identity check; the name on the card is shown to the officer
 * but never decides (names are typed with other tone-mark placements, cards carry old names). Pure: no DOM, so
 * the page's unit tests call it directly.
 */

const ID = /^[0-9]{12}$/;

/** A citizen ID as the roster may carry it (spaces, a BOM, full-width digits typed on some keyboards). */
export function citizenIdOf(value) {
  const text = String(value ?? '').normalize('NFKC').replace(/[\s\uFEFF.-]/g, '');
  return ID.test(text) ? text : null;
}

/**
 * @param {object|null} member the card's member from the roster (`citizen_id` may be missing)
 * @param {{citizen_id: string, full_name: string}} card parseCccd's ok result
 * @returns {{state: 'match'|'other'|'unknown', citizenId: string, name: string}} `unknown`: this tablet holds no
 *   citizen ID for the member, so a QR read cannot tell whose card it is
 */
export function idCheckVerdict(member, card) {
  const expected = citizenIdOf(member?.citizen_id);
  const read = citizenIdOf(card.citizen_id);
  const state = !expected ? 'unknown' : read === expected ? 'match' : 'other';
  return {state, citizenId: read || String(card.citizen_id ?? ''), name: card.full_name};
}

/** Whether a QR read can check this member at all (the option is offered only then). */
export function canCheckByQr(member) {
  return citizenIdOf(member?.citizen_id) !== null;
}
