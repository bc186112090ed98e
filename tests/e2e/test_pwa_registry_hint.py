"""The registry pre-check at the bedside (issue 6): members whose party record differs from the population registry
show the registry's value beside the field, with one-tap "use registry value" / "keep party record"; minor
differences are shown as minor; "not found" / "ambiguous" and a reviewer's "send back" are banners (and the
send-back a task on the member's card). The chosen value is what the server stores; the choice itself stays on
the tablet. The members, their registry rows and the reconciliation are made here through the operator CLI, in a
cell of their own so no other test sees them."""
import json

import pytest
from playwright.sync_api import expect

from harness.app_driver import PASSWORD, first_sign_in, make_portrait, press_sync, search, wait_queue_count

pytestmark = pytest.mark.e2e

CELL = "E2E-REG"
# Party records. Citizen IDs agree with gender and birth year, so a record the officer saves is accepted.
MEMBERS = """member_code,unit_code,full_name,date_of_birth,gender,citizen_id,hometown,permanent_address,\
party_join_date,party_official_date,priority,needs_home_visit
REG001,{cell},Phạm Văn Định,1962-01-05,male,038062007001,Xã Hoằng Hoà,Số 12 đường Hàm Rồng,1985-03-02,1986-03-02,standard,no
REG002,{cell},Vương Thị Nhàn,1970-07-07,female,038170007002,Xã Quảng Tâm,Số 3 ngõ 8 phố Lê Lai,1992-01-01,1993-01-01,standard,no
REG003,{cell},Lương Văn Tám,1950-02-02,male,038050007003,Xã Đông Hải,Xóm Chợ xã Đông Hải,1975-01-01,1976-01-01,veteran,no
REG004,{cell},Đinh Văn Sơn,1958,male,,Xã Hoằng Phú,Thôn 2 xã Hoằng Phú,1980-01-01,1981-01-01,standard,no
"""
# The registry extract: REG001's birth date has day and month swapped and its hometown another tone-mark placement;
# REG002 is missing; REG003's name differs by a letter; two namesakes born in 1958 make REG004 ambiguous.
REGISTRY = """citizen_id,full_name,date_of_birth,gender,hometown,permanent_address
038062007001,Phạm Văn Định,1962-05-01,male,Xã Hoằng Hòa,Số 12 đường Hàm Rồng
038050007003,Lương Văn Tâm,1950-02-02,male,Xã Đông Hải,Xóm Chợ xã Đông Hải
038058007004,Đinh Văn Sơn,1958-03-03,male,Xã Hoằng Phú,Thôn 2 xã Hoằng Phú
038058007005,Đinh Văn Sơn,1958-09-09,male,Xã Quảng Tâm,Thôn 5 xã Quảng Tâm
"""
SENT_BACK = "Xác minh lại họ tên theo CCCD"


def plant_registry_mismatches(live, playwright) -> dict:
    """A cell of the officer's unit with the members above, the registry rows, a reconciliation of that cell and a
    reviewer's send-back for REG003 (through the API, as the demo admin). Returns member ids by code."""
    grassroots = live.query("SELECT g.code FROM units g JOIN users u ON u.unit_id = g.id WHERE u.username = 'officer'")
    files = {"units": f"code,name,kind,parent_code\n{CELL},Chi bộ Đối chiếu,cell,{grassroots[0][0]}\n",
             "members": MEMBERS.format(cell=CELL), "registry": REGISTRY}
    for kind, text in files.items():
        path = live.data_dir / f"e2e-reg-{kind}.csv"
        path.write_text(text, encoding="utf-8")
        live.cli(f"import-{kind}", str(path))
    live.cli("reconcile", "--unit", CELL)
    ids = {code: live.member_id(code) for code in ("REG001", "REG002", "REG003", "REG004")}
    classes = dict(live.query("SELECT m.member_code, r.klass FROM reconciliations r JOIN members m ON m.id = r.member_id "
                              "WHERE m.member_code LIKE 'REG00%'"))
    assert classes == {"REG001": "mismatch", "REG002": "not_found", "REG003": "mismatch", "REG004": "ambiguous"}
    api = playwright.request.new_context(base_url=live.url)
    token = api.post("/api/v1/auth/login", data={"username": "admin", "password": PASSWORD}).json()["csrf_token"]
    answer = api.post(f"/api/v1/review/members/{ids['REG003']}/decision", headers={"X-CSRF-Token": token},
                      data={"decision": "send_back", "note": SENT_BACK})
    assert answer.ok, answer.text()
    api.dispose()
    return ids


@pytest.fixture(scope="module")
def reg(live, playwright):
    return plant_registry_mismatches(live, playwright)


def open_member(page, query: str, member_id: int):
    results = search(page, query)
    results.first.wait_for()
    assert results.first.get_attribute("data-member-id") == str(member_id)
    results.first.click()
    page.locator("section[data-screen=form]").wait_for()


def test_registry_value_shows_beside_the_field_and_the_synced_record_carries_the_chosen_value(server, page, reg,
                                                                                              tmp_path):
    first_sign_in(page, server.url)
    open_member(page, "pham van dinh", reg["REG001"])
    dob = page.locator(".reg-hint[data-for=date_of_birth]")
    expect(dob).to_have_attribute("data-result", "mismatch")
    expect(dob).to_contain_text("CSDL dân cư: 01/05/1962 — hồ sơ đảng: 05/01/1962; kiểm tra CCCD")
    hometown = page.locator(".reg-hint[data-for=hometown]")
    expect(hometown).to_have_attribute("data-result", "minor")  # only the tone mark sits elsewhere
    expect(hometown).to_contain_text("Khác nhỏ")
    expect(hometown).to_contain_text("Xã Hoằng Hòa")
    expect(page.locator(".reg-hint")).to_have_count(2)  # name, gender and ID agree: no hint there
    expect(page.locator("#registry-banner")).to_contain_text("khác CSDL dân cư ở 1 mục")
    assert page.locator("input[name=date_of_birth]").input_value() == "05/01/1962"  # prefilled from the party record

    dob.locator("[data-action=use-registry]").click()
    assert page.locator("input[name=date_of_birth]").input_value() == "01/05/1962"
    expect(dob).to_have_attribute("data-choice", "registry")
    expect(dob).to_contain_text("Đã dùng giá trị CSDL")
    hometown.locator("[data-action=keep-record]").click()
    assert page.locator("input[name=hometown]").input_value() == "Xã Hoằng Hoà"
    expect(hometown).to_have_attribute("data-choice", "record")
    page.locator("#registry-note").fill("CCCD ghi 01/05/1962")
    expect(page.locator(".field-error[data-for=date_of_birth]")).to_be_empty()

    page.route("**/api/v1/sync/**", lambda route: route.abort())  # keep it on the tablet for a look at the queue
    page.locator("input[type=file][name=photo]").set_input_files(str(make_portrait(tmp_path / "p.jpg", shade=23)))
    page.locator("#camera[data-mode=preview]").wait_for()
    page.locator("input[type=checkbox][name=consent]").check()
    page.locator("[data-action=save]").click()
    wait_queue_count(page, 1)
    queued = page.evaluate("""async () => {
      const {app} = await import('/js/app-state.js');
      const record = await app.store.get(app.queueMetas[0].clientId);
      return {registry: record.registry, item: record.item};
    }""")
    # The choice and note stay on the tablet, beside the item; the item itself has only the CONTRACT's keys.
    assert queued["registry"] == {"class": "mismatch", "choices": {"date_of_birth": "registry", "hometown": "record"},
                                  "note": "CCCD ghi 01/05/1962"}
    assert set(queued["item"]) == {"client_id", "member_id", "visit_id", "captured_at", "location_kind",
                                   "photo_sha256", "consent", "identity_source", "fields"}
    assert queued["item"]["identity_source"] == "typed"  # typed by hand, not read from the ID card
    assert queued["item"]["fields"]["date_of_birth"] == "1962-05-01"
    page.locator("#queue-pill").click()
    expect(page.locator("#records .reg-line")).to_contain_text("Ngày sinh: theo CSDL dân cư")

    page.unroute("**/api/v1/sync/**")
    press_sync(page)
    wait_queue_count(page, 0)
    rows = server.query("SELECT fields, status FROM submissions WHERE member_id = ?", reg["REG001"])
    assert len(rows) == 1
    fields, status = json.loads(rows[0][0]), rows[0][1]
    assert (fields["date_of_birth"], fields["hometown"]) == ("1962-05-01", "Xã Hoằng Hoà")
    assert status == "verified"  # the registry's date, and a hometown that differs only in the tone mark
    assert "CCCD ghi" not in rows[0][0]  # the note never left the tablet


def test_typing_over_a_hinted_field_is_shown_as_typed_by_hand_and_keep_restores_the_party_record(server, page, reg):
    first_sign_in(page, server.url, path="/?lang=en")
    open_member(page, "luong van", reg["REG003"])
    name = page.locator(".reg-hint[data-for=full_name]")
    expect(name).to_contain_text("Population registry: Lương Văn Tâm — party record: Lương Văn Tám; check the ID card")
    page.locator("input[name=full_name]").fill("Lương Văn Tầm")
    page.locator("input[name=full_name]").blur()
    expect(name).to_have_attribute("data-choice", "edited")
    expect(name).to_contain_text("Typed by hand")
    name.locator("[data-action=keep-record]").click()
    assert page.locator("input[name=full_name]").input_value() == "Lương Văn Tám"
    expect(name).to_contain_text("Party record kept")
    name.locator("[data-action=use-registry]").click()
    assert page.locator("input[name=full_name]").input_value() == "Lương Văn Tâm"
    expect(name).to_contain_text("Registry value used")


def test_not_found_and_ambiguous_are_banners_and_a_send_back_is_a_task_on_the_card_and_the_form(server, page, reg):
    first_sign_in(page, server.url)
    open_member(page, "vuong thi nhan", reg["REG002"])
    banner = page.locator("#registry-banner")
    expect(banner).to_have_attribute("data-class", "not_found")
    expect(banner).to_contain_text("Không tìm thấy người này trong CSDL dân cư")
    expect(page.locator(".reg-hint")).to_have_count(0)
    page.locator("[data-action=cancel]").click()

    open_member(page, "dinh van son", reg["REG004"])
    expect(page.locator("#registry-banner")).to_have_attribute("data-class", "ambiguous")
    expect(page.locator("#registry-banner")).to_contain_text("nhiều người trùng họ tên và năm sinh")
    page.locator("[data-action=cancel]").click()

    card = search(page, "luong van").first
    expect(card.locator("[data-task=send_back]")).to_contain_text(f"Người duyệt trả về: {SENT_BACK}")
    expect(search(page, "pham van dinh").first.locator("[data-task]")).to_have_count(0)
    open_member(page, "luong van", reg["REG003"])
    expect(page.locator("#registry-banner .reg-task")).to_contain_text(SENT_BACK)
    expect(page.locator("#registry-banner")).to_contain_text("khác CSDL dân cư ở 1 mục")
    # Another member's form shows nothing of this one.
    page.locator("[data-action=cancel]").click()
    open_member(page, "nguyen thi hoa", server.member_id("E2E0001"))
    expect(page.locator("#registry-banner, .reg-hint")).to_have_count(0)
