/**
 * The 12-digit citizen ID (Circular 59/2021/TT-BCA): PPP G YY NNNNNN. Mirrors server/citizen_id.py
 * so the form flags a typo at the bedside with the same error codes the server would send back.
 */
import {PROVINCE_CODES as CODES} from './record-rules.js';

// Birth-registration codes of the 63 provinces and cities, generated from the server's list.
const PROVINCE_CODES = new Set(CODES);

/**
 * Error codes for a citizen ID (empty when plausible), checked against gender and birth year if given.
 * @param {string} citizenId
 * @param {string|null} gender 'male' | 'female'
 * @param {number|null} birthYear
 * @returns {string[]} codes: citizen_id_format, citizen_id_province, citizen_id_gender, citizen_id_birth_year
 */
export function checkCitizenId(citizenId, gender = null, birthYear = null) {
  if (!/^[0-9]{12}$/.test(citizenId || '')) return ['citizen_id_format'];
  const errors = [];
  if (!PROVINCE_CODES.has(citizenId.slice(0, 3))) errors.push('citizen_id_province');
  const digit = Number(citizenId[3]);
  if ((gender === 'male' || gender === 'female') && digit % 2 !== (gender === 'male' ? 0 : 1)) {
    errors.push('citizen_id_gender');
  }
  if (birthYear != null) {
    const century = 19 + Math.floor(digit / 2);
    if (century * 100 + Number(citizenId.slice(4, 6)) !== birthYear) errors.push('citizen_id_birth_year');
  }
  return errors;
}
