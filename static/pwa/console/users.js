/**
 * Users in scope (CONTRACT §9): a unit admin creates them (form[data-form=user]), resets passwords and
 * deactivates; team leads see the list. New logins and reset passwords gather on a sheet to print and hand out
 * (kept on this page only: never stored).
 */
import {t} from '../js/i18n.js';
import {$, el, toast} from '../js/ui.js';
import {api, errorText, fail, session} from './main.js';

const sheet = [];
let wired = false;

export async function show() {
  const admin = session.user.role === 'unit_admin';
  $('form[data-form=user]').hidden = !admin;
  if (!wired) {
    $('form[data-form=user]').addEventListener('submit', create);
    $('[data-action=print-logins]').addEventListener('click', () => print());
    wired = true;
  }
  const password = $('form[data-form=user] [name=password]');
  password.value ||= newPassword();  // a suggestion the admin may overwrite
  await Promise.all([list(), unitCodes()]);
}

export async function unitCodes() {
  const body = await api.json('/api/v1/progress');
  $('#unit-codes').replaceChildren(...[body, ...body.children].map((node) =>
    el('option', {value: node.unit.code}, node.unit.name)));
}

async function list() {
  const {users} = await api.json('/api/v1/users');
  const admin = session.user.role === 'unit_admin';
  $('#user-rows').replaceChildren(...users.map((user) => el('tr', {'data-user-id': user.id},
    el('td', {}, user.username), el('td', {}, user.display_name), el('td', {}, t(`console.role.${user.role}`)),
    el('td', {}, user.unit_code),
    el('td', {}, el('span', {class: `chip ${user.active ? 'ok' : 'grey'}`},
      t(user.active ? 'console.users.active' : 'console.users.inactive'))),
    el('td', {class: 'actions'}, admin && user.id !== session.user.id ? [
      el('button', {type: 'button', class: 'btn ghost', 'data-action': 'reset-password', onclick: () => reset(user)},
        t('console.users.reset')),
      user.active ? el('button', {type: 'button', class: 'btn ghost', 'data-action': 'deactivate',
        onclick: () => deactivate(user)}, t('console.users.deactivate')) : null] : null))));
}

function newPassword() {
  // 10 characters without look-alikes (0/O, 1/l/I), easy to read off a printed sheet
  const letters = 'abcdefghijkmnpqrstuvwxyz23456789';
  return [...crypto.getRandomValues(new Uint8Array(10))].map((n) => letters[n % letters.length]).join('');
}

async function create(event) {
  event.preventDefault();
  const form = event.target;
  const box = form.querySelector('.field-error');
  box.textContent = '';
  const body = {username: form.username.value.trim(), display_name: form.display_name.value.trim(),
    role: form.role.value, unit_code: form.unit_code.value.trim(), password: form.password.value};
  try {
    const user = await api.json('/api/v1/users', {method: 'POST', json: body});
    addToSheet(user, body.password);
    toast(t('console.users.created', {username: user.username}), {kind: 'ok'});
    form.reset();
    form.password.value = newPassword();
    await list();
  } catch (error) {
    if (error.status === 401 || error.code === 'csrf_failed') return fail(error);
    box.textContent = error.code === 'username_taken' ? t('console.users.taken') : errorText(error);
  }
}

async function reset(user) {
  const password = newPassword();
  try {
    await api.json(`/api/v1/users/${user.id}`, {method: 'POST', json: {password}});
    addToSheet(user, password);
    toast(t('console.users.reset_done', {username: user.username}), {kind: 'ok'});
  } catch (error) {
    fail(error);
  }
}

async function deactivate(user) {
  if (!confirm(t('console.users.confirm_deactivate', {username: user.username}))) return;
  try {
    await api.json(`/api/v1/users/${user.id}`, {method: 'POST', json: {active: false}});
    toast(t('console.users.deactivated', {username: user.username}), {kind: 'ok'});
    await list();
  } catch (error) {
    fail(error);
  }
}

function addToSheet(user, password) {
  sheet.push({...user, password});
  $('#logins-sheet').hidden = false;
  $('#login-rows').replaceChildren(...sheet.map((entry) => el('tr', {},
    el('td', {}, entry.display_name), el('td', {class: 'mono'}, entry.username),
    el('td', {class: 'mono'}, entry.password), el('td', {}, entry.unit_code), el('td', {class: 'sign'}, ''))));
}
