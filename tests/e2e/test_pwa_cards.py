"""Handing over cards on the tablet (issue 12): the cards waiting at the officer's cell arrive with the sync,
in hand-over order and searchable; a hand-over confirmed offline waits in the queue (counted) and is recorded
once the tablet is back online; a standard member's card handed over while a veteran's waits shows a notice.
Identity is checked by the member's ID card QR code: the camera (Chromium's fake camera films another member's
card) reads a card that is not the member's, and the dialog refuses it in words and colour; the hand-held
scanner's read of the member's own card makes the check "qr", which reaches the server with the hand-over.
Screenshots of the screen, the scanner and the confirmation in both languages and orientations go to
FIELDKIT_SCREENSHOTS (default: the test's temporary folder).

One browser of its own (the fake camera's video file is a launch flag), one context."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from harness.app_driver import CHROMIUM, CHROMIUM_ARGS, first_sign_in, press_sync, wait_offline_ready, wait_queue_count
from harness.cccd_video import card_text, frames, nfd, write_y4m

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def cards(live):
    """Cards for the three members pwa_server imports, placed at the officer's first cell (as if received)."""
    path = live.data_dir / "e2e-cards.csv"
    path.write_text("card_number,member_code,batch_code\nE2E-C1,E2E0001,B1\nE2E-C2,E2E0002,B1\n"
                    "E2E-C3,E2E0003,B1\n", encoding="utf-8")
    live.cli("import-cards", str(path))
    cell = live.query("SELECT unit_id FROM members WHERE member_code = 'E2E0001'")[0][0]
    with __import__("sqlite3").connect(live.data_dir / "fieldkit.db") as conn:
        conn.execute("UPDATE cards SET unit_id = ? WHERE card_number LIKE 'E2E-C%'", (cell,))
    return cell


# The member whose card is handed over (pwa_server's E2E0001) and another member of the cell, whose ID card the
# camera films: the same cell, the same "Thị", a different citizen ID.
OWN = card_text("038168001234", "", "Nguyễn Thị Hoà", "12051968", "Nữ", "Số 5 đường Lê Lợi", "01062021")
OTHER = card_text("038172009876", "", nfd("Lê Thị Thủy"), "03021972", "Nữ", "Số 2 ngõ 4", "01062021")


@pytest.fixture(scope="module")
def camera_page(playwright, tmp_path_factory):
    """A tablet whose rear camera films another member's ID card."""
    video = write_y4m(tmp_path_factory.mktemp("camera") / "other-card.y4m", frames(OTHER))
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={video}"])
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    context.set_default_timeout(20000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    yield context, page
    browser.close()
    assert not errors, f"uncaught errors or CSP violations in the page: {errors}"


def shoot(page, name, tmp_path):
    folder = Path(os.environ.get("FIELDKIT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"cards-{name}.png"))


def shoot_both(page, lang, name, tmp_path):
    """Landscape, then portrait, then back to landscape for what follows."""
    shoot(page, f"{lang}-landscape-{name}", tmp_path)
    page.set_viewport_size({"width": 800, "height": 1280})
    shoot(page, f"{lang}-portrait-{name}", tmp_path)
    page.set_viewport_size({"width": 1280, "height": 800})


def scan_other_then_own(page, dialog, tmp_path, lang):
    """Choose "QR": the camera reads the other member's card (refused, red), the hand-held scanner the member's."""
    dialog.locator("input[name=id_check][value=qr]").check()
    scan = page.locator("#scan-dialog[open]")
    status = scan.locator("#scan-status[data-kind=bad]")
    expect(status).to_contain_text("Lê Thị Thủy")  # named in NFC, whatever the card's text form
    expect(status).to_contain_text("038172009876")
    assert scan.get_attribute("data-reader") == "wasm"
    expect(scan.locator("[data-action=scan-close]")).to_have_text("Đóng" if lang == "vi" else "Close")
    verdict = dialog.locator("#id-verdict[data-verdict=other]")
    expect(verdict).to_be_visible()
    assert verdict.evaluate("(node) => getComputedStyle(node).color") == "rgb(140, 29, 23)"  # the red of --bad-ink
    expect(dialog.locator("input[name=id_check][value=qr]")).not_to_be_checked()
    expect(page.locator("[data-action=confirm-handover]")).to_be_disabled()
    shoot_both(page, lang, "scan-other", tmp_path)
    scan.locator("input[name=scan_text]").click()
    page.keyboard.insert_text(OWN)
    page.keyboard.press("Enter")
    expect(page.locator("#scan-dialog[open]")).to_have_count(0)
    assert page.evaluate("document.querySelector('#scan-dialog video').srcObject") is None  # camera off
    expect(dialog.locator("#id-verdict[data-verdict=match]")).to_contain_text("038168001234")
    expect(dialog.locator("input[name=id_check][value=qr]")).to_be_checked()
    expect(page.locator("[data-action=confirm-handover]")).to_be_enabled()
    shoot_both(page, lang, "qr-match", tmp_path)


def test_a_card_handed_over_offline_with_the_qr_check_is_recorded_after_the_next_sync(server, camera_page, cards,
                                                                                       tmp_path):
    context, page = camera_page
    first_sign_in(page, server.url)
    wait_offline_ready(page)
    shoot(page, "vi-home", tmp_path)
    page.locator("[data-action=cards]").click()
    rows = page.locator("[data-card-number]")
    expect(rows).to_have_count(3)
    assert rows.first.get_attribute("data-card-number") == "E2E-C2"  # the veteran's card comes first

    context.set_offline(True)
    page.locator("input[name=card_q]").fill("hoa")
    expect(rows).to_have_count(1)
    hoa = page.locator("[data-card-number=E2E-C1]")
    shoot(page, "vi-landscape", tmp_path)
    hoa.locator("[data-action=handover]").click()
    dialog = page.locator("#handover-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("input[name=recipient][value=member]")).to_be_checked()  # the member in person
    expect(dialog.locator("input[name=id_check][value=card]")).to_be_checked()
    expect(page.locator("#handover-courtesy")).to_be_visible()  # the veteran's card still waits in the cell
    shoot_both(page, "vi", "confirm", tmp_path)
    scan_other_then_own(page, dialog, tmp_path, "vi")
    # Scanning again and closing the scanner on another person's card leaves no check chosen: not "qr".
    dialog.locator("[data-action=scan-handover]").click()
    expect(page.locator("#scan-dialog[open] #scan-status[data-kind=bad]")).to_be_visible()
    page.locator("[data-action=scan-close]").click()
    expect(dialog).to_be_visible()
    expect(dialog.locator("#id-verdict[data-verdict=other]")).to_be_visible()
    expect(dialog.locator("input[name=id_check]:checked")).to_have_count(0)
    expect(page.locator("[data-action=confirm-handover]")).to_be_disabled()
    shoot(page, "vi-landscape-qr-other", tmp_path)
    page.set_viewport_size({"width": 800, "height": 1280})
    shoot(page, "vi-portrait-qr-other", tmp_path)
    page.locator("[data-action=cancel-handover]").click()

    page.locator("[data-action=lang]").click()
    hoa.locator("[data-action=handover]").click()
    expect(page.locator("[data-action=confirm-handover]")).to_have_text("Confirm hand-over")
    expect(dialog.locator("#id-verdict")).to_be_hidden()  # a new dialog: nothing read yet
    shoot(page, "en-portrait-confirm", tmp_path)
    page.set_viewport_size({"width": 1280, "height": 800})
    shoot(page, "en-landscape-confirm", tmp_path)
    scan_other_then_own(page, dialog, tmp_path, "en")
    page.locator("[data-action=confirm-handover]").click()
    wait_queue_count(page, 1)
    expect(hoa).to_have_attribute("data-state", "queued")
    page.locator("input[name=card_q]").fill("")
    shoot(page, "en-landscape", tmp_path)
    page.set_viewport_size({"width": 800, "height": 1280})
    shoot(page, "en-portrait", tmp_path)
    page.locator("[data-action=lang]").click()
    shoot(page, "vi-portrait", tmp_path)
    page.set_viewport_size({"width": 1280, "height": 800})
    assert server.query("SELECT status FROM cards WHERE card_number = 'E2E-C1'") == [("at_unit",)]

    context.set_offline(False)
    press_sync(page)
    wait_queue_count(page, 0)
    assert server.query("SELECT c.status, h.recipient, h.id_check FROM cards c JOIN card_handovers h "
                        "ON h.card_id = c.id WHERE c.card_number = 'E2E-C1'") == [("handed_over", "member", "qr")]
    expect(rows).to_have_count(2)  # the list followed the server: the card left the waiting list
