"""Handing over cards on the tablet (issue 12): the cards waiting at the officer's cell arrive with the sync,
in hand-over order and searchable; a hand-over confirmed offline waits in the queue (counted) and is recorded
once the tablet is back online; a standard member's card handed over while a veteran's waits shows a notice.
Screenshots of the screen and the confirmation in both languages and orientations go to FIELDKIT_SCREENSHOTS
(default: the test's temporary folder)."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from harness.app_driver import first_sign_in, press_sync, wait_offline_ready, wait_queue_count

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


def shoot(page, name, tmp_path):
    folder = Path(os.environ.get("FIELDKIT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"cards-{name}.png"))


def test_a_card_handed_over_offline_is_recorded_after_the_next_sync(server, context, page, cards, tmp_path):
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
    expect(dialog.locator("input[name=id_check][value=qr]")).to_be_disabled()  # no scanner on the tablet yet
    expect(page.locator("#handover-courtesy")).to_be_visible()  # the veteran's card still waits in the cell
    shoot(page, "vi-landscape-confirm", tmp_path)
    page.set_viewport_size({"width": 800, "height": 1280})
    shoot(page, "vi-portrait-confirm", tmp_path)
    page.locator("[data-action=cancel-handover]").click()
    page.locator("[data-action=lang]").click()
    hoa.locator("[data-action=handover]").click()
    expect(page.locator("[data-action=confirm-handover]")).to_have_text("Confirm hand-over")
    shoot(page, "en-portrait-confirm", tmp_path)
    page.set_viewport_size({"width": 1280, "height": 800})
    shoot(page, "en-landscape-confirm", tmp_path)
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
                        "ON h.card_id = c.id WHERE c.card_number = 'E2E-C1'") == [("handed_over", "member", "card")]
    expect(rows).to_have_count(2)  # the list followed the server: the card left the waiting list
