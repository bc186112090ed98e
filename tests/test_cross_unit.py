"""Scope across units, swept over the whole API: nobody of C2's branch reads or changes C1's data.

One table names every /api/v1 endpoint that returns or changes personal data, with the request that
points it at something of unit C1 (a member, visit, submission, photo, user, unit code...). Each row is
sent by an officer, a team lead, a unit admin and a viewer of C2's branch (C2, G2, A2) and must answer
exactly as it does for an id that exists nowhere (same status, same body), or, for lists, leave C1's
rows out — with the database unchanged and no C1 name, citizen ID or username anywhere in the answer.

So that a 404 cannot pass by accident (a wrong id, a broken endpoint), every row is then sent by the
same role of C1's own branch and must succeed. The data is built through the API itself (photos are
PUT, records POSTed, visits planned, queues reported) so the objects are exactly what the field makes.

`test_every_api_rule_is_in_the_table_or_exempt` walks app.url_map: a new endpoint that is neither in
the table nor in EXEMPT with a reason fails the suite until someone writes its cross-unit row.
"""
from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, RejectedPayload
from server.scope import ROLE_RANK
from tests.conftest import add_member
from tests.cards_support import handover, post_handovers
from tests.sync_support import item, post_items

MISSING_ID = 987_654  # an id no table of a test database reaches
MISSING_UNIT = "NOPE"
MISSING_SHA = hashlib.sha256(b"never uploaded by anyone").hexdigest()
ROLES = ("officer", "team_lead", "unit_admin", "viewer")
# Where each role sits in a branch: officers in the cell, leads in the grassroots unit, admins and viewers above.
SEATS = {"c1": {"officer": "C1", "team_lead": "G1", "unit_admin": "A1", "viewer": "A1"},
         "c2": {"officer": "C2", "team_lead": "G2", "unit_admin": "A2", "viewer": "A2"}}
C1_BRANCH = ("A1", "G1", "C1")

# Endpoints that carry no personal data of any unit, with the reason. Everything else under /api/ must
# have a row in the table below.
EXEMPT = {
    ("/api/v1/auth/login", "POST"): "signs in: answers only the caller's own user",
    ("/api/v1/auth/logout", "POST"): "ends the caller's own session",
    ("/api/v1/auth/me", "GET"): "the caller's own user",
    ("/api/openapi.json", "GET"): "the API description, no data",
    ("/api/docs", "GET"): "the documentation page",
    ("/api/docs/", "GET"): "the documentation page",
    ("/api/docs/init.js", "GET"): "the documentation page's script",
    ("/api/docs/static/<path:filename>", "GET"): "Swagger UI's files",
}


def jpeg(colour) -> bytes:
    """A small portrait-shaped JPEG, different bytes for each colour."""
    img = Image.new("RGB", (450, 600), colour)
    ImageDraw.Draw(img).ellipse((120, 120, 330, 400), fill=(224, 172, 140))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()


# ---- the world: C1's data and C2's, built through the API ------------------------------------------

@dataclass
class World:
    tree: dict
    m: dict
    users: dict  # side → role → ApiClient
    photo: dict = field(default_factory=dict)  # side → sha256
    photo_bytes: dict = field(default_factory=dict)
    photo_answer: dict = field(default_factory=dict)
    visit_open: int = 0  # C1: m2, held by C1's officer
    visit_closed: int = 0  # C1: m4, could not collect
    visit_c2: int = 0  # C2: m3, held by C2's officer
    sub_c1: int = 0  # C1: m1, needs review
    sub_c1_item: dict = field(default_factory=dict)
    offroster: dict = field(default_factory=dict)  # side → submission id of someone not on the roster
    offroster_item_c1: dict = field(default_factory=dict)
    device_c1: str = "tablet-c1"
    cursor_c1: str = ""  # a roster cursor issued to C1's officer
    job: dict = field(default_factory=dict)  # side → the id of its reconciliation job
    sched: dict = field(default_factory=dict)  # schedules (§7): side → station code; C1's booking id
    consignment_c1: int = 0  # K-1 from G1 to C1, not yet received

    def user(self, side, role):
        return self.users[side][role]

    def side_of(self, client) -> str:
        return "c1" if client in self.users["c1"].values() else "c2"

    def secrets(self) -> list[str]:
        """Strings of C1's people and users that must never reach anyone of C2's branch."""
        people = [self.m[k] for k in ("m1", "m2", "m4")]
        return ([p.full_name for p in people] + [p.citizen_id for p in people if p.citizen_id]
                + [c.user.username for c in self.users["c1"].values()]
                + ["Người Ngoài Danh Sách", self.photo["c1"]])


def _submit(client, items):
    results = ok(post_items(client, items, device_id="tablet-" + client.user.username))["results"]
    assert all(r["outcome"] == "accepted" for r in results), results
    return [r["submission_id"] for r in results]


@pytest.fixture
def world(app, tree, members, login_as) -> World:
    m4 = add_member(tree["C1"], "M4", full_name="Phạm Văn Bốn", citizen_id="001070004444", dob="1970-04-04")
    db.session.commit()
    users = {side: {role: login_as(role, unit) for role, unit in seats.items()} for side, seats in SEATS.items()}
    w = World(tree=tree, m={**members, "m4": m4}, users=users)
    for side, colour in (("c1", (40, 90, 160)), ("c2", (160, 90, 40))):
        officer = w.user(side, "officer")
        w.photo_bytes[side] = jpeg(colour)
        w.photo[side] = hashlib.sha256(w.photo_bytes[side]).hexdigest()
        w.photo_answer[side] = ok(officer.put(f"/api/v1/photos/{w.photo[side]}", data=w.photo_bytes[side],
                                              content_type="image/jpeg"), 201)
    officer_c1, lead_g1 = w.user("c1", "officer"), w.user("c1", "team_lead")
    officer_c2, lead_g2 = w.user("c2", "officer"), w.user("c2", "team_lead")

    def plan(lead, member, officer):
        return ok(lead.post("/api/v1/visits", json={"member_id": member.id, "assignee_id": officer.user.id,
                                                    "kind": "home", "due_date": "2030-01-15"}), 201)["id"]

    w.visit_open = plan(lead_g1, w.m["m2"], officer_c1)
    w.visit_closed = plan(lead_g1, m4, officer_c1)
    ok(officer_c1.post(f"/api/v1/visits/{w.visit_closed}/outcome",
                       json={"result": "could_not_collect", "reason": "not_home"}))
    w.visit_c2 = plan(lead_g2, w.m["m3"], officer_c2)

    w.sub_c1_item = item(w.photo["c1"], member_id=w.m["m1"].id)  # no registry rows: needs review
    stranger = {"full_name": "Người Ngoài Danh Sách", "citizen_id": "001062000777", "date_of_birth": "1962-06-06"}
    w.offroster_item_c1 = item(w.photo["c1"], fields=stranger)
    w.sub_c1, w.offroster["c1"] = _submit(officer_c1, [w.sub_c1_item, w.offroster_item_c1])
    w.offroster["c2"], = _submit(officer_c2, [item(w.photo["c2"], fields={
        "full_name": "Hoàng Văn Khách", "citizen_id": "002063000888", "date_of_birth": "1963-03-03"})])
    for side, cell in (("c1", "C1"), ("c2", "C2")):
        w.job[side] = ok(w.user(side, "unit_admin").post("/api/v1/review/reconcile", json={"unit_code": cell}),
                         202)["id"]
    for side, officer in (("c1", officer_c1), ("c2", officer_c2)):
        ok(officer.post("/api/v1/sync/device-report", json={
            "device_id": f"tablet-{side}", "counts": {"queued": 3}, "oldest_unsent_at": None}))
    w.cursor_c1 = ok(officer_c1.get("/api/v1/sync/roster"))["cursor"]
    w.sched = _schedule_world(w)
    _cards(w)
    return w


def _schedule_world(w) -> dict:
    """A station per side (at G1, G2) and each side's cell planned for tomorrow."""
    from tests.schedule_support import day, station_body
    out = {}
    for side, unit, cell in (("c1", "G1", "C1"), ("c2", "G2", "C2")):
        admin = w.user(side, "unit_admin")
        ok(admin.put(f"/api/v1/stations/ST-{unit}", json=station_body(unit_code=unit)), 201)
        ok(admin.post("/api/v1/schedules/plan", json={"station": f"ST-{unit}", "cells": [cell], "from": day(1),
                                                      "to": day(1), "skip_public_holidays": False}))
        out[side] = f"ST-{unit}"
    c1 = ok(w.user("c1", "officer").get(f"/api/v1/schedules?station=ST-G1&date={day(1)}"))
    out["booking"] = c1["slots"][0]["bookings"][0]["id"]
    return out


def _sched_day(offset=1):
    from tests.schedule_support import day
    return day(offset)


def _slot(offset, hhmm):
    from tests.schedule_support import at
    return at(offset, hhmm).isoformat()


def _cards(w: World) -> None:
    """Cards: K-1 (m1) sent from G1 to C1, K-2 (m2) at A1, K-4 (m4) waiting at C1; C2's K-3 (m3) at A2."""
    from server.cards.models import Card
    for number, member, unit in (("K-1", "m1", "G1"), ("K-2", "m2", "A1"), ("K-3", "m3", "A2"), ("K-4", "m4", "C1")):
        db.session.add(Card(card_number=number, member_id=w.m[member].id, batch_code="B1", status="at_unit",
                            unit_id=w.tree[unit].id))
    db.session.commit()
    w.consignment_c1 = ok(w.user("c1", "unit_admin").post("/api/v1/cards/consignments", json={
        "to_unit": "C1", "card_numbers": ["K-1"]}), 201)["id"]


# ---- what "nothing changed" means --------------------------------------------------------------------

SNAPSHOT_TABLES = ("units", "members", "registry_records", "users", "visits", "visit_assignments", "photos",
                   "submissions", "reconciliations", "device_reports", "stations", "bookings", "cell_notices")
SNAPSHOT_TABLES += ("cards", "card_events", "card_consignments", "card_consignment_items", "card_handovers")


def snapshot(caller) -> dict:
    """Every row of the personal-data tables (the caller's own device reports aside: reporting is theirs)."""
    db.session.rollback()  # end any read transaction, so the snapshot sees what the requests committed
    out = {}
    for name in SNAPSHOT_TABLES:
        table = db.metadata.tables[name]
        stmt = select(table).order_by(*table.primary_key.columns)
        if name == "device_reports":
            stmt = stmt.where(table.c.user_id != caller.user.id)
        out[name] = [tuple(row) for row in db.session.execute(stmt)]
    out["last_audit"] = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    out["last_rejected"] = db.session.scalar(select(RejectedPayload.id).order_by(RejectedPayload.id.desc()).limit(1))
    return out


def assert_unchanged(before: dict, caller, w: World, what: str) -> None:
    after = snapshot(caller)
    for name in SNAPSHOT_TABLES:
        assert after[name] == before[name], f"{what}: table {name} changed"
    c1_units = {w.tree[code].id for code in C1_BRANCH}
    for event in db.session.scalars(select(AuditEvent).where(AuditEvent.id > (before["last_audit"] or 0))):
        assert event.user_id == caller.user.id and event.unit_id not in c1_units, (what, event.action)
    for kept in db.session.scalars(select(RejectedPayload).where(RejectedPayload.id > (before["last_rejected"] or 0))):
        assert kept.unit_id not in c1_units, what  # quarantined on the sender's side, never in C1's units


# ---- the table -----------------------------------------------------------------------------------------

@dataclass
class Probe:
    """A request naming one thing of C1's: it must answer exactly as for a thing that exists nowhere."""

    name: str
    endpoint: tuple[str, str]
    least: str  # the least role that may send this request at all (below it: 403 both ways)
    send: Callable[[World, Any, Any], Any]  # (world, client, target) → response
    target: Callable[[World], Any]  # C1's thing
    missing: Any  # a thing that exists nowhere
    status: int = 404  # the answer to a role allowed to ask
    control: Callable[[World, Any], Any] | None = None  # C1's own user of the same role: must succeed

    def body(self, response):
        data = response.get_json(silent=True)  # a HEAD answer has no body
        if isinstance(data, dict) and "results" in data:  # a submission's answer echoes the client_id sent
            data = [{k: v for k, v in r.items() if k != "client_id"} for r in data["results"]]
        return data


@dataclass
class Listing:
    """A list or aggregate: C1's rows are simply absent for C2's branch, present for C1's."""

    name: str
    endpoint: tuple[str, str]
    least: str
    read: Callable[[World, Any], set]  # (world, client) → the keys the answer holds
    c1: Callable[[World], set]  # C1's keys: none may show to C2's branch, all to C1's
    own: Callable[[World, str], set] = lambda w, role: set()  # the caller's own side: must show (not vacuous)
    control_sees: Callable[[World], set] | None = None  # what C1's own user of the role sees (default: c1)


def _get(path):
    return lambda w, client, target: client.get(path.format(target))


def _post(path, body: Callable[[World, Any, Any], dict]):
    return lambda w, client, target: client.post(path.format(target), json=body(w, client, target))


def own(w, client, role="officer"):
    """The user of `role` on the caller's own side (whom a lead may assign, say)."""
    return w.user(w.side_of(client), role)


def own_cell(w, client):
    return "C1" if w.side_of(client) == "c1" else "C2"


def _submission_ids(w, client):
    return {(i["kind"], i["id"]) for i in ok(client.get("/api/v1/review/items?per_page=100"))["items"]}


def _visit_ids(w, client):
    return {v["id"] for v in ok(client.get("/api/v1/visits?status=all"))["visits"]}


def _roster(w, client, since=None):
    body = ok(client.get("/api/v1/sync/roster" + (f"?since={since}" if since else "")))
    return {("member", m["id"]) for m in body["members"]} | {("visit", v["id"]) for v in body["visits"]}


def _progress_target(w, client):
    return {("target", ok(client.get("/api/v1/progress"))["target"])}


def _audit(w, client):
    return {(e["unit_id"], e["action"]) for e in ok(client.get("/api/v1/audit?limit=500"))["events"]}


def _c1_audit(w):
    c1_units = {w.tree[code].id for code in C1_BRANCH}
    return {(e.unit_id, e.action) for e in db.session.scalars(select(AuditEvent).where(AuditEvent.unit_id.in_(c1_units)))}


def _item_for(w, client, member_id=None, visit_id=None):
    """A valid record sent by `client` (with their own side's photo), for the given member and visit."""
    side = w.side_of(client)
    member_id = member_id if member_id is not None else (w.m["m1"] if side == "c1" else w.m["m3"]).id
    return item(w.photo[side], member_id=member_id, visit_id=visit_id)


class CardsProbe(Probe):
    """The 422 of a consignment names the offending card numbers: the one sent, whichever it was."""

    def body(self, response):
        data = super().body(response)
        for fault in (data.get("error", {}).get("fields", {}).get("card_numbers", []) if isinstance(data, dict)
                      else []):
            fault["params"]["card_number"] = "?"
        return data


def own_card(w, client):
    return "K-1" if w.side_of(client) == "c1" else "K-3"


def _handover(w, client, number):
    side = w.side_of(client)
    member = w.m["m4" if side == "c1" else "m3"].id
    return post_handovers(client, [handover(number, member)], device_id="tablet-" + side)


CARD_PROBES = [
    Probe("list a unit's cards", ("/api/v1/cards", "GET"), "officer", _get("/api/v1/cards?unit={}"),
          lambda w: "C1", MISSING_UNIT, control=lambda w, c: c.get("/api/v1/cards?unit=C1")),
    Probe("show a card", ("/api/v1/cards/<card_number>", "GET"), "officer", _get("/api/v1/cards/{}"),
          lambda w: "K-4", "K-NOPE", control=lambda w, c: c.get("/api/v1/cards/K-4")),
    Probe("pending cards of a unit", ("/api/v1/cards/pending", "GET"), "viewer", _get("/api/v1/cards/pending?unit={}"),
          lambda w: "C1", MISSING_UNIT, control=lambda w, c: c.get("/api/v1/cards/pending?unit=C1")),
    Probe("print a cell's hand-over list", ("/api/v1/cards/handover-list.pdf", "GET"), "officer",
          _get("/api/v1/cards/handover-list.pdf?unit={}"), lambda w: "C1", MISSING_UNIT,
          control=lambda w, c: c.get("/api/v1/cards/handover-list.pdf?unit=C1")),
    Probe("send cards to a unit", ("/api/v1/cards/consignments", "POST"), "unit_admin",
          _post("/api/v1/cards/consignments", lambda w, c, t: {"to_unit": t, "card_numbers": [own_card(w, c)]}),
          lambda w: "G1", MISSING_UNIT,
          control=lambda w, c: c.post("/api/v1/cards/consignments", json={"to_unit": "G1", "card_numbers": ["K-2"]})),
    CardsProbe("send another unit's card", ("/api/v1/cards/consignments", "POST"), "unit_admin",
               _post("/api/v1/cards/consignments", lambda w, c, t: {"to_unit": own_cell(w, c), "card_numbers": [t]}),
               lambda w: "K-2", "K-NOPE", status=422),
    Probe("show a consignment", ("/api/v1/cards/consignments/<int:consignment_id>", "GET"), "officer",
          _get("/api/v1/cards/consignments/{}"), lambda w: w.consignment_c1, MISSING_ID,
          control=lambda w, c: c.get(f"/api/v1/cards/consignments/{w.consignment_c1}")),
    Probe("print a consignment", ("/api/v1/cards/consignments/<int:consignment_id>.pdf", "GET"), "officer",
          _get("/api/v1/cards/consignments/{}.pdf"), lambda w: w.consignment_c1, MISSING_ID,
          control=lambda w, c: c.get(f"/api/v1/cards/consignments/{w.consignment_c1}.pdf")),
    Probe("receive a consignment", ("/api/v1/cards/consignments/<int:consignment_id>/receive", "POST"), "team_lead",
          _post("/api/v1/cards/consignments/{}/receive", lambda w, c, t: {"received": ["K-1"]}),
          lambda w: w.consignment_c1, MISSING_ID,
          control=lambda w, c: c.post(f"/api/v1/cards/consignments/{w.consignment_c1}/receive",
                                      json={"received": ["K-1"]})),
    Probe("hand over a card", ("/api/v1/cards/handovers", "POST"), "officer",
          lambda w, c, t: _handover(w, c, t), lambda w: "K-4", "K-NOPE", status=200,
          control=lambda w, c: _handover(w, c, "K-4")),
    Probe("tell of a member form printed on a tablet", ("/api/v1/prints", "POST"), "officer",
          lambda w, c, t: _print_notice(c, t), lambda w: w.m["m1"].id, MISSING_ID, status=200,
          control=lambda w, c: _print_notice(c, w.m["m1"].id)),
]


def _print_notice(client, member_id):
    return client.post("/api/v1/prints", json={"device_id": "tablet", "items": [{
        "client_id": str(uuid.uuid4()), "member_id": member_id, "printed_at": "2025-09-20T09:30:00+07:00"}]})

PROBES = [
    # -- visits
    Probe("get a visit", ("/api/v1/visits/<int:visit_id>", "GET"), "officer",
          _get("/api/v1/visits/{}"), lambda w: w.visit_open, MISSING_ID,
          control=lambda w, c: c.get(f"/api/v1/visits/{w.visit_open}")),
    Probe("list visits of a unit", ("/api/v1/visits", "GET"), "officer",
          _get("/api/v1/visits?status=all&assignee=me&unit={}"), lambda w: "C1", MISSING_UNIT,
          control=lambda w, c: c.get("/api/v1/visits?status=all&assignee=me&unit=C1")),
    Probe("list visits of another unit's user", ("/api/v1/visits", "GET"), "team_lead",
          _get("/api/v1/visits?status=all&assignee={}"), lambda w: w.user("c1", "officer").user.id, MISSING_ID,
          status=200),
    Probe("plan a visit to a member", ("/api/v1/visits", "POST"), "team_lead",
          _post("/api/v1/visits", lambda w, c, t: {"member_id": t, "assignee_id": own(w, c).user.id}),
          lambda w: w.m["m1"].id, MISSING_ID,
          control=lambda w, c: c.post("/api/v1/visits", json={"member_id": w.m["m1"].id,
                                                              "assignee_id": own(w, c).user.id})),
    Probe("plan a visit for another unit's user", ("/api/v1/visits", "POST"), "team_lead",
          _post("/api/v1/visits", lambda w, c, t: {"member_id": w.m["m3"].id, "assignee_id": t}),
          lambda w: w.user("c1", "officer").user.id, MISSING_ID, status=422),
    Probe("reassign a visit", ("/api/v1/visits/<int:visit_id>/assign", "POST"), "team_lead",
          _post("/api/v1/visits/{}/assign", lambda w, c, t: {"assignee_id": own(w, c).user.id, "reason": "x"}),
          lambda w: w.visit_open, MISSING_ID,
          control=lambda w, c: c.post(f"/api/v1/visits/{w.visit_open}/assign",
                                      json={"assignee_id": own(w, c).user.id, "reason": "x"})),
    Probe("reassign a visit to another unit's user", ("/api/v1/visits/<int:visit_id>/assign", "POST"), "team_lead",
          lambda w, c, t: c.post(f"/api/v1/visits/{w.visit_c2}/assign", json={"assignee_id": t, "reason": "x"}),
          lambda w: w.user("c1", "officer").user.id, MISSING_ID, status=422),
    Probe("record a visit's outcome", ("/api/v1/visits/<int:visit_id>/outcome", "POST"), "officer",
          _post("/api/v1/visits/{}/outcome", lambda w, c, t: {"result": "could_not_collect", "reason": "moved"}),
          lambda w: w.visit_open, MISSING_ID,
          control=lambda w, c: c.post(f"/api/v1/visits/{w.visit_open}/outcome",
                                      json={"result": "could_not_collect", "reason": "moved"})),
    Probe("replan a visit", ("/api/v1/visits/<int:visit_id>/replan", "POST"), "team_lead",
          _post("/api/v1/visits/{}/replan", lambda w, c, t: {"assignee_id": own(w, c).user.id}),
          lambda w: w.visit_closed, MISSING_ID,
          control=lambda w, c: c.post(f"/api/v1/visits/{w.visit_closed}/replan",
                                      json={"assignee_id": own(w, c).user.id})),
    Probe("bulk-plan a unit", ("/api/v1/visits/bulk", "POST"), "team_lead",
          _post("/api/v1/visits/bulk", lambda w, c, t: {"unit_codes": [t], "assignee_ids": [own(w, c).user.id]}),
          lambda w: "C1", MISSING_UNIT,
          control=lambda w, c: c.post("/api/v1/visits/bulk", json={"unit_codes": ["C1"],
                                                                  "assignee_ids": [own(w, c).user.id]})),
    Probe("bulk-plan for another unit's user", ("/api/v1/visits/bulk", "POST"), "team_lead",
          _post("/api/v1/visits/bulk", lambda w, c, t: {"unit_codes": [own_cell(w, c)], "assignee_ids": [t]}),
          lambda w: w.user("c1", "officer").user.id, MISSING_ID, status=422),
    # -- photos
    Probe("download a portrait", ("/api/v1/photos/<sha256>", "GET"), "officer",
          _get("/api/v1/photos/{}"), lambda w: w.photo["c1"], MISSING_SHA,
          control=lambda w, c: c.get(f"/api/v1/photos/{w.photo['c1']}")),
    Probe("ask whether another unit's portrait is stored (issue 15)", ("/api/v1/photos/<sha256>", "HEAD"),
          "officer", lambda w, c, t: c.head(f"/api/v1/photos/{t}"), lambda w: w.photo["c1"], MISSING_SHA,
          control=lambda w, c: c.head(f"/api/v1/photos/{w.photo['c1']}")),
    # -- submissions
    Probe("send a record with another unit's portrait (issue 15)", ("/api/v1/sync/submissions", "POST"),
          "officer", lambda w, c, t: post_items(c, [{**_item_for(w, c), "photo_sha256": t}]),
          lambda w: w.photo["c1"], MISSING_SHA, status=200,
          control=lambda w, c: post_items(c, [{**_item_for(w, c), "photo_sha256": w.photo["c1"]}])),
    Probe("send a record for a member", ("/api/v1/sync/submissions", "POST"), "officer",
          lambda w, c, t: post_items(c, [_item_for(w, c, member_id=t)]), lambda w: w.m["m2"].id, MISSING_ID,
          status=200, control=lambda w, c: post_items(c, [_item_for(w, c, member_id=w.m["m2"].id)])),
    Probe("send a record naming a visit", ("/api/v1/sync/submissions", "POST"), "officer",
          lambda w, c, t: post_items(c, [_item_for(w, c, visit_id=t)]), lambda w: w.visit_closed, MISSING_ID,
          status=200,
          control=lambda w, c: post_items(c, [_item_for(w, c, member_id=w.m["m4"].id, visit_id=w.visit_closed)])),
    Probe("replay another unit's record", ("/api/v1/sync/submissions", "POST"), "officer",
          lambda w, c, t: post_items(c, [t]), lambda w: w.sub_c1_item,
          None, status=200, control=lambda w, c: post_items(c, [w.sub_c1_item])),
    Probe("report a device's queue under another unit's device id", ("/api/v1/sync/device-report", "POST"),
          "officer", _post("/api/v1/sync/device-report", lambda w, c, t: {"device_id": t, "counts": {"queued": 9}}),
          lambda w: w.device_c1, "tablet-nobody-has", status=200),
    # -- progress
    *[Probe(f"progress of {code}", ("/api/v1/progress", "GET"), "viewer", _get("/api/v1/progress?unit={}"),
            (lambda code: lambda w: code)(code), MISSING_UNIT,
            control=(lambda code: lambda w, c: c.get(f"/api/v1/progress?unit={code}"))(code) if code == "C1" else None)
      for code in ("C1", "G1", "A1", "P")],
    # -- review
    Probe("review queue of a unit", ("/api/v1/review/items", "GET"), "unit_admin",
          _get("/api/v1/review/items?unit={}"), lambda w: "C1", MISSING_UNIT,
          control=lambda w, c: c.get("/api/v1/review/items?unit=C1")),
    Probe("review a submission", ("/api/v1/review/submissions/<int:submission_id>", "GET"), "unit_admin",
          _get("/api/v1/review/submissions/{}"), lambda w: w.sub_c1, MISSING_ID,
          control=lambda w, c: c.get(f"/api/v1/review/submissions/{w.sub_c1}")),
    Probe("review a member", ("/api/v1/review/members/<int:member_id>", "GET"), "unit_admin",
          _get("/api/v1/review/members/{}"), lambda w: w.m["m2"].id, MISSING_ID,
          control=lambda w, c: c.get(f"/api/v1/review/members/{w.m['m2'].id}")),
    Probe("decide a submission", ("/api/v1/review/submissions/<int:submission_id>/decision", "POST"), "unit_admin",
          _post("/api/v1/review/submissions/{}/decision", lambda w, c, t: {"decision": "send_back", "note": "x"}),
          lambda w: w.sub_c1, MISSING_ID,
          control=lambda w, c: c.post(f"/api/v1/review/submissions/{w.sub_c1}/decision",
                                      json={"decision": "send_back", "note": "x"})),
    Probe("give an off-roster record to another unit's member",
          ("/api/v1/review/submissions/<int:submission_id>/decision", "POST"), "unit_admin",
          lambda w, c, t: c.post(f"/api/v1/review/submissions/{w.offroster[w.side_of(c)]}/decision",
                                 json={"decision": "accept_submitted", "member_id": t}),
          lambda w: w.m["m2"].id, MISSING_ID, status=422,
          control=lambda w, c: c.post(f"/api/v1/review/submissions/{w.offroster['c1']}/decision",
                                      json={"decision": "accept_submitted", "member_id": w.m["m2"].id})),
    Probe("decide a member", ("/api/v1/review/members/<int:member_id>/decision", "POST"), "unit_admin",
          _post("/api/v1/review/members/{}/decision", lambda w, c, t: {"decision": "send_back", "note": "x"}),
          lambda w: w.m["m4"].id, MISSING_ID,
          control=lambda w, c: c.post(f"/api/v1/review/members/{w.m['m4'].id}/decision",
                                      json={"decision": "send_back", "note": "x"})),
    Probe("reconcile a unit", ("/api/v1/review/reconcile", "POST"), "unit_admin",
          _post("/api/v1/review/reconcile", lambda w, c, t: {"unit_code": t}), lambda w: "C1", MISSING_UNIT,
          control=lambda w, c: c.post("/api/v1/review/reconcile", json={"unit_code": "C1"})),
    Probe("export a unit's list to sign", ("/api/v1/review/export.xlsx", "GET"), "unit_admin",
          _get("/api/v1/review/export.xlsx?unit={}"), lambda w: "C1", MISSING_UNIT,
          control=lambda w, c: c.get("/api/v1/review/export.xlsx?unit=C1")),
    # -- users
    Probe("list a unit's users", ("/api/v1/users", "GET"), "team_lead",
          _get("/api/v1/users?unit={}"), lambda w: "C1", MISSING_UNIT,
          control=lambda w, c: c.get("/api/v1/users?unit=C1")),
    Probe("create a user in a unit", ("/api/v1/users", "POST"), "unit_admin",
          _post("/api/v1/users", lambda w, c, t: {"username": f"new.{uuid.uuid4().hex[:8]}", "password": "long enough pw",
                                                   "role": "officer", "unit_code": t}),
          lambda w: "C1", MISSING_UNIT,
          control=lambda w, c: c.post("/api/v1/users", json={"username": "new.c1", "password": "long enough pw",
                                                             "role": "officer", "unit_code": "C1"})),
    Probe("change a user", ("/api/v1/users/<int:user_id>", "POST"), "unit_admin",
          _post("/api/v1/users/{}", lambda w, c, t: {"active": False}),
          lambda w: w.user("c1", "officer").user.id, MISSING_ID,
          control=lambda w, c: c.post(f"/api/v1/users/{w.user('c1', 'viewer').user.id}", json={"role": "viewer"})),
    # -- documents
    Probe("print a submission's member form", ("/api/v1/submissions/<int:submission_id>/form.pdf", "GET"),
          "officer", _get("/api/v1/submissions/{}/form.pdf"), lambda w: w.sub_c1, MISSING_ID,
          control=lambda w, c: c.get(f"/api/v1/submissions/{w.sub_c1}/form.pdf")),
    *[Probe(f"signature list of {code}", ("/api/v1/exports/collected.pdf", "GET"), "unit_admin",
            _get("/api/v1/exports/collected.pdf?unit={}"), (lambda code: lambda w: code)(code), MISSING_UNIT,
            control=(lambda code: lambda w, c: c.get(f"/api/v1/exports/collected.pdf?unit={code}"))(code))
      for code in ("C1", "G1")],
    # -- jobs
    Probe("show a job", ("/api/v1/jobs/<int:job_id>", "GET"), "unit_admin", _get("/api/v1/jobs/{}"),
          lambda w: w.job["c1"], MISSING_ID, control=lambda w, c: c.get(f"/api/v1/jobs/{w.job['c1']}")),
    Probe("run a job again", ("/api/v1/jobs/<int:job_id>/retry", "POST"), "unit_admin",
          _post("/api/v1/jobs/{}/retry", lambda w, c, t: {}), lambda w: w.job["c1"], MISSING_ID),
    # -- the progress dashboard
    Probe("a unit's collections per day", ("/api/v1/progress/daily", "GET"), "viewer",
          _get("/api/v1/progress/daily?unit={}"), lambda w: "C1", MISSING_UNIT,
          control=lambda w, c: c.get("/api/v1/progress/daily?unit=C1")),
    Probe("set a unit's deadline", ("/api/v1/progress/deadline", "PUT"), "unit_admin",
          lambda w, c, t: c.put("/api/v1/progress/deadline", json={"unit_code": t, "deadline": "2030-01-01"}),
          lambda w: "C1", MISSING_UNIT,
          control=lambda w, c: c.put("/api/v1/progress/deadline", json={"unit_code": "C1", "deadline": "2030-01-01"})),
    Probe("export a unit's progress", ("/api/v1/progress/export.xlsx", "GET"), "unit_admin",
          _get("/api/v1/progress/export.xlsx?unit={}"), lambda w: "C1", MISSING_UNIT,
          control=lambda w, c: c.get("/api/v1/progress/export.xlsx?unit=C1")),
    # -- schedules (§7)
    Probe("create a station at another unit", ("/api/v1/stations/<code>", "PUT"), "unit_admin",
          lambda w, c, t: c.put("/api/v1/stations/ST-NEW", json=_station(unit_code=t)), lambda w: "G1", MISSING_UNIT,
          control=lambda w, c: c.put("/api/v1/stations/ST-NEW", json=_station(unit_code="G1"))),
    Probe("plan at another unit's station", ("/api/v1/schedules/plan", "POST"), "unit_admin",
          _post("/api/v1/schedules/plan", lambda w, c, t: {"station": t, "cells": [own_cell(w, c)],
                                                           "from": _sched_day(), "to": _sched_day()}),
          lambda w: w.sched["c1"], "NOPE",
          control=lambda w, c: c.post("/api/v1/schedules/plan", json={"station": "ST-G1", "cells": ["C1"],
                                                                      "from": _sched_day(), "to": _sched_day()})),
    Probe("plan another unit's cell", ("/api/v1/schedules/plan", "POST"), "unit_admin",
          _post("/api/v1/schedules/plan", lambda w, c, t: {"station": w.sched[w.side_of(c)], "cells": [t],
                                                           "from": _sched_day(), "to": _sched_day()}),
          lambda w: "C1", MISSING_UNIT, status=422),
    Probe("a station's day", ("/api/v1/schedules", "GET"), "viewer",
          lambda w, c, t: c.get(f"/api/v1/schedules?station={t}&date={_sched_day()}"), lambda w: w.sched["c1"], "NOPE",
          control=lambda w, c: c.get(f"/api/v1/schedules?station=ST-G1&date={_sched_day()}")),
    Probe("a unit's missed bookings", ("/api/v1/schedules/missed", "GET"), "viewer",
          _get("/api/v1/schedules/missed?unit={}"), lambda w: "C1", MISSING_UNIT,
          control=lambda w, c: c.get("/api/v1/schedules/missed?unit=C1")),
    Probe("replan a unit's missed bookings", ("/api/v1/schedules/replan-missed", "POST"), "team_lead",
          _post("/api/v1/schedules/replan-missed", lambda w, c, t: {"unit": t, "from": _sched_day(), "to": _sched_day(2)}),
          lambda w: "C1", MISSING_UNIT,
          control=lambda w, c: c.post("/api/v1/schedules/replan-missed", json={"unit": "C1", "from": _sched_day(),
                                                                               "to": _sched_day(2)})),
    Probe("turn another unit's booking into a visit", ("/api/v1/schedules/missed/visits", "POST"), "team_lead",
          _post("/api/v1/schedules/missed/visits", lambda w, c, t: {"booking_ids": [t],
                                                                     "assignee_ids": [own(w, c).user.id]}),
          lambda w: w.sched["booking"], MISSING_ID, status=422),
    Probe("a cell's calendar", ("/api/v1/schedules/cells/<code>.ics", "GET"), "viewer",
          _get("/api/v1/schedules/cells/{}.ics"), lambda w: "C1", MISSING_UNIT,
          control=lambda w, c: c.get("/api/v1/schedules/cells/C1.ics")),
    Probe("a cell's notice", ("/api/v1/schedules/cells/<code>.pdf", "GET"), "viewer",
          _get("/api/v1/schedules/cells/{}.pdf"), lambda w: "C1", MISSING_UNIT,
          control=lambda w, c: c.get("/api/v1/schedules/cells/C1.pdf")),
    Probe("move a booking", ("/api/v1/bookings/<int:booking_id>/move", "POST"), "team_lead",
          _post("/api/v1/bookings/{}/move", lambda w, c, t: {"start": _slot(1, "18:30")}),
          lambda w: w.sched["booking"], MISSING_ID,
          control=lambda w, c: _reopen(w) or c.post(f"/api/v1/bookings/{w.sched['booking']}/move",
                                                    json={"start": _slot(1, "18:30")})),
    Probe("cancel a booking", ("/api/v1/bookings/<int:booking_id>/cancel", "POST"), "team_lead",
          lambda w, c, t: c.post(f"/api/v1/bookings/{t}/cancel"), lambda w: w.sched["booking"], MISSING_ID,
          control=lambda w, c: _reopen(w) or c.post(f"/api/v1/bookings/{w.sched['booking']}/cancel")),
    *CARD_PROBES,
]


def _reopen(w):
    """The control's records for C1's members (earlier rows) made the booking `arrived`: book it again."""
    from server.schedules.models import Booking
    db.session.rollback()
    db.session.get(Booking, w.sched["booking"]).status = "booked"
    db.session.commit()


def _station(**overrides):
    from tests.schedule_support import station_body
    return station_body(**overrides)

LISTINGS = [
    Listing("roster", ("/api/v1/sync/roster", "GET"), "officer", _roster,
            lambda w: {("member", w.m[k].id) for k in ("m1", "m2", "m4")},
            lambda w, role: {("member", w.m["m3"].id)}),
    Listing("roster with a cursor issued to C1's officer", ("/api/v1/sync/roster", "GET"), "officer",
            lambda w, c: _roster(w, c, since=w.cursor_c1),
            lambda w: {("member", w.m[k].id) for k in ("m1", "m2", "m4")},
            lambda w, role: {("member", w.m["m3"].id)}),
    Listing("visit lists", ("/api/v1/visits", "GET"), "officer", _visit_ids,
            lambda w: {w.visit_open, w.visit_closed},
            lambda w, role: {w.visit_c2}),
    Listing("review queue", ("/api/v1/review/items", "GET"), "unit_admin", _submission_ids,
            lambda w: {("submission", w.sub_c1), ("submission", w.offroster["c1"]), ("member", w.m["m2"].id),
                       ("member", w.m["m4"].id)},
            lambda w, role: {("submission", w.offroster["c2"])}),
    Listing("users", ("/api/v1/users", "GET"), "team_lead",
            lambda w, c: {u["username"] for u in ok(c.get("/api/v1/users"))["users"]},
            lambda w: {c.user.username for c in w.users["c1"].values()},
            lambda w, role: {w.user("c2", "officer").user.username},
            control_sees=lambda w: {w.user("c1", "officer").user.username, w.user("c1", "team_lead").user.username}),
    Listing("devices", ("/api/v1/sync/devices", "GET"), "team_lead",
            lambda w, c: {(d["user_id"], d["device_id"]) for d in ok(c.get("/api/v1/sync/devices"))["devices"]},
            lambda w: {(w.user("c1", "officer").user.id, "tablet-c1")},
            lambda w, role: {(w.user("c2", "officer").user.id, "tablet-c2")}),
    Listing("audit trail", ("/api/v1/audit", "GET"), "unit_admin", _audit, _c1_audit,
            lambda w, role: {(w.tree["C2"].id, "visit.create")}),
    Listing("jobs", ("/api/v1/jobs", "GET"), "unit_admin",
            lambda w, c: {j["id"] for j in ok(c.get("/api/v1/jobs"))["jobs"]},
            lambda w: {w.job["c1"]}, lambda w, role: {w.job["c2"]}),
    Listing("progress of the caller's own unit", ("/api/v1/progress", "GET"), "viewer", _progress_target,
            lambda w: {("target", 3)}, lambda w, role: {("target", 1)}),
    Listing("stations", ("/api/v1/stations", "GET"), "viewer",
            lambda w, c: {s["code"] for s in ok(c.get("/api/v1/stations"))["stations"]},
            lambda w: {w.sched["c1"]}, lambda w, role: {w.sched["c2"]}),
    Listing("cards", ("/api/v1/cards", "GET"), "officer",
            lambda w, c: {card["card_number"] for card in ok(c.get("/api/v1/cards"))["cards"]},
            lambda w: {"K-1", "K-2", "K-4"}, lambda w, role: {"K-3"} if role == "unit_admin" else set(),
            control_sees=lambda w: {"K-4"}),
    Listing("pending cards", ("/api/v1/cards/pending", "GET"), "viewer",
            lambda w, c: {m["member_id"] for m in ok(c.get("/api/v1/cards/pending"))["members"]},
            lambda w: {w.m[k].id for k in ("m1", "m2", "m4")}, lambda w, role: {w.m["m3"].id}),
]


# ---- the sweep -----------------------------------------------------------------------------------------

class Recording:
    """An ApiClient that keeps the text of every answer, to search it for C1's data afterwards."""

    def __init__(self, inner):
        self.inner, self.texts = inner, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def _keep(self, response):
        self.texts.append(response.get_data(as_text=True))
        return response

    def get(self, *args, **kwargs):
        return self._keep(self.inner.get(*args, **kwargs))

    def post(self, *args, **kwargs):
        return self._keep(self.inner.post(*args, **kwargs))


def leaks(w: World, texts) -> list[str]:
    return sorted({secret for secret in w.secrets() for text in texts if secret in text})


def allowed(role, least):
    return ROLE_RANK[role] >= ROLE_RANK[least]


@pytest.mark.parametrize("role", ROLES)
def test_c2_branch_finds_c1_things_exactly_like_missing_ones(world, role):
    w, attacker = world, Recording(world.user("c2", role))
    failures = []
    for probe in PROBES:
        before = snapshot(attacker)
        target = probe.target(w)
        missing = probe.missing if probe.missing is not None else {**target, "client_id": str(uuid.uuid4())}
        hit, miss = probe.send(w, attacker, target), probe.send(w, attacker, missing)
        expected = probe.status if allowed(role, probe.least) else 403
        if (hit.status_code, probe.body(hit)) != (miss.status_code, probe.body(miss)):
            failures.append(f"{probe.name}: {hit.status_code} {probe.body(hit)} ≠ missing: "
                            f"{miss.status_code} {probe.body(miss)}")
        elif hit.status_code != expected:
            failures.append(f"{probe.name}: {hit.status_code}, expected {expected}: {probe.body(hit)}")
        if leaks(w, attacker.texts):
            failures.append(f"{probe.name}: the answers show {leaks(w, attacker.texts)}")
        attacker.texts.clear()
        try:
            assert_unchanged(before, attacker, w, probe.name)
        except AssertionError as error:
            failures.append(f"{probe.name}: {error}")
            db.session.rollback()
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_c2_branch_lists_leave_c1_rows_out(world, role):
    w, attacker, control = world, Recording(world.user("c2", role)), world.user("c1", role)
    for listing in LISTINGS:
        if not allowed(role, listing.least):
            before = snapshot(attacker)
            response = attacker.get(listing.endpoint[0])
            assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden", listing.name
            assert_unchanged(before, attacker, w, listing.name)
            continue
        before = snapshot(attacker)
        seen = listing.read(w, attacker)
        assert not seen & listing.c1(w), f"{listing.name}: C1's rows show to {role} of C2's branch"
        assert listing.own(w, role) <= seen, f"{listing.name}: the caller's own rows are missing: vacuous"
        assert_unchanged(before, attacker, w, listing.name)
        expected = (listing.control_sees or listing.c1)(w)
        assert expected <= listing.read(w, control), f"{listing.name}: C1's own {role} does not see C1's rows"
    assert not leaks(w, attacker.texts), f"answers to {role} of C2's branch show {leaks(w, attacker.texts)}"


@pytest.mark.parametrize("role", ROLES)
def test_the_same_requests_succeed_for_c1s_own_branch(world, role):
    """The control: every probe that answered 404 to C2's branch names something real that C1 can reach."""
    w, control = world, world.user("c1", role)
    checked = 0
    for probe in PROBES:
        if probe.control is None or not allowed(role, probe.least):
            continue
        response = probe.control(w, control)
        assert response.status_code in (200, 201, 202), (probe.name, response.status_code, response.get_json())
        data = response.get_json(silent=True) or {}
        for result in data.get("results", []):
            assert result["outcome"] in ("accepted", "duplicate"), (probe.name, result)
        checked += 1
    assert checked >= {"viewer": 1, "officer": 6, "team_lead": 10, "unit_admin": 20}[role]


def test_a_record_replayed_from_another_unit_reveals_neither_its_id_nor_its_status(world):
    """Replaying a C1 request verbatim (its client_ids included) must not earn a `duplicate`, which would
    repeat C1's submission id and review status. A record naming a C1 member fails like any record naming
    it; one for someone off the roster names C1's photo, which the attacker never sent: `photo_missing`
    (a hash is no key; were it theirs, the taken client_id would answer `client_id_reused`).
    Inside C1's scope a replay stays the harmless duplicate that makes resending safe."""
    w, attacker = world, world.user("c2", "officer")
    before = snapshot(attacker)
    results = ok(post_items(attacker, [w.sub_c1_item, w.offroster_item_c1]))["results"]
    assert [(r["outcome"], r["submission_id"], r["status"], r["errors"]) for r in results] == [
        ("rejected", None, None, [{"field": "member_id", "code": "not_found", "params": {}},
                                  {"field": "photo_sha256", "code": "photo_missing", "params": {}}]),  # no key
        ("rejected", None, None, [{"field": "photo_sha256", "code": "photo_missing", "params": {}}])]
    assert_unchanged(before, attacker, w, "replay from C2")
    for role in ("officer", "team_lead"):  # the sender, and another user whose scope holds the records
        again = ok(post_items(w.user("c1", role), [w.sub_c1_item, w.offroster_item_c1]))["results"]
        assert [(r["outcome"], r["submission_id"]) for r in again] == [
            ("duplicate", w.sub_c1), ("duplicate", w.offroster["c1"])]


def test_photo_head_tells_only_that_a_photo_is_stored(world):
    """HEAD answers 200 only for a photo the caller may use (CONTRACT §5: they uploaded it, or a submission in
    their scope uses it): another unit's hash answers 404 like a missing one. Uploading the very same bytes
    proves the caller holds them (HEAD then says 200, with no body, size or tag of the stored portrait), but
    never makes the portrait readable to another unit."""
    w, attacker = world, world.user("c2", "officer")
    before = snapshot(attacker)
    head = attacker.head(f"/api/v1/photos/{w.photo['c1']}")
    missing = attacker.head(f"/api/v1/photos/{MISSING_SHA}")
    assert head.status_code == missing.status_code == 404 and head.get_data() == missing.get_data()
    again = attacker.put(f"/api/v1/photos/{w.photo['c1']}", data=w.photo_bytes["c1"], content_type="image/jpeg")
    assert again.status_code == 200 and again.get_json() == w.photo_answer["c1"]  # the first answer, unchanged
    head = attacker.head(f"/api/v1/photos/{w.photo['c1']}")
    assert head.status_code == 200 and head.get_data() == b""
    assert "ETag" not in head.headers and not head.headers.get("Content-Type", "").startswith("image/")
    assert_unchanged(before, attacker, w, "photo HEAD and PUT")  # uploaded_by stays C1's officer
    missing = attacker.get(f"/api/v1/photos/{MISSING_SHA}")
    got = attacker.get(f"/api/v1/photos/{w.photo['c1']}")
    assert (got.status_code, got.get_json()) == (missing.status_code, missing.get_json()) == (
        404, {"error": {"code": "not_found", "message": "Not found."}})


# Rows checked by the test just above rather than by the generic sweep.
SPECIAL_ROWS = {("/api/v1/photos/<sha256>", "HEAD"), ("/api/v1/photos/<sha256>", "PUT"),
                ("/api/v1/imports", "POST")}


def _upload_members(client, cell, code):
    header = ("member_code,unit_code,full_name,date_of_birth,gender,citizen_id,hometown,permanent_address,"
              "party_join_date,party_official_date,priority,needs_home_visit")
    row = f"{code},{cell},Trần Thị Mới,1970-01-01,female,,Hà Nội,Hà Nội,1995-01-01,1996-01-01,standard,no"
    data = {"import_kind": "members", "import_file": (io.BytesIO(f"{header}\n{row}\n".encode()), "m.csv")}
    return client.post("/api/v1/imports", data=data, content_type="multipart/form-data")


def test_an_upload_naming_c1s_cell_fails_like_one_naming_no_cell(world):
    """An import runs for the uploader's unit: C2's admin naming C1's cell gets the same rejection as for a cell
    that exists nowhere, and nothing is stored; C1's own admin stores the same row."""
    w, attacker = world, world.user("c2", "unit_admin")
    before = snapshot(attacker)
    hit, miss = (ok(_upload_members(attacker, cell, "MX1"), 202) for cell in ("C1", MISSING_UNIT))
    assert hit["state"] == miss["state"] == "rejected"
    reasons = [r["reasons"] for r in hit["report"]["rejected"]]
    assert reasons == [[r.replace(MISSING_UNIT, "C1") for r in reasons] for reasons in
                       (r["reasons"] for r in miss["report"]["rejected"])] and reasons
    assert_unchanged(before, attacker, w, "upload naming C1")
    for role in ("officer", "team_lead", "viewer"):
        assert _upload_members(w.user("c2", role), "C2", "MX2").status_code == 403
    assert ok(_upload_members(w.user("c1", "unit_admin"), "C1", "MX1"), 202)["report"]["created"] == 1


def api_routes(app) -> set[tuple[str, str]]:
    """Every (rule, method) under /api/ the app serves; HEAD only where a view has a HEAD of its own, not GET's."""
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        routed |= {(rule.rule, method) for method in rule.methods - {"OPTIONS", "HEAD"}}
        if hasattr(getattr(app.view_functions[rule.endpoint], "view_class", None), "head"):
            routed.add((rule.rule, "HEAD"))
    return routed


def test_every_api_rule_is_in_the_table_or_exempt(sqlite_app):
    """A new /api endpoint fails here until it has a cross-unit row above or a reason in EXEMPT."""
    routed = api_routes(sqlite_app)
    tabled = {p.endpoint for p in PROBES} | {listing.endpoint for listing in LISTINGS} | SPECIAL_ROWS
    assert tabled <= routed, f"rows for endpoints that no longer exist: {sorted(tabled - routed)}"
    assert set(EXEMPT) <= routed, f"exemptions for endpoints that no longer exist: {sorted(set(EXEMPT) - routed)}"
    untested = routed - tabled - set(EXEMPT)
    assert not untested, f"endpoints without a cross-unit row: {sorted(untested)}"
