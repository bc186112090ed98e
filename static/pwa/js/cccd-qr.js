/**
 * The text of the chip ID card's (CCCD) QR code: `ID|old ID|full name|DDMMYYYY|Nam or Nữ|address|DDMMYYYY`.
 * Parts are recognised by what they are (12 digits, an 8-digit date, Nam/Nữ), not trusted by position alone:
 * the old 9-digit ID is empty for people who never had one (and missing on some readers' output), newer cards
 * add fields after the seventh, and the text may arrive in any Unicode form or case of "Nam"/"Nữ". Pure: no DOM,
 * so the page's unit tests call it directly. Never guesses: a string that is not a CCCD QR fills nothing.
 */

const ID = /^[0-9]{12}$/;
const OLD_ID = /^[0-9]{9}$|^[0-9]{12}$/;
const DDMMYYYY = /^([0-9]{2})([0-9]{2})([0-9]{4})$/;

/** Text as stored: NFC, no BOM, spaces collapsed, trimmed. */
function clean(value) {
  return String(value ?? '').normalize('NFC').replace(/\uFEFF/g, '').replace(/\s+/g, ' ').trim();
}

/** `DDMMYYYY` → `YYYY-MM-DD` when it is a real calendar date, else null. */
export function cardDate(text) {
  const m = DDMMYYYY.exec(text);
  if (!m) return null;
  const [day, month, year] = [+m[1], +m[2], +m[3]];
  const d = new Date(Date.UTC(year, month - 1, day));
  if (year < 1900 || d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return `${m[3]}-${m[2]}-${m[1]}`;
}

/** `Nam` → male, `Nữ` → female (any case or Unicode form), else null. */
export function cardGender(text) {
  const word = clean(text).toLocaleLowerCase('vi');
  return word === 'nam' ? 'male' : word === 'nữ' ? 'female' : null;
}

/** What a QR text that is not a CCCD is, so the officer is told what was read instead. */
function kindOf(text) {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) || /^www\./i.test(text)) return 'url';
  // EMVCo merchant codes (VietQR bank transfers and shop payments) start with the payload-format field 000201.
  if (/^000201/.test(text)) return 'payment';
  return 'other';
}

function refuse(text) {
  return {ok: false, kind: text ? kindOf(text) : 'empty', raw: text};
}

/**
 * Parse the text of a QR code read from a chip ID card.
 * @param {string} raw the decoded text, as the reader gave it
 * @returns {{ok: true, raw: string, citizen_id: string, old_id: string, full_name: string, date_of_birth: string,
 *   gender: string, permanent_address: string, issued_on: string|null, extra: string[]}
 *   | {ok: false, kind: 'empty'|'url'|'payment'|'other', raw: string}}
 *   dates are `YYYY-MM-DD`; gender `male`/`female`; text in NFC.
 */
export function parseCccd(raw) {
  const text = String(raw ?? '').normalize('NFC').replace(/^\uFEFF/, '').replace(/[\r\n]+$/, '').trim();
  const parts = text.split('|').map(clean);
  if (parts.length < 6 || !ID.test(parts[0])) return refuse(text);
  let at = 1;
  let oldId = '';
  if (parts[1] === '' || OLD_ID.test(parts[1])) { oldId = parts[1]; at = 2; } // else the reader left it out
  const fullName = parts[at];
  // Birth date and gender, in either order (the order varies between readers that re-encode the card).
  let dob = cardDate(parts[at + 1]);
  let gender = cardGender(parts[at + 2] ?? '');
  if (!dob && !gender) {
    dob = cardDate(parts[at + 2] ?? '');
    gender = cardGender(parts[at + 1]);
  }
  if (!fullName || !/\p{L}/u.test(fullName) || /[0-9]/.test(fullName) || !dob || !gender) return refuse(text);
  const address = parts[at + 3] ?? '';
  const issued = parts[at + 4] ?? '';
  const issuedOn = issued ? cardDate(issued) : null;
  if (issued && !issuedOn) return refuse(text);
  return {ok: true, raw: text, citizen_id: parts[0], old_id: oldId, full_name: fullName, date_of_birth: dob,
    gender, permanent_address: address, issued_on: issuedOn, extra: parts.slice(at + 5)};
}

/**
 * Whether a string typed into a field looks like a CCCD QR text (a keyboard-wedge scanner types it whole).
 * @param {string} text
 * @returns {boolean}
 */
export function looksLikeCardText(text) {
  return /^\s*[0-9]{12}\|/.test(String(text ?? ''));
}
