/**
 * Talking to the server (CONTRACT §5): JSON in and out, the CSRF header on every state change, and two
 * kinds of failure kept apart — the network did not answer (NetworkError: try later, keep everything) and
 * the server answered with an error (ApiError with its stable code).
 */

/** The request never got an answer (offline, server down, connection dropped, timeout). */
export class NetworkError extends Error {
  constructor(cause) {
    super('network');
    this.cause = cause;
  }
}

/** The server answered with an error body {"error": {"code", "message", "fields"}}. */
export class ApiError extends Error {
  constructor(status, error) {
    super(error.message || error.code);
    this.status = status;
    this.code = error.code;
    this.fields = error.fields || null;
  }
}

export class ApiClient {
  /** @param {{csrfToken?: string, timeoutMs?: number}} [options] */
  constructor({csrfToken = '', timeoutMs = 30000} = {}) {
    this.csrfToken = csrfToken;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Send one request; resolves to the Response for 2xx (and 404 on HEAD), rejects with NetworkError/ApiError.
   * @param {string} path below the site root, e.g. "/api/v1/auth/me"
   * @param {{method?: string, json?: any, body?: BodyInit, type?: string, timeoutMs?: number}} [options]
   * @returns {Promise<Response>}
   */
  async send(path, {method = 'GET', json, body, type, timeoutMs} = {}) {
    const headers = {Accept: 'application/json'};
    if (json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(json); }
    if (type) headers['Content-Type'] = type;
    if (!['GET', 'HEAD'].includes(method) && this.csrfToken) headers['X-CSRF-Token'] = this.csrfToken;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs || this.timeoutMs);
    let response;
    try {
      response = await fetch(path, {method, headers, body, credentials: 'same-origin', cache: 'no-store',
        signal: abort.signal});
    } catch (error) {
      throw new NetworkError(error);
    } finally {
      clearTimeout(timer);
    }
    if (response.ok || (method === 'HEAD' && response.status === 404)) return response;
    let error = {code: response.status >= 500 ? 'server_error' : 'http_' + response.status, message: ''};
    try {
      error = (await response.json()).error || error;
    } catch {
      // a proxy's HTML error page: keep the status-derived code
    }
    throw new ApiError(response.status, error);
  }

  /**
   * Send and parse a JSON answer (null for 204).
   * @param {string} path
   * @param {object} [options] as for send()
   */
  async json(path, options) {
    const response = await this.send(path, options);
    if (response.status === 204) return null;
    try {
      return await response.json();
    } catch (error) {
      throw new NetworkError(error); // a body cut off mid-way is a dropped connection
    }
  }
}

/**
 * Whether an error means the session is gone (sign in again before anything else is sent).
 * @param {unknown} error
 */
export function isAuthError(error) {
  return error instanceof ApiError && (error.status === 401 || error.code === 'csrf_failed');
}
