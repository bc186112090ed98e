"""Records still on tablets, for leads (issue 4 addendum): an officer's tablet that cannot hand its record over reports
what it holds, and the lead's board lists it per officer and device with the age of the oldest record; records
unsent for more than 48 hours are marked in colour and in words, in both languages."""
import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from harness.app_driver import PASSWORD, capture, first_sign_in

pytestmark = pytest.mark.e2e

OLD_TABLET = "e2e-tablet-left-in-a-drawer"


def report_old_queue(playwright, url: str) -> None:
    """officer2's other tablet says it has held 3 records for three days (as its heartbeat would)."""
    api = playwright.request.new_context(base_url=url)
    token = api.post("/api/v1/auth/login", data={"username": "officer2", "password": PASSWORD}).json()["csrf_token"]
    sent = api.post("/api/v1/sync/device-report", headers={"X-CSRF-Token": token}, data={
        "device_id": OLD_TABLET, "counts": {"queued": 2, "sending": 0, "needs_fix": 1, "waiting": 0},
        "oldest_unsent_at": (datetime.now(timezone.utc) - timedelta(days=3, hours=5)).isoformat()})
    assert sent.ok, sent.text()
    api.dispose()


def wait_for_report(server, page, device_id: str, timeout: float = 30.0) -> dict:
    """The device's latest report once it says one record is queued (the tablet reports after each sync).

    Waits through the page, not time.sleep: the test routes the submissions, and Playwright's sync API lets a
    routed request (the tablet's photo check before it) through only during one of its own calls."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = server.query("SELECT counts FROM device_reports WHERE device_id = ?", device_id)
        if rows and json.loads(rows[0][0]).get("queued") == 1:
            return json.loads(rows[0][0])
        page.wait_for_timeout(100)
    raise AssertionError("the tablet did not report its queue")


def test_lead_sees_the_records_still_on_an_officers_tablet_and_old_ones_marked(server, browser, page, portrait,
                                                                                 playwright):
    report_old_queue(playwright, server.url)
    first_sign_in(page, server.url)
    # The server stores photos but cannot take records today: the record stays, and the tablet says so.
    page.route("**/api/v1/sync/submissions", lambda route: route.fulfill(
        status=503, json={"error": {"code": "server_error", "message": "down for maintenance"}}))
    capture(page, "nguyen thi hoa", server.member_id("E2E0001"), portrait)
    device_id = page.evaluate("import('/js/app-state.js').then(({app}) => app.deviceId)")
    assert wait_for_report(server, page, device_id)["queued"] == 1

    lead_context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    lead_context.set_default_timeout(15000)
    try:
        lead = lead_context.new_page()
        first_sign_in(lead, server.url, "lead")
        lead.locator("#open-board").click()
        row = lead.locator(f"#devices-list [data-device-id='{device_id}']")
        expect(row.locator("[data-device-count]")).to_have_text("1")
        expect(row).to_contain_text("Cán bộ Trần Thị Mai")  # the officer's name, from the board's officer list
        expect(row).to_contain_text("Chờ gửi: 1")
        expect(row).to_have_attribute("data-stale", "false")
        expect(row.locator(".stale-badge")).to_have_count(0)

        old = lead.locator(f"#devices-list [data-device-id='{OLD_TABLET}']")
        expect(old.locator("[data-device-count]")).to_have_text("3")
        expect(old).to_have_attribute("data-stale", "true")
        expect(old).to_contain_text("Quá 48 giờ chưa gửi")
        expect(old).to_contain_text("Cũ nhất: 3 ngày 5 giờ")
        expect(lead.locator("#devices-summary")).to_contain_text("quá 48 giờ chưa gửi")
        # Most worrying first.
        assert lead.locator("#devices-list .device").first.get_attribute("data-device-id") == OLD_TABLET

        lead.locator("[data-action=lang]").click()
        expect(lead.locator("#devices-title")).to_have_text("Records still on tablets")
        expect(old).to_contain_text("Unsent for over 48 hours")
        expect(old).to_contain_text("Oldest: 3 d 5 h")
    finally:
        lead_context.close()
