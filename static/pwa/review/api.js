/**
 * Talking to /api/v1 from the review screen: the session cookie does the signing in; state changes
 * carry the CSRF token, kept in sessionStorage (it dies with the tab, never lands on disk).
 */
const CSRF_KEY = 'fieldkit.review.csrf';

/** An API answer that was not 2xx: `code` is the server's stable error code. */
export class ApiError extends Error {
  constructor(status, code, fields) {
    super(code);
    this.status = status;
    this.code = code;
    this.fields = fields || {};
  }
}

function csrf() {
  return sessionStorage.getItem(CSRF_KEY) || '';
}

/**
 * Call the API and return the parsed JSON (null for 204).
 * @param {string} method
 * @param {string} path under /api/v1
 * @param {Object} [body]
 * @returns {Promise<*>}
 */
export async function api(method, path, body) {
  const headers = {Accept: 'application/json'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf();
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network');
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data?.error?.code || 'other', data?.error?.fields);
  return data;
}

/**
 * Sign in; keeps the CSRF token for this tab.
 * @returns {Promise<Object>} the user
 */
export async function login(username, password) {
  const data = await api('POST', '/auth/login', {username, password});
  sessionStorage.setItem(CSRF_KEY, data.csrf_token);
  return data.user;
}

/**
 * The signed-in user, or null. The session cookie may come from another page of this site; reading works
 * with it alone, and a state change without this tab's CSRF token answers `csrf_failed` (sign in again).
 * @returns {Promise<Object|null>}
 */
export async function currentUser() {
  try {
    return await api('GET', '/auth/me');
  } catch (error) {
    if (error.status === 401) return null;
    throw error;
  }
}

/** @returns {boolean} whether this tab holds a CSRF token for state changes */
export function canWrite() {
  return Boolean(csrf());
}

export async function logout() {
  try {
    await api('POST', '/auth/logout');
  } finally {
    sessionStorage.removeItem(CSRF_KEY);
  }
}
