/**
 * "My visits", the full screen (loaded on first use, not at start): every open visit as a card with the
 * member, birth year, cell, kind, due date with an overdue mark, address, note, and call / collect /
 * "could not collect" (queued offline like a record, visit-outbox.js), plus the notices.
 */
import {app, emit, on} from './app-state.js';
import {t, translateTree} from './i18n.js';
import {loadStyle, markup} from './lazy.js';
import {noticeItems, opener, visitRows} from './my-visits-screen.js';
import {askOutcome, closeOutcomeDialog, initOutcomeDialog} from './outcome-dialog.js';
import {$, el, toast} from './ui.js';
import {dueChip, fillList} from './visit-card.js';
import {isOverdue, telHref, visitFacts} from './visit-list.js';
import {queueOutcome} from './visit-outbox.js';

const VISITS = `
  <section class="screen" data-screen="visits" hidden>
    <div class="panel wide visits-panel">
      <div class="screen-head">
        <button type="button" class="btn ghost" data-go="home" data-i18n="form.back">← Quay lại</button>
        <h1 data-i18n="visits.title">Lịch thăm của tôi</h1>
      </div>
      <p class="muted" id="visits-screen-summary"></p>
      <ul class="notices" id="visit-notices"></ul>
      <ul class="visit-cards" id="visit-list"></ul>
    </div>
  </section>
  <dialog class="dialog" id="outcome-dialog">
    <form id="outcome-form" novalidate>
      <h2 id="outcome-title"></h2>
      <fieldset class="reasons">
        <legend data-i18n="outcome.reasonLabel">Lý do</legend>
        <label class="choice"><input type="radio" name="reason" value="not_home"><span data-i18n="outcome.not_home">Không có nhà</span></label>
        <label class="choice"><input type="radio" name="reason" value="in_hospital_elsewhere"><span data-i18n="outcome.in_hospital_elsewhere">Đang nằm viện nơi khác</span></label>
        <label class="choice"><input type="radio" name="reason" value="deceased"><span data-i18n="outcome.deceased">Đã từ trần</span></label>
        <label class="choice"><input type="radio" name="reason" value="refused"><span data-i18n="outcome.refused">Từ chối</span></label>
        <label class="choice"><input type="radio" name="reason" value="moved"><span data-i18n="outcome.moved">Đã chuyển nơi ở</span></label>
      </fieldset>
      <label class="field"><span class="label" data-i18n="outcome.note">Ghi chú</span>
        <textarea name="note" rows="3" maxlength="2000"></textarea></label>
      <p class="error" role="alert" hidden></p>
      <div class="actions">
        <button type="submit" class="btn primary big" data-action="save-outcome" data-i18n="outcome.save">Lưu</button>
        <button type="button" class="btn ghost big" data-action="cancel-outcome" data-i18n="outcome.cancel">Huỷ</button>
      </div>
    </form>
  </dialog>`;

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

async function couldNotCollect(visit, member) {
  const name = visitFacts(visit, member).full_name;
  const answer = await askOutcome(name);
  if (!answer || !app.cipher) return;
  try {
    await queueOutcome(app.store, {visit, memberName: name, ...answer});
  } catch (error) {
    toast(t('form.saveFailed', {error: error.name || error.message}), {kind: 'error', id: 'form', timeoutMs: 0});
    return;
  }
  emit('queue');
  toast(t('outcome.saved', {name}), {kind: 'ok', id: 'form'});
  emit('sync-request', 'saved');
}

/** Redraw the full screen (only while unlocked). */
export function renderVisitsScreen() {
  if (!app.cipher) return;
  const {rows, today, summary} = visitRows();
  $('#visits-screen-summary').textContent = summary;
  fillList('#visit-list', rows.map((row) => visitCard(row.visit, {...row, today, onOpen: opener(row),
    onCouldNot: () => couldNotCollect(row.visit, row.member)})), t('visits.none'));
  fillList('#visit-notices', noticeItems(), '');
}

function clearVisitsScreen() {
  closeOutcomeDialog();
  for (const id of ['#visit-list', '#visit-notices']) $(id).replaceChildren();
  $('#visits-screen-summary').textContent = '';
}

/** Put the screen and its dialog into the page and wire them (once, on first use). */
export async function initVisitsScreen() {
  await loadStyle('/css/screens.css');
  const nodes = markup(VISITS);
  translateTree(nodes);
  $('#app').append(nodes.querySelector('section'));
  $('#toasts').before(nodes.querySelector('dialog'));
  initOutcomeDialog();
  on('roster', () => (app.cipher ? renderVisitsScreen() : clearVisitsScreen()));
  for (const name of ['queue-view', 'visits-view']) on(name, renderVisitsScreen);
  document.addEventListener('languagechange', renderVisitsScreen);
}
