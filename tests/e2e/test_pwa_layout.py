"""Issue 15's screen items on the member form: in landscape (1280×800) the photo verdict, the consent box and the
save button are in view without scrolling; in portrait the officer's name stays in the top bar and the photo file
input is not cut. Screenshots go to the temp folder's fieldkit-shots/ for a look."""
import tempfile
from pathlib import Path

from harness.app_driver import first_sign_in, make_portrait, search

SHOTS = Path(tempfile.gettempdir()) / "fieldkit-shots"


def test_the_form_keeps_verdict_consent_and_save_in_view_and_the_name_in_the_bar(server, page, tmp_path):
    SHOTS.mkdir(exist_ok=True)
    first_sign_in(page, server.url, path="/?lang=en")
    search(page, "nguyen thi hoa").first.click()
    page.locator("input[name=full_name]").wait_for()
    page.locator("input[type=file][name=photo]").set_input_files(str(make_portrait(tmp_path / "p.jpg")))
    page.locator("#photo-quality:not([hidden])").wait_for()
    page.screenshot(path=str(SHOTS / "form-landscape-en.png"))
    assert page.evaluate("scrollY") == 0
    for selector in ("#photo-quality", "input[name=consent]", "[data-action=save]"):
        box = page.locator(selector).bounding_box()
        assert box and box["y"] + box["height"] <= 800, (selector, box)  # no scrolling needed

    page.set_viewport_size({"width": 800, "height": 1280})
    who = page.locator("#who")
    assert who.is_visible() and who.inner_text().strip()
    bar = page.locator(".topbar").bounding_box()
    name = who.bounding_box()
    assert name["y"] >= bar["y"] and name["y"] + name["height"] <= bar["y"] + bar["height"]
    picker = page.locator("input[type=file][name=photo]")
    picker.scroll_into_view_if_needed()
    # The picker shows its whole text: its content is no wider than the box.
    assert picker.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    page.screenshot(path=str(SHOTS / "form-portrait-en.png"))
