"""The service worker's precache list (static/pwa/sw.js) must match the app's files: its version is derived from
their content, so a change that forgets to regenerate it would ship code the worker never caches (or refuses
to install). Run static/pwa/tools/update_precache.py after changing the app."""
import importlib.util
import re
import shutil
import sys

from harness.app_driver import PWA_DIR

sys.dont_write_bytecode = True  # no __pycache__ inside the served app directory
spec = importlib.util.spec_from_file_location("update_precache", PWA_DIR / "tools" / "update_precache.py")
update_precache = importlib.util.module_from_spec(spec)
spec.loader.exec_module(update_precache)


def test_sw_precache_block_is_up_to_date_with_the_app_files():
    assert update_precache.main(["--check"]) == 0, "run: python static/pwa/tools/update_precache.py"


def test_every_module_the_shell_loads_is_precached():
    files = update_precache.shell_files()
    for asset in re.findall(r'(?:href|src)="(/[^"]+)"', (PWA_DIR / "index.html").read_text(encoding="utf-8")):
        assert asset in files, asset
    for path in (PWA_DIR / "js").glob("*.js"):
        for target in re.findall(r"from '(\.{1,2}/[^']+)'|import\('(\.{1,2}/[^']+)'\)", path.read_text()):
            resolved = (path.parent / (target[0] or target[1])).resolve().relative_to(PWA_DIR).as_posix()
            assert f"/{resolved}" in files, f"{path.name} imports {resolved}, which is not precached"
        for sheet in re.findall(r"loadStyle\('(/[^']+)'\)", path.read_text()):  # stylesheets of lazy screens
            assert sheet in files, f"{path.name} loads {sheet}, which is not precached"


def test_any_change_to_a_shell_file_changes_the_version(tmp_path):
    copy = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, copy)
    before = update_precache.version_of(update_precache.shell_files(copy))
    (copy / "js" / "ui.js").write_text((copy / "js" / "ui.js").read_text() + "\n// changed\n")
    assert update_precache.main(["--check", "--dir", str(copy)]) == 1
    assert update_precache.main(["--dir", str(copy)]) == 0
    assert update_precache.version_of(update_precache.shell_files(copy)) != before
    assert update_precache.main(["--check", "--dir", str(copy)]) == 0


def test_screens_loaded_on_first_use_open_with_no_network_at_all(server, context, page):
    """The queue screen, "My visits", the lead's board and the other language are not loaded at start; the service
    worker has them, so their first use works offline (server stopped, browser offline)."""
    from playwright.sync_api import expect

    from harness.app_driver import first_sign_in, unlock, wait_offline_ready
    first_sign_in(page, server.url, "lead")
    wait_offline_ready(page)
    loaded = page.evaluate("performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)")
    assert not {"/js/queue-screen.js", "/js/board-screen.js", "/js/visits-screen.js", "/js/strings-en.js",
                "/css/board.css"} & set(loaded)  # none of them was needed to start
    server.stop()
    context.set_offline(True)
    page.reload()
    page.locator("input[name=pin]").wait_for()
    unlock(page)
    page.locator("#queue-pill").click()
    expect(page.locator("section[data-screen=queue] [data-action=export]")).to_be_visible()
    page.locator("section[data-screen=queue] [data-go=home]").click()
    page.locator("#open-visits").click()
    expect(page.locator("section[data-screen=visits] h1")).to_have_text("Lịch thăm của tôi")
    page.locator("section[data-screen=visits] [data-go=home]").click()
    page.locator("#open-board").click()
    expect(page.locator("#board-offline")).to_contain_text("Không có mạng")
    expect(page.locator("#devices-summary")).to_contain_text("Cần có mạng")
    assert page.evaluate("getComputedStyle(document.querySelector('.board-filters')).display") == "grid"  # styled
    page.locator("[data-action=lang]").click()
    expect(page.locator("#board-offline")).to_contain_text("No network")
