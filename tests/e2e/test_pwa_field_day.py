"""The field day (issue 4): first visit online, then no network at all — the app opens from its cache, the PIN
unlocks it, an unaccented search finds the member, the record and photo are queued and survive a reload; when
the server is back, one sync leaves the device empty and the server with exactly one submission."""
import json

import pytest

from harness.app_driver import (PIN, capture, first_sign_in, press_sync, queue_count, search, unlock, wait_offline_ready,
                        wait_queue_count)

pytestmark = pytest.mark.e2e


def test_record_captured_with_no_network_survives_reload_and_is_stored_exactly_once(server, context, page, portrait):
    hoa = server.member_id("E2E0001")
    before = server.query("SELECT COUNT(*) FROM submissions")[0][0]
    first_sign_in(page, server.url)
    wait_offline_ready(page)

    server.stop()
    context.set_offline(True)
    page.reload()
    page.locator("input[name=pin]").wait_for()
    assert page.locator("[data-member-id]").count() == 0  # nothing of the roster before the PIN
    unlock(page)
    capture(page, "nguyen thi hoa", hoa, portrait)
    wait_queue_count(page, 1)

    page.reload()
    page.locator("input[name=pin]").wait_for()
    wait_queue_count(page, 1)
    unlock(page, PIN)
    assert queue_count(page) == "1"
    client_id = page.evaluate("import('/js/app-state.js').then(({app}) => app.queueMetas[0].clientId)")
    assert search(page, "hoa").first.get_attribute("data-member-id") == str(hoa)

    server.start()
    context.set_offline(False)
    press_sync(page)
    wait_queue_count(page, 0)
    rows = server.query("SELECT member_id, location_kind FROM submissions WHERE client_id = ?", client_id)
    assert rows == [(hoa, "station")]
    assert server.query("SELECT COUNT(*) FROM submissions")[0][0] == before + 1
    # The device told the server what it still holds after the sync: nothing.
    page.wait_for_function("() => document.querySelector('#net-state').dataset.state === 'online'")
    report = server.query("SELECT r.counts, r.oldest_unsent_at FROM device_reports r JOIN users u ON u.id = r.user_id "
                          "WHERE u.username = 'officer' ORDER BY r.reported_at DESC LIMIT 1")
    assert report and json.loads(report[0][0]) == {"queued": 0, "sending": 0, "needs_fix": 0, "waiting": 0}
