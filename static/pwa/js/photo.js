/**
 * The portrait on the device: crop to 3:4 around the centre, downscale to the card portrait's 600×800 and
 * encode as JPEG 0.92 before anything is stored or sent, and name the bytes by their SHA-256 (the server's key).
 * The server keeps 600×800 whatever it gets: more pixels would only be sent over a field network to be thrown
 * away, and a larger frame costs the server several times the CPU (900×1200 needs a full decode and a resample;
 * 600×800 needs neither). Returns plain ArrayBuffers (Blobs in IndexedDB fail on Safari).
 */
export const WIDTH = 600;
export const HEIGHT = 800;
export const QUALITY = 0.92;

/**
 * Lowercase hex SHA-256 of some bytes.
 * @param {ArrayBuffer} bytes
 * @returns {Promise<string>}
 */
export async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The centred 3:4 crop of a w×h frame.
 * @param {number} w
 * @param {number} h
 * @returns {{sx: number, sy: number, sw: number, sh: number}}
 */
export function crop34(w, h) {
  if (w / h > 3 / 4) {
    const sw = Math.round(h * 3 / 4);
    return {sx: Math.round((w - sw) / 2), sy: 0, sw, sh: h};
  }
  const sh = Math.round(w * 4 / 3);
  return {sx: 0, sy: Math.round((h - sh) / 2), sw: w, sh};
}

/**
 * Crop, downscale and encode a frame (an ImageBitmap, video or canvas).
 * @param {CanvasImageSource} source
 * @param {number} width the source's pixel width
 * @param {number} height the source's pixel height
 * @returns {Promise<{bytes: ArrayBuffer, type: string, sha256: string, width: number, height: number}>}
 */
export async function encodePortrait(source, width, height) {
  const {sx, sy, sw, sh} = crop34(width, height);
  const scale = Math.min(1, WIDTH / sw);
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(sw * scale);
  canvas.height = Math.round(sh * scale);
  const context = canvas.getContext('2d');
  context.imageSmoothingQuality = 'high';
  context.drawImage(source, sx, sy, sw, sh, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', QUALITY));
  const bytes = await blob.arrayBuffer();
  return {bytes, type: 'image/jpeg', sha256: await sha256Hex(bytes), width: canvas.width, height: canvas.height};
}

/**
 * A picked or shot image file, upright (EXIF orientation applied) and encoded as a portrait.
 * @param {File} file
 */
export async function portraitFromFile(file) {
  const bitmap = await createImageBitmap(file, {imageOrientation: 'from-image'});
  try {
    return await encodePortrait(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}
