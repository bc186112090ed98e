"""Print notices (the member form printed on a tablet, even offline): each audited once, never refused for a fact."""
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from server.extensions import db
from server.form_prints.models import FormPrint
from server.models import AuditEvent


def notice(member_id, **extra):
    return {"client_id": str(uuid.uuid4()), "member_id": member_id, "record_client_id": str(uuid.uuid4()),
            "printed_at": "2025-09-20T09:30:00+07:00", **extra}


def post_prints(client, items, device_id="tablet-1"):
    return client.post("/api/v1/prints", json={"device_id": device_id, "items": items})


def audit_rows(action="form.print"):
    db.session.rollback()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_a_print_is_audited_once_and_a_resend_is_a_duplicate(login_as, tree, members):
    officer = login_as("officer", "G1")
    item = notice(members["m1"].id)
    first = post_prints(officer, [item])
    assert first.status_code == 200, first.json
    assert first.json["results"] == [{"client_id": item["client_id"], "outcome": "accepted", "errors": []}]
    again = post_prints(officer, [item, dict(item, printed_at="2025-09-20T09:31:00+07:00")])
    assert [r["outcome"] for r in again.json["results"]] == ["duplicate", "rejected"]
    assert again.json["results"][1]["errors"][0]["code"] == "client_id_reused"
    (row,) = audit_rows()
    assert (row.user_id, row.object_type, row.object_id, row.unit_id, row.device_id, row.outcome) == (
        officer.user.id, "member", str(members["m1"].id), tree["C1"].id, "tablet-1", "printed")
    assert row.detail["client_id"] == item["client_id"]
    assert row.detail["record_client_id"] == item["record_client_id"]
    assert row.detail["printed_at"] == "2025-09-20T02:30:00+00:00"
    assert "device_clock_ahead" not in row.detail
    stored = db.session.scalars(select(FormPrint)).all()
    assert [(p.member_id, p.unit_id, p.printed_at) for p in stored] == [
        (members["m1"].id, tree["C1"].id, datetime(2025, 9, 20, 2, 30, tzinfo=timezone.utc))]


def test_a_print_outside_the_scope_is_audited_at_the_officers_unit_without_the_member(login_as, tree, members):
    officer = login_as("officer", "G1")
    outside, missing = notice(members["m3"].id), notice(2**31 - 1)  # C2's member; no member at all
    answer = post_prints(officer, [outside, missing])
    # The same answer as for a member in scope: the officer learns nothing of C2.
    assert [r["outcome"] for r in answer.json["results"]] == ["accepted", "accepted"]
    rows = audit_rows()
    assert [(r.unit_id, r.object_type, r.detail.get("member_out_of_scope")) for r in rows] == [
        (tree["G1"].id, "form_print", True)] * 2
    assert str(members["m3"].id) not in {r.object_id for r in rows}
    assert [p.member_id for p in db.session.scalars(select(FormPrint))] == [None, None]


def test_a_tablet_clock_ahead_is_kept_and_flagged_and_a_form_without_a_member_is_audited(login_as, tree):
    officer = login_as("officer", "C1")
    ahead = (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()
    answer = post_prints(officer, [notice(None, printed_at=ahead), notice(None, record_client_id=None)])
    assert [r["outcome"] for r in answer.json["results"]] == ["accepted", "accepted"]
    rows = audit_rows()
    assert [(r.unit_id, r.detail.get("device_clock_ahead"), r.detail.get("member_out_of_scope")) for r in rows] == [
        (tree["C1"].id, True, None), (tree["C1"].id, None, None)]


def test_what_is_not_a_notice_is_refused_with_codes_and_nothing_stored(login_as, tree, members):
    officer = login_as("officer", "G1")
    bad = [notice(members["m1"].id, printed_at="20/09/2025"), {"client_id": str(uuid.uuid4())},
           notice(members["m1"].id, colour="red"), "printed", notice("12")]
    answer = post_prints(officer, bad)
    assert answer.status_code == 200
    codes = [sorted(e["code"] for e in r["errors"]) for r in answer.json["results"]]
    assert codes == [["invalid_datetime"], ["required"], ["unknown_field"], ["invalid_type"], ["invalid_type"]]
    assert {r["outcome"] for r in answer.json["results"]} == {"rejected"}
    assert db.session.scalars(select(FormPrint)).all() == []
    assert len(audit_rows("form.print_rejected")) == 5
    assert post_prints(officer, []).status_code == 400
    assert officer.post("/api/v1/prints", data=b"{", content_type="application/json").status_code == 400


def test_a_viewer_cannot_send_print_notices(login_as, tree, members):
    viewer = login_as("viewer", "G1")
    assert post_prints(viewer, [notice(members["m1"].id)]).status_code == 403


def test_every_answer_names_the_notice_by_the_id_it_was_sent_with(login_as, tree, members):
    """The tablet finds its notice by the client_id in the answer: an upper-case UUID is stored folded but
    answered as sent, accepted and duplicate alike (it was answered folded, so the tablet sent it again)."""
    officer = login_as("officer", "G1")
    item = notice(members["m1"].id, client_id=str(uuid.uuid4()).upper())
    for expected in ("accepted", "duplicate"):
        (result,) = post_prints(officer, [item]).json["results"]
        assert (result["client_id"], result["outcome"]) == (item["client_id"], expected)
    assert db.session.scalars(select(FormPrint.client_id)).all() == [item["client_id"].lower()]
