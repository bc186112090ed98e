"""The station desk in Chromium (issue 10): Chromium's fake camera plays a video of an ID card held at an angle, in
poor light, with noise; `scan-id` reads its QR code with the vendored wasm reader (Chromium on Linux has no
BarcodeDetector) with the network off and the server down, fills the form, says what changed and that the card
agrees with the registry, and offers the card's old address without writing over the form's; `print-form` builds
the A4 member form from the form's values and calls the browser's print, and the print reaches the audit trail
with the next sync; the record saved after the scan reaches the server with identity_source "qr". A hand-held scanner typing the card's text into the citizen ID field
fills a new person's form the same way.

One browser of its own (the fake camera's video file is a launch flag), one context."""
import unicodedata

import pytest

from harness.app_driver import CHROMIUM, CHROMIUM_ARGS, first_sign_in, press_sync, search, wait_offline_ready, wait_queue_count
from harness.cccd_video import card_text, frames, nfd, write_y4m

pytestmark = pytest.mark.e2e

CELL = "E2E-QR"  # a cell of its own; the member's name matches no other browser test's search
MEMBERS = """member_code,unit_code,full_name,date_of_birth,gender,citizen_id,hometown,permanent_address,\
party_join_date,party_official_date,priority,needs_home_visit
QR001,{cell},Đỗ Thị Khoè,1962-01-05,female,038162008001,Xã Hoằng Quỳ,Số 4 đường Nguyễn Trãi phường Hạc Thành,\
1985-03-02,1986-03-02,standard,no
"""
# The registry has the birth date the party record swapped, and the name with the other tone-mark placement.
REGISTRY = """citizen_id,full_name,date_of_birth,gender,hometown,permanent_address
038162008001,Đỗ Thị Khòe,1962-05-01,female,Xã Hoằng Quỳ,Số 4 đường Nguyễn Trãi phường Hạc Thành
"""
CARD_ADDRESS = "Số 4 đường Nguyễn Trãi, phường Ba Đình, thành phố Thanh Hóa, Thanh Hóa"  # before the 2025 merger
CARD = card_text("038162008001", "172456789", nfd("Đỗ Thị Khòe"), "01051962", "Nữ", CARD_ADDRESS, "20042021")
NAME = unicodedata.normalize("NFC", "Đỗ Thị Khòe")


@pytest.fixture(scope="module")
def desk(live, playwright, tmp_path_factory):
    """The cell, member, registry row and reconciliation; a browser whose camera films the card."""
    grassroots = live.query("SELECT g.code FROM units g JOIN users u ON u.unit_id = g.id WHERE u.username = 'officer'")
    files = {"units": f"code,name,kind,parent_code\n{CELL},Chi bộ Khu phố Quét mã,cell,{grassroots[0][0]}\n",
             "members": MEMBERS.format(cell=CELL), "registry": REGISTRY}
    for kind, text in files.items():
        path = live.data_dir / f"e2e-qr-{kind}.csv"
        path.write_text(text, encoding="utf-8")
        live.cli(f"import-{kind}", str(path))
    live.cli("reconcile", "--unit", CELL)
    video = write_y4m(tmp_path_factory.mktemp("camera") / "card.y4m", frames(CARD))
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={video}"])
    yield {"browser": browser, "member_id": live.member_id("QR001")}
    browser.close()


def value(page, name):
    return page.locator(f"#member-form [name={name}]").input_value()


def test_scan_fill_print_and_send_with_the_network_off(server, desk, portrait):
    context = desk["browser"].new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    context.set_default_timeout(20000)
    page = context.new_page()
    problems, foreign = [], []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith((server.url, "blob:", "data:")) else None)
    try:
        first_sign_in(page, server.url)
        wait_offline_ready(page)
        context.set_offline(True)
        server.stop()  # nothing can reach the server: the decoder must come from the tablet's own cache

        results = search(page, "do thi khoe")
        results.first.wait_for()
        assert results.first.get_attribute("data-member-id") == str(desk["member_id"])
        results.first.click()
        page.locator("#registry-banner").wait_for()  # the pre-check: the birth date differs from the registry
        # A wrong gender makes the citizen ID's digits disagree; the scan's rules run at once and clear it.
        page.locator("select[name=gender]").select_option("male")
        page.locator(".field-error[data-for=citizen_id]:not(:empty)").wait_for()

        page.locator("[data-action=scan-id]").click()
        page.locator("#scan-dialog[open]").wait_for()
        note = page.locator("#scan-note")
        note.wait_for()
        assert page.locator("#scan-dialog").get_attribute("data-reader") == "wasm"
        assert page.locator("#scan-dialog[open]").count() == 0
        assert page.evaluate("document.querySelector('#scan-dialog video').srcObject") is None  # camera off
        assert value(page, "citizen_id") == "038162008001"
        assert value(page, "full_name") == NAME and value(page, "full_name") != nfd(NAME)
        assert value(page, "date_of_birth") == "01/05/1962"
        assert value(page, "gender") == "female"
        assert note.get_attribute("data-changed").split() == ["full_name", "date_of_birth", "gender"]
        assert "05/01/1962 → 01/05/1962" in note.inner_text()
        assert note.locator(".scan-registry").get_attribute("data-registry") == "agrees"
        assert page.locator(".field-error[data-for=citizen_id]").inner_text() == ""
        # The form's address is kept; the card's (older) address is offered beside it.
        assert value(page, "permanent_address") == "Số 4 đường Nguyễn Trãi phường Hạc Thành"
        assert page.locator(".card-address .card-address-value").inner_text() == CARD_ADDRESS

        page.locator("input[type=file][name=photo]").set_input_files(str(portrait))
        page.locator("#camera[data-mode=preview]").wait_for()
        page.evaluate("""() => { window.printed = []; window.print = () => {
          const sheet = document.getElementById('print-sheet');
          window.printed.push({text: sheet.innerText, photo: sheet.querySelector('img')?.naturalWidth || 0}); }; }""")
        page.locator("[data-action=print-form]").click()
        page.wait_for_function("() => window.printed.length === 1")
        printed = page.evaluate("window.printed[0]")
        for expected in ("PHIẾU ĐẢNG VIÊN", "CHI BỘ KHU PHỐ QUÉT MÃ", NAME, "038162008001", "01/05/1962", "Nữ",
                         "Số 4 đường Nguyễn Trãi phường Hạc Thành", "02/03/1985", "Xã Hoằng Quỳ",
                         "tại trụ sở công an", "đọc từ mã QR trên CCCD", "ĐẢNG VIÊN", "CÁN BỘ THU NHẬN"):
            assert expected in printed["text"], expected
        assert printed["photo"] > 0
        assert page.evaluate("matchMedia('print').matches") is False
        wait_queue_count(page, 1)  # printed offline: the notice for the audit trail waits in the queue

        page.locator("input[type=checkbox][name=consent]").check()
        page.locator("[data-action=save]").click()
        wait_queue_count(page, 2)

        server.start()
        context.set_offline(False)
        press_sync(page)
        wait_queue_count(page, 0)
        stored = server.query("SELECT identity_source, json_extract(fields, '$.full_name') FROM submissions "
                              "WHERE member_id = ?", desk["member_id"])
        assert stored == [("qr", NAME)]
        printed = server.query("SELECT e.object_type, e.object_id, e.outcome, p.record_client_id = s.client_id "
                               "FROM audit_events e JOIN form_prints p ON p.member_id = e.object_id "
                               "JOIN submissions s ON s.member_id = p.member_id WHERE e.action = 'form.print'")
        assert printed == [("member", str(desk["member_id"]), "printed", 1)]

        # A hand-held scanner types the card's text and Enter into the citizen ID field of a new person's form.
        page.locator("[data-action=new-person]").click()
        citizen_id = page.locator("#member-form [name=citizen_id]")
        citizen_id.click()
        page.keyboard.insert_text(CARD.replace("038162008001", "038162008002"))
        page.keyboard.press("Enter")
        page.locator("#scan-note").wait_for()
        assert (value(page, "citizen_id"), value(page, "full_name"), value(page, "gender")) == (
            "038162008002", NAME, "female")
        assert value(page, "permanent_address") == CARD_ADDRESS  # empty before: filled from the card
        assert page.locator("section[data-screen=form]").is_visible()  # Enter did not submit the form
        assert not problems, problems
        assert not foreign, foreign
    finally:
        if server.proc is None:
            server.start()
        context.close()
