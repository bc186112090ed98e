/** Exports in one place: each link downloads for the unit typed above (default: the caller's own). */
import {$, $$} from '../js/ui.js';
import {session} from './main.js';
import {unitCodes} from './users.js';

let wired = false;

export async function show() {
  const input = $('#exports-form [name=unit]');
  if (!wired) {
    input.addEventListener('input', links);
    $('#exports-form').addEventListener('submit', (event) => event.preventDefault());
    wired = true;
  }
  input.value ||= session.user.unit_code;
  links();
  await unitCodes();
}

function links() {
  const unit = $('#exports-form [name=unit]').value.trim() || session.user.unit_code;
  for (const link of $$('[data-export]')) link.href = `${link.dataset.export}?unit=${encodeURIComponent(unit)}`;
}
