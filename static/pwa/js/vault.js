/**
 * Encryption at rest (WebCrypto): each officer's roster and queue are sealed with AES-GCM under a random
 * data key; that key is stored only wrapped — by a key derived from the device PIN and by one derived from
 * the password. Nothing here touches storage; keys never leave memory unwrapped.
 */
const ITERATIONS = 250000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Random bytes (salts, IVs).
 * @param {number} n
 * @returns {Uint8Array}
 */
export function randomBytes(n) {
  return crypto.getRandomValues(new Uint8Array(n));
}

/**
 * Derive a wrapping key from a secret (PIN or password) with PBKDF2-SHA-256.
 * @param {string} secret
 * @param {Uint8Array} salt
 * @param {number} [iterations]
 * @returns {Promise<CryptoKey>}
 */
export async function deriveKey(secret, salt, iterations = ITERATIONS) {
  const base = await crypto.subtle.importKey('raw', encoder.encode(secret), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey({name: 'PBKDF2', salt, iterations, hash: 'SHA-256'}, base,
    {name: 'AES-GCM', length: 256}, false, ['wrapKey', 'unwrapKey']);
}

/**
 * A fresh data key for one officer on this device.
 * @returns {Promise<CryptoKey>}
 */
export function newDataKey() {
  return crypto.subtle.generateKey({name: 'AES-GCM', length: 256}, true, ['encrypt', 'decrypt']);
}

/**
 * Wrap the data key under a secret: returns what is stored ({salt, iterations, iv, wrapped}).
 * @param {CryptoKey} dataKey
 * @param {string} secret
 * @returns {Promise<object>}
 */
export async function wrapWithSecret(dataKey, secret) {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await deriveKey(secret, salt);
  const wrapped = await crypto.subtle.wrapKey('raw', dataKey, key, {name: 'AES-GCM', iv});
  return {salt, iv, iterations: ITERATIONS, wrapped};
}

/**
 * Unwrap the data key; rejects (AES-GCM authentication fails) when the secret is wrong.
 * @param {object} box from wrapWithSecret
 * @param {string} secret
 * @returns {Promise<CryptoKey>}
 */
export async function unwrapWithSecret(box, secret) {
  const key = await deriveKey(secret, box.salt, box.iterations);
  return crypto.subtle.unwrapKey('raw', box.wrapped, key, {name: 'AES-GCM', iv: box.iv},
    {name: 'AES-GCM', length: 256}, true, ['encrypt', 'decrypt']);
}

/** Seals and opens values under one data key. */
export class Cipher {
  /** @param {CryptoKey} key */
  constructor(key) {
    this.key = key;
  }

  /**
   * @param {ArrayBuffer|Uint8Array} bytes
   * @returns {Promise<{iv: Uint8Array, data: ArrayBuffer}>}
   */
  async sealBytes(bytes) {
    const iv = randomBytes(12);
    return {iv, data: await crypto.subtle.encrypt({name: 'AES-GCM', iv}, this.key, bytes)};
  }

  /**
   * @param {{iv: Uint8Array, data: ArrayBuffer}} box
   * @returns {Promise<ArrayBuffer>}
   */
  openBytes(box) {
    return crypto.subtle.decrypt({name: 'AES-GCM', iv: box.iv}, this.key, box.data);
  }

  /** @param {any} value @returns {Promise<{iv: Uint8Array, data: ArrayBuffer}>} */
  seal(value) {
    return this.sealBytes(encoder.encode(JSON.stringify(value)));
  }

  /** @param {{iv: Uint8Array, data: ArrayBuffer}} box @returns {Promise<any>} */
  async open(box) {
    return JSON.parse(decoder.decode(await this.openBytes(box)));
  }
}
