/**
 * The "could not collect" dialog: one of the server's reason codes (big radio rows) and a free note.
 * Only asks; the caller queues what it answers.
 */
import {t} from './i18n.js';
import {$, setError} from './ui.js';

const dialog = () => $('#outcome-dialog');
let settle = null;

function finish(value) {
  const done = settle;
  settle = null;
  if (dialog().open) dialog().close();
  done?.(value);
}

/**
 * Ask why the member could not be collected.
 * @param {string} memberName shown in the title
 * @returns {Promise<{reason: string, note: string}|null>} null when cancelled
 */
export function askOutcome(memberName) {
  finish(null);
  const form = $('#outcome-form');
  form.reset();
  setError($('.error', form), '');
  $('#outcome-title').textContent = t('outcome.title', {name: memberName});
  dialog().showModal();
  return new Promise((resolve) => { settle = resolve; });
}

/** Wire the dialog once. */
export function initOutcomeDialog() {
  const form = $('#outcome-form');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const reason = form.elements.reason.value;
    if (!reason) { setError($('.error', form), t('outcome.pickReason')); return; }
    finish({reason, note: form.elements.note.value.normalize('NFC').trim()});
  });
  $('[data-action=cancel-outcome]', form).addEventListener('click', () => finish(null));
  dialog().addEventListener('cancel', (event) => { event.preventDefault(); finish(null); }); // Esc / back
}

/** Close the dialog without an answer (on lock). */
export function closeOutcomeDialog() {
  finish(null);
}
