/**
 * The 12-digit citizen ID (Circular 59/2021/TT-BCA): PPP G YY NNNNNN. Mirrors server/citizen_id.py
 * so the form flags a typo at the bedside with the same error codes the server would send back.
 */

// Birth-registration codes of the 63 provinces and cities (the same list as the server's).
const PROVINCE_CODES = new Set(('001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 ' +
  '031 033 034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 ' +
  '072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096').split(' '));

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
