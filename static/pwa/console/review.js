/**
 * The review screen for unit admins: sign in (or reuse the session), list what needs review with
 * filters, show one record's three sources side by side, and record a decision with a note.
 */
import {ApiError} from '../js/api-client.js';
import {t} from '../js/i18n.js';
import {api as client, fail, session} from './main.js';
import {candidateChoices, compareRows, el, identityChip, itemName, listEntry} from './review-views.js';

const PER_PAGE = 20;
const api = (method, path, body) => client.json(`/api/v1${path}`, {method, json: body});
const $ = (selector) => document.querySelector(selector);
const state = {user: null, page: 1, total: 0, items: [], selected: null, filters: {}};

function showError(node, error) {
  const code = error instanceof ApiError ? error.code : 'other';
  const fieldCode = error instanceof ApiError ? Object.values(error.fields)[0]?.[0]?.code : null;
  const key = `review.error.${fieldCode && t(`review.error.${fieldCode}`) !== `review.error.${fieldCode}` ? fieldCode : code}`;
  node.textContent = t(key) === key ? t('review.error.other', {code}) : t(key);
  node.hidden = false;
}

function setStatus(text) {
  $('#status-line').textContent = text;
}

// ---- screens ----------------------------------------------------------------------------------------

function showLogin() {
  fail(new ApiError(401, {code: 'not_authenticated'}));  // the console signs in again
}

async function showReview(user) {
  state.user = user;
  const form = $('#filters');
  if (!form.elements.unit.value) form.elements.unit.value = user.unit_code;
  readFilters();
  fillUnitCodes(user.unit_code);
  await loadList();
}

async function fillUnitCodes(code) {
  try {
    const progress = await api('GET', `/progress?unit=${encodeURIComponent(code)}`);
    const list = $('#unit-codes');
    list.replaceChildren(...[progress, ...progress.children].map((entry) => {
      const option = el('option');
      option.value = entry.unit.code;
      option.label = entry.unit.name;
      return option;
    }));
  } catch { /* the datalist is a convenience only */ }
}

// ---- list -------------------------------------------------------------------------------------------

function readFilters() {
  const form = $('#filters');
  state.filters = {};
  for (const name of ['unit', 'class', 'field', 'kind']) {
    const value = form.elements[name].value.trim();
    if (value) state.filters[name] = value;
  }
  const unit = state.filters.unit || state.user.unit_code;
  $('#export-link').href = `/api/v1/review/export.xlsx?unit=${encodeURIComponent(unit)}`;
}

async function loadList() {
  const query = new URLSearchParams({...state.filters, page: String(state.page), per_page: String(PER_PAGE)});
  try {
    const data = await api('GET', `/review/items?${query}`);
    state.items = data.items;
    state.total = data.total;
    state.resolved = data.resolved_by_field || 0;
  } catch (error) {
    state.items = [];
    state.total = 0;
    setStatus('');
    showError($('#status-line'), error);
  }
  renderList();
  $('#resolved-line').textContent = state.resolved ? t('review.list.resolved', {count: state.resolved}) : '';
  const still = state.selected && state.items.find((i) => i.kind === state.selected.kind && i.id === state.selected.id);
  renderDetail(still || null);
}

function renderList() {
  const pages = Math.max(1, Math.ceil(state.total / PER_PAGE));
  $('#total').textContent = `(${state.total})`;
  $('#items').replaceChildren(...state.items.map((item) => listEntry(item,
    state.selected?.kind === item.kind && state.selected?.id === item.id)));
  $('#empty').hidden = state.items.length > 0;
  $('#page-label').textContent = t('review.list.page', {page: state.page, pages});
  $('[data-action=prev]').disabled = state.page <= 1;
  $('[data-action=next]').disabled = state.page >= pages;
}

// ---- detail and decisions ---------------------------------------------------------------------------

function renderDetail(item) {
  state.selected = item ? {kind: item.kind, id: item.id} : null;
  $('#detail-hint').hidden = Boolean(item);
  $('#detail-body').hidden = !item;
  document.querySelectorAll('#items .item').forEach((button) => {
    const on = item && button.dataset.kind === item.kind && button.dataset.id === String(item.id);
    button.setAttribute('aria-pressed', on ? 'true' : 'false');
  });
  if (!item) return;
  $('#detail-title').replaceChildren(el('span', '', itemName(item)), ' ',
    el('span', `badge class-${item.class}`, t(`review.class.${item.class}`)), ...[identityChip(item)].filter(Boolean));
  $('#detail-meta').textContent = t('review.detail.meta', {code: item.member_code || t('review.detail.not_on_roster'),
    unit: item.unit.name, kind: t(`review.kind.${item.kind}`)});
  $('#detail-reasons').textContent = item.reasons.map((r) => t(`review.reason.${r}`)).join(' · ');
  const explain = `review.explain.${item.class}`;
  $('#detail-explain').textContent = t(explain) === explain ? '' : t(explain);
  const previous = $('#detail-previous');
  previous.hidden = !item.decision;
  if (item.decision) {
    previous.textContent = t('review.detail.previous', {decision: t(`review.decision.${item.decision.decision}`),
      note: item.decision.note || '—'}) + (item.decision.stale ? ` ${t('review.detail.stale')}` : '');
  }
  const table = document.querySelector('table.compare');
  table.classList.toggle('no-submitted', item.kind !== 'submission');
  $('#compare-rows').replaceChildren(...compareRows(item));
  $('#candidates').hidden = !item.candidates.length;
  $('#candidate-list').replaceChildren(...candidateChoices(item.candidates));
  renderPortrait(item);
  $('#detail-resolved').hidden = !item.resolved_by_field;
  renderDecisionForm(item);
}

/** The collected portrait beside the record, with the quality checks the server made of it. */
function renderPortrait(item) {
  const box = $('#detail-portrait');
  const sha = item.submission?.photo_sha256;
  box.hidden = !sha;
  if (!sha) return box.replaceChildren();
  const img = el('img');
  img.src = `/api/v1/photos/${sha}`;
  img.alt = t('review.portrait.alt');
  img.width = 150;
  img.height = 200;
  const quality = item.submission.photo_quality || {};
  const verdict = quality.verdict ? t(`review.portrait.${quality.verdict}`) : t('review.portrait.unknown');
  const warnings = (quality.warnings || []).map((name) => t(`review.portrait.check.${name}`)).join(', ');
  box.replaceChildren(img, el('p', `portrait-verdict verdict-${quality.verdict || 'unknown'}`,
    warnings ? `${verdict}: ${warnings}` : verdict));
}

function renderDecisionForm(item) {
  const form = $('#decision-form');
  form.reset();
  form.querySelector('.error').hidden = true;
  form.querySelector('[name=member_code]')?.closest('label').remove();
  if (item.kind === 'submission' && item.member_id === null) {
    const label = el('label');
    const input = el('input');
    input.name = 'member_code';  // the code on the party's list, as people know it
    input.spellcheck = false;
    input.autocomplete = 'off';
    label.append(el('span', '', t('review.detail.member_code')), input);
    form.prepend(label);
  }
  enableDecisions(item);
}

function enableDecisions(item) {
  const form = $('#decision-form');
  form.querySelectorAll('[data-decision]').forEach((b) => { b.disabled = false; });
  const hasSubmission = item.kind === 'submission' || item.member_status !== 'pending';
  form.querySelector('[data-decision=accept_submitted]').disabled = !hasSubmission;
  form.querySelector('[data-decision=accept_registry]').disabled =
    !item.registry_citizen_id && !item.candidates.length;
}

async function decide(decision) {
  const item = state.items.find((i) => i.kind === state.selected?.kind && i.id === state.selected?.id);
  if (!item) return;
  const form = $('#decision-form');
  const body = {decision, note: form.elements.note.value.trim()};
  const chosen = document.querySelector('#candidate-list input:checked');
  if (decision === 'accept_registry' && chosen && !item.registry_citizen_id) body.registry_citizen_id = chosen.value;
  const memberCode = form.elements.member_code?.value.trim();
  if (memberCode) body.member_code = memberCode;
  const buttons = form.querySelectorAll('[data-decision]');
  buttons.forEach((b) => { b.disabled = true; });
  try {
    await api('POST', `/review/${item.kind}s/${item.id}/decision`, body);
    setStatus(t('review.decision.saved', {decision: t(`review.decision.${decision}`)}));
    const index = state.items.indexOf(item);
    await loadList();
    renderDetail(state.items[Math.min(index, state.items.length - 1)] || null);
  } catch (error) {
    if (error.code === 'csrf_failed' || error.status === 401) return showLogin(t('review.login.title'));
    showError(form.querySelector('.error'), error);
    enableDecisions(item);
  }
}

async function reconcile() {
  const button = $('[data-action=reconcile]');
  button.disabled = true;
  setStatus(t('review.reconcile.running'));
  try {
    let job = await api('POST', '/review/reconcile', {unit_code: state.filters.unit || state.user.unit_code});
    while (job.state === 'queued' || job.state === 'running') {  // a background job: wait for its report
      await new Promise((resolve) => setTimeout(resolve, 1000));
      job = await api('GET', `/jobs/${job.id}`);
    }
    const result = job.report || {classes: {}};
    setStatus(t('review.reconcile.done', {...result.classes, total: result.total, changed: result.changed}));
    await loadList();
  } catch (error) {
    if (error.code === 'csrf_failed' || error.status === 401) return showLogin(t('review.login.title'));
    setStatus('');
    showError($('#status-line'), error);
  } finally {
    button.disabled = false;
  }
}

// ---- wiring -----------------------------------------------------------------------------------------

function wire() {
  $('#filters').addEventListener('submit', (event) => {
    event.preventDefault();
    readFilters();
    state.page = 1;
    loadList();
  });
  $('[data-action=reconcile]').addEventListener('click', reconcile);
  $('[data-action=prev]').addEventListener('click', () => { state.page -= 1; loadList(); });
  $('[data-action=next]').addEventListener('click', () => { state.page += 1; loadList(); });
  $('#items').addEventListener('click', (event) => {
    const button = event.target.closest('.item');
    if (!button) return;
    renderDetail(state.items.find((i) => i.kind === button.dataset.kind && String(i.id) === button.dataset.id));
    if (window.matchMedia('(max-width: 900px)').matches) $('#detail').scrollIntoView({behavior: 'smooth'});
  });
  $('#decision-form').addEventListener('click', (event) => {
    const button = event.target.closest('[data-decision]');
    if (button) decide(button.dataset.decision);
  });
}

let wired = false;

/** The console shows the review section (unit admins only: the console hides it from other roles). */
export async function show() {
  if (!wired) {
    wire();
    wired = true;
  }
  await showReview(session.user);
}
