/**
 * The record's rules, checked on the tablet with the server's error codes (CONTRACT §5 submissions),
 * so the officer fixes a mistake while the member is still there. The server stays the judge.
 */
import {checkCitizenId} from './citizen-id.js';

/** Fields the server requires. */
export const REQUIRED = ['full_name', 'date_of_birth', 'gender', 'citizen_id', 'hometown', 'permanent_address',
  'party_join_date', 'party_official_date'];
/** Fields the server accepts besides the required ones. */
export const OPTIONAL = ['old_card_number', 'phone', 'ethnicity', 'religion'];
export const LOCATION_KINDS = ['station', 'home', 'hospital', 'other'];

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
const YEAR = /^\d{4}$/;
const DMY = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/;

function realDate(text) {
  const m = ISO.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

/**
 * Normalise a typed date to the API form: "YYYY", or "YYYY-MM-DD" from "YYYY-MM-DD" or "DD/MM/YYYY".
 * Anything else is returned trimmed, for the validator to refuse.
 * @param {string} text
 * @returns {string}
 */
export function normaliseDate(text) {
  const value = String(text ?? '').trim();
  const m = DMY.exec(value);
  if (m) return `${m[3]}-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}`;
  return value;
}

/**
 * A full date typed as dd/mm/yyyy (or yyyy-mm-dd) for a planning field: "YYYY-MM-DD", "" when empty, or null
 * when it is not a real date. The board and the bulk dialog use it instead of native date inputs, which show
 * mm/dd/yyyy in an English browser while the rest of the app says dd/mm/yyyy.
 * @param {string} text
 * @returns {string|null}
 */
export function typedDate(text) {
  const value = normaliseDate(text);
  if (!value) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const day = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return day.getUTCMonth() === +m[2] - 1 && day.getUTCDate() === +m[3] ? value : null;
}

/**
 * Today's local date as YYYY-MM-DD (the officer's day, not UTC's).
 * @param {Date} [now]
 * @returns {string}
 */
export function localToday(now = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function checkDate(errors, field, value, yearOnlyAllowed, today) {
  const ok = yearOnlyAllowed && YEAR.test(value) ? +value >= 1 : realDate(value);
  if (!ok) { errors.push({field, code: 'invalid_date', params: {}}); return false; }
  if (value > today.slice(0, value.length)) { errors.push({field, code: 'date_in_future', params: {}}); return false; }
  return true;
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
  for (const name of REQUIRED) {
    if (!String(f[name] ?? '').trim()) errors.push({field: name, code: 'required', params: {}});
  }
  const missing = new Set(errors.map((e) => e.field));
  const dob = String(f.date_of_birth ?? '');
  const dobOk = !missing.has('date_of_birth') && checkDate(errors, 'date_of_birth', dob, true, today);
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
  if (!missing.has('gender') && !['male', 'female'].includes(f.gender)) {
    errors.push({field: 'gender', code: 'invalid_choice', params: {}});
  }
  if (!missing.has('citizen_id')) {
    const gender = ['male', 'female'].includes(f.gender) ? f.gender : null;
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
