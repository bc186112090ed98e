/**
 * Offline roster search: an in-memory index over the decrypted roster, searched synchronously on every
 * keystroke, so the list on screen always belongs to the query in the box (no late answers to old queries).
 */
import {fold, hasDiacritics, nameKey} from './name-fold.js';

const DIGITS = /^\d+$/;

/**
 * Build the search index once per roster load (5,000 members take a few milliseconds).
 * @param {Array<object>} members roster members (CONTRACT §5 roster)
 * @returns {Array<object>} index entries
 */
export function buildIndex(members) {
  return members.map((member) => {
    const folded = fold(member.full_name);
    return {member, folded, words: folded.split(' '), key: nameKey(member.full_name),
      code: fold(member.member_code || ''), cid: member.citizen_id || ''};
  });
}

function scoreName(entry, tokens, query) {
  const used = new Set();
  let score = 0;
  for (const token of tokens) {
    let best = -1;
    let bestScore = 0;
    entry.words.forEach((word, i) => {
      if (used.has(i) || !word.startsWith(token)) return;
      const s = word === token ? 3 : 1;
      if (s > bestScore) { best = i; bestScore = s; }
    });
    if (best < 0) return 0;
    used.add(best);
    score += bestScore;
  }
  if (entry.folded === query) score += 6;
  else if (entry.folded.startsWith(query)) score += 2;
  if (entry.words[entry.words.length - 1] === tokens[tokens.length - 1]) score += 1; // the given name
  return score;
}

/**
 * Members matching `query`, best match first: name tokens as word prefixes (accent-, case- and
 * tone-placement-insensitive), or digits of the citizen ID, or the member code.
 * @param {Array<object>} index from buildIndex
 * @param {string} query what the officer typed
 * @param {number} [limit=50]
 * @returns {Array<object>} members
 */
export function search(index, query, limit = 50) {
  const q = fold(query);
  if (!q) return [];
  const tokens = q.split(' ');
  const exactKey = hasDiacritics(query) ? nameKey(query) : null;
  const digits = DIGITS.test(q.replace(/ /g, '')) ? q.replace(/ /g, '') : null;
  const hits = [];
  for (const entry of index) {
    let score = 0;
    if (digits) {
      if (entry.cid === digits) score = 20;
      else if (digits.length >= 3 && entry.cid.includes(digits)) score = entry.cid.startsWith(digits) ? 12 : 10;
    }
    if (!score && entry.code && (entry.code === q || (q.length >= 3 && entry.code.startsWith(q)))) {
      score = entry.code === q ? 20 : 11;
    }
    if (!score) score = scoreName(entry, tokens, q);
    if (!score) continue;
    if (exactKey && entry.key.includes(exactKey)) score += 4;
    hits.push({score, entry});
  }
  hits.sort((a, b) => b.score - a.score || a.entry.folded.localeCompare(b.entry.folded)
    || a.entry.member.id - b.entry.member.id);
  return hits.slice(0, limit).map((hit) => hit.entry.member);
}
