/**
 * Progress: the unit on show, then one row per child unit (CONTRACT §9 hooks: data-unit-code, data-field).
 * Clicking a row drills down; the breadcrumb goes back up, never above the caller's own unit. Rows start
 * sorted by percent, lowest first, so the units furthest behind are found at once; headers re-sort.
 */
import {t} from '../js/i18n.js';
import {$, el} from '../js/ui.js';
import {api, fail, session} from './main.js';

const NUMBERS = ['target', 'collected', 'verified', 'needs_review', 'percent'];
const OPTIONAL = ['booked', 'cards_handed_over'];  // as the schedule and card features land
const state = {trail: [], sort: {key: 'percent', dir: 1}, body: null};
const number = new Intl.NumberFormat('vi-VN');

export async function show() {
  if (!state.trail.length || state.trail[0] !== session.user.unit_code) state.trail = [session.user.unit_code];
  await load(state.trail.at(-1));
}

async function load(code) {
  try {
    state.body = await api.json(`/api/v1/progress?unit=${encodeURIComponent(code)}`);
  } catch (error) {
    return fail(error);
  }
  render();
  import('./chart.js').then((chart) => chart.show(code, state.body)).catch(fail);
}

function columns() {
  const all = state.body.children.concat([state.body]);
  return NUMBERS.concat(OPTIONAL.filter((name) => all.some((node) => node[name] != null)));
}

function render() {
  const body = state.body;
  $('#crumbs').replaceChildren(...state.trail.map((code, i) => i === state.trail.length - 1
    ? el('span', {'aria-current': 'page'}, code === body.unit.code ? body.unit.name : code)
    : el('button', {type: 'button', class: 'linkish', onclick: () => { state.trail.length = i + 1; load(code); }}, code)));
  $('#totals').replaceChildren(el('p', {class: 'summary'}, t('console.progress.summary', {
    name: body.unit.name, collected: number.format(body.collected), target: number.format(body.target),
    percent: body.percent, verified: number.format(body.verified), needs_review: number.format(body.needs_review)})),
  bar(body.percent));
  const cols = columns();
  $('#progress-head').replaceChildren(el('th', {scope: 'col'}, t('console.progress.unit')),
    ...cols.map((name) => el('th', {scope: 'col', class: 'num',
      'aria-sort': state.sort.key === name ? (state.sort.dir > 0 ? 'ascending' : 'descending') : 'none'},
    el('button', {type: 'button', class: 'linkish', 'aria-label': t('console.progress.sort', {column: t(`console.progress.${name}`)}),
      onclick: () => sortBy(name)}, t(`console.progress.${name}`)))));
  const rows = [...body.children].sort((a, b) => state.sort.dir * ((a[state.sort.key] ?? 0) - (b[state.sort.key] ?? 0))
    || a.unit.code.localeCompare(b.unit.code));
  const behind = body.percent * 0.8;  // a fifth below the parent's own rate: worth a look
  $('#progress-rows').replaceChildren(...rows.map((node) => el('tr', {'data-unit-code': node.unit.code,
    class: node.unit.kind === 'cell' ? 'leaf' : 'drill', onclick: node.unit.kind === 'cell' ? null : () => drill(node)},
  el('th', {scope: 'row'}, node.unit.kind === 'cell' ? node.unit.name
    : el('button', {type: 'button', class: 'linkish'}, node.unit.name), ' ',
  el('span', {class: 'muted code'}, node.unit.code),
  node.target && node.percent < behind ? el('span', {class: 'chip bad'}, t('console.progress.behind')) : null),
  ...cols.map((name) => el('td', {class: 'num', 'data-field': name},
    name === 'percent' ? [el('span', {class: 'pct'}, String(node.percent)), bar(node.percent)]
      : node[name] == null ? '—' : String(node[name]))))));
  if (!rows.length) $('#progress-rows').append(el('tr', {}, el('td', {colspan: cols.length + 1, class: 'muted'}, t('console.progress.none'))));
}

function bar(percent) {
  const fill = el('span', {class: 'fill'});
  fill.style.width = `${Math.min(100, percent)}%`;  // CSSOM, which the CSP allows (no style attribute)
  return el('span', {class: 'bar', 'aria-hidden': 'true'}, fill);
}

function sortBy(name) {
  state.sort = {key: name, dir: state.sort.key === name ? -state.sort.dir : 1};
  render();
}

function drill(node) {
  state.trail.push(node.unit.code);
  load(node.unit.code);
}
