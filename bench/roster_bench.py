"""Benchmark: a full roster download for a grassroots unit of 5,000 members.

  fast  — `build_roster()`: one query for members (cell and reconciliation joined), plain dicts;
  naive — the per-member ORM way: load Member objects, touch `member.unit` lazily, fetch each
          member's reconciliation with its own query, and each visit's member lazily.
Both are timed in-process on a cold session (median of --runs), and the fast one also end to end
over HTTP (login, GET /api/v1/sync/roster) to give the bytes a tablet downloads.

Usage: python bench/roster_bench.py [--members 5000] [--runs 5]   (DATABASE_URL=… for PostgreSQL)
"""
import argparse
import json
import statistics
import time

from fieldwork_data import make_app, populate


def naive_roster(user) -> dict:
    from sqlalchemy import select

    from server.extensions import db
    from server.models import Member, Reconciliation, Visit
    from server.roster import MEMBER_COLUMNS
    from server.scope import in_scope
    members = []
    for m in db.session.scalars(in_scope(select(Member), Member, user).where(Member.removed_at.is_(None))
                                .order_by(Member.id)):
        row = {"id": m.id, "status": m.status}
        for name in MEMBER_COLUMNS:
            value = getattr(m, name)
            if value not in (None, ""):
                row[name] = value.isoformat() if hasattr(value, "isoformat") else value
        row["unit_code"], row["unit_name"] = m.unit.code, m.unit.name
        rec = db.session.scalar(select(Reconciliation).where(Reconciliation.member_id == m.id))
        if rec is not None:
            row["reconcile"] = {"class": rec.klass,
                                "fields": {k: v for k, v in rec.fields.items() if v.get("result") != "match"}}
        members.append(row)
    visits = [{"id": v.id, "member_id": v.member_id, "kind": v.kind, "assignee_id": v.assignee_id,
               "due_date": v.due_date.isoformat() if v.due_date else None, "status": v.status, "note": v.note,
               "priority": v.member.priority}
              for v in db.session.scalars(in_scope(select(Visit), Visit, user).where(
                  Visit.assignee_id == user.id, Visit.status == "open"))]
    return {"members": members, "visits": visits}


def timed(fn, runs: int) -> tuple[float, object]:
    from server.extensions import db
    times, result = [], None
    for _ in range(runs):
        db.session.commit()
        db.session.expire_all()
        db.session.expunge_all()
        started = time.perf_counter()
        result = fn()
        json.dumps(result, ensure_ascii=False, default=str)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    app = make_app()
    with app.app_context():
        from server.auth import create_user
        from server.extensions import db
        from server.models import Visit, VisitAssignment, utcnow
        from server.roster import build_roster
        data = populate(args.members, home_visits=300, collected=args.members // 5, reconciled=args.members // 10)
        officer = create_user("bench_officer", "bench-password", "officer", "G")
        now = utcnow()
        for mid in data["member_ids"][:60]:
            visit = Visit(member_id=mid, kind="home", assignee_id=officer.id, status="open", created_at=now)
            visit.history.append(VisitAssignment(assignee_id=officer.id, assigned_by_id=officer.id))
            db.session.add(visit)
        db.session.commit()
        user_id = officer.id

        def fast():
            return build_roster(db.session.get(type(officer), user_id), None)

        def naive():
            return naive_roster(db.session.get(type(officer), user_id))

        fast_ms, body = timed(fast, args.runs)
        naive_ms, baseline = timed(naive, max(1, args.runs // 2))
        assert len(body["members"]) == len(baseline["members"]) == args.members
        assert body["members"] == baseline["members"], "the two versions disagree"

        client = app.test_client()
        client.post("/api/v1/auth/login", json={"username": "bench_officer", "password": "bench-password"})
        http_times, size = [], 0
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.get("/api/v1/sync/roster")
            http_times.append(time.perf_counter() - started)
            size = len(response.data)
            assert response.status_code == 200
        http_ms = statistics.median(http_times) * 1000
        backend = db.engine.dialect.name
    print(f"backend {backend}, {args.members} members, {len(body['visits'])} open visits")
    print(f"fast   build_roster   {fast_ms:8.1f} ms")
    print(f"naive  per-member ORM {naive_ms:8.1f} ms")
    print(f"ratio  naive/fast     {naive_ms / fast_ms:8.1f}x")
    print(f"HTTP   GET /api/v1/sync/roster {http_ms:8.1f} ms, {size:,} bytes ({size / args.members:.0f} bytes/member)")


if __name__ == "__main__":
    main()
