/** Placeholder replaced below by the daily chart. */
import {$} from '../js/ui.js';

export async function show() {
  $('#chart').hidden = true;
}
