/**
 * The record's rules, checked on the tablet with the server's error codes (CONTRACT §5 submissions),
 * so the officer fixes a mistake while the member is still there. The server stays the judge.
 */
import {checkCitizenId} from './citizen-id.js';
import {localToday, normaliseDate} from './dates.js';
import {CHOICES, FIELDS, LOCATION_KINDS, MAX_LENGTHS, MIN_BIRTH_YEAR, OPTIONAL, PHONE_CHARACTERS, REQUIRED}
  from './record-rules.js';

// The lists and bounds are generated from the server's field catalogue (record-rules.js); re-exported here.
export {LOCATION_KINDS, OPTIONAL, REQUIRED, localToday, normaliseDate};
const TEXT_FIELDS = FIELDS.filter((f) => f.kind === 'text' || f.kind === 'phone').map((f) => f.name);
// What the server refuses in text: control, format, surrogate, private-use and line/paragraph separators.
const REFUSED = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}]/u;

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
const YEAR = /^\d{4}$/;

function realDate(text) {
  const m = ISO.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

function checkDate(errors, field, value, yearOnlyAllowed, today, minYear = 1) {
  const ok = yearOnlyAllowed && YEAR.test(value) ? +value >= 1 : realDate(value);
  if (!ok) { errors.push({field, code: 'invalid_date', params: {}}); return false; }
  if (value > today.slice(0, value.length)) { errors.push({field, code: 'date_in_future', params: {}}); return false; }
  if (+value.slice(0, 4) < minYear) {
    errors.push({field, code: 'date_too_early', params: {min: minYear}});
    return false;
  }
  return true;
}

/** The server's text rules: hidden characters, then the length once spaces are collapsed (as it stores text). */
function checkText(errors, name, raw) {
  if (raw == null || raw === '') return;
  const value = String(raw).normalize('NFC');
  if (REFUSED.test(value)) { errors.push({field: name, code: 'invalid_characters', params: {}}); return; }
  const cleaned = value.replace(/\s+/g, ' ').trim();
  if (cleaned.length > MAX_LENGTHS[name]) {
    errors.push({field: name, code: 'too_long', params: {max: MAX_LENGTHS[name]}});
  } else if (name === 'phone' && cleaned && !PHONE_CHARACTERS.test(cleaned)) {
    errors.push({field: name, code: 'invalid_phone', params: {}});
  }
}

/**
 * Check one submission item; returns the server-shaped error list (empty when the item looks right).
 * @param {object} item {member_id, location_kind, consent, photo_sha256, fields: {...}}
 * @param {string} [today] YYYY-MM-DD
 * @returns {Array<{field: string|null, code: string, params: object}>}
 */
export function validateItem(item, today = localToday()) {
  const errors = [];
  const f = item.fields || {};
  for (const name of TEXT_FIELDS) checkText(errors, name, f[name]);
  const refused = new Set(errors.map((e) => e.field));
  for (const name of REQUIRED) {
    if (!refused.has(name) && !String(f[name] ?? '').trim()) errors.push({field: name, code: 'required', params: {}});
  }
  const missing = new Set(errors.map((e) => e.field));
  const dob = String(f.date_of_birth ?? '');
  const dobOk = !missing.has('date_of_birth') && checkDate(errors, 'date_of_birth', dob, true, today, MIN_BIRTH_YEAR);
  const joinOk = !missing.has('party_join_date')
    && checkDate(errors, 'party_join_date', f.party_join_date, false, today);
  const officialOk = !missing.has('party_official_date')
    && checkDate(errors, 'party_official_date', f.party_official_date, false, today);
  if (dobOk && joinOk && f.party_join_date.slice(0, dob.length) < dob) {
    errors.push({field: 'party_join_date', code: 'before_birth', params: {}});
  }
  if (dobOk && officialOk && f.party_official_date.slice(0, dob.length) < dob) {
    errors.push({field: 'party_official_date', code: 'before_birth', params: {}});
  }
  if (joinOk && officialOk && f.party_official_date < f.party_join_date) {
    errors.push({field: 'party_official_date', code: 'official_before_join', params: {}});
  }
  if (!missing.has('gender') && !CHOICES.gender.includes(f.gender)) {
    errors.push({field: 'gender', code: 'invalid_choice', params: {}});
  }
  if (!missing.has('citizen_id')) {
    const gender = CHOICES.gender.includes(f.gender) ? f.gender : null;
    for (const code of checkCitizenId(f.citizen_id, gender, dobOk ? Number(dob.slice(0, 4)) : null)) {
      errors.push({field: 'citizen_id', code, params: {}});
    }
  }
  if (!LOCATION_KINDS.includes(item.location_kind)) {
    errors.push({field: 'location_kind', code: 'invalid_choice', params: {}});
  }
  if (!item.photo_sha256) errors.push({field: 'photo_sha256', code: 'photo_missing', params: {}});
  if (item.consent !== true) errors.push({field: 'consent', code: 'consent_required', params: {}});
  return errors;
}
