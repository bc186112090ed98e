"""A shared tablet (issue 4): five wrong PINs wipe the unlock key but not the queue, which a full online
sign-in opens again; a second officer never sees the first one's queue; personal data is sealed at rest."""
import pytest
from playwright.sync_api import expect

from harness.app_driver import PIN, capture, enter_pin, first_sign_in, sign_in, wait_queue_count

pytestmark = pytest.mark.e2e

RAW_STORES = """async () => {
  const {openQueueDb} = await import('/js/queue-db.js');
  const db = await openQueueDb();
  const rows = [...await db.getAll('rosters'), ...await db.getAll('records'), ...await db.getAll('photos')];
  const text = new TextDecoder();
  return rows.map((row) => JSON.stringify(row) + ' ' + text.decode(row.box.data)).join('\\n');
}"""


def test_wrong_pins_wipe_the_key_keep_the_queue_and_officers_stay_apart(server, page, portrait):
    hoa = server.member_id("E2E0001")
    first_sign_in(page, server.url, path="/?lang=en")
    page.route("**/api/v1/sync/**", lambda route: route.abort())  # keep the record on the tablet
    page.route("**/api/v1/photos/*", lambda route: route.abort())
    capture(page, "nguyen thi hoa", hoa, portrait)
    wait_queue_count(page, 1)
    raw = page.evaluate(RAW_STORES)
    assert "Hoà" not in raw and "038168001234" not in raw  # roster and queue are sealed at rest

    page.locator("[data-action=lock]").click()
    for attempt in range(4):
        enter_pin(page, "111111")
        expect(page.locator("#pin-form .error")).to_contain_text(f"Tries left: {4 - attempt}")
    enter_pin(page, "111111")
    expect(page.locator("#login-intro")).to_contain_text("unlock key was wiped")
    wait_queue_count(page, 1)

    sign_in(page, "officer2")  # the login screen accepts another officer
    enter_pin(page, "135790")
    enter_pin(page, "135790")
    page.locator("input[type=search][name=q]").wait_for()
    wait_queue_count(page, 0)
    page.locator("#queue-pill").click()
    expect(page.locator("#records")).not_to_contain_text("Hoà")

    page.locator("[data-action=lock]").click()
    page.locator("[data-action=other-user]").click()
    sign_in(page, "officer")  # the full sign-in opens the sealed queue again, then a new PIN
    enter_pin(page, PIN)
    enter_pin(page, PIN)
    page.locator("input[type=search][name=q]").wait_for()
    wait_queue_count(page, 1)
    page.locator("#queue-pill").click()
    expect(page.locator("#records")).to_contain_text("Nguyễn Thị Hoà")
