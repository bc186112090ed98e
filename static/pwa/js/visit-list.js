/**
 * Plain rules about visits shared by "My visits" and the lead's board: their order (due date, then
 * hand-over priority, as the server orders them), what counts as overdue, and the member facts a visit
 * card shows. No DOM, no network: safe to unit-test in the page.
 */

/** Hand-over priority (DOMAIN.md step 7): veterans, then former Central Committee members, then the rest. */
export const PRIORITY_RANK = {veteran: 0, former_central_committee: 1, standard: 2};

/**
 * Today on this tablet as YYYY-MM-DD (local time: a visit due today is not overdue before midnight here).
 * @param {Date} [now]
 */
export function todayIso(now = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * Whether an open visit's due date has passed.
 * @param {{due_date?: string|null, status?: string}} visit
 * @param {string} [today] YYYY-MM-DD
 */
export function isOverdue(visit, today = todayIso()) {
  return Boolean(visit.due_date) && (!visit.status || visit.status === 'open') && visit.due_date < today;
}

function rank(visit, member) {
  const priority = visit.priority || member?.priority || 'standard';
  return PRIORITY_RANK[priority] ?? Object.keys(PRIORITY_RANK).length;
}

/**
 * Visits by due date (undated last), then priority, then id — a new array.
 * @param {object[]} visits
 * @param {Map<number, object>} [members] roster members by id (for the priority of older roster rows)
 */
export function sortVisits(visits, members = new Map()) {
  return [...visits].sort((a, b) => {
    const da = a.due_date || '9999-99-99';
    const db = b.due_date || '9999-99-99';
    if (da !== db) return da < db ? -1 : 1;
    return rank(a, members.get(a.member_id)) - rank(b, members.get(b.member_id)) || a.id - b.id;
  });
}

/**
 * What a visit card shows about the member: the roster row when the tablet has it, else what the visit carries.
 * @param {object} visit a roster or API visit
 * @param {object|undefined} member the roster member
 * @returns {{id: number, full_name: string, birth_year: string, cell: string, cell_code: string, address: string,
 *            phone: string, priority: string, note: string}}
 */
export function visitFacts(visit, member) {
  return {
    id: visit.member_id,
    full_name: member?.full_name || visit.member_name || `#${visit.member_id}`,
    birth_year: String(member?.date_of_birth || '').slice(0, 4),
    cell: member?.unit_name || visit.unit_name || '',
    cell_code: member?.unit_code || visit.unit_code || '',
    address: member?.permanent_address || visit.permanent_address || '',
    phone: (member?.phone || visit.phone || '').trim(),
    priority: visit.priority || member?.priority || 'standard',
    note: visit.note || member?.home_visit_note || visit.home_visit_note || '',
  };
}

/**
 * A tel: link for a phone number as typed in the members file (spaces, dots and dashes dropped).
 * @param {string} phone
 * @returns {string} '' when there is no dialable number
 */
export function telHref(phone) {
  const digits = String(phone || '').replace(/[\s.()-]/g, '');
  return /^\+?\d{3,15}$/.test(digits) ? `tel:${digits}` : '';
}

/**
 * The member to open the form with: the roster row, or a stand-in made from the visit's own fields.
 * @param {object} visit
 * @param {object|undefined} member
 */
export function formMember(visit, member) {
  if (member) return member;
  return {id: visit.member_id, full_name: visit.member_name || '', permanent_address: visit.permanent_address || '',
    phone: visit.phone || ''};
}
