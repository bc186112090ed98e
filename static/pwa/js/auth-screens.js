/**
 * The sign-in screens: online login (first time, after a wiped PIN, for another officer, or again when the
 * server session expired) and the device PIN (set, confirm, unlock). Knows the flows, not the queue.
 */
import {MAX_PIN_TRIES, WrongPin, isPin, pinAccounts, setPin, signIn, unlock} from './accounts.js';
import {ApiClient, ApiError} from './api-client.js';
import {app} from './app-state.js';
import {t} from './i18n.js';
import {$, el, setError, showScreen} from './ui.js';

const handlers = {onUnlocked: null, onReauthed: null, onLater: null};
let loginMode = 'first';
let pinMode = 'unlock';
let pinFirst = '';
let pending = null; // {account, key} between password sign-in and the PIN being set

function loginError(error) {
  if (error instanceof ApiError) {
    if (error.code === 'invalid_credentials') return t('login.wrong');
    if (error.code === 'too_many_attempts') return t('login.throttled');
    return `${t('login.failed')} (${error.code})`;
  }
  return t('login.offline');
}

/**
 * Show the password sign-in.
 * @param {'first'|'reauth'|'full'|'other'} mode reauth: session expired; full: PIN wiped or forgotten
 * @param {{username?: string, message?: string}} [options]
 */
export async function showLogin(mode, {username = '', message = ''} = {}) {
  loginMode = mode;
  const form = $('#login-form');
  form.reset();
  form.username.value = username;
  form.username.readOnly = mode === 'reauth';
  $('#login-title').textContent = t(mode === 'reauth' ? 'login.reauthTitle' : 'login.title');
  $('#login-intro').textContent = message || t(mode === 'reauth' ? 'login.reauthIntro' : 'login.intro');
  setError(form.querySelector('.error'), '');
  $('[data-action=later]', form).hidden = mode !== 'reauth';
  $('[data-action=use-pin]', form).hidden = mode === 'reauth' || !(await pinAccounts(app.db)).length;
  showScreen('login');
  (username ? form.password : form.username).focus();
}

async function submitLogin(event) {
  event.preventDefault();
  const form = event.target;
  const button = $('[data-action=login]', form);
  setError(form.querySelector('.error'), '');
  button.disabled = true;
  try {
    const password = form.password.value;
    const data = await new ApiClient().json('/api/v1/auth/login',
      {method: 'POST', json: {username: form.username.value.trim(), password}});
    const {account, key} = await signIn(app.db, data.user, password, data.csrf_token);
    app.client.csrfToken = data.csrf_token;
    form.password.value = '';
    if (loginMode === 'reauth' && account.userId === app.account?.userId) handlers.onReauthed(account, key);
    else if (account.pin) handlers.onUnlocked(account, key);
    else { pending = {account, key}; showPin('set'); }
  } catch (error) {
    setError(form.querySelector('.error'), loginError(error));
  } finally {
    button.disabled = false;
  }
}

/**
 * Show the PIN screen.
 * @param {'unlock'|'set'|'confirm'} mode
 * @param {string} [message] an error to show
 */
export async function showPin(mode, message = '') {
  pinMode = mode;
  const form = $('#pin-form');
  form.reset();
  $('#pin-title').textContent = t(`pin.${mode}Title`);
  const accounts = mode === 'unlock' ? await pinAccounts(app.db) : [];
  const select = $('#pin-account');
  select.replaceChildren(...accounts.map((a) => el('option', {value: a.userId,
    selected: a.userId === app.account?.userId}, a.displayName === a.username ? a.username
    : `${a.displayName} (${a.username})`)));
  $('#pin-account-field').hidden = accounts.length < 2;
  const who = mode === 'unlock' ? app.account : pending?.account;
  $('#pin-help').textContent = t(`pin.${mode}Help`, {name: who?.displayName || who?.username || ''});
  $('[data-action=forgot-pin]').hidden = mode !== 'unlock';
  setError(form.querySelector('.error'), message);
  showScreen('pin');
  form.pin.focus();
}

async function submitPin(event) {
  event.preventDefault();
  const form = event.target;
  const pin = form.pin.value.trim();
  const errorBox = form.querySelector('.error');
  if (!isPin(pin)) { setError(errorBox, t('pin.format')); return; }
  const button = $('[data-action=unlock]', form);
  button.disabled = true;
  try {
    if (pinMode === 'set') { pinFirst = pin; await showPin('confirm'); return; }
    if (pinMode === 'confirm') {
      if (pin !== pinFirst) { await showPin('set', t('pin.mismatch')); return; }
      await setPin(app.db, pending.account.userId, pending.key, pin);
      const {account, key} = pending;
      pending = null;
      pinFirst = '';
      handlers.onUnlocked({...account, pin: true}, key);
      return;
    }
    const userId = Number($('#pin-account').value || app.account.userId);
    const {account, key} = await unlock(app.db, userId, pin);
    handlers.onUnlocked(account, key);
  } catch (error) {
    if (!(error instanceof WrongPin)) throw error;
    form.pin.value = '';
    form.pin.focus();
    if (error.remaining > 0) setError(errorBox, t('pin.wrong', {n: error.remaining}));
    else await showLogin('full', {username: app.account?.username, message: t('pin.wiped', {n: MAX_PIN_TRIES})});
  } finally {
    button.disabled = false;
  }
}

/**
 * Wire the sign-in screens.
 * @param {{onUnlocked: Function, onReauthed: Function, onLater: Function}} callbacks
 */
export function initAuthScreens(callbacks) {
  Object.assign(handlers, callbacks);
  $('#login-form').addEventListener('submit', submitLogin);
  $('#pin-form').addEventListener('submit', submitPin);
  $('[data-action=later]').addEventListener('click', () => handlers.onLater());
  $('[data-action=use-pin]').addEventListener('click', () => showPin('unlock'));
  $('[data-action=forgot-pin]').addEventListener('click',
    () => showLogin('full', {username: app.account?.username}));
  $('[data-action=other-user]').addEventListener('click', () => showLogin('other'));
  $('#pin-account').addEventListener('change', async (event) => {
    app.account = await app.db.get('accounts', Number(event.target.value));
    $('#pin-help').textContent = t('pin.unlockHelp', {name: app.account.displayName});
  });
}
