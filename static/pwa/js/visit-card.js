/**
 * How one visit looks on the home screen: the compact row (member, kind, due date with an overdue mark,
 * address, note) and the due-date chip the full card of "My visits" (visits-screen.js) shares.
 * Builds elements with text only; the caller passes what happens on a tap.
 */
import {formatDate, t} from './i18n.js';
import {$, el} from './ui.js';
import {isOverdue, visitFacts} from './visit-list.js';

/**
 * What the tablet already holds for a visit: a saved record, a queued "could not collect", or nothing.
 * @param {object} visit
 * @param {object[]} metas app.queueMetas
 * @returns {'record'|'outcome'|null}
 */
export function pendingFor(visit, metas) {
  const mine = metas.filter((m) => m.visitId === visit.id);
  if (mine.some((m) => m.kind === 'outcome')) return 'outcome';
  return mine.length ? 'record' : null;
}

/**
 * The due-date chip (overdue in red, with the word).
 * @param {object} visit
 * @param {string} today YYYY-MM-DD
 */
export function dueChip(visit, today) {
  const overdue = isOverdue(visit, today);
  return el('span', {class: `chip due${overdue ? ' overdue' : ''}`, 'data-state': overdue ? 'overdue' : 'due'},
    visit.due_date ? `${overdue ? t('visits.overdue') + ' · ' : ''}${t('visits.due')} ${formatDate(visit.due_date)}`
      : t('visits.noDue'));
}

/**
 * The compact row of the home screen's visits card (tap: open the member's form).
 * @param {object} visit
 * @param {{member?: object, pending: string|null, today: string, onOpen: Function}} options
 */
export function visitRow(visit, {member, pending, today, onOpen}) {
  const facts = visitFacts(visit, member);
  return el('li', {},
    el('button', {type: 'button', class: 'visit', 'data-visit-id': visit.id, onclick: onOpen,
      'data-state': pending || (isOverdue(visit, today) ? 'overdue' : 'open')},
    el('span', {class: 'name'}, facts.full_name),
    el('span', {class: 'facts'}, el('span', {}, t(`loc.${visit.kind}`)), dueChip(visit, today)),
    facts.address ? el('span', {class: 'address'}, facts.address) : null,
    facts.note ? el('span', {class: 'note'}, facts.note) : null));
}

/**
 * Fill a list element, with a muted line when empty.
 * @param {string} selector
 * @param {Node[]} items
 * @param {string} emptyText
 */
export function fillList(selector, items, emptyText) {
  const list = $(selector);
  list.replaceChildren(...items);
  if (!items.length && emptyText) list.append(el('li', {class: 'muted'}, emptyText));
}
