"""Browser end-to-end fixtures: the live server (harness.pwa_server.LiveServer, shared by the session; tests may stop and
start it) and Debian's Chromium driven through Playwright: one browser per session, a fresh context per test.
"""
import pytest

from harness.app_driver import make_portrait
from harness.pwa_server import LiveServer


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("e2e"))
    server.prepare()
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def server(live):
    """The live server, guaranteed up at the start and the end of a test."""
    if live.proc is None:
        live.start()
    yield live
    if live.proc is None:
        live.start()


@pytest.fixture()
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    ctx.set_default_timeout(15000)
    yield ctx
    ctx.close()


@pytest.fixture()
def page(context):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    assert not errors, f"uncaught errors or CSP violations in the page: {errors}"


@pytest.fixture()
def portrait(tmp_path):
    return make_portrait(tmp_path / "portrait.jpg")
