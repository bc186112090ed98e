/**
 * The app's entry point: boots the database and the screens, and owns the life cycle of a sign-in —
 * unlock (keys into memory), lock (keys out), session expiry (records wait, password asked once),
 * sync and roster refresh. Screens talk back through callbacks and app-state events. Screens not needed at
 * start (queue, board, full "My visits") are imported on first use (SCREENS); the worker precaches them.
 */
import {forgetPin, rememberedAccount, updateAccount} from './accounts.js';
import {isAuthError} from './api-client.js';
import {app, emit, isUnlocked, on} from './app-state.js';
import {initAuthScreens, showLogin, showPin} from './auth-screens.js';
import {sendDeviceReport} from './device-report.js';
import {closeForm, formIsDirty, initFormScreen, openForm} from './form-loader.js';
import {clearHomeScreen, initHomeScreen} from './home-screen.js';
import {initLanguage, language, setLanguage, t, translatePage} from './i18n.js';
import {watchIdle} from './idle-lock.js';
import {loadOnce} from './lazy.js';
import {deviceId, openQueueDb} from './queue-db.js';
import {QueueStore} from './queue-store.js';
import {loadRoster, refreshRoster} from './roster.js';
import {buildIndex} from './roster-search.js';
import {askPersistence, storageEstimate} from './storage.js';
import {registerServiceWorker} from './sw-client.js';
import {SyncStopped, syncQueue} from './sync.js';
import {SyncScheduler} from './sync-scheduler.js';
import {$, clearToasts, screen, showScreen, toast} from './ui.js';
import {Cipher} from './vault.js';

const HEARTBEAT_MS = 10 * 60 * 1000;
// A sync the officer asked for (or a return to the network / the screen) also fetches the roster delta, so
// visits reassigned meanwhile arrive or leave; the background timer does so at most every ROSTER_EVERY_MS.
const ROSTER_REASONS = new Set(['button', 'online', 'visible']);
const ROSTER_EVERY_MS = 5 * 60 * 1000;
let rosterAt = 0;
const channel = 'BroadcastChannel' in self ? new BroadcastChannel('fieldkit') : null;
let idle = null;
let resumeTo = 'home';
let scheduler = null;

/** Screens loaded on first use: each module's init runs once; `shown()` draws it when it comes on show. */
const SCREENS = {
  queue: loadOnce(() => import('./queue-screen.js').then(async (m) => {
    await m.initQueueScreen(fixRecord);
    return {shown: m.renderQueueScreen};
  })),
  visits: loadOnce(() => import('./visits-screen.js').then(async (m) => {
    await m.initVisitsScreen();
    return {shown: m.renderVisitsScreen};
  })),
  board: loadOnce(() => import('./board-screen.js').then(async (m) => {
    await m.initBoard();
    return {shown: m.showBoard};
  })),
  cards: loadOnce(() => import('./cards-screen.js').then(async (m) => {
    await m.initCardsScreen();
    return {shown: m.showCards};
  })),
};

/**
 * Show a screen, loading it first when it is not part of the start-up shell.
 * @param {string} name
 */
async function go(name) {
  const screenModule = SCREENS[name] ? await SCREENS[name]() : null;
  if (!isUnlocked() && !['login', 'pin'].includes(name)) return; // locked while it loaded
  showScreen(name);
  screenModule?.shown();
}

/** Re-read the officer's queue metadata; update the count everywhere (and in other tabs). */
async function refreshQueue(fromOtherTab = false) {
  const userId = app.account?.userId;
  const rows = userId == null ? [] : await app.db.getAllFromIndex('records', 'userId', userId);
  app.queueMetas = rows.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  $('[data-queue-count]').textContent = String(rows.length);
  emit('queue-view');
  if (!fromOtherTab) channel?.postMessage({type: 'queue'});
}

function setRoster(roster) {
  app.roster = roster;
  app.index = buildIndex(roster.members);
  app.membersById = new Map(roster.members.map((m) => [m.id, m]));
  emit('roster');
}

async function refreshRosterNow() {
  if (!isUnlocked() || app.sessionExpired || !navigator.onLine) return;
  rosterAt = Date.now();
  try {
    setRoster(await refreshRoster({db: app.db, userId: app.account.userId, cipher: app.cipher,
      client: app.client, account: app.account}));
    // The cards waiting at the officer's units come with the roster, sealed the same way (cards-fetch.js);
    // fetched beside it, so nothing that waits for the roster waits for them too.
    const ctx = {db: app.db, userId: app.account.userId, cipher: app.cipher, client: app.client};
    import('./cards-fetch.js').then(({refreshCards}) => refreshCards(ctx)).then(() => emit('cards'))
      .catch((error) => { if (isAuthError(error)) sessionExpired(); });
  } catch (error) {
    if (isAuthError(error)) sessionExpired();
  }
}

function sessionExpired() {
  app.sessionExpired = true;
  renderHeader();
  if (app.askedPassword) return;
  app.askedPassword = true; // ask once; the chip in the header offers it again
  if (screen() === 'form' && formIsDirty()) {
    toast(t('session.expired'), {key: 'session.expired', kind: 'warn', timeoutMs: 0});
    return;
  }
  resumeTo = ['home', 'form', 'queue'].includes(screen()) ? screen() : 'home';
  showLogin('reauth', {username: app.account.username});
}

/** While the session is expired nothing can leave: queued records say "waiting for sign-in", not "queued". */
async function parkForSignIn() {
  const queued = app.queueMetas.filter((meta) => meta.state === 'queued').map((meta) => meta.clientId);
  if (!queued.length) return;
  await app.store.setState(queued, 'waiting');
  await refreshQueue();
}

/** Ask for the password again (the header's amber chip does the same). */
function askPassword() {
  if (!app.sessionExpired || !isUnlocked()) return;
  resumeTo = screen();
  showLogin('reauth', {username: app.account.username});
}

async function runSync(reason = 'timer') {
  if (!isUnlocked()) return 'not-ready';
  if (app.sessionExpired) { await parkForSignIn(); return 'auth'; }
  app.syncing = true;
  renderHeader();
  let result = 'ok';
  try {
    const report = await syncQueue({store: app.store, client: app.client, deviceId: app.deviceId,
      onChange: () => refreshQueue()});
    app.account.lastSyncAt = new Date().toISOString();
    await updateAccount(app.db, app.account.userId, {lastSyncAt: app.account.lastSyncAt});
    const rejected = {n: report.rejected};
    const stored = {n: report.stored};
    if (report.rejected) toast(t('sync.rejected', rejected), {key: 'sync.rejected', params: rejected, kind: 'warn', id: 'sync'});
    if (report.stored) toast(t('sync.stored', stored), {key: 'sync.stored', params: stored, kind: 'ok', id: 'sync'});
    if (report.stored || ROSTER_REASONS.has(reason) || Date.now() - rosterAt > ROSTER_EVERY_MS) refreshRosterNow();
  } catch (error) {
    if (!(error instanceof SyncStopped)) throw error;
    result = error.reason;
  } finally {
    app.syncing = false;
    await refreshQueue();
    renderHeader();
  }
  if (result === 'auth') { sessionExpired(); await parkForSignIn(); }
  if (result !== 'network') await sendDeviceReport(app.client, app.deviceId, app.queueMetas);
  return result;
}

async function onUnlocked(account, key) {
  const sameOfficer = app.account?.userId === account.userId && screen() === 'pin';
  app.account = await app.db.get('accounts', account.userId);
  app.cipher = new Cipher(key);
  app.store = new QueueStore(app.db, account.userId, app.cipher);
  app.sessionExpired = false;
  app.askedPassword = false;
  try {
    app.client.csrfToken = app.account.secret ? (await app.cipher.open(app.account.secret)).csrfToken : '';
  } catch {
    app.client.csrfToken = '';
  }
  document.body.dataset.locked = 'false';
  setRoster(await loadRoster(app.db, account.userId, app.cipher));
  await refreshQueue();
  idle?.stop();
  idle = watchIdle(lock);
  if (!sameOfficer) { closeForm(); resumeTo = 'home'; }
  await go(resumeTo === 'form' || resumeTo === 'queue' ? resumeTo : 'home');
  renderHeader();
  performance.mark('fieldkit:unlocked');
  askPersistence().catch(() => {});
  warnIfLowSpace();
  await refreshRosterNow();
  scheduler.request('start');
}

async function onReauthed(account, key) {
  app.account = await app.db.get('accounts', account.userId);
  app.cipher = new Cipher(key);
  app.store = new QueueStore(app.db, account.userId, app.cipher);
  app.sessionExpired = false;
  await app.store.setState(app.queueMetas.filter((m) => m.state === 'waiting').map((m) => m.clientId), 'queued');
  await go(resumeTo);
  await refreshQueue();
  renderHeader();
  scheduler.request('button');
  refreshRosterNow();
}

/** Drop the keys and the decrypted roster from memory; ask for the PIN. */
function lock() {
  if (!isUnlocked()) return;
  resumeTo = ['home', 'form', 'queue'].includes(screen()) ? screen() : 'home';
  idle?.stop();
  app.cipher = null;
  app.store = new QueueStore(app.db, app.account.userId, null);
  setRoster({members: [], visits: [], savedAt: null});
  clearHomeScreen();
  $('#records')?.replaceChildren();
  document.body.dataset.locked = 'true';
  clearToasts('form', 'camera', 'sync');
  renderHeader();
  showPin('unlock');
}

async function logout() {
  if (!confirm(t('app.logoutConfirm'))) return;
  const userId = app.account.userId;
  lock();
  await app.client.send('/api/v1/auth/logout', {method: 'POST'}).catch(() => {});
  await forgetPin(app.db, userId);
  app.client.csrfToken = '';
  closeForm();
  await showLogin('full', {username: app.account.username});
}

async function warnIfLowSpace() {
  const estimate = await storageEstimate().catch(() => null);
  if (estimate?.low) toast(t('storage.lowToast'), {key: 'storage.lowToast', kind: 'warn', timeoutMs: 0, id: 'space'});
}

function renderHeader() {
  const online = navigator.onLine;
  const net = $('#net-state');
  net.dataset.state = app.syncing ? 'syncing' : app.sessionExpired ? 'waiting' : online ? 'online' : 'offline';
  net.textContent = t(`net.${net.dataset.state}`);
  $('[data-action=sync]').disabled = !online || app.syncing || !isUnlocked();
  $('#who').textContent = isUnlocked() ? app.account.displayName : '';
  $('#lang-switch').textContent = language() === 'vi' ? 'English' : 'Tiếng Việt';
}

async function syncButton() {
  const result = await scheduler.request('button');
  if (result === 'network') toast(t('sync.offline'), {key: 'sync.offline', kind: 'warn', id: 'sync'});
  else if (result === 'server') toast(t('sync.serverError'), {key: 'sync.serverError', kind: 'error', id: 'sync'});
  else if (result === 'busy') toast(t('sync.busy'), {key: 'sync.busy', id: 'sync'});
  else if (result === 'ok' && !app.queueMetas.length) {
    toast(t('sync.allSent'), {key: 'sync.allSent', kind: 'ok', id: 'sync'});
  }
  // Every press answers: why nothing left (the sign-in expired, or only records that need fixing remain).
  else if (result === 'auth') {
    toast(t('sync.needSignIn'), {key: 'sync.needSignIn', kind: 'warn', id: 'sync', timeoutMs: 0,
      action: t('sync.signIn'), actionKey: 'sync.signIn',
      onAction: (node) => { node.remove(); askPassword(); }});
  } else if (result === 'ok' && app.queueMetas.every((meta) => meta.state === 'needs_fix')) {
    const left = {n: app.queueMetas.length};
    toast(t('sync.onlyNeedsFix', left), {key: 'sync.onlyNeedsFix', params: left, kind: 'warn', id: 'sync'});
  }
}

function wireHeader() {
  $('[data-action=sync]').addEventListener('click', syncButton);
  $('[data-action=lang]').addEventListener('click', () => setLanguage(language() === 'vi' ? 'en' : 'vi')
    .catch(() => toast(t('app.failed'), {key: 'app.failed', kind: 'error'})));
  $('[data-action=lock]').addEventListener('click', lock);
  $('[data-action=logout]').addEventListener('click', logout);
  $('#net-state').addEventListener('click', askPassword);
  // One listener for every [data-go] button, also those of screens inserted later (the board).
  document.addEventListener('click', (event) => {
    const button = event.target.closest?.('[data-go]');
    if (!button || !isUnlocked() || (screen() === 'form' && formIsDirty() && !confirm(t('form.discard')))) return;
    if (screen() === 'form') closeForm();
    go(button.dataset.go).catch((error) => toast(`${t('app.failed')} (${error.name}: ${error.message})`, {kind: 'error'}));
  });
  addEventListener('online', renderHeader);
  addEventListener('offline', renderHeader);
  document.addEventListener('languagechange', renderHeader);
}

async function fixRecord(clientId) {
  const record = await app.store.get(clientId);
  openForm({record, photo: await app.store.photo(clientId)});
}

async function boot() {
  await initLanguage();
  translatePage();
  registerServiceWorker(formIsDirty).catch(() => {});
  app.db = await openQueueDb();
  app.deviceId = await deviceId(app.db);
  initAuthScreens({onUnlocked, onReauthed, onLater: () => go(resumeTo)});
  initHomeScreen(openForm);
  const goHome = () => { closeForm(); showScreen('home'); };
  initFormScreen(() => { goHome(); scheduler.request('saved'); }, goHome);
  wireHeader();
  on('queue', () => refreshQueue());
  addEventListener('fieldkit:db-closed', () => toast(t('update.available'), {key: 'update.available', id: 'update', timeoutMs: 0,
    action: t('update.reload'), actionKey: 'update.reload', onAction: () => location.reload()}));
  channel?.addEventListener('message', (event) => { if (event.data?.type === 'queue') refreshQueue(true); });
  scheduler = new SyncScheduler({run: runSync, canRun: isUnlocked, onBusy: renderHeader});
  scheduler.start();
  on('sync-request', (reason) => scheduler.request(reason || 'saved'));
  setInterval(() => {
    if (app.queueMetas.length && app.client.csrfToken && !app.syncing) {
      sendDeviceReport(app.client, app.deviceId, app.queueMetas);
    }
  }, HEARTBEAT_MS);
  app.account = await rememberedAccount(app.db);
  await refreshQueue();
  renderHeader();
  if (app.account?.pin) await showPin('unlock');
  else await showLogin(app.account ? 'full' : 'first', {username: app.account?.username || ''});
  performance.mark('fieldkit:interactive'); // bench/pwa_bench.py reads it
}

boot().catch((error) => {
  document.body.dataset.failed = 'true';
  toast(`${t('app.failed')} (${error.name}: ${error.message})`, {kind: 'error', timeoutMs: 0});
});
