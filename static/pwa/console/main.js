/**
 * The console (CONTRACT §9): progress, imports, users, audit and exports for unit admins, team leads and
 * viewers. It reuses the tablet app's modules (API client, i18n, DOM helpers) and look; it needs the network
 * and is not precached. The CSRF token lives in sessionStorage: it dies with the tab, never lands on disk.
 */
import {ApiClient, ApiError, NetworkError} from '../js/api-client.js';
import {addStrings, initLanguage, setLanguage, t, translatePage} from '../js/i18n.js';
import {$, $$, toast} from '../js/ui.js';
import {EN as REVIEW_EN, VI as REVIEW_VI} from './strings-review.js';
import {EN, VI} from './strings.js';

const CSRF_KEY = 'fieldkit.console.csrf';
const RANK = {viewer: 0, officer: 1, team_lead: 2, unit_admin: 3};
// Which sections a role sees: viewers, officers and team leads see progress (leads also their users).
const SECTIONS = {progress: 0, users: 2, imports: 3, audit: 3, exports: 3, review: 3};
const LOADERS = {
  progress: () => import('./progress.js'), imports: () => import('./imports.js'),
  users: () => import('./users.js'), audit: () => import('./audit.js'), exports: () => import('./exports.js'),
  review: () => import('./review.js'),
};

export const api = new ApiClient({csrfToken: sessionStorage.getItem(CSRF_KEY) || ''});
export const session = {user: null};

/** The text for an error an API call threw, for a toast or a form. */
export function errorText(error) {
  if (error instanceof NetworkError) return t('console.error.network');
  if (error instanceof ApiError && ['forbidden', 'not_found'].includes(error.code)) return t(`console.error.${error.code}`);
  return t('console.error.other', {message: error.message || error.code});
}

/** Report an error; a lost session goes back to the sign-in form. */
export function fail(error) {
  if (error instanceof ApiError && (error.status === 401 || error.code === 'csrf_failed')) return showLogin();
  toast(errorText(error), {kind: 'bad'});
}

function showOnly(name) {
  for (const section of $$('section[data-section]')) section.hidden = section.dataset.section !== name;
  for (const link of $$('[data-nav]')) {
    if (link.dataset.nav === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function showLogin() {
  session.user = null;
  $('.console-nav').hidden = true;
  $('[data-action=logout]').hidden = true;
  $('#who').textContent = '';
  showOnly('login');
  $('#login-form [name=username]').focus();
}

async function login(event) {
  event.preventDefault();
  const form = event.target;
  const box = form.querySelector('.field-error');
  box.textContent = '';
  try {
    const answer = await api.json('/api/v1/auth/login', {method: 'POST',
      json: {username: form.username.value.trim(), password: form.password.value}});
    api.csrfToken = answer.csrf_token;
    sessionStorage.setItem(CSRF_KEY, answer.csrf_token);
    form.reset();
    start(answer.user);
  } catch (error) {
    box.textContent = error instanceof ApiError && error.code === 'invalid_credentials' ? t('console.login.failed')
      : error instanceof ApiError && error.code === 'too_many_attempts' ? t('console.login.throttled') : errorText(error);
  }
}

async function logout() {
  try {
    await api.send('/api/v1/auth/logout', {method: 'POST'});
  } catch {
    // signed out on this screen all the same
  }
  sessionStorage.removeItem(CSRF_KEY);
  showLogin();
}

function allowed(section) {
  return session.user && RANK[session.user.role] >= SECTIONS[section];
}

function start(user) {
  session.user = user;
  $('#who').textContent = `${user.username} · ${user.unit_code}`;
  $('[data-action=logout]').hidden = false;
  $('.console-nav').hidden = false;
  for (const link of $$('[data-nav]')) link.hidden = !allowed(link.dataset.nav);
  route();
}

const loaded = {};

async function route() {
  if (!session.user) return;
  let name = location.hash.slice(1) || 'progress';
  if (!LOADERS[name] || !allowed(name)) name = 'progress';
  showOnly(name);
  try {
    loaded[name] ??= await LOADERS[name]();
    await loaded[name].show();
  } catch (error) {
    fail(error);
  }
}

async function boot() {
  addStrings({vi: VI, en: EN});
  addStrings({vi: REVIEW_VI, en: REVIEW_EN});
  await initLanguage();
  translatePage();
  $('#login-form').addEventListener('submit', login);
  $('[data-action=logout]').addEventListener('click', logout);
  for (const button of $$('[data-lang]')) button.addEventListener('click', () => setLanguage(button.dataset.lang));
  addEventListener('hashchange', route);
  document.addEventListener('languagechange', route);
  if (!api.csrfToken) return showLogin();  // a new tab: the token is per tab, so sign in again
  try {
    start(await api.json('/api/v1/auth/me'));
  } catch (error) {
    if (error instanceof NetworkError) toast(errorText(error), {kind: 'bad'});
    showLogin();
  }
}

boot();
