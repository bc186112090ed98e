"""Benchmark: bulk planning of home visits for a grassroots unit of 5,000 members, 300 needing a visit.

  fast  — `bulk_plan()`: one locking query, one candidate query (NOT EXISTS for submissions and
          visits), one load query, then all visits and history rows flushed together. Goal: < 2 s.
  naive — a loop over every member of the unit: for each one needing a visit, a query for a
          submission, a query for an open visit, a query for the chosen officer, then an insert and
          a flush. Rolled back, so the fast run starts from the same state.
Both must plan the same members; a second fast run must create nothing (idempotent).

Usage: python bench/visits_bench.py [--members 5000] [--home-visits 300]   (DATABASE_URL=… for PostgreSQL)
"""
import argparse
import time

from fieldwork_data import make_app, populate


def naive_plan(lead, unit, officers) -> int:
    from sqlalchemy import select

    from server.extensions import db
    from server.models import Member, Submission, Unit, User, Visit, VisitAssignment
    created, turn = 0, 0
    members = db.session.scalars(select(Member).join(Unit, Member.unit_id == Unit.id)  # not previous_unit_id
                                 .where(Unit.path.startswith(unit.path)).order_by(Member.id)).all()
    for member in members:
        if not member.needs_home_visit or member.removed_at is not None:
            continue
        if db.session.scalar(select(Submission.id).where(Submission.member_id == member.id).limit(1)):
            continue
        if db.session.scalar(select(Visit.id).where(Visit.member_id == member.id, Visit.status == "open").limit(1)):
            continue
        assignee = db.session.get(User, officers[turn % len(officers)])
        turn += 1
        visit = Visit(member_id=member.id, kind="home", assignee_id=assignee.id, status="open",
                      created_by_id=lead.id)
        visit.history.append(VisitAssignment(assignee_id=assignee.id, assigned_by_id=lead.id, reason="bulk"))
        db.session.add(visit)
        db.session.flush()
        created += 1
    return created


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--home-visits", type=int, default=300)
    args = parser.parse_args()
    app = make_app()
    with app.app_context():
        from server.auth import create_user
        from server.extensions import db
        from server.visit_bulk import bulk_plan
        data = populate(args.members, home_visits=args.home_visits, collected=args.members // 5)
        lead = create_user("bench_lead", "bench-password", "team_lead", "G")
        officers = [create_user(f"bench_officer{i}", "bench-password", "officer", "G").id for i in range(6)]
        db.session.commit()

        started = time.perf_counter()
        naive_created = naive_plan(lead, data["grassroots"], officers)
        naive_s = time.perf_counter() - started
        db.session.rollback()

        started = time.perf_counter()
        result = bulk_plan(lead, ["G"], officers, "least_load", None, "home")
        fast_s = time.perf_counter() - started
        assert result["created"] == naive_created, (result["created"], naive_created)

        started = time.perf_counter()
        again = bulk_plan(lead, ["G"], officers, "least_load", None, "home")
        rerun_s = time.perf_counter() - started
        assert again["created"] == 0
        backend = db.engine.dialect.name
    print(f"backend {backend}, {args.members} members, {args.home_visits} marked for a home visit, "
          f"{result['created']} planned over {len(officers)} officers: {sorted(result['per_assignee'].values())}")
    print(f"fast   bulk_plan        {fast_s * 1000:8.1f} ms   (goal < 2000 ms: {'met' if fast_s < 2 else 'MISSED'})")
    print(f"naive  per-member loop  {naive_s * 1000:8.1f} ms")
    print(f"ratio  naive/fast       {naive_s / fast_s:8.1f}x")
    print(f"rerun  bulk_plan        {rerun_s * 1000:8.1f} ms, created {again['created']}")


if __name__ == "__main__":
    main()
