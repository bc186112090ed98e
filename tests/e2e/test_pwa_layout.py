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


# Every visible control's height and the page's sideways overflow, as the phone shows them.
PHONE_FAULTS = """() => {
  const small = [...document.querySelectorAll('button, a[href], input, select, textarea')].filter((e) => {
    const box = e.getBoundingClientRect();
    return box.height > 0 && e.closest('[hidden]') === null && !['checkbox', 'radio'].includes(e.type) && box.height < 40;
  }).map((e) => `${e.tagName} ${(e.textContent || e.name).trim().slice(0, 30)} ${Math.round(e.getBoundingClientRect().height)}`);
  return {overflow: document.documentElement.scrollWidth - innerWidth, small};
}"""


def test_a_cell_secretarys_phone_never_scrolls_sideways_and_every_control_is_a_finger_high(server, page):
    """360×740, Vietnamese (the longer texts): home with results and today's arrivals, the form with its errors,
    the queue. A column that grows to its content, or a 28 px link-button, fails here."""
    page.set_viewport_size({"width": 360, "height": 740})
    first_sign_in(page, server.url, path="/?lang=vi")
    search(page, "thi").first.wait_for()
    faults = {"home": page.evaluate(PHONE_FAULTS)}
    page.locator("[data-member-id]").first.click()
    page.locator("input[name=citizen_id]").fill("12345")
    page.locator("[data-action=save]").click()
    page.locator(".field-error[data-for=citizen_id]:not(:empty)").wait_for()
    faults["form"] = page.evaluate(PHONE_FAULTS)
    page.once("dialog", lambda dialog: dialog.accept())  # "leave without saving?"
    page.locator("[data-action=cancel]").click()
    page.locator("#queue-pill").click()
    page.locator("section[data-screen=queue]").wait_for()
    faults["queue"] = page.evaluate(PHONE_FAULTS)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "queue-phone-vi.png"), full_page=True)
    assert all(f["overflow"] <= 0 and not f["small"] for f in faults.values()), faults
