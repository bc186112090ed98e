/** The audit trail (unit admins): filtered by user, action, unit and day; ids and outcomes only, as stored. */
import {formatTime, t} from '../js/i18n.js';
import {$, el} from '../js/ui.js';
import {api, fail} from './main.js';
import {unitCodes} from './users.js';

let wired = false;
let names = {};

export async function show() {
  if (!wired) {
    $('#audit-form').addEventListener('submit', (event) => { event.preventDefault(); load(); });
    wired = true;
  }
  const [{users}] = await Promise.all([api.json('/api/v1/users'), unitCodes()]);
  names = Object.fromEntries(users.map((user) => [user.id, user.username]));
  const select = $('#audit-form [name=user_id]');
  const chosen = select.value;
  select.replaceChildren(el('option', {value: ''}, t('console.audit.anyone')),
    ...users.map((user) => el('option', {value: user.id}, user.username)));
  select.value = chosen;
  await load();
}

/** A stored code in the reader's language where the console knows it (else the code itself: new codes still show). */
function word(kind, code) {
  if (!code) return '';
  const key = `console.audit.${kind}.${code}`;
  const text = t(key);
  return text === key ? code : text;
}

async function load() {
  const form = $('#audit-form');
  const query = new URLSearchParams({limit: '200'});
  for (const name of ['user_id', 'action', 'unit', 'since', 'until']) {
    const value = form[name].value.trim();
    if (value) query.set(name, value);
  }
  let events;
  try {
    ({events} = await api.json(`/api/v1/audit?${query}`));
  } catch (error) {
    return fail(error);
  }
  $('#audit-rows').replaceChildren(...events.map((event) => el('tr', {},
    el('td', {}, formatTime(event.at)), el('td', {}, names[event.user_id] || (event.user_id ?? '—')),
    el('td', {class: 'mono'}, event.action), el('td', {},
      el('span', {class: 'object-kind'}, word('object', event.object_type)), ' ', el('span', {class: 'object-id'},
        event.object_id ?? '')),
    el('td', {}, event.unit_code || '—'), el('td', {}, word('outcome', event.outcome)))));
  $('#audit-empty').hidden = events.length > 0;
}
