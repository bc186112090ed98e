/**
 * The server's verdict on a fresh portrait (too dark, blurred...), asked right after capture when the
 * network and session allow; the same content-addressed upload that sync would make, so nothing is sent
 * twice. Offline, or on any failure, there is simply no verdict yet.
 */
import {app, isUnlocked} from './app-state.js';

/**
 * Upload the portrait now if possible and return the server's quality report, else null.
 * @param {{bytes: ArrayBuffer, type: string, sha256: string}} photo
 * @returns {Promise<object|null>}
 */
export async function checkPhotoQuality(photo) {
  if (!navigator.onLine || !isUnlocked() || app.sessionExpired) return null;
  try {
    const result = await app.client.json(`/api/v1/photos/${photo.sha256}`,
      {method: 'PUT', body: photo.bytes, type: photo.type, timeoutMs: 20000});
    return result?.quality || null;
  } catch {
    return null;
  }
}
