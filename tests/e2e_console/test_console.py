"""The console in Chromium (CONTRACT §9): drill-down to a cell, an upload with a bad row (its line shown,
nothing stored), a good upload followed to completion through the real worker, a user created who then signs
in, a viewer who sees progress and nothing else; axe-core on every section; screenshots in both languages at
1280×800 and 1920×1080 (CONSOLE_SHOTS_DIR keeps them)."""
import pytest

from tests.e2e_console.conftest import PASSWORD, axe_violations, members_csv

pytestmark = pytest.mark.e2e
SECTIONS = ("progress", "imports", "users", "audit", "exports", "review")


@pytest.fixture(scope="module")
def admin(browser, console_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, console_server, "admin")
    yield page
    context.close()
    assert not errors, errors


def sign_in(page, server, username, password=PASSWORD, lang="vi"):
    page.goto(f"{server.url}/console/?lang={lang}")
    page.fill("[data-section=login] [name=username]", username)
    page.fill("[data-section=login] [name=password]", password)
    page.click("[data-action=login]")
    page.wait_for_selector("[data-section=progress]:not([hidden]) [data-unit-code], "
                           "[data-section=progress]:not([hidden]) #progress-rows td")


def field(page, code, name):
    return page.locator(f"[data-unit-code='{code}'] [data-field={name}]").inner_text().strip()


def target(page, server, code):
    return page.request.get(f"{server.url}/api/v1/progress?unit={code}").json()["target"]


def upload(page, kind, name, text):
    page.click("[data-nav=imports]")
    page.select_option("select[name=import_kind]", kind)
    page.set_input_files("input[type=file][name=import_file]",
                         {"name": name, "mimeType": "text/csv", "buffer": text.encode()})
    page.click("[data-action=import]")


def test_progress_drills_down_from_the_province_to_its_cells(admin, console_server):
    page = admin
    assert (field(page, "A1", "target"), field(page, "A1", "collected"), field(page, "A1", "percent")) == ("6", "0", "0")
    assert field(page, "A2", "target") == "0"
    page.click("[data-unit-code=A1]")
    page.wait_for_selector("[data-unit-code=G1]")
    page.click("[data-unit-code=G1]")
    page.wait_for_selector("[data-unit-code=C1]")
    assert (field(page, "C1", "target"), field(page, "C2", "target")) == ("4", "2")
    page.click("#crumbs button >> nth=0")  # back to the province
    page.wait_for_selector("[data-unit-code=A1]")


def test_an_upload_with_a_bad_row_shows_its_line_and_stores_nothing(admin, console_server):
    page = admin
    upload(page, "members", "bad.csv", members_csv([("C1", "1970-01-01"), ("C1", "19x0"), ("C2", "1970")]))
    page.wait_for_selector("[data-import-report] [data-job-state=rejected]", timeout=30000)
    report = page.locator("[data-import-report]")
    assert report.locator("[data-line]").evaluate_all("els => els.map(e => e.dataset.line)") == ["3"]
    # in Vietnamese, the column named as the file names it too
    assert "Ngày sinh (date_of_birth): không phải ngày" in report.locator("[data-line='3']").inner_text()
    assert "Không lưu dòng nào" in report.locator("[data-nothing-stored]").inner_text()
    assert target(page, console_server, "G1") == 6


def test_a_good_upload_shows_its_progress_to_completion(admin, console_server):
    page = admin
    upload(page, "members", "good.csv", members_csv([("C2", "1975-05-05")] * 3000))
    page.wait_for_selector("[data-import-report] progress", state="attached", timeout=10000)
    page.wait_for_selector("[data-import-report] [data-job-state=done]", timeout=60000)
    assert "3000" in page.locator("[data-import-report]").inner_text()
    assert target(page, console_server, "C2") == 3002
    page.reload()  # the report stays: the recent jobs list brings it back
    page.click("[data-nav=imports]")
    page.wait_for_selector("#job-rows [data-job-id]")
    assert page.locator("#job-rows [data-job-id]").count() == 2


def test_a_file_refused_whole_says_so_and_why(admin, console_server):
    """Excel's "Unicode Text" (UTF-16) under a .csv name: no row of it was read, so the report speaks of the file,
    not of "1 rows have errors", and its reason says how to save it."""
    page = admin
    before = target(page, console_server, "G1")
    page.click("[data-nav=imports]")
    page.select_option("select[name=import_kind]", "members")
    page.set_input_files("input[type=file][name=import_file]", {
        "name": "unicode.csv", "mimeType": "text/csv", "buffer": members_csv([("C1", "1970")]).encode("utf-16")})
    page.click("[data-action=import]")
    page.wait_for_selector("[data-import-report] [data-job-state=rejected]", timeout=30000)
    report = page.locator("[data-import-report]")
    stored = report.locator("[data-nothing-stored]").inner_text()
    assert "không đọc được tệp" in stored and "Không lưu dòng nào" in stored and "dòng có lỗi" not in stored
    assert "tệp là văn bản UTF-16" in report.locator("[data-line='1']").inner_text()
    assert "hãy lưu lại thành CSV UTF-8" in report.locator("[data-line='1']").inner_text()
    assert target(page, console_server, "G1") == before


def test_a_user_created_in_the_console_signs_in_at_once(admin, console_server, browser):
    page = admin
    page.click("[data-nav=users]")
    form = page.locator("form[data-form=user]")
    form.locator("[name=username]").fill("can.bo.moi")
    form.locator("[name=display_name]").fill("Cán bộ Mới")
    form.locator("[name=role]").select_option("officer")
    form.locator("[name=unit_code]").fill("C1")
    form.locator("[name=password]").fill("mat-khau-moi-1")
    page.click("[data-action=save-user]")
    page.wait_for_selector("#login-rows tr")
    assert "can.bo.moi" in page.locator("#logins-sheet").inner_text()
    assert page.locator("#user-rows tr", has_text="can.bo.moi").count() == 1
    other = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        fresh = other.new_page()
        sign_in(fresh, console_server, "can.bo.moi", "mat-khau-moi-1")
        assert fresh.locator("#who").inner_text() == "can.bo.moi · C1"
    finally:
        other.close()


def test_a_viewer_sees_progress_and_nothing_else(browser, console_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        sign_in(page, console_server, "viewer")
        visible = [nav for nav in ("progress", "imports", "users", "audit", "exports", "review")
                   if page.locator(f"[data-nav={nav}]").is_visible()]
        assert visible == ["progress"]
        assert field(page, "G1", "target") == "3006"
        page.goto(f"{console_server.url}/console/#users")
        page.wait_for_selector("[data-section=progress]:not([hidden]) [data-unit-code=G1]")
        assert page.locator("[data-section=users]").is_hidden()
        assert page.request.get(f"{console_server.url}/api/v1/jobs").status == 403
    finally:
        context.close()


def test_every_section_is_accessible_and_looks_right_in_both_languages(admin, console_server, shots):
    page = admin
    failures = {}
    for lang in ("vi", "en"):
        page.click(f"[data-lang={lang}]")
        for size in ((1280, 800), (1920, 1080)):
            page.set_viewport_size({"width": size[0], "height": size[1]})
            for section in SECTIONS:
                page.click(f"[data-nav={section}]")
                page.wait_for_selector(f"[data-section={section}]:not([hidden])")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(shots / f"console-{section}-{lang}-{size[0]}x{size[1]}.png"))
                if size[0] == 1280:
                    found = axe_violations(page)
                    if found:
                        failures[f"{section}/{lang}"] = found
    assert page.locator("[data-nav=progress]").inner_text() == "Progress"
    assert not failures, failures


FAILED_JOBS = """
from datetime import timedelta
from server import create_app
from server.extensions import db
from server.jobs.models import Job
from server.models import Unit, utcnow
with create_app().app_context():
    unit = db.session.query(Unit).filter_by(code="A1").one()
    for hours, params in ((2, {"upload": "uploads/kept.csv"}), (80, {"upload": None, "upload_expired_at":
                                                                      (utcnow() - timedelta(hours=8)).isoformat()})):
        when = utcnow() - timedelta(hours=hours)
        db.session.add(Job(kind="import.members", unit_id=unit.id, state="failed", attempts=1, params=params,
                           filename=f"failed-{hours}h.csv", error="OperationalError", created_at=when,
                           started_at=when, finished_at=when))
    db.session.commit()
"""


def test_a_failed_import_offers_a_rerun_while_its_file_is_kept_and_says_when_it_was_deleted(admin, console_server,
                                                                                         shots):
    """Failed imports keep their file (personal data) only JOBS_KEEP_FAILED_HOURS: the report says until when it
    can be run again, and once the file is deleted, that it must be uploaded again (no button that cannot work)."""
    import subprocess
    import sys
    subprocess.run([sys.executable, "-c", FAILED_JOBS], env=console_server.env, check=True, capture_output=True)
    page = admin
    page.set_viewport_size({"width": 1280, "height": 800})
    for lang, kept, deleted in (("vi", "Có thể chạy lại đến", "Tệp đã bị xoá lúc"),
                                ("en", "It can be run again until", "Its file was deleted at")):
        page.click(f"[data-lang={lang}]")
        page.click("[data-nav=imports]")
        for name, expected in (("failed-2h.csv", kept), ("failed-80h.csv", deleted)):
            page.locator("#job-rows tr", has_text=name).locator("button").click()
            report = page.locator("[data-import-report]")
            report.locator("h2", has_text=name).wait_for()
            assert expected in report.inner_text()
            assert report.locator("[data-action=retry-job]").count() == (1 if name == "failed-2h.csv" else 0)
            assert report.locator("[data-file-deleted]").count() == (0 if name == "failed-2h.csv" else 1)
            page.screenshot(path=str(shots / f"console-import-{name[:-4]}-{lang}.png"))
