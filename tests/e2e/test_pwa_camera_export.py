"""The live camera (Chromium's fake camera stands in for the tablet's rear camera) and the emergency hand-over
of a queue as a file, imported on another tablet by another officer and synced from there."""
import json

import pytest

from harness.app_driver import PIN, enter_pin, first_sign_in, press_sync, sign_in, wait_queue_count

pytestmark = pytest.mark.e2e


def test_live_camera_capture_gives_a_3_by_4_portrait_that_can_be_queued(server, page):
    first_sign_in(page, server.url)
    page.route("**/api/v1/sync/**", lambda route: route.abort())
    page.route("**/api/v1/photos/*", lambda route: route.abort())
    page.locator("input[type=search][name=q]").fill("nguyen thi hoa")
    page.locator("[data-member-id]").first.click()
    page.locator("[data-action=camera]").click()
    page.locator("#camera[data-mode=live]").wait_for()
    page.wait_for_function("() => document.querySelector('#camera video').videoWidth > 0")
    page.locator("[data-action=capture]").click()
    page.locator("#camera[data-mode=preview]").wait_for()
    page.wait_for_function("() => document.querySelector('#camera img.preview').naturalWidth > 0")
    width, height = page.evaluate("(() => { const i = document.querySelector('#camera img.preview');"
                                  " return [i.naturalWidth, i.naturalHeight]; })()")
    assert width * 4 == height * 3
    page.locator("input[type=checkbox][name=consent]").check()
    page.locator("[data-action=save]").click()
    wait_queue_count(page, 1)


def test_queue_exported_to_a_file_is_imported_and_sent_from_another_tablet(server, browser, page, portrait,
                                                                            tmp_path):
    from harness.app_driver import capture
    hoa = server.member_id("E2E0001")
    first_sign_in(page, server.url)
    page.route("**/api/v1/sync/**", lambda route: route.abort())  # this tablet never reaches the server
    page.route("**/api/v1/photos/*", lambda route: route.abort())
    capture(page, "nguyen thi hoa", hoa, portrait)
    wait_queue_count(page, 1)
    page.locator("#queue-pill").click()
    with page.expect_download() as download:
        page.locator("[data-action=export]").click()
    exported = tmp_path / "queue.json"
    download.value.save_as(exported)
    doc = json.loads(exported.read_text(encoding="utf-8"))
    assert doc["format"] == "fieldkit-queue-export" and len(doc["records"]) == 1
    client_id = doc["records"][0]["client_id"]
    assert doc["records"][0]["item"]["fields"]["full_name"] == "Nguyễn Thị Hoà"

    other = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        tablet2 = other.new_page()
        first_sign_in(tablet2, server.url, username="officer2")
        tablet2.locator("#queue-pill").click()
        tablet2.locator("input[type=file][name=import]").set_input_files(str(exported))
        wait_queue_count(tablet2, 1)
        press_sync(tablet2)
        wait_queue_count(tablet2, 0)
    finally:
        other.close()
    assert server.query("SELECT member_id FROM submissions WHERE client_id = ?", client_id) == [(hoa,)]
