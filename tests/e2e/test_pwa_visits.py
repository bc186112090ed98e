"""Home and hospital visits on the tablet (issue 5): a lead reassigns on the board and the tablets follow after a
sync (the new holder sees the visit, the old one a notice and no visit); "could not collect" saved offline is
recorded exactly once even when an answer is lost; a visit opened from "My visits" presets the place and its
accepted record closes it; bulk planning from the board says what it created. Visits are made for members this
module imports, through the real API as the demo lead."""
import tempfile
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from harness.app_driver import PASSWORD, first_sign_in, make_portrait, press_sync, wait_queue_count

pytestmark = pytest.mark.e2e

# Members of the officer's cells; citizen IDs agree with gender and birth year so records are accepted.
# Screenshots to look at (issue 15): the bulk dialog's answer.
SHOTS = Path(tempfile.gettempdir()) / "fieldkit-shots"
SHOTS.mkdir(exist_ok=True)

MEMBERS = """member_code,unit_code,full_name,date_of_birth,gender,citizen_id,hometown,permanent_address,\
party_join_date,party_official_date,priority,needs_home_visit,phone,home_visit_note
VIS001,{first},Đỗ Văn Khải,1941-04-02,male,038041005551,Xã Hoằng Phú,Thôn 3 xã Hoằng Phú,1962-01-01,1963-01-01,veteran,no,0912 345 678,
VIS002,{first},Mai Thị Lụa,1950,female,038150005552,Xã Quảng Tâm,Số 8 ngõ 2 phố Lê Lai,1975-01-01,1976-01-01,standard,no,,
VIS003,{last},Cao Văn Tường,1948-09-09,male,038048005553,Xã Đông Hải,Xóm Bãi xã Đông Hải,1970-01-01,1971-01-01,standard,no,,
VIS004,{first},Ninh Thị Gấm,1944,female,038144005554,Xã Hoằng Phú,Số 2 đường Bà Triệu,1966-01-01,1967-01-01,standard,yes,,Nằm liệt giường
VIS005,{last},Lò Văn Piềng,1939,male,038039005555,Xã Quảng Tâm,Bản Đông xã Quảng Tâm,1960-01-01,1961-01-01,veteran,yes,,
"""


@pytest.fixture(scope="module")
def people(live):
    """Member ids by code, user ids by username, the officer's cells."""
    cells = [row[0] for row in live.query(
        "SELECT c.code FROM units c, units g JOIN users u ON u.unit_id = g.id WHERE u.username = 'officer' "
        "AND c.kind = 'cell' AND c.path LIKE g.path || '%' ORDER BY c.code")]
    path = live.data_dir / "e2e-visit-members.csv"
    path.write_text(MEMBERS.format(first=cells[0], last=cells[-1]), encoding="utf-8")
    live.cli("import-members", str(path))
    ids = {code: live.member_id(code) for code in ("VIS001", "VIS002", "VIS003", "VIS004", "VIS005")}
    ids.update({name: live.query("SELECT id FROM users WHERE username = ?", name)[0][0]
                for name in ("officer", "officer2", "lead")})
    return ids


@pytest.fixture()
def lead_api(server, playwright):
    """The demo lead, signed in through the API (to plan the visits a test starts from)."""
    api = playwright.request.new_context(base_url=server.url)
    answer = api.post("/api/v1/auth/login", data={"username": "lead", "password": PASSWORD})
    assert answer.ok
    token = answer.json()["csrf_token"]

    def create(member_id: int, assignee_id: int, **fields) -> int:
        body = {"member_id": member_id, "assignee_id": assignee_id, "kind": "home", **fields}
        created = api.post("/api/v1/visits", data=body, headers={"X-CSRF-Token": token})
        assert created.status == 201, created.text()
        return created.json()["id"]
    yield create
    api.dispose()


@contextmanager
def tablet(browser, width=1280, height=800):
    """A second (third…) tablet: its own browser context, failing on page errors and CSP violations."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    context.set_default_timeout(15000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        yield context, page
    finally:
        context.close()
    assert not errors, errors


def wait_for(page, probe, timeout: float = 15.0):
    """Poll the server's database until `probe()` is truthy (the tablet syncs in the background).

    Waits through the page, not time.sleep: while a test routes requests, Playwright's sync API lets a routed
    request through only during one of its own calls, so a plain sleep would hold the tablet's sync still."""
    deadline = time.monotonic() + timeout
    while not (value := probe()):
        assert time.monotonic() < deadline, "timed out waiting for the server"
        page.wait_for_timeout(100)
    return value


def my_visit(page, visit_id: int):
    return page.locator(f"#visit-list [data-visit-id='{visit_id}']")


def open_my_visits(page):
    page.locator("#open-visits").click()
    page.locator("section[data-screen=visits]").wait_for()


def drop_outcome_answer_once(page) -> dict:
    """Let the first outcome POST reach the server, then cut the connection before its answer arrives."""
    seen = {"dropped": 0}

    def handle(route):
        if route.request.method == "POST" and not seen["dropped"]:
            seen["dropped"] += 1
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()
    page.route("**/api/v1/visits/*/outcome", handle)
    return seen


def test_visits_sort_by_due_date_then_priority_and_repeated_notices_are_kept_once(server, page):
    page.goto(server.url + "/?lang=en")
    page.locator("[data-action=login]").wait_for()
    result = page.evaluate("""async () => {
      const {sortVisits, isOverdue, telHref} = await import('/js/visit-list.js');
      const {mergeNotices, dismissNotice, noticeKey} = await import('/js/visit-notices.js');
      const visits = [
        {id: 1, due_date: '2026-05-02', priority: 'standard'}, {id: 2, due_date: null, priority: 'veteran'},
        {id: 3, due_date: '2026-05-02', priority: 'veteran'}, {id: 4, due_date: '2026-05-01', priority: 'standard'},
        {id: 5, due_date: '2026-05-02', priority: 'former_central_committee'}];
      const notice = {visit_id: 7, kind: 'reassigned', at: new Date().toISOString(), to_user: 'B'};
      const old = {visit_id: 8, kind: 'done', at: new Date(Date.now() - 15 * 86400000).toISOString()};
      const once = mergeNotices([], [notice, notice, old]);
      const again = mergeNotices(once, [notice]);
      const local = mergeNotices([], [{visit_id: 7, kind: 'outcome_visit_reassigned', local: true, at: 'x'}]);
      const roster = dismissNotice({notices: again}, noticeKey(notice));
      return {order: sortVisits(visits).map((v) => v.id),
        overdue: [isOverdue({due_date: '2026-05-01'}, '2026-05-02'), isOverdue({due_date: '2026-05-02'}, '2026-05-02'),
          isOverdue({due_date: '2026-05-01', status: 'done'}, '2026-05-02')],
        tel: [telHref('0912 345.678'), telHref('call me')], once: once.length, again: again.length,
        replaced: mergeNotices(local, [notice]).map((n) => n.kind),
        dismissed: mergeNotices(roster.notices, [notice], roster.dismissed).length};
    }""")
    assert result["order"] == [4, 3, 5, 1, 2]
    assert result["overdue"] == [True, False, False]
    assert result["tel"] == ["tel:0912345678", ""]
    assert (result["once"], result["again"], result["dismissed"]) == (1, 1, 0)  # 15 days old: dropped
    assert result["replaced"] == ["reassigned"]  # the server's notice says more than the tablet's own


def test_an_outcome_is_queued_without_a_photo_and_survives_the_emergency_export(server, page):
    page.goto(server.url + "/?lang=en")
    page.locator("[data-action=login]").wait_for()
    result = page.evaluate("""async () => {
      const {openQueueDb} = await import('/js/queue-db.js');
      const {QueueStore, countByState} = await import('/js/queue-store.js');
      const {Cipher, newDataKey} = await import('/js/vault.js');
      const {queueOutcome} = await import('/js/visit-outbox.js');
      const {exportQueue, importQueue} = await import('/js/export-file.js');
      const db = await openQueueDb('fieldkit-unit-outcome');
      const mine = new QueueStore(db, 7, new Cipher(await newDataKey()));
      const otherDb = await openQueueDb('fieldkit-unit-outcome-other');  // another tablet
      const other = new QueueStore(otherDb, 8, new Cipher(await newDataKey()));
      const meta = await queueOutcome(mine,
        {visit: {id: 45}, memberName: 'Mai Thị Lụa', reason: 'moved', note: 'Hà Nội'});
      const record = await mine.get(meta.clientId);
      const doc = JSON.parse(JSON.stringify(await exportQueue(mine, {deviceId: 'd', username: 'u'})));
      const imported = await importQueue(other, doc);
      const copy = await other.get(meta.clientId);
      const out = {kind: meta.kind, visitId: meta.visitId, memberId: meta.memberId,
        photo: await db.get('photos', meta.clientId), item: record.item, counts: countByState(await mine.metas()),
        imported, copyKind: copy.kind, copyItem: copy.item};
      db.close();
      otherDb.close();
      return out;
    }""")
    assert (result["kind"], result["visitId"], result["memberId"], result["photo"]) == ("outcome", 45, None, None)
    assert result["item"]["result"] == "could_not_collect" and result["item"]["visit_id"] == 45
    assert (result["item"]["reason"], result["item"]["note"]) == ("moved", "Hà Nội")
    assert result["counts"]["queued"] == 1
    assert result["imported"] == {"added": 1, "skipped": 0}
    assert result["copyKind"] == "outcome" and result["copyItem"] == result["item"]


def test_lead_reassigns_on_the_board_new_holder_sees_it_after_sync_old_holder_gets_a_notice(
        server, browser, people, lead_api):
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    visit = lead_api(people["VIS001"], people["officer"], due_date=yesterday, note="Gọi con trai trước khi đến")

    with tablet(browser) as (_, officer), tablet(browser) as (_, officer2), tablet(browser) as (lead_ctx, lead):
        first_sign_in(officer, server.url, "officer")
        open_my_visits(officer)
        card = my_visit(officer, visit)
        expect(card).to_contain_text("Đỗ Văn Khải")
        expect(card).to_contain_text("Quá hạn")  # due yesterday
        expect(card).to_contain_text("Gọi con trai trước khi đến")
        assert card.locator("a[data-action=call]").get_attribute("href") == "tel:0912345678"

        first_sign_in(officer2, server.url, "officer2")
        open_my_visits(officer2)
        expect(my_visit(officer2, visit)).to_have_count(0)

        first_sign_in(lead, server.url, "lead")
        lead.locator("#open-board").click()
        row = lead.locator(f".board-group[data-assignee-id='{people['officer']}'] [data-visit-id='{visit}']")
        expect(row).to_have_attribute("data-overdue", "true")
        row.click()  # the whole row is the touch target of its checkbox
        lead.locator("#board-actions select[name=assignee]").select_option(str(people["officer2"]))
        lead.locator("[data-action=quick-reason]").nth(1).click()
        lead.locator("[data-action=reassign]").click()
        lead.locator(f".board-group[data-assignee-id='{people['officer2']}'] [data-visit-id='{visit}']").wait_for()
        reason = "Cán bộ đang bận ở bệnh viện"
        assert server.query("SELECT assignee_id FROM visits WHERE id = ?", visit) == [(people["officer2"],)]
        assert server.query("SELECT from_assignee_id, assignee_id, reason FROM visit_assignments WHERE visit_id = ? "
                            "ORDER BY id", visit)[-1] == (people["officer"], people["officer2"], reason)

        press_sync(officer2)
        expect(my_visit(officer2, visit)).to_contain_text("Đỗ Văn Khải")

        press_sync(officer)
        notice = officer.locator(f"#visit-notices .notice[data-visit-id='{visit}']")
        expect(notice).to_contain_text("Đã giao lại cho Cán bộ Lê Quang Huy bởi Tổ trưởng Đặng Văn Lâm: " + reason)
        expect(my_visit(officer, visit)).to_have_count(0)
        notice.locator("[data-action=dismiss-notice]").click()
        expect(notice).to_have_count(0)

        # Reassignment needs the network: offline, the board says so and its actions are disabled.
        lead.locator(f"[data-visit-id='{visit}']").click()
        lead.locator("#board-actions").wait_for()
        lead_ctx.set_offline(True)
        expect(lead.locator("#board-offline")).to_contain_text("Không có mạng")
        expect(lead.locator("[data-action=reassign]")).to_be_disabled()
        expect(lead.locator("[data-action=bulk-open]")).to_be_disabled()
        expect(lead.locator(f"[data-visit-id='{visit}'] input[name=pick]")).to_be_disabled()


def test_could_not_collect_saved_offline_is_recorded_once_though_an_answer_was_lost(
        server, context, page, people, lead_api):
    visit = lead_api(people["VIS002"], people["officer"])
    audits = "SELECT COUNT(*) FROM audit_events WHERE action = 'visit.outcome' AND object_id = ?"
    first_sign_in(page, server.url)
    open_my_visits(page)
    card = my_visit(page, visit)
    card.wait_for()

    context.set_offline(True)
    card.locator("[data-action=could-not-collect]").click()
    page.locator("#outcome-dialog input[name=reason][value=in_hospital_elsewhere]").check()
    page.locator("#outcome-dialog textarea[name=note]").fill("Đang nằm Bệnh viện Bạch Mai")
    page.locator("[data-action=save-outcome]").click()
    wait_queue_count(page, 1)  # in the queue like a record, and it survives a reload
    expect(card).to_have_attribute("data-state", "outcome")
    assert server.query("SELECT status FROM visits WHERE id = ?", visit) == [("open",)]

    cut = drop_outcome_answer_once(page)
    context.set_offline(False)
    for _ in range(6):
        press_sync(page)
        if page.locator("[data-queue-count]").inner_text().strip() == "0":
            break
    wait_queue_count(page, 0)
    assert cut["dropped"] == 1
    assert server.query("SELECT status, outcome_reason, outcome_note FROM visits WHERE id = ?", visit) == [
        ("could_not_collect", "in_hospital_elsewhere", "Đang nằm Bệnh viện Bạch Mai")]
    assert server.query(audits, str(visit))[0][0] == 1
    expect(my_visit(page, visit)).to_have_count(0)
    # The resend was taken as the same report (its client_id), not refused as "already closed".
    expect(page.locator(f"#visit-notices [data-visit-id='{visit}']")).to_have_count(0)


def test_visit_opened_from_my_visits_presets_the_place_and_its_accepted_record_closes_it(
        server, page, people, lead_api, tmp_path):
    visit = lead_api(people["VIS003"], people["officer"], kind="hospital", note="Khoa Nội, giường 12")
    first_sign_in(page, server.url)
    open_my_visits(page)
    my_visit(page, visit).locator("[data-action=collect]").click()
    page.locator("input[name=full_name]").wait_for()
    assert page.locator("input[name=full_name]").input_value() == "Cao Văn Tường"
    assert page.locator("[name=location_kind]").input_value() == "hospital"
    page.locator("input[type=file][name=photo]").set_input_files(str(make_portrait(tmp_path / "p.jpg", 20)))
    page.locator("#camera[data-mode=preview]").wait_for()
    page.locator("input[type=checkbox][name=consent]").check()
    page.locator("[data-action=save]").click()
    page.locator("section[data-screen=home]").wait_for()
    # Saving syncs at once while online.
    rows = wait_for(page, lambda: server.query("SELECT id, visit_id, location_kind FROM submissions WHERE member_id = ?",
                                         people["VIS003"]))
    wait_queue_count(page, 0)
    assert [(r[1], r[2]) for r in rows] == [(visit, "hospital")]
    assert server.query("SELECT status, done_submission_id, done_by_id FROM visits WHERE id = ?", visit) == [
        ("done", rows[0][0], people["officer"])]
    open_my_visits(page)
    expect(my_visit(page, visit)).to_have_count(0)


def test_bulk_planning_on_the_board_reports_what_it_created_and_creates_nothing_twice(server, page, people):
    first_sign_in(page, server.url, "lead", path="/?lang=en")
    page.locator("#open-board").click()
    page.locator(".board-group").first.wait_for()
    page.locator("[data-action=bulk-open]").click()
    dialog = page.locator("#bulk-dialog")
    for box in dialog.locator("input[name=cell]").all():
        box.check()
    dialog.locator("input[name=strategy][value=least_load]").check()
    due_day = date.today() + timedelta(days=3)
    due_input = dialog.locator("input[name=due]")
    assert due_input.get_attribute("type") in (None, "text")  # dd/mm/yyyy like the rest, never mm/dd/yyyy
    expect(due_input).to_have_attribute("placeholder", "dd/mm/yyyy")
    due_input.fill("31/02/2030")  # no such day
    dialog.locator("[data-action=bulk-create]").click()
    expect(dialog.locator(".error")).to_contain_text("Not a valid date")
    due_input.fill(due_day.strftime("%d/%m/%Y"))
    dialog.locator("[data-action=bulk-create]").click()
    result = page.locator("#bulk-result")
    expect(result).to_contain_text("Created 2 visits.")
    expect(result).to_contain_text("Ninh Thị Gấm")
    expect(result).to_contain_text("Lò Văn Piềng")
    expect(result).not_to_contain_text("Skipped")  # nothing skipped: nothing to say
    expect(dialog.locator("#bulk-cells")).not_to_contain_text("about 0")
    page.screenshot(path=str(SHOTS / "bulk-result-en.png"))
    planned = server.query("SELECT m.member_code, v.status, v.due_date FROM visits v "
                           "JOIN members m ON m.id = v.member_id "
                           "WHERE m.member_code IN ('VIS004', 'VIS005') ORDER BY m.member_code")
    due = (date.today() + timedelta(days=3)).isoformat()
    assert planned == [("VIS004", "open", due), ("VIS005", "open", due)]
    dialog.locator("[data-action=bulk-close]").click()
    new = page.locator(".board-visit.marked")
    expect(new).to_have_count(2)

    page.locator("[data-action=bulk-open]").click()
    for box in dialog.locator("input[name=cell]").all():
        box.check()
    dialog.locator("[data-action=bulk-create]").click()
    expect(result).to_contain_text("Nobody needed a new visit.")
    assert "null" not in result.inner_text()  # run twice: replaceChildren(null) printed a literal "null"
    page.screenshot(path=str(SHOTS / "bulk-again-en.png"))
    assert server.query("SELECT COUNT(*) FROM visits v JOIN members m ON m.id = v.member_id "
                        "WHERE m.member_code IN ('VIS004', 'VIS005')")[0][0] == 2
