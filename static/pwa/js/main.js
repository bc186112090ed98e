// App entry: the first screen. Signs in against the API and shows who is signed in.
const form = document.getElementById('login-form');
const errorBox = form.querySelector('.error');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  errorBox.hidden = true;
  const body = {username: form.username.value.trim(), password: form.password.value};
  const response = await fetch('/api/v1/auth/login', {
    method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) {
    errorBox.textContent = data.error.message;
    errorBox.hidden = false;
    return;
  }
  document.getElementById('login-screen').hidden = true;
  document.getElementById('home-screen').hidden = false;
  document.getElementById('whoami').textContent = `${data.user.username} · ${data.user.unit_code}`;
});
