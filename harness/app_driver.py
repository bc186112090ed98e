"""Steps an officer takes in the tablet app, shared by the browser tests and bench/pwa_bench.py (selectors are
CONTRACT §6 hooks), and the few constants and test images they share."""
from pathlib import Path

# One browser setup for every browser test and bench (tests/conftest.py launches it once per session).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 # a fake rear camera, allowed without a prompt, for the live-camera test
                 "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]

REPO = Path(__file__).resolve().parents[1]
PWA_DIR = REPO / "static" / "pwa"
PASSWORD = "fieldkit-demo"  # the demo users' published password (server/demo/load.py)
PIN = "246810"

QUEUE_COUNT = "[data-queue-count]"


def make_portrait(path: Path, shade: int = 0) -> Path:
    """A camera-sized JPEG (4:3 landscape, so the app has to crop it to 3:4); `shade` makes different bytes."""
    from PIL import Image, ImageDraw
    image = Image.new("RGB", (1600, 1200), (120 + shade, 140, 170))
    draw = ImageDraw.Draw(image)
    draw.ellipse((620, 250, 980, 700), fill=(225, 190, 160))
    draw.rectangle((480, 700, 1120, 1200), fill=(30, 40, 90 + shade))
    image.save(path, quality=90)
    return path


def queue_count(page) -> str:
    return page.locator(QUEUE_COUNT).inner_text().strip()


def wait_queue_count(page, expected: int, timeout: float = 15000):
    page.wait_for_function(
        "n => document.querySelector('[data-queue-count]').textContent.trim() === String(n)",
        arg=expected, timeout=timeout)


def sign_in(page, username: str = "officer", password: str = PASSWORD):
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("[data-action=login]").click()


def enter_pin(page, pin: str = PIN):
    page.locator("input[name=pin]").fill(pin)
    page.locator("[data-action=unlock]").click()


def first_sign_in(page, url: str, username: str = "officer", path: str = "/"):
    """First visit online: password, then set and confirm the PIN; waits for the roster on the home screen."""
    page.goto(url + path)
    sign_in(page, username)
    enter_pin(page)
    enter_pin(page)
    page.locator("input[type=search][name=q]").wait_for()
    page.wait_for_function("() => /\\d/.test(document.querySelector('#roster-info').textContent)")


def wait_offline_ready(page):
    """The service worker has installed the shell and controls the page."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20000)


def unlock(page, pin: str = PIN):
    enter_pin(page)
    page.locator("input[type=search][name=q]").wait_for()


def search(page, query: str):
    page.locator("input[type=search][name=q]").fill(query)
    return page.locator("[data-member-id]")


def capture(page, query: str, member_id: int, photo_path, *, fields: dict | None = None):
    """Find a member, open the form, attach the photo, confirm consent and save to the queue."""
    results = search(page, query)
    results.first.wait_for()
    assert results.first.get_attribute("data-member-id") == str(member_id)
    results.first.click()
    page.locator("input[name=full_name]").wait_for()
    for name, value in (fields or {}).items():
        page.locator(f"[name={name}]").fill(value)
    page.locator("input[type=file][name=photo]").set_input_files(str(photo_path))
    page.locator("#camera[data-mode=preview]").wait_for()
    page.wait_for_function("() => document.querySelector('#camera img.preview').naturalWidth > 0")
    # Cropped to 3:4 and scaled to the card-portrait size on the device.
    assert page.evaluate("(() => { const i = document.querySelector('#camera img.preview');"
                         " return [i.naturalWidth, i.naturalHeight]; })()") == [600, 800]
    page.locator("input[type=checkbox][name=consent]").check()
    page.locator("[data-action=save]").click()
    page.locator("section[data-screen=form]").wait_for(state="hidden")


def press_sync(page):
    """Press the sync button and wait until that run has finished."""
    button = page.locator("[data-action=sync]")
    page.wait_for_function("() => !document.querySelector('[data-action=sync]').disabled")
    button.click()
    page.wait_for_function("() => document.querySelector('#net-state').dataset.state !== 'syncing'")
