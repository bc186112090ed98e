/**
 * The member form, loaded on first use: the start-up shell carries only this stand-in. The form's code
 * (form-screen.js with validation and the record rules) and its stylesheet (css/form.css) are fetched the first
 * time a member is opened; the service worker precaches both, so that works offline too. The form's markup
 * stays in index.html (translated at start with the rest of the page).
 */
import {t} from './i18n.js';
import {loadOnce, loadStyle} from './lazy.js';
import {toast} from './ui.js';

let screen = null; // form-screen.js once loaded
let callbacks = [() => {}, () => {}];

const load = loadOnce(async () => {
  const [module] = await Promise.all([import('./form-screen.js'), loadStyle('/css/form.css')]);
  module.initFormScreen(...callbacks);
  screen = module;
  return module;
});

/**
 * Remember what to call after a save and on going back (wired when the form loads).
 * @param {() => void} saved
 * @param {() => void} cancelled
 */
export function initFormScreen(saved, cancelled) {
  callbacks = [saved, cancelled];
}

/**
 * Open the form (loading it on first use); see form-screen.js openForm.
 * @param {{member?: object, visit?: object, record?: object, photo?: object}} [target]
 */
export async function openForm(target = {}) {
  try {
    (await load()).openForm(target);
  } catch (error) {
    toast(`${t('app.failed')} (${error.name}: ${error.message})`, {kind: 'error', id: 'form'});
  }
}

/** Whether the form holds unsaved typing (never, before it was first opened). */
export function formIsDirty() {
  return screen ? screen.formIsDirty() : false;
}

/** Leave the form (nothing to do before it was first opened). */
export function closeForm() {
  screen?.closeForm();
}
