/**
 * Vietnamese text keys for finding people: one place that decides when two spellings are "the same".
 * Mirrors server/text.py (name_key, search_key) so the tablet and the server agree; never stores anything.
 */

// The five tone marks; circumflex, breve and horn change the vowel itself and are kept by nameKey.
const TONE_MARKS = {'\u0300': '2', '\u0301': '1', '\u0303': '4', '\u0309': '3', '\u0323': '5'};
const COMBINING = /[\u0300-\u036f]/g;
const SPACES = /\s+/g;

/**
 * The loose search key: lower case, no diacritics at all, đ→d, single spaces.
 * "Nguyễn Thị Hoà" and "nguyen thi hoa" fold to the same text.
 * @param {string} value
 * @returns {string}
 */
export function fold(value) {
  return String(value ?? '').toLowerCase().normalize('NFD').replace(COMBINING, '')
    .replace(/đ/g, 'd').replace(SPACES, ' ').trim();
}

function syllableKey(syllable) {
  let tone = '';
  let letters = '';
  for (const char of syllable.normalize('NFD')) {
    if (TONE_MARKS[char]) tone = TONE_MARKS[char];
    else letters += char;
  }
  return letters.normalize('NFC') + tone;
}

/**
 * The strict comparison key: case and spacing ignored, and which vowel carries the tone mark
 * (hoà = hòa, thuỷ = thủy, Qúy = Quý); any other diacritic difference (Hùng / Hưng) still differs.
 * @param {string} value
 * @returns {string}
 */
export function nameKey(value) {
  return String(value ?? '').normalize('NFC').toLowerCase().replace(SPACES, ' ').trim()
    .split(' ').filter(Boolean).map(syllableKey).join(' ');
}

/**
 * Whether the text carries any Vietnamese diacritic (then accent-exact matches rank first).
 * @param {string} value
 * @returns {boolean}
 */
export function hasDiacritics(value) {
  return fold(value) !== String(value ?? '').toLowerCase().replace(SPACES, ' ').trim();
}
