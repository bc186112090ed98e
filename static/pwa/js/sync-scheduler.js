/**
 * When to sync: on start, the `online` event, the page becoming visible, a periodic timer, a Background
 * Sync wake-up from the service worker, and the sync button. Failed runs back off exponentially with
 * jitter (the button overrides). Only one run at a time across tabs, through the Web Locks API.
 */
const LOCK = 'fieldkit-sync';
const BASE_MS = 5000;
const MAX_MS = 5 * 60 * 1000;
const PERIOD_MS = 60 * 1000;

/**
 * The wait before retry number `failures` (1, 2, ...): 5 s doubling to 5 min, times a 0.5–1.5 jitter.
 * @param {number} failures
 * @param {() => number} [random]
 */
export function backoffDelay(failures, random = Math.random) {
  return Math.min(MAX_MS, BASE_MS * 2 ** Math.max(0, failures - 1)) * (0.5 + random());
}

function withLock(fn) {
  if (navigator.locks?.request) {
    return navigator.locks.request(LOCK, {ifAvailable: true}, (lock) => (lock ? fn() : 'busy'));
  }
  return fn();
}

export class SyncScheduler {
  /**
   * @param {{run: (reason: string) => Promise<'ok'|'network'|'server'|'auth'|'idle'>, canRun: () => boolean,
   *          onBusy?: (busy: boolean) => void}} options
   */
  constructor({run, canRun, onBusy = () => {}}) {
    this.run = run;
    this.canRun = canRun;
    this.onBusy = onBusy;
    this.failures = 0;
    this.notBefore = 0;
    this.busy = false;
    this.pending = null;
    this.retryTimer = null;
  }

  /** Start listening to the triggers. */
  start() {
    addEventListener('online', () => this.request('online'));
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.request('visible');
    });
    setInterval(() => this.request('timer'), PERIOD_MS);
    navigator.serviceWorker?.addEventListener('message', (event) => {
      if (event.data?.type === 'sync') this.request('background-sync');
    });
  }

  /**
   * Ask for a run. Returns what happened: a run result, 'busy' (another tab or run holds the lock),
   * 'later' (backing off) or 'not-ready' (locked app, no queue key).
   * @param {string} reason start | online | visible | timer | background-sync | button | saved
   */
  async request(reason) {
    if (!this.canRun()) return 'not-ready';
    const forced = reason === 'button' || reason === 'online' || reason === 'saved';
    if (!forced && Date.now() < this.notBefore) return 'later';
    if (this.busy) {
      // A record saved (or the button pressed) while a run is under way is sent by one more run right after.
      if (forced) this.pending = reason;
      return 'busy';
    }
    this.busy = true;
    this.onBusy(true);
    try {
      const result = await withLock(() => this.run(reason));
      if (result === 'network' || result === 'server') this.failed();
      else if (result !== 'busy') this.failures = 0;
      return result;
    } finally {
      this.busy = false;
      this.onBusy(false);
      if (this.pending) {
        const again = this.pending;
        this.pending = null;
        setTimeout(() => this.request(again), 0);
      }
    }
  }

  failed() {
    this.failures += 1;
    const delay = backoffDelay(this.failures);
    this.notBefore = Date.now() + delay;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.request('retry'), delay);
    navigator.serviceWorker?.ready.then((reg) => reg.sync?.register(LOCK)).catch(() => {});
  }
}
