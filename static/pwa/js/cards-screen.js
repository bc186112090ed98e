/**
 * "Trao thẻ / Hand over cards" (loaded on first use): the cards waiting at the officer's units in hand-over
 * order, searchable like the roster, and the confirmation that records a hand-over into the encrypted queue
 * (cards-outbox.js). A standard member's card may be handed over while a veteran's card of the same cell still
 * waits: the order is courtesy, not a lock, so the dialog only says so. Identity may be checked by reading the
 * member's ID card QR code with the shared scanner (scan-id.js, loaded on first use): only a card whose citizen ID
 * is the member's makes `id_check: "qr"` (handover-id.js); another person's card is refused in words and colour.
 * Sending is sync.js's job.
 */
import {app, emit, on} from './app-state.js';
import {addStrings, formatTime, t, translateTree} from './i18n.js';
import {loadCards, queueHandover} from './cards-outbox.js';
import {loadOnce, loadStyle, markup} from './lazy.js';
import {buildIndex, search} from './roster-search.js';
import {$, el, screen, setError, toast} from './ui.js';
import {CARDS_STRINGS} from './strings-cards.js';
import {canCheckByQr, idCheckVerdict} from './handover-id.js';

const FIRST = new Set(['veteran', 'former_central_committee']);
const CARDS = `
  <section class="screen" data-screen="cards" hidden>
    <div class="panel wide cards-panel">
      <div class="screen-head">
        <button type="button" class="btn ghost" data-go="home" data-i18n="form.back">← Quay lại</button>
        <h1 data-i18n="cards.title">Trao thẻ đảng viên</h1>
      </div>
      <label class="card-search"><span class="label" data-i18n="cards.searchLabel"></span>
        <input type="search" name="card_q" autocomplete="off" spellcheck="false" enterkeyhint="search"></label>
      <p class="muted" id="cards-summary"></p>
      <p class="muted small" data-i18n="cards.order"></p>
      <ol class="card-rows" id="card-rows"></ol>
    </div>
  </section>
  <dialog class="dialog" id="handover-dialog">
    <form id="handover-form" novalidate>
      <h2 id="handover-title"></h2>
      <p class="muted" id="handover-facts"></p>
      <p class="courtesy" id="handover-courtesy" hidden></p>
      <fieldset>
        <legend data-i18n="cards.recipient"></legend>
        <label class="choice"><input type="radio" name="recipient" value="member" checked><span data-i18n="cards.toMember"></span></label>
        <label class="choice"><input type="radio" name="recipient" value="proxy"><span data-i18n="cards.toProxy"></span></label>
        <label class="field" id="proxy-field" hidden><span class="label" data-i18n="cards.proxyName"></span>
          <input name="proxy_name" maxlength="255" autocomplete="off"></label>
      </fieldset>
      <fieldset>
        <legend data-i18n="cards.idCheck"></legend>
        <label class="choice" id="qr-choice"><input type="radio" name="id_check" value="qr"><span><span data-i18n="cards.idQr"></span> <span class="muted small" id="qr-hint"></span></span></label>
        <div class="id-verdict" id="id-verdict" role="status" hidden><p></p>
          <button type="button" class="btn" data-action="scan-handover" data-i18n="cards.idQrAgain"></button></div>
        <label class="choice"><input type="radio" name="id_check" value="card" checked><span data-i18n="cards.idCard"></span></label>
        <label class="choice"><input type="radio" name="id_check" value="known"><span data-i18n="cards.idKnown"></span></label>
      </fieldset>
      <label class="field"><span class="label" data-i18n="cards.note"></span>
        <textarea name="note" rows="2" maxlength="1000"></textarea></label>
      <p class="error" role="alert" hidden></p>
      <div class="actions">
        <button type="submit" class="btn primary big" data-action="confirm-handover" data-i18n="cards.confirm"></button>
        <button type="button" class="btn ghost big" data-action="cancel-handover" data-i18n="cards.cancel"></button>
      </div>
    </form>
  </dialog>`;

let state = {cards: [], savedAt: null, queued: new Set(), index: []};
let current = null;
// The open dialog's ID check: `verified` once the member's own card was read; `before` the choice to go back to
// when a scan is cancelled; `verdict` what the last read said ('match', 'other').
let check = {verified: false, before: 'card', verdict: null};
let scanModule = null; // scan-id.js once a scan was opened here
const scanner = loadOnce(() => import('./scan-id.js').then((m) => (scanModule = m)));

/** Card numbers with a hand-over still on this tablet (read from the sealed queue rows). */
async function queuedNumbers() {
  const metas = app.queueMetas.filter((m) => m.kind === 'handover');
  const records = await Promise.all(metas.map((m) => app.store.get(m.clientId)));
  return new Set(records.filter(Boolean).map((r) => r.item.card_number));
}

function memberOf(card) {
  return app.membersById.get(card.member_id) || {id: card.member_id, full_name: `#${card.member_id}`};
}

/** Waiting cards of the same cell whose members come first, not handed over on this tablet. */
function firstStillWaiting(card) {
  return state.cards.filter((other) => other !== card && other.unit_code === card.unit_code
    && !state.queued.has(other.card_number) && FIRST.has(memberOf(other).priority)).length;
}

function cardRow(card) {
  const member = memberOf(card);
  const queued = state.queued.has(card.card_number);
  const priority = member.priority || 'standard';
  return el('li', {class: 'card-row', 'data-card-number': card.card_number, 'data-priority': priority,
    'data-state': queued ? 'queued' : 'waiting'},
  el('div', {class: 'card-main'},
    el('span', {class: 'name'}, member.full_name,
      ' ', priority !== 'standard' ? el('span', {class: 'badge prio'}, t(`prio.${priority}`)) : null),
    el('span', {class: 'facts'},
      el('span', {}, `${t('cards.number')} ${card.card_number}`),
      el('span', {}, `${t('cards.born')} ${String(member.date_of_birth || '').slice(0, 4) || '—'}`),
      el('span', {}, `${t('cards.cell')} ${card.unit_code || '—'}`),
      member.citizen_id ? el('span', {class: 'mono'}, member.citizen_id) : null)),
  // A waiting card's button carries the CONTRACT §6 hook data-action="handover"; a queued one says so instead.
  queued ? el('span', {class: 'chip', 'data-state': 'queued'}, t('cards.queued')) : el('button', {type: 'button', class: 'btn primary', 'data-action': 'handover',
    onclick: () => openDialog(card)}, t('cards.handover')));
}

/** Redraw the list for what is in the search box (best match first), or all in hand-over order. */
export function renderCards() {
  if (screen() !== 'cards' || !app.cipher) return;
  const query = $('input[name=card_q]').value;
  let shown = state.cards;
  if (query.trim()) {
    const byMember = new Map(state.cards.map((card) => [card.member_id, card]));
    shown = search(state.index, query, 500).map((member) => byMember.get(member.id)).filter(Boolean);
  }
  $('#card-rows').replaceChildren(...shown.map(cardRow));
  $('#cards-summary').textContent = !state.cards.length ? t('cards.none') : !shown.length ? t('cards.noMatch')
    : t('cards.summary', {n: state.cards.length, time: formatTime(state.savedAt)});
}

/** Re-read the sealed list and the queue, then redraw (on show, after a sync, after a hand-over). */
export async function showCards() {
  if (!app.cipher) return;
  const stored = await loadCards(app.db, app.account.userId, app.cipher);
  const members = stored.cards.map(memberOf).filter((m) => m.full_name);
  state = {cards: stored.cards, savedAt: stored.savedAt, queued: await queuedNumbers(), index: buildIndex(members)};
  renderCards();
}

function openDialog(card) {
  current = card;
  const member = memberOf(card);
  const form = $('#handover-form');
  form.reset();
  $('#proxy-field').hidden = true;
  setError($('#handover-form .error'), '');
  $('#handover-title').textContent = t('cards.confirmTitle', {name: member.full_name});
  $('#handover-facts').textContent = `${t('cards.number')} ${card.card_number} · ${t('cards.cell')} ${card.unit_code}`;
  const waiting = FIRST.has(member.priority) ? 0 : firstStillWaiting(card);
  $('#handover-courtesy').hidden = !waiting;
  $('#handover-courtesy').textContent = waiting ? t('cards.courtesy', {cell: card.unit_code, n: waiting}) : '';
  check = {verified: false, before: 'card', verdict: null};
  const qr = $('input[name=id_check][value=qr]');
  const possible = canCheckByQr(member);
  qr.disabled = !possible;
  $('#qr-choice').classList.toggle('disabled', !possible);
  $('#qr-hint').textContent = possible ? '' : t('cards.idQrNoId');
  showVerdict(null);
  $('#handover-dialog').showModal();
}

/** The check's state on screen: the verdict line (green for the member's card, red for another's) and the button. */
function showVerdict(verdict) {
  const box = $('#id-verdict');
  box.hidden = !verdict;
  box.dataset.verdict = verdict?.state || '';
  if (verdict) {
    const member = memberOf(current).full_name;
    $('p', box).textContent = verdict.state === 'match' ? t('cards.qrMatch', {name: verdict.name, id: verdict.citizenId})
      : t('cards.qrOther', {name: verdict.name, id: verdict.citizenId, member}) + ' ' + t('cards.qrOtherNext');
  }
  const form = $('#handover-form');
  const choice = form.elements.id_check.value;
  // "QR read" may be confirmed only after the member's own card was read; no choice at all is no check either.
  $('[data-action=confirm-handover]').disabled = !choice || (choice === 'qr' && !check.verified);
}

/** Open the scanner for the card in the dialog; the dialog stays behind it and shows what was read. */
async function scanForCard() {
  const card = current;
  const member = memberOf(card);
  $('input[name=id_check][value=qr]').checked = true;
  showVerdict(check.verdict && {state: check.verdict, ...check.read});
  let openScan;
  try {
    ({openScan} = await scanner());
  } catch {
    // Not on this tablet yet (an update half-loaded): back to the choice before, and say so.
    $('input[name=id_check][value=qr]').checked = false;
    $(`input[name=id_check][value=${check.before}]`).checked = true;
    showVerdict(null);
    setError($('#handover-form .error'), t('cards.idQrNoScanner'));
    return;
  }
  await openScan({
    intro: t('cards.qrIntro', {name: member.full_name}),
    onCard(read) {
      if (current !== card) return true;
      const verdict = idCheckVerdict(member, read);
      if (verdict.state === 'unknown') return {message: t('cards.idQrNoId'), kind: 'warn'};
      check = {...check, verified: verdict.state === 'match', verdict: verdict.state, read: verdict};
      $('input[name=id_check][value=qr]').checked = check.verified; // another person's card is no QR check
      showVerdict(verdict);
      return check.verified || {message: t('cards.qrOther', {name: verdict.name, id: verdict.citizenId,
        member: member.full_name}), kind: 'bad'};
    },
    onCancel() {
      if (current !== card || check.verified) return;
      // Back to the dialog as it was; after another person's card, no check is chosen for the officer.
      const back = check.verdict === 'other' ? null : $(`input[name=id_check][value=${check.before}]`);
      $('input[name=id_check][value=qr]').checked = false;
      if (back) back.checked = true;
      showVerdict(check.verdict === 'other' ? {state: 'other', ...check.read} : null);
    },
  });
}

async function confirm(event) {
  event.preventDefault();
  const form = $('#handover-form');
  const recipient = form.elements.recipient.value;
  const proxyName = form.elements.proxy_name.value.trim().normalize('NFC');
  if (recipient === 'proxy' && !proxyName) {
    setError($('#handover-form .error'), t('cards.proxyRequired'));
    form.elements.proxy_name.focus();
    return;
  }
  const idCheck = form.elements.id_check.value;
  if (!idCheck || (idCheck === 'qr' && !check.verified)) {
    setError($('#handover-form .error'), t('cards.idCheckRequired'));
    return;
  }
  const card = current;
  await queueHandover(app.store, {card, memberName: memberOf(card).full_name, recipient, proxyName,
    idCheck, note: form.elements.note.value.trim().normalize('NFC')});
  $('#handover-dialog').close();
  current = null;
  emit('queue');
  toast(t('cards.saved', {card: card.card_number}), {kind: 'ok', id: 'cards'});
  emit('sync-request', 'saved');
}

/** Build the screen once (markup, texts, styles) and wire it. */
export async function initCardsScreen() {
  addStrings(CARDS_STRINGS);
  await Promise.all([loadStyle('/css/screens.css'), loadStyle('/css/cards.css')]);
  const nodes = markup(CARDS);
  translateTree(nodes);
  $('#app').append(nodes.querySelector('section'));
  $('#toasts').before(nodes.querySelector('dialog'));
  $('input[name=card_q]').addEventListener('input', renderCards);
  $('#handover-form').addEventListener('submit', confirm);
  $('[data-action=cancel-handover]').addEventListener('click', () => $('#handover-dialog').close());
  $('#handover-form').addEventListener('change', (event) => {
    if (event.target.name === 'recipient') $('#proxy-field').hidden = event.target.value !== 'proxy';
    if (event.target.name !== 'id_check') return;
    if (event.target.value === 'qr' && !check.verified) scanForCard();
    else if (event.target.value !== 'qr') check.before = event.target.value;
    showVerdict(check.verdict && {state: check.verdict, ...check.read});
  });
  $('[data-action=scan-handover]').addEventListener('click', () => scanForCard());
  on('queue-view', () => { if (screen() === 'cards') showCards(); });
  on('cards', () => { if (screen() === 'cards') showCards(); });
  on('roster', () => {
    if (app.cipher) return;
    state = {cards: [], savedAt: null, queued: new Set(), index: []}; // locked: nothing personal stays on show
    $('#card-rows').replaceChildren();
    if ($('#handover-dialog').open) $('#handover-dialog').close();
    scanModule?.closeScan();
  });
  document.addEventListener('languagechange', renderCards);
}
