"""The audit trail, swept over the whole API and CLI: every change, export and print leaves its row.

One table names every /api/v1 request that changes data or hands personal data out as a file (PDF, XLSX, ICS,
a portrait, the roster copied to a tablet), with a valid request by a user who may send it, the action its
audit row carries and the unit that row must name (the console shows a unit admin the rows of their own
subtree and nothing else, so the unit decides who can ever see the row). Each request must succeed and add
that row, with the caller as its user; and no new row may carry a name, citizen ID, birth date, phone,
username or password of anyone: rows hold ids and outcomes.

`test_every_api_rule_is_audited_or_exempt` walks app.url_map, and `test_every_cli_command_...` the CLI group:
a new endpoint or command fails the suite until it has its row here or a reason in NOT_AUDITED.
The data is the cross-unit sweep's world (tests/test_cross_unit.py), built through the API.
"""
from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable

import click
from flask import current_app
from sqlalchemy import select, update

from server.cli import main
from server.extensions import db
from server.jobs.models import Job
from server.models import ROLES, AuditEvent, Member, RegistryRecord, Unit, User
from server.schedules.models import Booking
from tests.cards_support import handover, post_handovers
from tests.conftest import PASSWORD
from tests.schedule_support import at, day, station_body
from tests.sync_support import item, post_items
from tests.test_cross_unit import (_print_notice, _reopen, _upload_members, api_routes, jpeg, ok,  # noqa: F401
                                   world)  # `world` is a fixture

OFF_ROSTER = {"full_name": "Đinh Thị Vãng Lai", "citizen_id": "001175000321", "date_of_birth": "1975-07-07",
              "gender": "female", "phone": "0912000111"}

# Reads that leave nothing to record: a screen's JSON in the caller's scope (not a file that leaves the server),
# the caller's own session, or no data at all. Every other /api rule and method must have a row in AUDITED.
NOT_AUDITED = {
    ("/api/v1/audit", "GET"): "the trail itself",
    ("/api/v1/auth/me", "GET"): "the caller's own user",
    ("/api/v1/cards", "GET"): "a screen: card numbers and statuses in scope",
    ("/api/v1/cards/<card_number>", "GET"): "a screen: one card's custody in scope",
    ("/api/v1/cards/consignments/<int:consignment_id>", "GET"): "a screen: card numbers of a consignment",
    ("/api/v1/cards/pending", "GET"): "a screen: member ids and reasons, no personal data",
    ("/api/v1/jobs", "GET"): "job reports hold line numbers and reasons, never the rows' values",
    ("/api/v1/jobs/<int:job_id>", "GET"): "job reports hold line numbers and reasons, never the rows' values",
    ("/api/v1/progress", "GET"): "counts",
    ("/api/v1/progress/daily", "GET"): "counts per day",
    ("/api/v1/review/items", "GET"): "a screen: the review queue in scope",
    ("/api/v1/review/members/<int:member_id>", "GET"): "a screen: one member against the registry, in scope",
    ("/api/v1/review/submissions/<int:submission_id>", "GET"): "a screen: one record against the registry; its "
                                                               "portrait comes through GET /photos (audited)",
    ("/api/v1/schedules", "GET"): "a screen: a station's day in scope",
    ("/api/v1/schedules/missed", "GET"): "a screen: missed bookings in scope",
    ("/api/v1/stations", "GET"): "stations: places and hours, no personal data",
    ("/api/v1/sync/devices", "GET"): "counts per tablet",
    ("/api/v1/users", "GET"): "a screen: users in scope",
    ("/api/v1/visits", "GET"): "a screen: visits in scope",
    ("/api/v1/visits/<int:visit_id>", "GET"): "a screen: one visit in scope",
    ("/api/v1/photos/<sha256>", "HEAD"): "says only whether the caller may use a photo",
    ("/api/v1/sync/device-report", "POST"): "a heartbeat every ten minutes per tablet that replaces the tablet's "
                                            "own row of counts (who and when are that row); no personal data",
    ("/api/openapi.json", "GET"): "the API description",
    ("/api/docs", "GET"): "the documentation page",
    ("/api/docs/", "GET"): "the documentation page",
    ("/api/docs/init.js", "GET"): "the documentation page's script",
    ("/api/docs/static/<path:filename>", "GET"): "Swagger UI's files",
}


@dataclass
class Row:
    """A valid request by `who` (side, role) that must add an audit row `action` naming `unit`."""

    name: str
    endpoint: tuple[str, str]
    who: tuple[str, str]
    action: str
    unit: str
    send: Callable[[Any, Any], Any]  # (world, client) → response
    status: int = 200
    prepare: Callable[[Any], None] | None = None


def _login(w, client):
    return current_app.test_client().post("/api/v1/auth/login", json={"username": client.user.username,
                                                                     "password": PASSWORD})


def _logout(w, client):
    fresh = current_app.test_client()
    csrf = ok(fresh.post("/api/v1/auth/login", json={"username": client.user.username,
                                                     "password": PASSWORD}))["csrf_token"]
    return fresh.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})


NEW_PHOTO = jpeg((10, 200, 90))
NEW_SHA = hashlib.sha256(NEW_PHOTO).hexdigest()


def _put_photo(w, client):
    return client.put(f"/api/v1/photos/{NEW_SHA}", data=NEW_PHOTO, content_type="image/jpeg")


def _missed_booking(w):
    """C1's booking, booked again and moved to yesterday morning: missed."""
    _reopen(w)
    past = at(-1, "08:00")
    db.session.execute(update(Booking).where(Booking.id == w.sched["booking"]).values(
        start=past, end=past + timedelta(minutes=30)))
    db.session.commit()


def _fail_job(w):
    db.session.rollback()
    db.session.execute(update(Job).where(Job.id == w.job["c1"]).values(state="failed"))
    db.session.commit()


def _user_id(username):
    return db.session.scalar(select(User.id).where(User.username == username))


def _officer(w, client):
    return w.user("c1", "officer").user.id


C1_OFFICER, C1_LEAD, C1_ADMIN, C1_VIEWER = (("c1", role) for role in ("officer", "team_lead", "unit_admin", "viewer"))

AUDITED = [
    # -- sign-in
    Row("sign in", ("/api/v1/auth/login", "POST"), C1_OFFICER, "auth.login", "C1", _login),
    Row("sign out", ("/api/v1/auth/logout", "POST"), C1_OFFICER, "auth.logout", "C1", _logout, status=204),
    # -- photos and records from the tablet
    Row("upload a portrait", ("/api/v1/photos/<sha256>", "PUT"), C1_OFFICER, "photo.store", "C1", _put_photo,
        status=201),
    Row("upload the same portrait again from another user", ("/api/v1/photos/<sha256>", "PUT"), C1_LEAD,
        "photo.store", "G1", _put_photo),
    Row("download a portrait", ("/api/v1/photos/<sha256>", "GET"), C1_OFFICER, "photo.read", "C1",
        lambda w, c: c.get(f"/api/v1/photos/{w.photo['c1']}")),
    Row("copy the roster to a tablet", ("/api/v1/sync/roster", "GET"), C1_OFFICER, "roster.download", "C1",
        lambda w, c: c.get("/api/v1/sync/roster")),
    Row("send a record", ("/api/v1/sync/submissions", "POST"), C1_OFFICER, "submission.accepted", "C1",
        lambda w, c: post_items(c, [item(w.photo["c1"], fields=OFF_ROSTER)], device_id="tablet-c1")),
    Row("send a record that is refused", ("/api/v1/sync/submissions", "POST"), C1_OFFICER, "submission.rejected",
        "C1", lambda w, c: post_items(c, [item(w.photo["c1"], fields={**OFF_ROSTER, "citizen_id": "12"})],
                                      device_id="tablet-c1")),
    # -- visits
    Row("plan a visit", ("/api/v1/visits", "POST"), C1_LEAD, "visit.create", "C1",
        lambda w, c: c.post("/api/v1/visits", json={"member_id": w.m["m1"].id, "assignee_id": _officer(w, c)}),
        status=201),
    Row("reassign a visit", ("/api/v1/visits/<int:visit_id>/assign", "POST"), C1_LEAD, "visit.assign", "C1",
        lambda w, c: c.post(f"/api/v1/visits/{w.visit_open}/assign",
                            json={"assignee_id": _officer(w, c), "reason": "x"})),
    Row("record a visit's outcome", ("/api/v1/visits/<int:visit_id>/outcome", "POST"), C1_OFFICER,
        "visit.outcome", "C1", lambda w, c: c.post(f"/api/v1/visits/{w.visit_open}/outcome",
                                                   json={"result": "could_not_collect", "reason": "moved"})),
    Row("replan a visit", ("/api/v1/visits/<int:visit_id>/replan", "POST"), C1_LEAD, "visit.replan", "C1",
        lambda w, c: c.post(f"/api/v1/visits/{w.visit_closed}/replan", json={"assignee_id": _officer(w, c)})),
    Row("bulk-plan a cell", ("/api/v1/visits/bulk", "POST"), C1_LEAD, "visit.bulk", "C1",
        lambda w, c: c.post("/api/v1/visits/bulk", json={"unit_codes": ["C1"], "assignee_ids": [_officer(w, c)]})),
    # -- review
    Row("decide a submission", ("/api/v1/review/submissions/<int:submission_id>/decision", "POST"), C1_ADMIN,
        "review.decision", "C1", lambda w, c: c.post(f"/api/v1/review/submissions/{w.sub_c1}/decision",
                                                     json={"decision": "send_back", "note": "x"})),
    Row("decide a member", ("/api/v1/review/members/<int:member_id>/decision", "POST"), C1_ADMIN,
        "review.decision", "C1", lambda w, c: c.post(f"/api/v1/review/members/{w.m['m4'].id}/decision",
                                                     json={"decision": "send_back", "note": "x"})),
    Row("reconcile a cell", ("/api/v1/review/reconcile", "POST"), C1_ADMIN, "reconcile.run", "C1",
        lambda w, c: c.post("/api/v1/review/reconcile", json={"unit_code": "C1"}), status=202),
    Row("export a cell's list to sign", ("/api/v1/review/export.xlsx", "GET"), C1_ADMIN, "export.review_xlsx",
        "C1", lambda w, c: c.get("/api/v1/review/export.xlsx?unit=C1")),
    # -- users
    Row("create a user", ("/api/v1/users", "POST"), C1_ADMIN, "user.create", "C1",
        lambda w, c: c.post("/api/v1/users", json={"username": "audit.new", "password": "long enough pw",
                                                   "role": "officer", "unit_code": "C1"}), status=201),
    Row("change a user", ("/api/v1/users/<int:user_id>", "POST"), C1_ADMIN, "user.update", "C1",
        lambda w, c: c.post(f"/api/v1/users/{_user_id('audit.new')}", json={"role": "team_lead",
                                                                         "password": "another long pw"})),
    # -- documents
    Row("print a member form", ("/api/v1/submissions/<int:submission_id>/form.pdf", "GET"), C1_OFFICER,
        "document.member_form", "C1", lambda w, c: c.get(f"/api/v1/submissions/{w.sub_c1}/form.pdf")),
    Row("print a cell's signature list", ("/api/v1/exports/collected.pdf", "GET"), C1_ADMIN,
        "export.collected_pdf", "C1", lambda w, c: c.get("/api/v1/exports/collected.pdf?unit=C1")),
    # -- imports and jobs
    Row("import a file", ("/api/v1/imports", "POST"), C1_ADMIN, "import.members", "A1",
        lambda w, c: _upload_members(c, "C1", "MA1"), status=202),
    Row("run a failed job again", ("/api/v1/jobs/<int:job_id>/retry", "POST"), C1_ADMIN, "job.retry", "C1",
        lambda w, c: c.post(f"/api/v1/jobs/{w.job['c1']}/retry", json={}), status=202, prepare=_fail_job),
    # -- the progress dashboard
    Row("set a deadline", ("/api/v1/progress/deadline", "PUT"), C1_ADMIN, "progress.deadline", "C1",
        lambda w, c: c.put("/api/v1/progress/deadline", json={"unit_code": "C1", "deadline": "2030-01-01"})),
    Row("export progress", ("/api/v1/progress/export.xlsx", "GET"), C1_ADMIN, "export.progress_xlsx", "C1",
        lambda w, c: c.get("/api/v1/progress/export.xlsx?unit=C1")),
    # -- schedules
    Row("create a station", ("/api/v1/stations/<code>", "PUT"), C1_ADMIN, "station.put", "G1",
        lambda w, c: c.put("/api/v1/stations/ST-AUDIT", json=station_body(unit_code="G1")), status=201),
    Row("plan a cell", ("/api/v1/schedules/plan", "POST"), C1_ADMIN, "schedule.plan", "G1",
        lambda w, c: c.post("/api/v1/schedules/plan", json={"station": "ST-G1", "cells": ["C1"], "from": day(2),
                                                            "to": day(2)})),
    Row("move a booking", ("/api/v1/bookings/<int:booking_id>/move", "POST"), C1_LEAD, "booking.move", "C1",
        lambda w, c: c.post(f"/api/v1/bookings/{w.sched['booking']}/move",
                            json={"start": at(1, "18:30").isoformat()}), prepare=_reopen),
    Row("cancel a booking", ("/api/v1/bookings/<int:booking_id>/cancel", "POST"), C1_LEAD, "booking.cancel", "C1",
        lambda w, c: c.post(f"/api/v1/bookings/{w.sched['booking']}/cancel"), prepare=_reopen),
    Row("replan a cell's missed bookings", ("/api/v1/schedules/replan-missed", "POST"), C1_LEAD,
        "schedule.replan_missed", "C1", lambda w, c: c.post("/api/v1/schedules/replan-missed", json={
            "unit": "C1", "from": day(1), "to": day(2)}), prepare=_missed_booking),
    Row("turn a missed booking into a visit", ("/api/v1/schedules/missed/visits", "POST"), C1_LEAD,
        "schedule.missed_to_visits", "C1", lambda w, c: c.post("/api/v1/schedules/missed/visits", json={
            "unit": "C1", "booking_ids": [w.sched["booking"]], "assignee_ids": [_officer(w, c)]}),
        prepare=_missed_booking),
    Row("a cell's calendar", ("/api/v1/schedules/cells/<code>.ics", "GET"), C1_VIEWER, "schedule.calendar", "C1",
        lambda w, c: c.get("/api/v1/schedules/cells/C1.ics")),
    Row("a cell's notice", ("/api/v1/schedules/cells/<code>.pdf", "GET"), C1_VIEWER, "schedule.notice_pdf", "C1",
        lambda w, c: c.get("/api/v1/schedules/cells/C1.pdf")),
    # -- cards
    Row("send cards", ("/api/v1/cards/consignments", "POST"), C1_ADMIN, "card.consignment_sent", "G1",
        lambda w, c: c.post("/api/v1/cards/consignments", json={"to_unit": "G1", "card_numbers": ["K-2"]}),
        status=201),
    Row("print a consignment", ("/api/v1/cards/consignments/<int:consignment_id>.pdf", "GET"), C1_LEAD,
        "card.consignment_printed", "C1", lambda w, c: c.get(f"/api/v1/cards/consignments/{w.consignment_c1}.pdf")),
    Row("receive a consignment", ("/api/v1/cards/consignments/<int:consignment_id>/receive", "POST"), C1_LEAD,
        "card.consignment_received", "C1",
        lambda w, c: c.post(f"/api/v1/cards/consignments/{w.consignment_c1}/receive", json={"received": ["K-1"]})),
    Row("hand a card over", ("/api/v1/cards/handovers", "POST"), C1_OFFICER, "card.handed_over", "C1",
        lambda w, c: post_handovers(c, [handover("K-4", w.m["m4"].id)], device_id="tablet-c1")),
    Row("print a cell's hand-over list", ("/api/v1/cards/handover-list.pdf", "GET"), C1_OFFICER,
        "card.handover_list_printed", "C1", lambda w, c: c.get("/api/v1/cards/handover-list.pdf?unit=C1")),
    Row("print the member form on a tablet", ("/api/v1/prints", "POST"), C1_OFFICER, "form.print", "C1",
        lambda w, c: _print_notice(c, w.m["m4"].id)),
]


def _last_event_id() -> int:
    db.session.rollback()  # see what the requests committed
    return db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0


def _events_after(event_id: int) -> list[AuditEvent]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.id > event_id).order_by(AuditEvent.id)))


def personal_strings() -> set[str]:
    """Every name, citizen ID, full birth date, phone, address and username the database holds, and the password."""
    db.session.rollback()
    found = {PASSWORD, "another long pw", *(OFF_ROSTER[k] for k in ("full_name", "citizen_id", "date_of_birth",
                                                                    "phone"))}
    for model in (Member, RegistryRecord):
        for row in db.session.scalars(select(model)):
            found |= {row.full_name, row.citizen_id, row.permanent_address, getattr(row, "phone", None)}
            if row.date_of_birth and len(row.date_of_birth) == 10:
                found.add(row.date_of_birth)
    for user in db.session.scalars(select(User)):
        found |= {user.username, user.display_name}
    return {text for text in found if text and len(text) >= 4}  # shorter ones are parts of anything


def _texts(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield str(key)
            yield from _texts(inner)
    elif isinstance(value, (list, tuple)):
        for inner in value:
            yield from _texts(inner)
    elif value is not None:
        yield str(value)


def leaks(events, secrets) -> list[tuple[str, str]]:
    """(action, secret) for each row holding a secret: inside any text for longer ones, as a whole value for short
    ones (a demo username such as `admin` is part of the role `unit_admin`; role names are no one's data)."""
    secrets = secrets - set(ROLES)
    out = []
    for event in events:
        for text in _texts([event.object_id, event.device_id, event.outcome, event.detail]):
            out += [(event.action, secret) for secret in secrets
                    if secret == text or (len(secret) >= 6 and secret in text)]
    return out


def test_every_change_export_and_print_adds_its_audit_row(world):
    w, start, failures = world, _last_event_id(), []
    for row in AUDITED:
        if row.prepare:
            row.prepare(w)
        client = w.user(*row.who)
        before = _last_event_id()
        response = row.send(w, client)
        if response.status_code != row.status:
            failures.append(f"{row.name}: {response.status_code} {response.get_json(silent=True)}")
            continue
        body = response.get_json(silent=True) or {}
        for result in body.get("results", []):  # a batch answers 200 whatever became of its items
            assert result["outcome"] == ("rejected" if "refused" in row.name else "accepted"), (row.name, result)
        events = _events_after(before)
        unit_id = w.tree[row.unit].id
        if not any(e.action == row.action and e.unit_id == unit_id and e.user_id == client.user.id for e in events):
            failures.append(f"{row.name}: no {row.action} row at {row.unit} by the caller; rows added: "
                            f"{[(e.action, e.unit_id, e.user_id) for e in events]}")
    assert not failures, "\n".join(failures)
    found = leaks(_events_after(start), personal_strings())
    assert not found, f"audit rows carry personal data: {found}"


def test_every_api_rule_is_audited_or_exempt(sqlite_app):
    """A new /api endpoint fails here until it has a row in AUDITED or a reason in NOT_AUDITED."""
    routed, tabled = api_routes(sqlite_app), {row.endpoint for row in AUDITED}
    assert tabled <= routed, f"rows for endpoints that no longer exist: {sorted(tabled - routed)}"
    gone = set(NOT_AUDITED) - routed
    assert not gone, f"exemptions for endpoints that no longer exist: {sorted(gone)}"
    assert not tabled & set(NOT_AUDITED), "an endpoint both audited and exempt"
    missing = routed - tabled - set(NOT_AUDITED)
    assert not missing, f"endpoints without an audit row: {sorted(missing)}"
    changes = {(rule, method) for rule, method in routed if method not in ("GET", "HEAD")}
    assert changes - tabled == {("/api/v1/sync/device-report", "POST")}, "a change exempt from the trail"


# ---- the operator CLI ------------------------------------------------------------------------------------

CLI_NOT_AUDITED = {
    "init-db": "creates or upgrades the schema: no rows of anyone",
    "print-demo-logins": "prints the demo users' fixed logins; changes nothing",
    "worker": "runs the jobs the console queued: each job records its work and its end (job.end), "
              "checked through POST /api/v1/imports and /review/reconcile above",
}


class MemoryStore:
    """A photo store other than the file store, for `photos migrate` to copy into."""

    def __init__(self):
        self.objects = {}

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        self.objects[digest] = data
        return digest

    def read(self, digest: str) -> bytes:
        return self.objects[digest]

    def holds(self, digest: str, data: bytes) -> bool:
        return self.objects.get(digest) == data

    def exists(self, digest: str) -> bool:
        return digest in self.objects


def _write(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return str(path)


REGISTRY_HEADER = ["citizen_id", "full_name", "date_of_birth", "gender", "hometown", "permanent_address"]


def _cli_steps(tmp_path, grassroots: str) -> list[tuple[str, list[str], str]]:
    """(command, its arguments, action) for every CLI command that changes data, with files that store something."""
    member = ["member_code", "unit_code", "full_name", "date_of_birth", "gender", "citizen_id", "hometown",
              "permanent_address", "party_join_date", "party_official_date", "priority", "needs_home_visit"]
    return [
        ("create-user", ["cli.officer", "--role", "officer", "--unit", grassroots], "user.create"),
        ("import-units", [_write(tmp_path / "u.csv", ["code", "name", "kind", "parent_code"],
                                 [["AUD-C", "Chi bộ Kiểm tra", "cell", grassroots]])], "import.units"),
        ("import-members", [_write(tmp_path / "m.csv", member, [[
            "AUD-M1", "AUD-C", "Vũ Thị Kiểm", "1968-08-08", "female", "001168000808", "Hà Nội", "Số 8",
            "1990-01-01", "1991-01-01", "standard", "no"]])], "import.members"),
        ("import-registry", [_write(tmp_path / "r.csv", REGISTRY_HEADER, [
            ["001168000808", "Vũ Thị Kiểm", "1968-08-08", "female", "Hà Nội", "Số 8"]])],
         "import.registry"),
        ("import-cards", [_write(tmp_path / "c.csv", ["card_number", "member_code", "batch_code"],
                                 [["AUD-K1", "AUD-M1", "B-AUD"]])], "import.cards"),
        ("reconcile", [], "reconcile.run"),
        ("rebuild-daily", [], "progress.rebuild"),
        ("photos migrate", [], "photo.migrate"),
    ]


def _commands(group: click.Group, prefix=()) -> set[str]:
    names = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            names |= _commands(command, (*prefix, name))
        else:
            names.add(" ".join((*prefix, name)))
    return names


def test_every_cli_command_that_changes_data_is_audited_at_the_root(app, tmp_path, monkeypatch):
    """The operator acts on the whole tree: each command's row names the root unit, so the province's admins
    see it in the console. A new command fails here until it has a step or a reason in CLI_NOT_AUDITED."""
    import offline_queue.photo_store
    monkeypatch.setattr(offline_queue.photo_store, "current_store", lambda app: MemoryStore())
    monkeypatch.setenv("FIELDKIT_PASSWORD", "a long enough password")
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["load-demo", "--members", "20"])
    assert result.exit_code == 0, result.output
    root = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
    grassroots = db.session.scalar(select(Unit.code).where(Unit.kind == "grassroots").order_by(Unit.id).limit(1))
    assert {(e.action, e.unit_id) for e in _events_after(0)} >= {("demo.load", root.id), ("reconcile.run", root.id)}
    covered, failures = {"load-demo"}, []  # load-demo ran first: the others need its tree
    for command, args, action in _cli_steps(tmp_path, grassroots):
        covered.add(command)
        before = _last_event_id()
        result = runner.invoke(main, [*command.split(), *args])
        if result.exit_code != 0:
            failures.append(f"{command}: exit {result.exit_code}: {result.output}")
            continue
        events = _events_after(before)
        # user.create names the new user's unit, like the console's; every other row, the root.
        unit = db.session.scalar(select(Unit.id).where(Unit.code == grassroots)) if action == "user.create" else root.id
        if not any(e.action == action and e.unit_id == unit for e in events):
            failures.append(f"{command}: no {action} row at its unit; rows: {[(e.action, e.unit_id) for e in events]}")
    assert not failures, "\n".join(failures)
    found = leaks(_events_after(0), personal_strings())
    assert not found, f"audit rows carry personal data: {found}"
    commands = _commands(main)
    assert set(CLI_NOT_AUDITED) <= commands, sorted(set(CLI_NOT_AUDITED) - commands)
    missing = commands - covered - set(CLI_NOT_AUDITED)
    assert not missing, f"CLI commands without an audit step: {sorted(missing)}"


def test_a_job_that_fails_says_so_in_the_trail_with_the_exceptions_type_only(app, tree, members, login_as,
                                                                             monkeypatch):
    """A failed job stores nothing; its end is still a row at its unit, on behalf of who submitted it, naming the
    exception's type and never its message (which may quote the row that failed)."""
    import server.jobs.runner

    def boom(job):
        raise RuntimeError(f"failed on {members['m1'].full_name} {members['m1'].citizen_id}")

    monkeypatch.setattr(server.jobs.runner, "_reconcile", boom)
    admin = login_as("unit_admin", "A1")
    before = _last_event_id()
    job = ok(admin.post("/api/v1/review/reconcile", json={"unit_code": "C1"}), 202)
    ends = [e for e in _events_after(before) if e.action == "job.end"]
    assert [(e.outcome, e.unit_id, e.user_id, e.object_id, e.detail["error"]) for e in ends] == [
        ("failed", tree["C1"].id, admin.user.id, str(job["id"]), "RuntimeError")]
    assert not leaks(ends, personal_strings())
