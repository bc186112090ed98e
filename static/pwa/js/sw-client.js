/**
 * The page's side of the service worker: register it, say "ready to work offline" after the first
 * install, and offer "update available — reload" when a new version waits. Code is never swapped under
 * the officer: the new worker takes over only when they press reload (and not while a form is unsaved).
 * The queue lives in IndexedDB, which an update never touches.
 */
import {isUnlocked, on} from './app-state.js';
import {t} from './i18n.js';
import {toast} from './ui.js';

const CHECK_EVERY_MS = 30 * 60 * 1000;
let reloading = false;

function offerUpdate(registration, isBusy) {
  toast(t('update.available'), {key: 'update.available', id: 'update', timeoutMs: 0, action: t('update.reload'),
    actionKey: 'update.reload', onAction: () => {
    if (isBusy()) { toast(t('update.finishFirst'), {key: 'update.finishFirst', kind: 'warn', id: 'update-busy'}); return; }
    reloading = true;
    if (registration.waiting) registration.waiting.postMessage({type: 'skip-waiting'});
    else location.reload();
  }});
}

function watch(worker, registration, isBusy) {
  worker?.addEventListener('statechange', () => {
    if (worker.state !== 'installed') return;
    if (navigator.serviceWorker.controller) offerUpdate(registration, isBusy);
    else sayOfflineReady();
  });
}

/** "Ready to work offline" means something once signed in: before that, wait for the first unlock. */
function sayOfflineReady() {
  const say = () => toast(t('update.offlineReady'), {key: 'update.offlineReady', kind: 'ok', id: 'offline-ready'});
  if (isUnlocked()) { say(); return; }
  let said = false;
  on('roster', () => {
    if (said || !isUnlocked()) return;
    said = true;
    say();
  });
}

/**
 * Register /sw.js and wire the toasts.
 * @param {() => boolean} isBusy true while reloading would lose typing (an unsaved form)
 * @returns {Promise<ServiceWorkerRegistration|null>}
 */
export async function registerServiceWorker(isBusy) {
  if (!('serviceWorker' in navigator)) return null;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading) location.reload(); // only after the officer chose to reload
  });
  const registration = await navigator.serviceWorker.register('/sw.js', {scope: '/'});
  if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration, isBusy);
  watch(registration.installing, registration, isBusy);
  registration.addEventListener('updatefound', () => watch(registration.installing, registration, isBusy));
  setInterval(() => registration.update().catch(() => {}), CHECK_EVERY_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') registration.update().catch(() => {});
  });
  return registration;
}
