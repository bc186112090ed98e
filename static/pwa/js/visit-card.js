/**
 * How one visit looks: the full card of "My visits" (member, birth year, cell, kind, due date with an
 * overdue mark, address, note, call / collect / could-not-collect) and the compact row of the home screen.
 * Builds elements with text only; the caller passes what happens on a tap.
 */
import {formatDate, t} from './i18n.js';
import {$, el} from './ui.js';
import {isOverdue, telHref, visitFacts} from './visit-list.js';

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

function dueChip(visit, today) {
  const overdue = isOverdue(visit, today);
  return el('span', {class: `chip due${overdue ? ' overdue' : ''}`, 'data-state': overdue ? 'overdue' : 'due'},
    visit.due_date ? `${overdue ? t('visits.overdue') + ' · ' : ''}${t('visits.due')} ${formatDate(visit.due_date)}`
      : t('visits.noDue'));
}

function priorityBadge(priority) {
  return priority && priority !== 'standard'
    ? el('span', {class: 'badge prio', 'data-priority': priority}, t(`prio.${priority}`)) : null;
}

/**
 * The full card of a visit.
 * @param {object} visit
 * @param {{member?: object, pending: string|null, today: string, onOpen: Function, onCouldNot: Function}} options
 */
export function visitCard(visit, {member, pending, today, onOpen, onCouldNot}) {
  const facts = visitFacts(visit, member);
  const tel = telHref(facts.phone);
  const state = pending || (isOverdue(visit, today) ? 'overdue' : 'open');
  return el('li', {class: 'visit-card', 'data-visit-id': visit.id, 'data-state': state},
    // Once something for this visit waits on the tablet, opening it again would make a second record.
    el('button', {type: 'button', class: 'visit-open', 'data-action': 'open-visit', onclick: onOpen,
      disabled: Boolean(pending)},
      el('span', {class: 'name'}, facts.full_name), priorityBadge(facts.priority)),
    el('span', {class: 'facts'},
      el('span', {}, `${t('search.born')} ${facts.birth_year || '—'}`),
      el('span', {}, facts.cell || (facts.cell_code ? `${t('search.cell')} ${facts.cell_code}` : ''))),
    el('span', {class: 'chips'},
      el('span', {class: 'chip kind', 'data-kind': visit.kind}, t(`loc.${visit.kind}`)), dueChip(visit, today)),
    facts.address ? el('span', {class: 'address'}, facts.address) : null,
    facts.note ? el('span', {class: 'note'}, facts.note) : null,
    pending ? el('span', {class: 'chip', 'data-state': pending === 'outcome' ? 'waiting' : 'on_device'},
      t(pending === 'outcome' ? 'visits.outcomeQueued' : 'visits.recordQueued')) : null,
    el('span', {class: 'visit-actions'},
      el('button', {type: 'button', class: 'btn primary', 'data-action': 'collect', onclick: onOpen,
        disabled: Boolean(pending)}, t('visits.collect')),
      tel ? el('a', {class: 'btn', href: tel, 'data-action': 'call'}, `${t('visits.call')} ${facts.phone}`) : null,
      el('button', {type: 'button', class: 'btn', 'data-action': 'could-not-collect', onclick: onCouldNot,
        disabled: Boolean(pending)}, t('visits.couldNot'))));
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
