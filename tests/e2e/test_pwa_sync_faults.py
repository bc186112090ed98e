"""Sync under faults (issue 4): connections dropped after the server did the work, a rejected record fixed and
resent under the same client_id, and an expired session that parks records instead of dropping them."""
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from harness.app_driver import PASSWORD, capture, first_sign_in, press_sync, wait_queue_count
from harness.app_driver import make_portrait

pytestmark = pytest.mark.e2e


def drop_answer_once(page, pattern: str, method: str) -> dict:
    """Let the first `method` request reach the server, then cut the connection before the answer arrives."""
    seen = {"dropped": 0}

    def handle(route):
        if route.request.method == method and not seen["dropped"]:
            seen["dropped"] += 1
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()
    page.route(pattern, handle)
    return seen


def test_dropped_photo_upload_and_dropped_batch_lose_nothing_and_double_nothing(server, context, page, tmp_path):
    thuy, thuy2 = server.member_id("E2E0002"), server.member_id("E2E0003")
    before = server.query("SELECT COUNT(*) FROM submissions")[0][0]
    first_sign_in(page, server.url)
    context.set_offline(True)  # captured with no network: nothing has reached the server yet
    capture(page, "tran van thuy", thuy, make_portrait(tmp_path / "a.jpg", 0))
    capture(page, "le thi thuy", thuy2, make_portrait(tmp_path / "b.jpg", 40))
    wait_queue_count(page, 2)
    photo_cut = drop_answer_once(page, "**/api/v1/photos/*", "PUT")
    batch_cut = drop_answer_once(page, "**/api/v1/sync/submissions", "POST")

    context.set_offline(False)
    for _ in range(6):
        press_sync(page)
        if page.locator("[data-queue-count]").inner_text().strip() == "0":
            break
    wait_queue_count(page, 0)
    assert photo_cut["dropped"] == 1 and batch_cut["dropped"] == 1
    assert server.query("SELECT COUNT(*) FROM submissions")[0][0] == before + 2
    rows = server.query("SELECT member_id, COUNT(*) FROM submissions WHERE member_id IN (?, ?) GROUP BY member_id",
                        thuy, thuy2)
    assert sorted(rows) == sorted([(thuy, 1), (thuy2, 1)])
    stored = server.query("SELECT COUNT(DISTINCT photo_sha256) FROM submissions WHERE member_id IN (?, ?)",
                          thuy, thuy2)
    assert stored == [(2,)]


INJECT = """async ({memberId, clientId}) => {
  const {app, emit} = await import('/js/app-state.js');
  const {encodePortrait} = await import('/js/photo.js');
  const canvas = document.createElement('canvas');
  canvas.width = 600; canvas.height = 800;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#8899aa'; ctx.fillRect(0, 0, 600, 800);
  ctx.fillStyle = '#e0b090'; ctx.beginPath(); ctx.ellipse(300, 300, 120, 160, 0, 0, 7); ctx.fill();
  const photo = await encodePortrait(canvas, 600, 800);
  const item = {client_id: clientId, member_id: memberId, visit_id: null, captured_at: new Date().toISOString(),
    location_kind: 'home', photo_sha256: photo.sha256, consent: true,
    fields: {full_name: 'Nguyễn Thị Hoà', date_of_birth: '1968-05-12', gender: 'female',
      citizen_id: '038170001234', hometown: 'Xã Hoằng Phú', permanent_address: 'Số 5 đường Lê Lợi',
      party_join_date: '1990-03-02', party_official_date: '1991-03-02'}};
  await app.store.push({clientId, item, label: item.fields.full_name}, photo);
  emit('queue');
}"""


def test_rejected_record_is_fixed_on_the_form_and_accepted_under_the_same_client_id(server, page):
    hoa = server.member_id("E2E0001")
    client_id = "5b0c5d8e-0d1f-4c36-9a51-0f2b8c4a7e11"
    first_sign_in(page, server.url, path="/?lang=en")
    # A record queued by an older app that did not check the ID against the birth year (digits 5-6 say 1970).
    page.evaluate(INJECT, {"memberId": hoa, "clientId": client_id})
    wait_queue_count(page, 1)
    press_sync(page)
    wait_queue_count(page, 1)

    page.locator("#queue-pill").click()
    record = page.locator(f"li.record[data-client-id='{client_id}'][data-state=needs_fix]")
    record.wait_for()
    assert "do not match the year of birth" in record.inner_text()
    record.locator("[data-action=fix]").click()
    expect(page.locator(".field-error[data-for=citizen_id]")).to_contain_text("do not match the year of birth")
    page.locator("input[name=citizen_id]").fill("038168001234")
    page.locator("input[type=checkbox][name=consent]").check()
    page.locator("[data-action=save]").click()

    wait_queue_count(page, 0)
    assert server.query("SELECT member_id FROM submissions WHERE client_id = ?", client_id) == [(hoa,)]
    assert server.query("SELECT COUNT(*) FROM rejected_payloads WHERE client_id = ?", client_id)[0][0] >= 1


def test_expired_session_parks_records_and_asks_for_the_password_once(server, page, portrait):
    hoa = server.member_id("E2E0001")
    # The requests that follow the roster at start (the waiting cards, the device report) are answered first:
    # the session is to expire while the app is idle, so that the save's sync is the first to meet the 401.
    with page.expect_response(lambda r: "/api/v1/cards?" in r.url), \
            page.expect_response(lambda r: "/api/v1/sync/device-report" in r.url):
        first_sign_in(page, server.url)
    officer = server.query("SELECT id FROM users WHERE username = 'officer'")[0][0]
    server.query("DELETE FROM auth_sessions WHERE user_id = ?", officer)  # the server forgot the session

    before = server.query("SELECT COUNT(*) FROM submissions WHERE member_id = ?", hoa)[0][0]
    capture(page, "nguyen thi hoa", hoa, portrait)
    page.locator("input[name=password]").wait_for()  # the sync after saving met a 401: password, once
    assert page.locator("input[name=username]").input_value() == "officer"
    page.locator("[data-action=later]").click()
    wait_queue_count(page, 1)
    page.locator("#queue-pill").click()
    page.locator("li.record[data-state=waiting]").wait_for()
    press_sync(page)
    assert page.locator("input[name=password]").is_hidden()  # not asked a second time
    wait_queue_count(page, 1)
    # Issue 15: the press answers why nothing left, with a way to sign in.
    expect(page.locator("#toasts [data-toast=sync]")).to_contain_text("Phiên đăng nhập đã hết hạn")
    page.locator("[data-action=lang]").click()  # a toast on show follows the language switch
    expect(page.locator("#toasts [data-toast=sync]")).to_contain_text("Your sign-in has expired")
    expect(page.locator("#toasts [data-toast=sync] button.btn:not(.close)")).to_have_text("Sign in")
    page.screenshot(path=str(Path(tempfile.gettempdir()) / "fieldkit-shots" / "expired-sync-en.png"))
    page.locator("[data-action=lang]").click()

    # A record saved while the session is expired waits for the sign-in, it is not "queued" (Chờ gửi).
    page.locator("[data-go=home]:visible").first.click()
    capture(page, "tran van thuy", server.member_id("E2E0002"), portrait)
    wait_queue_count(page, 2)
    press_sync(page)
    page.locator("#queue-pill").click()
    expect(page.locator("li.record[data-state=waiting]")).to_have_count(2)
    expect(page.locator("li.record[data-state=queued]")).to_have_count(0)
    page.screenshot(path=str(Path(tempfile.gettempdir()) / "fieldkit-shots" / "expired-sync-vi.png"))

    page.locator("#net-state[data-state=waiting]").click()
    page.locator("input[name=password]").fill(PASSWORD)  # the username is given: the same officer
    page.locator("[data-action=login]").click()
    wait_queue_count(page, 0)
    assert server.query("SELECT COUNT(*) FROM submissions WHERE member_id = ?", hoa)[0][0] == before + 1
