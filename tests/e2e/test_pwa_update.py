"""A new app version deployed while records are queued (issue 4): the officer is offered a reload (code is never
swapped under them), and after the reload the queue is intact and only the new version's cache is left."""
import subprocess
import sys

import pytest

from harness.app_driver import capture, first_sign_in, unlock, wait_offline_ready, wait_queue_count
from harness.app_driver import PWA_DIR

pytestmark = pytest.mark.e2e


def deploy_new_version(server) -> None:
    """Change a shell file in the served copy and regenerate its precache list, as a release would."""
    css = server.pwa_dir / "css" / "app.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* e2e: the next release */\n", encoding="utf-8")
    subprocess.run([sys.executable, str(PWA_DIR / "tools" / "update_precache.py"), "--dir", str(server.pwa_dir)],
                   check=True, capture_output=True)


def test_new_version_asks_to_reload_and_keeps_queued_records(server, page, portrait):
    hoa = server.member_id("E2E0001")
    first_sign_in(page, server.url)
    wait_offline_ready(page)
    page.route("**/api/v1/photos/*", lambda route: route.abort())  # the record must stay queued
    page.route("**/api/v1/sync/submissions", lambda route: route.abort())
    capture(page, "nguyen thi hoa", hoa, portrait)
    wait_queue_count(page, 1)
    old_caches = page.evaluate("caches.keys()")

    try:
        deploy_new_version(server)
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        toast = page.locator("[data-toast=update]")
        toast.wait_for(timeout=20000)
        assert page.locator("section[data-screen=home]").is_visible()  # nothing swapped yet
        with page.expect_navigation():
            toast.locator("button").first.click()
        page.locator("input[name=pin]").wait_for()
        wait_queue_count(page, 1)
        unlock(page)
        wait_queue_count(page, 1)
        new_caches = page.evaluate("caches.keys()")
        assert len(new_caches) == 1 and new_caches != old_caches
    finally:
        server.reset_app_copy()
