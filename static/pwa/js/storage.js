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

function mb(bytes) {
  return (bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0);
}

/** One line for the queue screen. */
export async function storageText() {
  const estimate = await storageEstimate();
  if (!estimate) return '';
  const persisted = navigator.storage.persisted ? await navigator.storage.persisted() : false;
  return t(estimate.low ? 'storage.low' : 'storage.info',
    {used: mb(estimate.usage), free: mb(Math.max(0, estimate.quota - estimate.usage))})
    + (persisted ? '' : ` ${t('storage.notPersisted')}`);
}
