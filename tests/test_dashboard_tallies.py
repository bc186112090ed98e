"""The progress counters kept at commit equal a from-scratch recount, after every kind of event that moves them,
and concurrent commits into one cell (or for one member) neither lose nor double a count."""
import io
import threading
from types import SimpleNamespace

from sqlalchemy import select, update

from server.cards.models import Card
from server.dashboard import recount, tallies
from server.dashboard.models import CollectedDaily, MemberTally, UnitTally
from server.extensions import db
from server.imports.importers import BATCH
from server.models import Member, Photo, Submission, Unit, utcnow
from server.schedules.models import Booking
from tests.cards_support import handover, import_cards, post_handovers, write_cards
from tests.fieldwork_helpers import PHOTO, add_submission
from tests.schedule_support import plan, ward  # noqa: F401  (fixture)
from tests.sync_support import item, post_items, stored_photo

MEMBERS = ("member_code,unit_code,full_name,date_of_birth,gender,citizen_id,hometown,permanent_address,"
           "party_join_date,party_official_date,priority,needs_home_visit\n")


def snapshot():
    """The three aggregates as stored (zero rows left out: a unit emptied by a move keeps a row of zeros)."""
    db.session.rollback()
    units = {row[0]: row[1:] for row in tallies.per_unit(select(Unit.id)) if any(row[1:])}
    days = {(u, d): n for u, d, n in db.session.execute(select(CollectedDaily.unit_id, CollectedDaily.day,
                                                               CollectedDaily.collected)) if n}
    members = {row[0]: tuple(row[1:]) for row in db.session.execute(select(MemberTally.__table__))}
    return units, days, members


def assert_exact():
    """The counters equal the per-member count the progress table used to make, the days equal each live member's
    first record's day, and a full rebuild (`fieldkit rebuild-daily`) changes nothing."""
    units, days, members = snapshot()
    assert units == {row[0]: row[1:] for row in recount.per_member(select(Unit.id)) if any(row[1:])}
    first = {}
    for member_id, unit_id, removed, at in db.session.execute(
            select(Member.id, Member.unit_id, Member.removed_at, Submission.received_at)
            .join(Submission, Submission.member_id == Member.id)):
        if removed is None and (member_id not in first or at < first[member_id][1]):
            first[member_id] = (unit_id, at)
    expected = {}
    for unit_id, at in first.values():
        key = (unit_id, tallies.vietnam_day(at))
        expected[key] = expected.get(key, 0) + 1
    assert days == expected
    recount.rebuild()
    db.session.commit()
    assert snapshot() == (units, days, members)
    return units


def test_counters_equal_a_recount_after_a_mixed_sequence_of_events(app, ward, login_as, tmp_path):
    admin, people, c3 = ward["admin"], ward["people"], ward["c3"]
    c1 = db.session.scalar(select(Unit.id).where(Unit.code == "C1"))
    assert assert_exact() == {c1: (3, 0, 0, 0, 0, 0), c3.id: (4, 0, 0, 0, 0, 0)}
    assert plan(admin, ["C1", "C3"]).status_code == 200  # bookings: a Core insert
    officer = login_as("officer", "G1")
    sha = stored_photo()
    results = post_items(officer, [item(sha, member_id=people["a1"].id), item(sha, member_id=people["a1"].id),
                                   item(sha, member_id=people["b1"].id), item(sha)]).json["results"]
    assert [r["outcome"] for r in results] == ["accepted"] * 4
    assert assert_exact()[c1][:4] == (3, 1, 0, 3)  # a1 once, though twice sent; booked stays (now arrived)
    stray = results[3]["submission_id"]  # someone the roster lacked: the reviewer names b2
    decided = admin.post(f"/api/v1/review/submissions/{stray}/decision",
                         json={"decision": "accept_submitted", "member_code": "B2"})
    assert decided.status_code == 200, decided.json
    booking = db.session.scalar(select(Booking.id).where(Booking.member_id == people["b3"].id))
    assert admin.post(f"/api/v1/bookings/{booking}/cancel").status_code == 200
    assert assert_exact()[c3.id] == (4, 2, 1, 3, 0, 0)
    cards = write_cards(tmp_path / "cards.csv", [["K-1", "A2", "B1", ""], ["K-2", "B1", "B1", ""]])
    assert import_cards(app, cards).exit_code == 0
    db.session.execute(update(Card).where(Card.card_number == "K-2").values(unit_id=c3.id))
    db.session.commit()
    answer = post_handovers(login_as("officer", "C3"), [handover("K-2", people["b1"].id)])
    assert answer.json["results"][0]["outcome"] == "accepted", answer.json
    assert assert_exact()[c3.id][4:] == (1, 1)
    rows = ("A2,C3,Bình Văn Hai,1960,male,,Huế,Huế,1990-01-01,1991-01-01,standard,no\n"  # moves with its card
            "N1,C3,Đỗ Thị Mới,1970,female,,Huế,Huế,1990-01-01,1991-01-01,standard,no\n")
    job = admin.post("/api/v1/imports", content_type="multipart/form-data", data={
        "import_kind": "members", "import_file": (io.BytesIO((MEMBERS + rows).encode()), "m.csv")}).json
    assert job["state"] == "done", job
    # A refused file after a full batch was written: its savepoint goes, and with it what it added to the counts.
    rows = "".join(f"Z{i},C3,Đỗ Thị {i},1970,female,,Huế,Huế,1990-01-01,1991-01-01,standard,no\n"
                   for i in range(BATCH))
    rows += "Z-BAD,C3,Đỗ,19x0,female,,Huế,Huế,1990-01-01,1991-01-01,standard,no\n"  # refused: a bad birth year
    job = admin.post("/api/v1/imports", content_type="multipart/form-data", data={
        "import_kind": "members", "import_file": (io.BytesIO((MEMBERS + rows).encode()), "z.csv")}).json
    assert job["state"] == "rejected", job
    db.session.rollback()
    assert db.session.scalar(select(Member.id).where(Member.member_code == "Z0")) is None  # stored nothing
    gone = db.session.get(Member, people["b4"].id)
    gone.removed_at = utcnow()  # removed: counts for nothing, booked or not
    db.session.commit()
    moved = db.session.get(Member, people["a1"].id)
    moved.unit_id = c3.id  # moved with a record: the day moves with them
    db.session.commit()
    units = assert_exact()
    assert units[c1] == (1, 0, 0, 1, 0, 0) and units[c3.id] == (6, 3, 1, 4, 2, 1)


def _race(app, work, barrier_after_flush):
    """Run `work(n)` in two threads with their own sessions, committing as close together as possible: on
    PostgreSQL both hold their uncommitted rows at the barrier; SQLite has one writer, so they meet before."""
    barrier, errors = threading.Barrier(2), []

    def run(n):
        try:
            with app.app_context():
                if not barrier_after_flush:
                    barrier.wait(10)
                work(n)
                db.session.flush()
                if barrier_after_flush:
                    barrier.wait(10)
                db.session.commit()
        except Exception as error:  # noqa: BLE001 -- reported by the assertion below
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []


def test_two_commits_into_one_cell_or_for_one_member_lose_nothing_and_double_nothing(app, ward, login_as):
    ids = {code: member.id for code, member in ward["people"].items()}
    c1, c3 = (db.session.scalar(select(Unit.id).where(Unit.code == code)) for code in ("C1", "C3"))
    officer = SimpleNamespace(id=login_as("officer", "G1").user.id)
    db.session.add(Photo(sha256=PHOTO, stored_sha256=PHOTO, width=600, height=800, bytes=1000, quality={}))
    db.session.commit()
    after_flush = app.config["BACKEND"] == "postgres"
    for pair in (("b1", "b2"), ("b3", "b4")):  # two members of C3 collected at once, twice
        _race(app, lambda n: add_submission(db.session.get(Member, ids[pair[n]]), officer, "verified"), after_flush)
    db.session.rollback()
    assert db.session.get(UnitTally, c3).collected == 4
    # Two first records of one member at once: one member collected, once, on one day.
    _race(app, lambda n: add_submission(db.session.get(Member, ids["a1"]), officer, "needs_review"), after_flush)
    db.session.rollback()
    assert db.session.get(UnitTally, c1).collected == 1
    assert sum(db.session.scalars(select(CollectedDaily.collected).where(CollectedDaily.unit_id == c1))) == 1
    assert assert_exact()[c3][1:3] == (4, 4)


def test_a_touch_that_changes_nothing_writes_nothing_and_a_rolled_back_change_counts_nothing(app, members, login_as):
    c1 = members["m1"].unit_id
    before = snapshot()
    tallies.touch([members["m1"].id, members["m2"].id, 10 ** 9])  # the last one does not exist
    db.session.commit()
    assert snapshot() == before
    officer = login_as("officer", "C1").user
    savepoint = db.session.begin_nested()
    add_submission(members["m1"], officer, "verified")  # touched, then rolled back with its savepoint
    savepoint.rollback()
    db.session.commit()
    assert snapshot() == before and db.session.get(UnitTally, c1).target == 2
