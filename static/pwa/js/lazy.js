/**
 * Loading on first use: screens an officer does not need at start (the lead's board, the queue screen,
 * the camera, the full "My visits") are fetched with import() the first time they are opened. The service
 * worker precaches every one of them, so first use works offline as well; only the start-up stays lean.
 */

/**
 * Wrap a loader so it runs once; a failed load may be tried again.
 * @template T
 * @param {() => Promise<T>} load
 * @returns {() => Promise<T>}
 */
export function loadOnce(load) {
  let promise = null;
  return () => {
    promise ??= load().catch((error) => { promise = null; throw error; });
    return promise;
  };
}

/**
 * Add a stylesheet of the app (once) and wait until it applies, so a screen never shows unstyled.
 * @param {string} href e.g. '/css/board.css'
 * @returns {Promise<void>}
 */
export function loadStyle(href) {
  const existing = document.querySelector(`link[rel=stylesheet][href="${href}"]`);
  if (existing) return existing.sheet ? Promise.resolve() : waitFor(existing);
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  const loaded = waitFor(link);
  document.head.append(link);
  return loaded;
}

function waitFor(link) {
  return new Promise((resolve, reject) => {
    link.addEventListener('load', () => resolve(), {once: true});
    link.addEventListener('error', () => reject(new Error(`stylesheet ${link.href}`)), {once: true});
  });
}

/**
 * Turn a screen's static markup (a string written in the module, never data) into nodes.
 * @param {string} html
 * @returns {DocumentFragment}
 */
export function markup(html) {
  const template = document.createElement('template');
  template.innerHTML = html;
  return template.content;
}
