/**
 * Dates in the tablet app, one place: how officers write them (dd/mm/yyyy), how the API carries them
 * (YYYY-MM-DD or YYYY; ISO 8601 times with the tablet's offset), and "today" on the tablet's clock.
 */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DMY = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/;
const pad = (n) => String(Math.abs(n)).padStart(2, '0');

/**
 * A calendar date (YYYY-MM-DD) as dd/mm/yyyy; anything else (a year alone) as it is, or `empty` for nothing.
 * @param {string} value
 * @param {string} [empty]
 * @returns {string}
 */
export function formatDate(value, empty = '—') {
  const m = ISO_DATE.exec(value || '');
  return m ? `${m[3]}/${m[2]}/${m[1]}` : value || empty;
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
  const m = ISO_DATE.exec(value);
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
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * A moment as ISO 8601 with the tablet's own offset (e.g. 2025-08-08T14:03:11+07:00).
 * @param {Date} [date]
 * @returns {string}
 */
export function localIso(date = new Date()) {
  const offset = -date.getTimezoneOffset();
  return `${localToday(date)}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
    + `${offset >= 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
}

/**
 * A date-time for people, in the given language's format.
 * @param {string|number|Date} value
 * @param {string} lang 'vi' | 'en'
 * @returns {string}
 */
export function formatDateTime(value, lang) {
  if (!value) return '—';
  return new Date(value).toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB',
    {day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit'});
}
