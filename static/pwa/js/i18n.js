/**
 * Languages: Vietnamese by default, English available. `?lang=en|vi` sets the choice and it persists
 * (localStorage: it is a display preference, not personal data). Static text carries data-i18n keys.
 */
import {EN} from './strings-en.js';
import {VI} from './strings-vi.js';

const TABLES = {vi: VI, en: EN};
const STORAGE_KEY = 'fieldkit.lang';
let current = 'vi';

/**
 * Pick the language from ?lang=, else the saved choice, else Vietnamese; remember ?lang=.
 * @param {URLSearchParams} [params]
 * @returns {string}
 */
export function initLanguage(params = new URLSearchParams(location.search)) {
  const asked = params.get('lang');
  if (asked && TABLES[asked]) localStorage.setItem(STORAGE_KEY, asked);
  const saved = localStorage.getItem(STORAGE_KEY);
  current = TABLES[saved] ? saved : 'vi';
  return current;
}

/** @returns {string} the current language code */
export function language() {
  return current;
}

/**
 * Switch language, remember it and re-translate the page.
 * @param {string} lang 'vi' | 'en'
 */
export function setLanguage(lang) {
  if (!TABLES[lang]) return;
  current = lang;
  localStorage.setItem(STORAGE_KEY, lang);
  translatePage();
}

/**
 * The text for a key, with {name} placeholders filled; falls back to Vietnamese, then the key.
 * @param {string} key
 * @param {object} [params]
 * @returns {string}
 */
export function t(key, params = {}) {
  const text = TABLES[current][key] ?? VI[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

/**
 * Whether a key exists (error codes without a translation show their code).
 * @param {string} key
 */
export function has(key) {
  return key in VI;
}

/**
 * Translate every element with data-i18n (text), data-i18n-placeholder and data-i18n-label (aria-label).
 * @param {ParentNode} [root]
 */
export function translatePage(root = document) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  document.dispatchEvent(new CustomEvent('languagechange'));
}

/**
 * A calendar date (YYYY-MM-DD, or YYYY) as dd/mm/yyyy, the way officers write it.
 * @param {string} value
 */
export function formatDate(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || '');
  return m ? `${m[3]}/${m[2]}/${m[1]}` : value || '—';
}

/**
 * A date-time in the current language's format.
 * @param {string|number|Date} value
 */
export function formatTime(value) {
  if (!value) return '—';
  return new Date(value).toLocaleString(current === 'vi' ? 'vi-VN' : 'en-GB',
    {day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit'});
}
