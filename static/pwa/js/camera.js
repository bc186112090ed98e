/**
 * The camera panel of the form: live rear camera with a 3:4 head-and-shoulders guide, capture, preview,
 * retake; the file input (`input[type=file][name=photo][capture]`) is always there as the fallback.
 * Hands the encoded portrait to `onPhoto`; never stores it. Loaded on first use (form-screen.js wires the
 * buttons and the file input and calls into the panel), not at start.
 */
import {encodePortrait, portraitFromFile} from './photo.js';

/**
 * Start the rear camera into a <video> (the portrait here, the ID-card scan in scan-id.js).
 * @param {HTMLVideoElement} video
 * @param {{width: number, height: number}} [ideal] the resolution to ask for
 * @returns {Promise<MediaStream>} rejects when there is no camera or it is refused
 */
export async function startRearCamera(video, ideal = {width: 1920, height: 1440}) {
  if (!navigator.mediaDevices?.getUserMedia) throw new Error('no camera');
  const stream = await navigator.mediaDevices.getUserMedia({audio: false,
    video: {facingMode: {ideal: 'environment'}, width: {ideal: ideal.width}, height: {ideal: ideal.height}}});
  try {
    video.srcObject = stream;
    await video.play();
    return stream;
  } catch (error) {
    stopCamera(stream, video);
    throw error;
  }
}

/**
 * Release a camera stream (the light on the tablet goes off).
 * @param {MediaStream|null} stream
 * @param {HTMLVideoElement} [video]
 */
export function stopCamera(stream, video) {
  stream?.getTracks().forEach((track) => track.stop());
  if (video) video.srcObject = null;
}

export class CameraPanel {
  /**
   * @param {HTMLElement} root the panel element
   * @param {(photo: object|null) => void} onPhoto
   * @param {(key: string) => void} onError called with an i18n key
   */
  constructor(root, onPhoto, onError) {
    this.root = root;
    this.video = root.querySelector('video');
    this.preview = root.querySelector('img.preview');
    this.file = root.querySelector('input[name=photo]');
    this.onPhoto = onPhoto;
    this.onError = onError;
    this.stream = null;
    this.url = null;
  }

  setMode(mode) {
    this.root.dataset.mode = mode; // idle | live | preview (CSS shows the matching controls)
  }

  /** Start the rear camera. */
  async open() {
    try {
      this.stream = await startRearCamera(this.video);
      this.setMode('live');
    } catch {
      this.stop();
      this.onError('photo.noCamera');
    }
  }

  /** Take the frame under the guide. */
  async capture() {
    if (!this.stream) return;
    const photo = await encodePortrait(this.video, this.video.videoWidth, this.video.videoHeight);
    this.stop();
    this.show(photo);
  }

  /** Take the file chosen in the file input (the fallback, or the tablet's own camera app). */
  async picked() {
    const file = this.file.files[0];
    if (!file) return;
    try {
      this.show(await portraitFromFile(file));
    } catch {
      this.onError('photo.unreadable');
    }
    this.file.value = '';
  }

  /**
   * Show a portrait (a fresh one, or the stored one of a record being fixed).
   * @param {{bytes: ArrayBuffer, type: string}|null} photo
   * @param {boolean} [announce] tell onPhoto (false when loading a stored record)
   */
  show(photo, announce = true) {
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = photo ? URL.createObjectURL(new Blob([photo.bytes], {type: photo.type})) : null;
    if (this.url) this.preview.src = this.url;
    else this.preview.removeAttribute('src');
    this.setMode(photo ? 'preview' : 'idle');
    if (announce) this.onPhoto(photo);
  }

  retake() {
    this.show(null);
    this.open();
  }

  /** Release the camera (leaving the form, locking). */
  stop() {
    stopCamera(this.stream, this.video);
    this.stream = null;
    if (this.root.dataset.mode === 'live') this.setMode('idle');
  }
}
