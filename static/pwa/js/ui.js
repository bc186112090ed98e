/**
 * Small DOM helpers shared by the screens: finding elements, switching screens, toasts, state chips.
 * Builds elements with textContent only (never innerHTML with data), so roster text cannot inject markup.
 */
import {t} from './i18n.js';

/** @param {string} selector @param {ParentNode} [root] @returns {HTMLElement} */
export const $ = (selector, root = document) => root.querySelector(selector);
/** @param {string} selector @param {ParentNode} [root] @returns {HTMLElement[]} */
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/**
 * Create an element with attributes and children (strings become text nodes).
 * @param {string} tag
 * @param {object} [attrs] `class`, `data-*`, `hidden` and other attributes; `on*` functions become listeners
 * @param {...(Node|string|null)} children
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (typeof value === 'function') node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child != null) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

let currentScreen = 'loading';

/**
 * Show one screen, hide the others.
 * @param {string} name login | pin | home | form | queue | loading
 */
export function showScreen(name) {
  currentScreen = name;
  for (const screen of $$('section[data-screen]')) screen.hidden = screen.dataset.screen !== name;
  document.body.dataset.current = name;
  scrollTo(0, 0);
}

/** @returns {string} the screen on show */
export function screen() {
  return currentScreen;
}

/**
 * A toast at the bottom of the screen; with an action button when `action` is given.
 * @param {string} text
 * @param {{action?: string, onAction?: Function, timeoutMs?: number, kind?: string, id?: string}} [options]
 */
export function toast(text, {action, onAction, timeoutMs = 6000, kind = 'info', id, key, params, actionKey} = {}) {
  const box = $('#toasts');
  if (id) box.querySelector(`[data-toast="${id}"]`)?.remove();
  // With its text key (and params) a toast is re-translated when the officer switches language.
  const node = el('div', {class: `toast ${kind}`, 'data-toast': id || null, role: 'status'},
    el('span', {'data-i18n': key || null, 'data-i18n-params': key && params ? JSON.stringify(params) : null}, text));
  if (action) {
    node.append(el('button', {type: 'button', class: 'btn', 'data-i18n': actionKey || null,
      onclick: () => onAction?.(node)}, action));
  }
  node.append(el('button', {type: 'button', class: 'btn ghost close', 'aria-label': t('app.close'),
    onclick: () => node.remove()}, '×'));
  box.append(node);
  if (timeoutMs) setTimeout(() => node.remove(), timeoutMs);
  return node;
}

/**
 * Remove toasts (all, or those with the given ids) — nothing of a closed screen lingers.
 * @param {...string} ids
 */
export function clearToasts(...ids) {
  for (const node of $$('#toasts .toast')) {
    if (!ids.length || ids.includes(node.dataset.toast)) node.remove();
  }
}

/**
 * A state chip: colour and words (queued, sending, stored, needs fixing, waiting...).
 * @param {string} state
 * @param {number|null} [count]
 */
export function chip(state, count = null) {
  return el('span', {class: 'chip', 'data-state': state},
    count == null ? t(`state.${state}`) : `${t(`state.${state}`)}: ${count}`);
}

/**
 * Put an error message under a form (or hide it when empty).
 * @param {HTMLElement} box
 * @param {string} text
 */
export function setError(box, text) {
  box.textContent = text || '';
  box.hidden = !text;
}
