"""The app shell itself: signing in on `/` (the foundation's acceptance), installability in Chromium,
the manifest's promised fields, and the language switch that persists."""
import json
import urllib.request

import pytest
from playwright.sync_api import expect

from harness.app_driver import CHROMIUM, CHROMIUM_ARGS, first_sign_in, sign_in, wait_offline_ready

pytestmark = pytest.mark.e2e


def test_login_on_root_works_and_asks_for_a_pin(server, page):
    page.goto(server.url + "/")
    sign_in(page, "officer")
    page.locator("input[name=pin]").wait_for()
    expect(page.locator("#pin-title")).to_have_text("Đặt mã PIN cho máy này")


def test_wrong_password_is_refused_with_a_message(server, page):
    page.goto(server.url + "/?lang=en")
    sign_in(page, "officer", "not-the-password")
    expect(page.locator("#login-form .error")).to_have_text("Wrong username or password.")


def test_chromium_finds_the_app_installable(server, playwright, tmp_path):
    # A real profile: Chromium never offers installation in an incognito-like context.
    context = playwright.chromium.launch_persistent_context(
        tmp_path / "profile", executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    try:
        page = context.new_page()
        first_sign_in(page, server.url)
        wait_offline_ready(page)
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    finally:
        context.close()
    with urllib.request.urlopen(server.url + "/manifest.webmanifest") as response:
        assert response.headers["Content-Type"].startswith("application/manifest+json")
        manifest = json.load(response)
    assert manifest["display"] == "standalone" and manifest["scope"] == "/"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes and any(i["purpose"] == "maskable" for i in manifest["icons"])


def test_language_from_query_persists_across_loads(server, page):
    page.goto(server.url + "/?lang=en")
    expect(page.locator("[data-action=login]")).to_have_text("Sign in")
    page.goto(server.url + "/")
    expect(page.locator("[data-action=login]")).to_have_text("Sign in")
    page.goto(server.url + "/?lang=vi")
    expect(page.locator("[data-action=login]")).to_have_text("Đăng nhập")
