/**
 * Languages: Vietnamese by default, English available. `?lang=en|vi` sets the choice and it persists
 * (localStorage: it is a display preference, not personal data). Static text carries data-i18n keys.
 * Only the language on show is loaded at start (the other one on the first switch); screens loaded on
 * first use bring their own texts in both languages (addStrings). Every table is precached by the worker.
 * The texts of error codes (`err.CODE`) and the fields' labels (`f.NAME`) come from the server's catalogues via
 * the generated record-texts-LANG.js, loaded with that language's strings (one language's texts at start).
 */
import {formatDate, formatDateTime} from './dates.js';

export {formatDate};

const LOADERS = {
  vi: () => Promise.all([import('./strings-vi.js').then((m) => m.VI), import('./record-texts-vi.js')]),
  en: () => Promise.all([import('./strings-en.js').then((m) => m.EN), import('./record-texts-en.js')]),
};
const TABLES = {};
const RECORD = {}; // per language: the catalogue's texts (err.CODE, f.NAME)
const EXTRA = {vi: {}, en: {}};
const STORAGE_KEY = 'fieldkit.lang';
let current = 'vi';

async function ensure(lang) {
  if (TABLES[lang]) return;
  const [strings, record] = await LOADERS[lang]();
  RECORD[lang] = record.TEXTS;
  TABLES[lang] = strings;
}

/**
 * Pick the language from ?lang=, else the saved choice, else Vietnamese; remember ?lang=; load its texts.
 * @param {URLSearchParams} [params]
 * @returns {Promise<string>}
 */
export async function initLanguage(params = new URLSearchParams(location.search)) {
  const asked = params.get('lang');
  if (asked && LOADERS[asked]) localStorage.setItem(STORAGE_KEY, asked);
  const saved = localStorage.getItem(STORAGE_KEY);
  current = LOADERS[saved] ? saved : 'vi';
  await ensure(current);
  return current;
}

/** @returns {string} the current language code */
export function language() {
  return current;
}

/**
 * Switch language (loading its texts if needed), remember it and re-translate the page.
 * @param {string} lang 'vi' | 'en'
 */
export async function setLanguage(lang) {
  if (!LOADERS[lang]) return;
  await ensure(lang);
  current = lang;
  localStorage.setItem(STORAGE_KEY, lang);
  translatePage();
}

/**
 * Add the texts of a screen loaded on first use.
 * @param {{vi: object, en: object}} tables
 */
export function addStrings({vi, en}) {
  Object.assign(EXTRA.vi, vi);
  Object.assign(EXTRA.en, en);
}

/**
 * The text for a key, with {name} placeholders filled; falls back to the key (both tables hold every key).
 * @param {string} key
 * @param {object} [params]
 * @returns {string}
 */
export function t(key, params = {}) {
  // English says "1 result", "2 results": a table may give a key's singular as KEY.one (Vietnamese needs none).
  const one = params.n === 1 ? (TABLES[current]?.[`${key}.one`] ?? EXTRA[current][`${key}.one`]) : undefined;
  const text = one ?? TABLES[current]?.[key] ?? EXTRA[current][key] ?? RECORD[current]?.[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

/**
 * A field's label for "field: message" lines, or '' when the field has none (never a raw key).
 * @param {string|null} name API field name
 * @returns {string}
 */
export function fieldLabel(name) {
  return name && has(`f.${name}`) ? t(`f.${name}`) : '';
}

/**
 * Whether a key exists (error codes without a translation show their code).
 * @param {string} key
 */
export function has(key) {
  return key in (TABLES[current] || {}) || key in EXTRA[current] || key in (RECORD[current] || {});
}

/**
 * Translate every element with data-i18n (text), data-i18n-placeholder and data-i18n-label (aria-label).
 * @param {ParentNode} root
 */
export function translateTree(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n, el.dataset.i18nParams ? JSON.parse(el.dataset.i18nParams) : {});
  }
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
}

/** Translate the whole page and tell the screens to redraw ('languagechange' on document). */
export function translatePage() {
  document.documentElement.lang = current;
  translateTree(document);
  document.dispatchEvent(new CustomEvent('languagechange'));
}

/**
 * A date-time in the current language's format (dates.js formats).
 * @param {string|number|Date} value
 */
export function formatTime(value) {
  return formatDateTime(value, current);
}
