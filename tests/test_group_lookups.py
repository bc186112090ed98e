"""Group look-ups (offline_queue.lookups): a group's questions asked once up front must answer every item as the
one-item-at-a-time look-ups do, including what earlier items of the same group changed."""
from sqlalchemy import event, func, select

from server.dashboard.models import CollectedDaily
from server.extensions import db
from server.models import AuditEvent, Member, Submission, Visit
from tests.conftest import add_member
from tests.sync_support import add_registry, item, post_items, stored_photo


def _one_batch(app, officer, tree, prefetch: bool, n: int) -> tuple[list, dict]:
    """One batch that leans on in-group state: a duplicate, a second submission, a photo used for two
    members, a visit closed by an earlier item, a bad item; what it answered and what it left behind."""
    app.config["INGEST_PREFETCH"] = prefetch
    first, other = (add_member(tree["C1"], f"L{n}{k}", citizen_id=f"001060{n}{k:05d}") for k in (1, 2))
    for member in (first, other):
        add_registry(citizen_id=member.citizen_id)
    visit = Visit(member_id=first.id, kind="home", assignee_id=officer.user.id)
    db.session.add(visit)
    db.session.commit()
    photo, second_photo = stored_photo(), stored_photo()
    person = {"citizen_id": first.citizen_id}
    accepted = item(photo, member_id=first.id, fields=person)
    batch = [accepted, accepted,  # the same client_id again in the same group: a duplicate
             item(second_photo, member_id=first.id, fields=person),  # second_submission
             item(photo, member_id=other.id, fields={"citizen_id": other.citizen_id}),  # photo_reused
             item(photo, member_id=first.id, consent=False)]  # rejected
    statements = []
    listener = lambda *args: statements.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        results = post_items(officer, batch).json["results"]
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    db.session.expire_all()
    answers = [(r["outcome"], r["status"], r["errors"],
                r["submission_id"] and db.session.get(Submission, r["submission_id"]).review_reasons)
               for r in results]
    audit = db.session.execute(select(AuditEvent.action, func.count()).where(
        AuditEvent.action.like("submission.%")).group_by(AuditEvent.action))
    left = {"statuses": [db.session.get(Member, m.id).status for m in (first, other)],
            "visit": db.session.get(Visit, visit.id).status,
            "collected": db.session.scalar(select(func.sum(CollectedDaily.collected))),
            "audit": dict(audit.all()), "statements": len(statements)}
    db.session.execute(AuditEvent.__table__.delete())  # the second run counts its own rows
    db.session.execute(CollectedDaily.__table__.delete())
    db.session.commit()
    return answers, left


def test_group_lookups_answer_every_item_as_item_lookups_do_in_far_fewer_statements(app, tree, login_as):
    officer = login_as("officer", "C1")
    item_by_item, item_state = _one_batch(app, officer, tree, prefetch=False, n=1)
    grouped, group_state = _one_batch(app, officer, tree, prefetch=True, n=2)
    assert [a[:2] for a in grouped] == [("accepted", "verified"), ("duplicate", "verified"),
                                       ("accepted", "needs_review"), ("accepted", "needs_review"),
                                       ("rejected", None)]
    assert grouped == item_by_item
    assert grouped[2][3] == ["second_submission"] and grouped[3][3] == ["photo_reused"]
    assert group_state["statuses"] == item_state["statuses"] == ["verified", "needs_review"]
    assert group_state["visit"] == item_state["visit"] == "done"
    assert group_state["collected"] == item_state["collected"] == 2
    assert group_state["audit"] == item_state["audit"] == {
        "submission.accepted": 3, "submission.duplicate": 1, "submission.rejected": 1}
    # five items (three accepted) in one group: 80 statements one at a time on SQLite, 54 grouped; the gap
    # grows with the group (a look-up is asked once for up to GROUP items)
    assert group_state["statements"] < item_state["statements"] * 3 / 4
