/**
 * Lock after inactivity: no touch, key or pointer for a while → the app drops its keys and asks for the PIN.
 */
export const IDLE_MS = 5 * 60 * 1000;
const EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart'];

/**
 * Call `onIdle` after `ms` without user activity (re-armed by every interaction).
 * @param {() => void} onIdle
 * @param {number} [ms]
 * @returns {{stop: () => void}}
 */
export function watchIdle(onIdle, ms = IDLE_MS) {
  let timer = setTimeout(onIdle, ms);
  const poke = () => { clearTimeout(timer); timer = setTimeout(onIdle, ms); };
  for (const name of EVENTS) addEventListener(name, poke, {passive: true, capture: true});
  return {stop() {
    clearTimeout(timer);
    for (const name of EVENTS) removeEventListener(name, poke, {capture: true});
  }};
}
