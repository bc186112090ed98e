/**
 * The team lead's board, without the DOM: loading officers and visits (online only: the board shows the
 * server's state, never a copy), grouping them by officer with workload counts, the filters, and the calls
 * that reassign, replan and bulk-plan. Personal data stays in memory; nothing here is stored on the tablet.
 */
import {NetworkError} from './api-client.js';
import {isOverdue, sortVisits} from './visit-list.js';

/**
 * Officers in scope, open visits (for the workload counts) and the visits of the chosen status.
 * @param {import('./api-client.js').ApiClient} client
 * @param {string} status open | could_not_collect | done | all
 * @returns {Promise<{officers: object[], open: object[], visits: object[], at: string}>}
 */
export async function loadBoard(client, status = 'open') {
  const [users, open, shown] = await Promise.all([
    client.json('/api/v1/users?role=officer'),
    client.json('/api/v1/visits?status=open'),
    status === 'open' ? null : client.json(`/api/v1/visits?status=${encodeURIComponent(status)}`),
  ]);
  return {officers: users.users.filter((u) => u.active), open: open.visits,
    visits: shown ? shown.visits : open.visits, at: new Date().toISOString()};
}

/**
 * Whether a visit passes the board's filters.
 * @param {object} visit
 * @param {{cell?: string, due?: string, overdue?: boolean}} filters
 * @param {string} today YYYY-MM-DD
 */
export function passes(visit, {cell = '', due = '', overdue = false}, today) {
  return (!cell || visit.unit_code === cell) && (!due || (Boolean(visit.due_date) && visit.due_date <= due))
    && (!overdue || isOverdue(visit, today));
}

/**
 * One group per officer in scope (even with nothing to do: they can take work) and per other holder,
 * with counts of open and overdue visits whatever the filters, and the visits the filters let through.
 * @param {{officers: object[], open: object[], visits: object[]}} data
 * @param {object} filters see passes()
 * @param {string} today
 * @returns {Array<{id: number|null, name: string, unit: string, open: number, overdue: number, visits: object[]}>}
 */
export function groupBoard({officers, open, visits}, filters, today) {
  const groups = new Map();
  const group = (id, name = '', unit = '') => {
    if (!groups.has(id)) {
      groups.set(id, {id, name: name || (id == null ? '' : `#${id}`), unit, open: 0, overdue: 0, visits: []});
    }
    return groups.get(id);
  };
  for (const officer of officers) group(officer.id, officer.display_name || officer.username, officer.unit_name);
  for (const visit of open) {
    const g = group(visit.assignee_id, visit.assignee_name);
    g.open += 1;
    if (isOverdue(visit, today)) g.overdue += 1;
  }
  for (const visit of sortVisits(visits.filter((v) => passes(v, filters, today)))) {
    group(visit.assignee_id, visit.assignee_name).visits.push(visit);
  }
  return [...groups.values()].sort((a, b) => (a.id == null) - (b.id == null) || a.name.localeCompare(b.name, 'vi'));
}

/**
 * Cells to filter and plan by: those of the lead's roster and of the visits, code → name.
 * @param {object[]} members roster members
 * @param {object[]} visits
 * @returns {Map<string, string>}
 */
export function cellsOf(members, visits) {
  const cells = new Map();
  for (const row of [...members, ...visits]) {
    if (row.unit_code) cells.set(row.unit_code, row.unit_name || row.unit_code);
  }
  return new Map([...cells].sort((a, b) => a[1].localeCompare(b[1], 'vi')));
}

/**
 * Roughly who bulk planning would pick, per cell, from the roster on the tablet: marked for a home visit,
 * not collected, no open visit. The server decides (it also skips could-not-collect visits).
 * @param {object[]} members
 * @param {object[]} openVisits
 * @returns {Map<string, number>} cell code → members
 */
export function homeVisitCandidates(members, openVisits) {
  const visited = new Set(openVisits.map((v) => v.member_id));
  const counts = new Map();
  for (const m of members) {
    if (m.needs_home_visit !== true || (m.status && m.status !== 'pending') || visited.has(m.id)) continue;
    counts.set(m.unit_code, (counts.get(m.unit_code) || 0) + 1);
  }
  return counts;
}

/**
 * Give visits to one user: open ones are reassigned, could-not-collect or cancelled ones replanned.
 * Stops at the first network failure (the rest are left as they were).
 * @param {import('./api-client.js').ApiClient} client
 * @param {object[]} visits
 * @param {number} assigneeId
 * @param {string} reason
 * @param {string} [due] YYYY-MM-DD for replanned visits
 * @returns {Promise<{moved: number[], failed: Array<{visit: object, code: string}>, offline: boolean}>}
 */
export async function reassignVisits(client, visits, assigneeId, reason, due = '') {
  const result = {moved: [], failed: [], offline: false};
  for (const visit of visits) {
    if (visit.status === 'open' && visit.assignee_id === assigneeId) continue; // already theirs
    const open = visit.status === 'open';
    const body = open ? {assignee_id: assigneeId, reason} : {assignee_id: assigneeId, reason, due_date: due || null};
    try {
      await client.json(`/api/v1/visits/${visit.id}/${open ? 'assign' : 'replan'}`, {method: 'POST', json: body});
      result.moved.push(visit.id);
    } catch (error) {
      if (error instanceof NetworkError) { result.offline = true; break; }
      result.failed.push({visit, code: error.code});
    }
  }
  return result;
}

/**
 * Plan visits for the marked members of some cells (POST /api/v1/visits/bulk).
 * @param {import('./api-client.js').ApiClient} client
 * @param {{unit_codes: string[], assignee_ids: number[], strategy: string, due_date: string|null, kind: string}} body
 * @returns {Promise<{created: number, visits: number[], per_assignee: Object<string, number>, skipped: number}>}
 */
export function bulkPlan(client, body) {
  return client.json('/api/v1/visits/bulk', {method: 'POST', json: body});
}
