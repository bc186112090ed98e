"""The cards' chain of custody through the API (CONTRACT §8), on SQLite and PostgreSQL: consignments down
the tree with receipts, hand-overs from tablets (accepted, duplicate, rejected), lists, pending, progress."""

from sqlalchemy import select

from server.cards.models import Card, CardHandover
from server.extensions import db
from server.models import AuditEvent
from tests.cards_support import batch, handover, post_handovers  # noqa: F401  (fixture)


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()


def send(admin, to_unit, numbers):
    return admin.post("/api/v1/cards/consignments", json={"to_unit": to_unit, "card_numbers": numbers})


def to_cell(login_as, numbers):
    """P → A1 → G1 → C1, each step signed for by the receiving side; returns the C1 officer's client."""
    for sender, receiver, unit in (("P", "A1", "A1"), ("A1", "G1", "G1"), ("G1", "C1", "C1")):
        admin = login_as("unit_admin", sender)
        sent = ok(send(admin, unit, numbers), 201)
        assert sent["status"] == "sent" and sorted(sent["card_numbers"]) == sorted(numbers)
        lead = login_as("team_lead", receiver)
        got = ok(lead.post(f"/api/v1/cards/consignments/{sent['id']}/receive", json={"received": numbers}))
        assert got["status"] == "received" and got["counts"] == {"received": len(numbers), "missing": 0, "damaged": 0}
    return login_as("officer", "C1")


def test_cards_go_down_the_tree_and_every_step_is_in_their_history(app, batch, login_as):
    officer = to_cell(login_as, ["K-001", "K-002", "K-004"])
    card = ok(officer.get("/api/v1/cards/K-001"))
    assert (card["status"], card["unit_code"], card["member_id"]) == ("at_unit", "C1", batch["m1"].id)
    assert [(s["status"], s["unit_code"]) for s in card["history"]] == [
        ("at_unit", "P"), ("in_transit", "P"), ("at_unit", "A1"), ("in_transit", "A1"), ("at_unit", "G1"),
        ("in_transit", "G1"), ("at_unit", "C1")]
    assert card["history"][1]["by"].startswith("unit_admin") and card["history"][0]["by"] is None
    listed = ok(officer.get("/api/v1/cards?status=at_unit"))["cards"]
    assert [c["card_number"] for c in listed] == ["K-004", "K-001", "K-002"]  # the veteran first, then by name


def test_a_consignment_refuses_cards_not_here_or_of_members_elsewhere(app, batch, login_as):
    admin = login_as("unit_admin", "P")
    refused = send(admin, "A1", ["K-001", "K-003", "NOPE"])
    body = ok(refused, 422)["error"]
    assert body["code"] == "cards_not_sendable"
    assert body["fields"]["card_numbers"] == [
        {"code": "card_member_outside", "params": {"card_number": "K-003"}},
        {"code": "card_not_here", "params": {"card_number": "NOPE"}}]
    assert db.session.scalar(select(Card.status).where(Card.card_number == "K-001")) == "at_unit"
    assert ok(send(login_as("unit_admin", "A2"), "G2", ["K-003"]), 422)["error"]["fields"]["card_numbers"] == [
        {"code": "card_not_here", "params": {"card_number": "K-003"}}]  # still at P: not in A2's hands
    assert send(login_as("unit_admin", "A1"), "G2", ["K-001"]).status_code == 404  # outside the sender's tree


def test_a_receipt_must_account_for_every_card_and_flags_missing_and_damaged(app, batch, login_as):
    admin, lead = login_as("unit_admin", "P"), login_as("team_lead", "A1")
    sent = ok(send(admin, "A1", ["K-001", "K-002", "K-004"]), 201)
    url = f"/api/v1/cards/consignments/{sent['id']}/receive"
    short = ok(lead.post(url, json={"received": ["K-001"], "missing": ["K-002"]}), 422)["error"]
    assert short["code"] == "receipt_incomplete"
    assert {"code": "not_accounted_for", "params": {"card_number": "K-004"}} in short["fields"]["card_numbers"]
    twice = ok(lead.post(url, json={"received": ["K-001", "K-002"], "missing": ["K-002"], "damaged": ["K-004"]}),
               422)["error"]["fields"]["card_numbers"]
    assert twice == [{"code": "listed_twice", "params": {"card_number": "K-002"}}]
    receipt = {"received": ["K-001"], "missing": ["K-002"], "damaged": ["K-004"]}
    got = ok(lead.post(url, json=receipt))
    assert got["counts"] == {"received": 1, "missing": 1, "damaged": 1}
    assert ok(lead.post(url, json=receipt)) == got  # the same receipt again: a safe retry
    assert ok(lead.post(url, json={"received": ["K-001", "K-002", "K-004"]}), 409)["error"]["code"] == \
        "consignment_received"
    pending = {m["member_id"]: m["reason"] for m in ok(lead.get("/api/v1/cards/pending"))["members"]}
    assert pending == {batch["m1"].id: "at_unit", batch["m2"].id: "missing", batch["v1"].id: "damaged"}
    everyone = {m["member_id"]: m["reason"] for m in ok(admin.get("/api/v1/cards/pending"))["members"]}
    assert everyone[batch["m3"].id] == "at_unit"
    assert ok(admin.get("/api/v1/cards/pending?unit=A1"))["members"][0]["reason"] == "at_unit"
    assert ok(login_as("officer", "G1").post(url, json=receipt), 403)["error"]["code"] == "forbidden"
    pdf = admin.get(f"/api/v1/cards/consignments/{sent['id']}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.headers["Cache-Control"] == "no-store"
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "card.consignment_printed"))


def test_handovers_are_accepted_once_and_replays_are_duplicates(app, batch, login_as):
    officer = to_cell(login_as, ["K-001", "K-002", "K-004"])
    first = handover("K-001", batch["m1"].id, id_check="qr")  # the tablet matched the ID card's QR to the member
    proxy = handover("K-002", batch["m2"].id, recipient="proxy", proxy_name="Trần Văn Con", id_check="known")
    results = ok(post_handovers(officer, [first, proxy]))["results"]
    assert [r["outcome"] for r in results] == ["accepted", "accepted"]
    again = ok(post_handovers(officer, [first]))["results"][0]
    assert (again["outcome"], again["handover_id"]) == ("duplicate", results[0]["handover_id"])
    changed = ok(post_handovers(officer, [{**first, "note": "changed"}]))["results"][0]
    assert changed["errors"] == [{"field": "client_id", "code": "client_id_reused", "params": {}}]
    other = ok(post_handovers(officer, [handover("K-001", batch["m1"].id)]))["results"][0]
    assert other["errors"] == [{"field": "card_number", "code": "already_handed_over", "params": {}}]
    card = ok(officer.get("/api/v1/cards/K-001"))
    assert card["status"] == "handed_over" and card["handed_over_at"].startswith("2025-09-20T02:30:00")
    assert card["history"][-1]["status"] == "handed_over"
    # The server cannot see the QR code: it keeps the tablet's word, in the record and the card's history.
    assert card["history"][-1]["note"] == "handed to the member; identity: qr"
    stored = db.session.execute(select(CardHandover.id_check).where(CardHandover.client_id == first["client_id"]))
    assert stored.scalars().all() == ["qr"]
    progress = ok(officer.get("/api/v1/progress"))
    assert (progress["cards_printed"], progress["cards_handed_over"]) == (3, 2)
    top = ok(login_as("viewer", "P").get("/api/v1/progress"))
    assert (top["cards_printed"], top["cards_handed_over"]) == (4, 2)
    assert [(c["unit"]["code"], c["cards_printed"], c["cards_handed_over"]) for c in top["children"]] == [
        ("A1", 3, 2), ("A2", 1, 0)]


def test_handovers_are_rejected_item_by_item_with_codes(app, batch, login_as):
    officer = to_cell(login_as, ["K-001", "K-004"])
    items = [handover("K-003", batch["m3"].id),  # C2's card (still at P): looks like no card
             handover("NOPE", batch["m1"].id),
             handover("K-001", batch["m2"].id),
             handover("K-004", batch["v1"].id, recipient="proxy"),
             {**handover("K-004", batch["v1"].id), "colour": "red"},
             handover("K-001", batch["m1"].id, handed_at="2099-01-01T00:00:00+07:00"),
             handover("K-001", batch["m1"].id, id_check="qr_matched"),
             handover("K-004", batch["v1"].id)]
    results = ok(post_handovers(officer, items))["results"]
    codes = [[e["code"] for e in r["errors"]] for r in results]
    assert codes == [["card_not_here"], ["card_not_here"], ["card_member_mismatch"], ["required"],
                     ["unknown_field"], ["handed_in_future"], ["invalid_choice"], []]
    assert results[3]["errors"][0]["field"] == "proxy_name"
    assert [r["outcome"] for r in results][-1] == "accepted"
    assert ok(officer.post("/api/v1/cards/handovers", json={"device_id": "t", "items": []}), 400)["error"]["code"] \
        == "no_items"
    stranger = login_as("officer", "C2")
    replay = ok(post_handovers(stranger, [items[-1]]))["results"][0]  # C1's accepted item, sent from C2
    assert replay["outcome"] == "rejected" and replay["handover_id"] is None


def test_the_handover_list_prints_the_cells_cards_in_order(app, batch, login_as):
    officer = to_cell(login_as, ["K-001", "K-004"])
    pdf = officer.get("/api/v1/cards/handover-list.pdf?unit=C1")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert ok(officer.get("/api/v1/cards/handover-list.pdf?unit=G1"), 404)  # above the officer's unit
    assert ok(login_as("team_lead", "G1").get("/api/v1/cards/handover-list.pdf?unit=G1"), 422)["error"]["code"] \
        == "not_a_cell"
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "card.handover_list_printed"))


def test_viewers_read_pending_but_not_cards(app, batch, login_as):
    viewer = login_as("viewer", "P")
    assert len(ok(viewer.get("/api/v1/cards/pending"))["members"]) == 4
    assert viewer.get("/api/v1/cards").status_code == 403


def test_the_tablet_has_every_card_text_in_both_languages():
    import re
    from pathlib import Path
    text = (Path(__file__).parent.parent / "static/pwa/js/strings-cards.js").read_text(encoding="utf-8")
    vi, en = text.split("\n  en: {")
    keys = [set(re.findall(r"^\s+'([\w.]+)':", part, re.M)) for part in (vi, en)]
    assert keys[0] == keys[1] and len(keys[0]) > 25
