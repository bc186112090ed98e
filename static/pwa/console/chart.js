/**
 * Collected per day as a plain SVG bar chart (no library), the last 7 days' rate, the projected finish and a
 * warning when that rate misses the deadline; unit admins set the deadline here. Records still on tablets
 * are summarised per child unit from the devices' own reports.
 */
import {formatDate, t} from '../js/i18n.js';
import {$, el} from '../js/ui.js';
import {api, fail, session} from './main.js';

const SVG = 'http://www.w3.org/2000/svg';
const DAYS_SHOWN = 30;

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export async function show(code) {
  let body;
  try {
    body = await api.json(`/api/v1/progress/daily?unit=${encodeURIComponent(code)}`);
  } catch (error) {
    return fail(error);
  }
  const card = $('#chart');
  card.hidden = false;
  const parts = [el('h2', {}, t('console.chart.title')), chart(body.days)];
  parts.push(el('p', {}, t('console.chart.rate', {rate: body.rate_7d})));
  if (!body.remaining) parts.push(el('p', {}, t('console.chart.done')));
  else if (body.projected_finish) parts.push(el('p', {}, t('console.chart.finish', {date: formatDate(body.projected_finish)})));
  else parts.push(el('p', {}, t('console.chart.never')));
  if (body.late) {
    parts.push(el('p', {class: 'late', role: 'alert', 'data-late': ''}, t('console.chart.late',
      {deadline: formatDate(body.deadline), needed: body.needed_per_day})));
  }
  parts.push(deadlineForm(body));
  const held = body.on_tablets.filter((row) => row.records);
  if (held.length) {
    const total = held.reduce((sum, row) => sum + row.records, 0);
    const devices = held.reduce((sum, row) => sum + row.devices, 0);
    parts.push(el('p', {}, t('console.chart.devices', {count: total, devices, n: devices})),
      el('ul', {class: 'held'}, ...held.map((row) => el('li', {'data-held-unit': row.unit_code},
        `${row.unit_code}: ${row.records}`))));
  }
  card.replaceChildren(...parts);
}

function chart(days) {
  const width = 900;
  const height = 160;
  const byDay = Object.fromEntries(days.map((d) => [d.day, d.collected]));
  const end = days.length ? new Date(`${days.at(-1).day}T00:00:00Z`) : new Date();
  const today = new Date();
  const last = today > end ? today : end;
  const series = [];
  for (let i = DAYS_SHOWN - 1; i >= 0; i--) {
    const day = new Date(last.getTime() - i * 86400000).toISOString().slice(0, 10);
    series.push([day, byDay[day] || 0]);
  }
  const top = Math.max(1, ...series.map(([, n]) => n));
  const step = width / series.length;
  const bars = series.map(([day, n], i) => {
    const h = Math.round((n / top) * (height - 24));
    return svg('rect', {x: (i * step + 2).toFixed(1), y: height - 16 - h, width: (step - 4).toFixed(1), height: h,
      class: 'day-bar', fill: '#b3261e'}, svg('title', {}, `${formatDate(day)}: ${n}`));
  });
  const labels = [series[0], series.at(-1)].map(([day], i) => svg('text', {x: i ? width : 0, y: height - 2,
    'text-anchor': i ? 'end' : 'start', 'font-size': 12, fill: '#4a4f59'}, formatDate(day)));
  return svg('svg', {viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `${t('console.chart.title')}: ${series.map(([day, n]) => `${formatDate(day)} ${n}`).join(', ')}`},
  svg('text', {x: 0, y: 12, 'font-size': 12, fill: '#4a4f59'}, String(top)), ...bars, ...labels);
}

function deadlineForm(body) {
  if (session.user.role !== 'unit_admin') {
    return body.deadline ? el('p', {}, `${t('console.chart.deadline')}: ${formatDate(body.deadline)}`) : el('span');
  }
  const input = el('input', {type: 'date', name: 'deadline', value: body.deadline || ''});
  const form = el('form', {class: 'filters deadline'}, el('label', {class: 'field'},
    el('span', {}, t('console.chart.deadline')), input),
  el('button', {type: 'submit', class: 'btn', 'data-action': 'save-deadline'}, t('console.chart.save')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await api.json('/api/v1/progress/deadline', {method: 'PUT',
        json: {unit_code: body.unit.code, deadline: input.value || null}});
      await show(body.unit.code);
    } catch (error) {
      fail(error);
    }
  });
  return form;
}
