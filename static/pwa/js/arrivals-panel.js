/**
 * "Lịch hẹn hôm nay / Today's arrivals" on the home screen: who is due at the station in the current and the
 * next slot, from the bookings the roster sync carries (CONTRACT §7), so it works offline after the morning
 * sync. Loaded on first use by home-screen.js once the roster holds bookings. A member whose record is saved
 * on the tablet (or who already arrived) is marked. Never fetches anything.
 */
import {app} from './app-state.js';
import {t} from './i18n.js';
import {$, el} from './ui.js';

/**
 * The current slot (now inside it) and the next one, each with its bookings.
 * @param {object[]} bookings BOOKING objects (start/end ISO with +07:00)
 * @param {number} now milliseconds
 * @returns {{start: string, end: string, now: boolean, bookings: object[]}[]}
 */
export function dueSlots(bookings, now = Date.now()) {
  const open = (bookings || []).filter((b) => b.status !== 'cancelled');
  const bySlot = new Map();
  for (const booking of open) {
    if (!bySlot.has(booking.start)) bySlot.set(booking.start, []);
    bySlot.get(booking.start).push(booking);
  }
  const slots = [...bySlot.entries()].map(([start, list]) => ({start, end: list[0].end, bookings: list}))
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  const current = slots.find((s) => Date.parse(s.start) <= now && now < Date.parse(s.end));
  const next = slots.find((s) => Date.parse(s.start) > now);
  return [current && {...current, now: true}, next && {...next, now: false}].filter(Boolean);
}

/**
 * Ids of the members due in the current or next slot (search lists them first).
 * @param {object[]} bookings
 * @returns {Set<number>}
 */
export function dueMemberIds(bookings, now = Date.now()) {
  return new Set(dueSlots(bookings, now).flatMap((s) => s.bookings.map((b) => b.member_id)));
}

const hhmm = (iso) => iso.slice(11, 16); // answers carry Vietnam's local time (+07:00)

/**
 * Draw the panel from the stored roster and queue.
 * @param {(target: {member?: object}) => void} openForm
 */
export function renderArrivals(openForm) {
  const bookings = app.roster.bookings || [];
  const slots = dueSlots(bookings);
  const saved = new Set(app.queueMetas.map((m) => m.memberId).filter(Boolean));
  $('#arrivals').hidden = !bookings.length;
  $('#arrivals-list').replaceChildren(...slots.flatMap((slot) => [
    el('li', {class: 'slot-head'}, `${hhmm(slot.start)}–${hhmm(slot.end)} · ${t(slot.now ? 'arrivals.now' : 'arrivals.next')}`),
    ...slot.bookings.map((booking) => {
      const member = app.membersById.get(booking.member_id);
      const done = saved.has(booking.member_id) || booking.status === 'arrived';
      return el('li', {'data-arrival-member': booking.member_id, 'data-saved': done ? 'yes' : 'no'},
        el('button', {type: 'button', class: 'linkish', onclick: () => member && openForm({member})},
          member?.full_name || `#${booking.member_id}`),
        done ? el('span', {class: 'chip', 'data-state': 'on_device'}, t('arrivals.saved')) : null);
    }),
  ]));
  $('#arrivals-empty').hidden = slots.length > 0;
}
