/**
 * Imports by upload (CONTRACT §9): the file goes up, a background job checks and stores it, this screen polls
 * the job for its progress and shows its report in [data-import-report]. Closing the page does not stop the
 * job; the recent jobs list brings any report back.
 */
import {formatTime, language, t} from '../js/i18n.js';
import {$, el} from '../js/ui.js';
import {api, errorText, fail} from './main.js';

const POLL_MS = 700;
let polling = 0;  // the job being watched (one at a time)
let wired = false;

export async function show() {
  if (!wired) {
    $('#import-form').addEventListener('submit', submit);
    wired = true;
  }
  const jobs = await listJobs();
  const watched = jobs.find((job) => ['queued', 'running'].includes(job.state));
  if (watched && polling !== watched.id) watch(watched.id);
  else if (!polling && jobs.length && !$('[data-import-report]').childElementCount) render(jobs[0]);
}

async function listJobs() {
  const {jobs} = await api.json('/api/v1/jobs?limit=20');
  const imports = jobs.filter((job) => job.kind.startsWith('import.'));
  $('#job-rows').replaceChildren(...imports.map((job) => el('tr', {'data-job-id': job.id},
    el('td', {}, formatTime(job.created_at)), el('td', {}, kindText(job)), el('td', {}, job.filename || ''),
    el('td', {}, el('span', {class: `chip ${stateTone(job.state)}`}, t(`console.state.${job.state}`))),
    el('td', {}, el('button', {type: 'button', class: 'btn ghost', onclick: () => watch(job.id)}, t('console.jobs.open'))))));
  if (!imports.length) $('#job-rows').append(el('tr', {}, el('td', {colspan: 5, class: 'muted'}, t('console.jobs.none'))));
  return imports;
}

async function submit(event) {
  event.preventDefault();
  const form = event.target;
  const box = form.querySelector('.field-error');
  box.textContent = '';
  if (!form.import_file.files.length) {
    box.textContent = t('console.imports.choose');
    return;
  }
  const data = new FormData();
  data.append('import_kind', form.import_kind.value);
  data.append('import_file', form.import_file.files[0]);
  const button = $('[data-action=import]');
  button.disabled = true;
  $('[data-import-report]').replaceChildren(el('p', {}, t('console.imports.uploading')));
  try {
    const job = await api.json('/api/v1/imports', {method: 'POST', body: data, timeoutMs: 300000});
    form.import_file.value = '';
    watch(job.id, job);
  } catch (error) {
    $('[data-import-report]').replaceChildren();
    box.textContent = error.code === 'job_running' || error.code === 'import_kind_unsupported'
      || error.code === 'unsupported_file_type' ? error.message : errorText(error);
    if (error.status === 401) fail(error);
  } finally {
    button.disabled = false;
  }
}

async function watch(id, job = null) {
  polling = id;
  while (polling === id) {
    try {
      job ??= await api.json(`/api/v1/jobs/${id}`);
    } catch (error) {
      polling = 0;
      return fail(error);
    }
    render(job);
    if (!['queued', 'running'].includes(job.state) || job.progress?.stalled) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    job = null;
  }
  if (polling === id) polling = 0;
  listJobs().catch(() => {});
}

function kindText(job) {
  return t(`console.kind.${job.kind.replace('import.', '')}`);
}

function stateTone(state) {
  return {done: 'ok', rejected: 'bad', failed: 'bad', interrupted: 'warn', running: 'info', queued: 'info'}[state];
}

function render(job) {
  const box = $('[data-import-report]');
  const head = el('h2', {}, `${kindText(job)} · ${job.filename || ''} `,
    el('span', {class: `chip ${stateTone(job.state)}`, 'data-job-state': job.state}, t(`console.state.${job.state}`)));
  const parts = [head];
  if (job.state === 'queued' || job.state === 'running') {
    const p = job.progress || {};
    const meter = el('progress', {max: 100, 'aria-label': t('console.state.running')});
    if (p.percent != null) meter.value = p.percent;
    parts.push(meter, el('p', {}, p.stalled ? t('console.imports.stalled') : !p.phase || p.phase === 'starting'
      ? t('console.imports.queued') : t(`console.imports.${p.phase !== 'writing' ? 'checking'
        : p.total ? 'writing' : 'writing_rows'}`, {rows: p.rows ?? 0, total: p.total})),  // a workbook's total is unknown
      el('p', {class: 'muted'}, t('console.imports.goes_on')));
    if (p.stalled) parts.push(retryButton(job));
  } else if (job.state === 'done') {
    const counts = {file: job.filename, ...job.report, n: job.report.rows_read}; // n: "1 row read"
    parts.push(el('p', {class: 'ok-text'}, t('console.imports.done', counts)));
  } else if (job.state === 'rejected') {
    // No row read: the file itself (its type, its text, its header) was refused, not rows of it.
    const whole = !job.report.rows_read;
    parts.push(el('p', {class: 'bad-text', 'data-nothing-stored': ''}, t(`console.imports.${whole ? 'rejected_file'
      : 'rejected'}`, {file: job.filename, rejected_total: job.report.rejected_total, n: job.report.rejected_total})));
    parts.push(lines(job.report.rejected, 'rejected'));
    if (job.report.rejected_total > job.report.rejected.length) {
      parts.push(el('p', {}, t('console.imports.more', {count: job.report.rejected_total - job.report.rejected.length})));
    }
  } else {
    parts.push(el('p', {class: 'bad-text'}, t(`console.imports.${job.state === 'failed' ? 'failed' : 'interrupted'}`,
      {error: job.error || ''})));
    // The kept file holds personal data: the server deletes it after a while, and then only a new upload helps.
    if (job.file_deleted_at) {
      parts.push(el('p', {class: 'warn', 'data-file-deleted': ''},
        t('console.imports.file_deleted', {when: formatTime(job.file_deleted_at)})));
    } else {
      if (job.file_kept_until) {
        parts.push(el('p', {class: 'muted'}, t('console.imports.file_kept', {when: formatTime(job.file_kept_until)})));
      }
      parts.push(retryButton(job));
    }
  }
  if (job.report?.warnings?.length) {
    parts.push(el('h3', {}, t('console.imports.warnings')), lines(job.report.warnings, 'warning'));
  }
  box.replaceChildren(...parts);
}

/** A line's reasons in the console's language: the server's Vietnamese beside each English reason it translates. */
function reasons(entry) {
  const vi = language() === 'vi' && entry.reasons_vi;
  return entry.reasons.map((reason, i) => (vi && vi[i]) || reason).join('; ');
}

function lines(entries, kind) {
  return el('ol', {class: `report-lines ${kind}`}, ...entries.map((entry) => el('li', {'data-line': entry.line},
    el('strong', {}, entry.line ? t('console.imports.line', {line: entry.line}) : t('console.imports.file_level')),
    ': ', reasons(entry))));
}

function retryButton(job) {
  return el('button', {type: 'button', class: 'btn', 'data-action': 'retry-job', onclick: async () => {
    try {
      watch(job.id, await api.json(`/api/v1/jobs/${job.id}/retry`, {method: 'POST'}));
    } catch (error) {
      fail(error);
    }
  }}, t('console.imports.retry'));
}
