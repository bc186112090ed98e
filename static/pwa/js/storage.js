/**
 * Space on the device: ask the browser to keep our data (persistent storage), report used/available
 * space, and warn early when it runs low (photos are the big part of a queue).
 */
import {t} from './i18n.js';

const LOW_BYTES = 100 * 1024 * 1024;

/**
 * Ask once for persistent storage (the browser may then never evict the queue).
 * @returns {Promise<boolean>}
 */
export async function askPersistence() {
  if (!navigator.storage?.persist) return false;
  return (await navigator.storage.persisted()) || navigator.storage.persist();
}

/**
 * Used and available bytes, and whether space is low.
 * @returns {Promise<{usage: number, quota: number, low: boolean}|null>}
 */
export async function storageEstimate() {
  if (!navigator.storage?.estimate) return null;
  const {usage = 0, quota = 0} = await navigator.storage.estimate();
  return {usage, quota, low: quota - usage < LOW_BYTES || usage > quota * 0.8};
}

/** A size as an officer says it: "under 1 MB", "350 MB", "1.5 GB", "10 GB" (not "10240 MB" or "1.0 MB"). */
export function sizeInWords(bytes) {
  const MB = 1048576;
  const GB = 1073741824;
  if (bytes < MB) return t('storage.underOneMb');
  if (bytes < GB) return `${Math.round(bytes / MB)} MB`;
  const gb = bytes / GB;
  const text = gb < 10 ? String(Math.round(gb * 10) / 10) : String(Math.round(gb));
  return `${t('storage.decimal') === ',' ? text.replace('.', ',') : text} GB`;
}

/** One line for the queue screen. */
export async function storageText() {
  const estimate = await storageEstimate();
  if (!estimate) return '';
  const persisted = navigator.storage.persisted ? await navigator.storage.persisted() : false;
  return t(estimate.low ? 'storage.low' : 'storage.info',
    {used: sizeInWords(estimate.usage), free: sizeInWords(Math.max(0, estimate.quota - estimate.usage))})
    + (persisted ? '' : ` ${t('storage.notPersisted')}`);
}
