"""The console's API: imports by upload as jobs, the one-job-per-kind-and-unit guard, user rules, audit filters.
Jobs run inside the request here (TestConfig.JOBS_IMMEDIATE); tests/test_jobs_worker.py runs a real worker."""
import io

from sqlalchemy import func, select

from server.extensions import db
from server.jobs.models import Job
from server.models import AuditEvent, Member, Unit, utcnow
from tests.conftest import PASSWORD

MEMBERS = ("member_code,unit_code,full_name,date_of_birth,gender,citizen_id,hometown,permanent_address,"
           "party_join_date,party_official_date,priority,needs_home_visit\n")


def upload(client, kind, text, name="file.csv"):
    return client.post("/api/v1/imports", content_type="multipart/form-data",
                       data={"import_kind": kind, "import_file": (io.BytesIO(text.encode()), name)})


def count(model):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_good_members_upload_is_stored_with_its_report_and_audited(app, tree, login_as):
    admin = login_as("unit_admin", "A1")
    rows = "".join(f"N{i},C1,Đỗ Thị {i},1970,female,,Huế,Huế,1990-01-01,1991-01-01,veteran,no\n" for i in range(3))
    job = upload(admin, "members", MEMBERS + rows).json
    assert job["state"] == "done" and job["unit_code"] == "A1" and job["kind"] == "import.members"
    assert job["report"] == {"rows_read": 3, "created": 3, "updated": 0, "unchanged": 0, "stored": True,
                             "rejected_total": 0, "rejected": [], "warnings": []}
    assert count(Member) == 3
    assert [j["id"] for j in admin.get("/api/v1/jobs").json["jobs"]] == [job["id"]]
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"job.submit", "import.members"} <= actions


def test_a_bad_row_rejects_the_whole_file_with_its_line_and_stores_nothing(app, tree, login_as):
    admin = login_as("unit_admin", "A1")
    rows = ("N1,C1,Đỗ Thị Một,1970,female,,Huế,Huế,1990-01-01,1991-01-01,veteran,no\n"
            "N2,C2,Đỗ Thị Hai,1970,female,,Huế,Huế,1990-01-01,1991-01-01,veteran,no\n"  # C2: outside A1
            "N3,C1,Đỗ Thị Ba,19x0,female,,Huế,Huế,1990-01-01,1991-01-01,veteran,no\n")
    job = upload(admin, "members", MEMBERS + rows).json
    assert job["state"] == "rejected" and not job["report"]["stored"]
    assert [r["line"] for r in job["report"]["rejected"]] == [3, 4]
    assert "unit_code" in job["report"]["rejected"][0]["reasons"][0]
    assert count(Member) == 0


def test_one_active_job_per_kind_and_unit(app, tree, login_as):
    admin = login_as("unit_admin", "A1")
    running = Job(kind="import.members", unit_id=tree["A1"].id, state="running", params={}, started_at=utcnow())
    db.session.add(running)
    db.session.commit()
    answer = upload(admin, "members", MEMBERS)
    assert answer.status_code == 409 and answer.json["error"]["code"] == "job_running"
    assert upload(admin, "units", "code,name,kind,parent_code\n").status_code == 202  # another kind runs
    other = login_as("unit_admin", "A2")
    assert upload(other, "members", MEMBERS).status_code == 202  # another unit too
    assert admin.post(f"/api/v1/jobs/{running.id}/retry").json["error"]["code"] == "job_not_retryable"


def test_kinds_and_files_the_server_refuses(app, tree, login_as):
    admin = login_as("unit_admin", "A1")
    cards = upload(admin, "cards", "card_number,member_code,batch_code\n")
    assert cards.status_code in (202, 422)
    if cards.status_code == 422:  # the card feature is not on this server
        assert cards.json["error"]["code"] == "import_kind_unsupported"
    assert upload(admin, "members", MEMBERS, name="x.pdf").json["error"]["code"] == "unsupported_file_type"
    assert upload(admin, "registry", "citizen_id\n").status_code == 403  # only the root's admin
    assert upload(admin, "bogus", MEMBERS).status_code == 422
    lead = login_as("team_lead", "G1")
    assert upload(lead, "members", MEMBERS).status_code == 403
    assert lead.get("/api/v1/jobs").status_code == 403


def test_units_import_stays_under_the_importers_unit(app, tree, login_as):
    admin = login_as("unit_admin", "A1")
    job = upload(admin, "units", "code,name,kind,parent_code\nG9,Mới,grassroots,A1\nG8,Lạ,grassroots,A2\n"
                                 "C9,Chi bộ,cell,G9\n").json
    assert job["state"] == "rejected" and [r["line"] for r in job["report"]["rejected"]] == [3]
    good = upload(admin, "units", "code,name,kind,parent_code\nG9,Mới,grassroots,A1\nC9,Chi bộ,cell,G9\n").json
    assert good["state"] == "done" and good["report"]["created"] == 2
    assert db.session.scalar(select(Unit).where(Unit.code == "C9")).path.startswith(tree["A1"].path)


def test_a_unit_admin_cannot_reset_a_peer_admin_only_an_admin_above(app, tree, login_as):
    peer_a, peer_b = login_as("unit_admin", "A1"), login_as("unit_admin", "A1")
    above = login_as("unit_admin", "P")
    answer = peer_a.post(f"/api/v1/users/{peer_b.user.id}", json={"password": "a new password"})
    assert answer.status_code == 403 and answer.json["error"]["code"] == "forbidden"
    assert above.post(f"/api/v1/users/{peer_b.user.id}", json={"password": "a new password"}).status_code == 200
    officer = login_as("officer", "C1")
    assert peer_a.post(f"/api/v1/users/{officer.user.id}", json={"active": False}).status_code == 200
    assert peer_a.post(f"/api/v1/users/{peer_a.user.id}", json={"password": "my own new pw"}).status_code == 200


def test_a_created_user_logs_in_at_once(app, tree, login_as):
    admin = login_as("unit_admin", "A1")
    made = admin.post("/api/v1/users", json={"username": "to.moi", "display_name": "Tô Mới", "role": "team_lead",
                                             "unit_code": "G1", "password": PASSWORD})
    assert made.status_code == 201 and made.json["unit_code"] == "G1"
    login = app.test_client().post("/api/v1/auth/login", json={"username": "to.moi", "password": PASSWORD})
    assert login.status_code == 200 and login.json["user"]["role"] == "team_lead"


def test_audit_filters_by_user_action_unit_and_day(app, tree, login_as):
    admin = login_as("unit_admin", "A1")
    for code in ("C1", "G1"):
        admin.post("/api/v1/users", json={"username": f"u.{code.lower()}", "role": "officer", "unit_code": code,
                                          "password": PASSWORD})
    events = admin.get(f"/api/v1/audit?action=user.create&unit=C1&user_id={admin.user.id}").json["events"]
    assert [e["unit_id"] for e in events] == [tree["C1"].id]
    assert len(admin.get("/api/v1/audit?action=user.create&since=2000-01-01").json["events"]) == 3  # + the admin
    assert admin.get("/api/v1/audit?action=user.create&until=2000-01-01").json["events"] == []
    assert admin.get("/api/v1/audit?unit=C2").status_code == 404  # outside scope, as if missing


def test_daily_aggregate_counts_each_member_once_and_projects_the_finish(app, members, login_as):
    from datetime import date, timedelta

    from server.dashboard.daily import rebuild, vietnam_day
    from server.models import utcnow as now
    from tests.sync_support import item, post_items
    from tests.test_cross_unit import jpeg
    import hashlib
    officer, admin = login_as("officer", "C1"), login_as("unit_admin", "A1")
    photo = jpeg((10, 20, 30))
    sha = hashlib.sha256(photo).hexdigest()
    assert officer.put(f"/api/v1/photos/{sha}", data=photo, content_type="image/jpeg").status_code == 201
    results = post_items(officer, [item(sha, member_id=members["m1"].id), item(sha, member_id=members["m1"].id),
                                   item(sha, member_id=members["m2"].id)]).json["results"]
    assert [r["outcome"] for r in results] == ["accepted"] * 3
    today = vietnam_day(now())
    body = admin.get("/api/v1/progress/daily?unit=A1").json
    assert body["days"] == [{"day": today.isoformat(), "collected": 2}]  # m1's second record is not a second member
    assert body["rate_7d"] == round(2 / 7, 1) and body["remaining"] == 0 and body["late"] is False
    assert body["projected_finish"] is None  # nothing left to collect in A1 (m3 is in A2)
    whole = admin.get("/api/v1/progress/daily").json  # the admin's own unit A1
    assert whole["days"] == body["days"]
    past = (today - timedelta(days=1)).isoformat()
    lead = login_as("unit_admin", "P")
    late = lead.put("/api/v1/progress/deadline", json={"unit_code": "P", "deadline": past}).json
    assert late["deadline"] == past and late["remaining"] == 1 and late["late"] is True
    soon = (today + timedelta(days=30)).isoformat()
    inherited = lead.put("/api/v1/progress/deadline", json={"unit_code": "P", "deadline": soon}).json
    assert inherited["projected_finish"] == (today + timedelta(days=4)).isoformat()  # 1 left at 2/7 a day
    assert admin.get("/api/v1/progress/daily?unit=C1").json["deadline"] == soon  # set above, inherited
    assert lead.put("/api/v1/progress/deadline", json={"unit_code": "P", "deadline": None}).json["deadline"] is None
    assert rebuild() == 2 and admin.get("/api/v1/progress/daily").json["days"] == body["days"]
    xlsx = admin.get("/api/v1/progress/export.xlsx?unit=A1")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert isinstance(date.fromisoformat(body["days"][0]["day"]), date)


def test_a_request_never_waits_behind_a_long_import_to_touch_its_session(app, tree, login_as):
    """On SQLite an import holds the only write lock for its whole transaction; the once-a-minute session touch
    gives up at once instead of stalling the request (or failing it after the busy timeout)."""
    import sqlite3
    import time
    from datetime import timedelta

    from sqlalchemy import update

    from server.models import AuthSession
    admin = login_as("unit_admin", "A1")
    db.session.execute(update(AuthSession).values(last_seen_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    lock = None
    if app.config["BACKEND"] == "sqlite":  # PostgreSQL locks rows, and an import never holds a session's
        lock = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"), isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        answer = admin.get("/api/v1/jobs")
        waited = time.monotonic() - started
    finally:
        if lock is not None:
            lock.execute("ROLLBACK")
            lock.close()
    assert answer.status_code == 200 and waited < 5, (answer.status_code, waited)
    assert admin.get("/api/v1/jobs").status_code == 200  # touched now that the lock is gone


def test_a_cards_upload_is_stored_at_the_uploaders_unit(app, tree, login_as):
    """As `fieldkit import-cards` run by that admin: the batch arrives at their unit, not the root of the tree."""
    from server.cards.models import Card
    admin = login_as("unit_admin", "A1")
    rows = "N1,C1,Đỗ Thị Một,1970,female,,Huế,Huế,1990-01-01,1991-01-01,veteran,no\n"
    assert upload(admin, "members", MEMBERS + rows).json["state"] == "done"
    job = upload(admin, "cards", "card_number,member_code,batch_code\nK0001,N1,B1\n").json
    assert job["state"] == "done", job
    db.session.rollback()
    assert db.session.scalars(select(Card.unit_id)).all() == [tree["A1"].id]
