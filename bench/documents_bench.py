"""Benchmark: the per-cell signature list of a 3,300-member ward in 40 cells, rendered to PDF.

Builds a temporary SQLite database (a ward of N collected members spread over C cells), then renders in
separate processes, so that each peak RSS is its own:

  plain — the baseline: the same rows read in one query and laid out as one plain table on A4
          (no sections, no page per cell, no masthead or signatures);
  list  — `collected_pdf()`, the endpoint's code: keyset chunks per cell, one section per cell on a new
          page, the header repeated on every page, page numbers (goal ≤ 20 s and ≤ 300 MB).

Usage: python bench/documents_bench.py [--members N] [--cells C]
Prints wall time, pages, peak memory of each and the ratio of the list to the baseline.
"""
import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fieldwork_data import domain_app, peak_mib  # noqa: E402  (shared by the benches)

FAMILY = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý".split()
MIDDLE = "Văn Thị Hữu Đức Minh Thanh Ngọc Quang Xuân Thu Kim Đình".split()
GIVEN = ("An Bình Hoà Thuỷ Quý Hùng Hưng Lan Mai Nam Sơn Tùng Hải Hạnh Hương Long Phúc Tâm Thảo Trang "
         "Tuấn Việt Yến Dũng Giang Khoa Linh Lộc Nga Oanh Phong Quân Thắng Thuỳ Toàn Trí Uyên Vinh Xuyến").split()
PLAIN = """{% extends "base.html" %}{% block body %}<table class="list"><tr><th>STT</th><th>Họ và tên</th>
<th>Ngày sinh</th><th>Số định danh</th><th>Ngày thu nhận</th><th>Tình trạng</th><th>Ký xác nhận</th></tr>
{% for r in rows %}<tr><td>{{ loop.index }}</td><td>{{ r[0] }}</td><td>{{ r[1] }}</td><td>{{ r[2] }}</td>
<td>{{ r[3] }}</td><td>{{ r[4] }}</td><td class="sign-cell"></td></tr>{% endfor %}</table>{% endblock %}"""




def build(data_dir: Path, members: int, cells: int) -> None:
    from server.auth import create_user
    from server.extensions import db
    from server.models import Member, Photo, Submission
    from server.text import name_key
    from server.units import add_unit

    with domain_app(data_dir, "documents_bench").app_context():
        db.create_all()
        province = add_unit("P", "Tỉnh ủy Phú Thọ", "province", None)
        committee = add_unit("A", "Đảng bộ phường Thanh Miếu", "affiliated", province)
        ward = add_unit("W", "Đảng bộ cơ sở phường Thanh Miếu", "grassroots", committee)
        cell_ids = [add_unit(f"W-{c:02d}", f"Chi bộ khu phố Đồng Tâm số {c + 1}", "cell", ward).id
                    for c in range(cells)]
        user = create_user("bench.admin", "bench password 1", "unit_admin", "W")
        db.session.add(Photo(sha256="0" * 64, stored_sha256="0" * 64, width=600, height=800, bytes=1, quality={}))
        db.session.flush()
        member_rows, sub_rows = [], []
        for i in range(members):
            name = f"{FAMILY[i % 16]} {MIDDLE[(i // 16) % 12]} {GIVEN[(i * 7) % len(GIVEN)]}"
            year = 1930 + i % 70
            member_rows.append({"id": i + 1, "member_code": f"DV{i:06d}", "unit_id": cell_ids[i % cells],
                                "full_name": name, "name_key": name_key(name),
                                "date_of_birth": f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}", "birth_year": year,
                                "gender": "male", "citizen_id": f"025{0 if year < 2000 else 2}{year % 100:02d}{i:06d}",
                                "hometown": "Phú Thọ", "permanent_address": "Khu phố 1", "party_join_date": date(1990, 1, 1),
                                "party_official_date": date(1991, 1, 1), "priority": "standard", "needs_home_visit": False,
                                "status": "verified" if i % 5 else "needs_review"})
            sub_rows.append({"client_id": f"bench-{i}", "content_hash": "0" * 64, "device_id": "bench",
                             "user_id": user.id, "unit_id": cell_ids[i % cells], "member_id": i + 1,
                             "captured_at": datetime(2025, 8, 8 + i % 20, 3, tzinfo=timezone.utc),
                             "location_kind": "station", "photo_sha256": "0" * 64, "fields": {},
                             "status": "verified" if i % 5 else "needs_review", "review_reasons": []})
        db.session.execute(Member.__table__.insert(), member_rows)
        db.session.execute(Submission.__table__.insert(), sub_rows)
        db.session.commit()


def run(data_dir: Path, mode: str) -> dict:
    from sqlalchemy import select

    from server.documents import _environment
    from server.documents.collected import collected_pdf
    from server.extensions import db
    from server.models import Member, Submission, Unit, User

    with domain_app(data_dir, "documents_bench").app_context():
        user = db.session.scalar(select(User).where(User.username == "bench.admin"))
        ward = db.session.scalar(select(Unit).where(Unit.code == "W"))
        import weasyprint  # noqa: F401  (loaded before the clock starts in both modes)
        before = peak_mib()
        start, cpu = time.perf_counter(), time.process_time()
        if mode == "list":
            pdf, _ = collected_pdf(ward, user)
        else:
            from weasyprint import HTML

            from server.documents import TEMPLATES
            rows = db.session.execute(select(Member.full_name, Member.date_of_birth, Member.citizen_id,
                                             Submission.captured_at, Member.status)
                                      .join(Submission, Submission.member_id == Member.id)
                                      .order_by(Member.unit_id, Member.member_code)).all()
            html = _environment().from_string(PLAIN).render(rows=rows)
            pdf = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        return {"mode": mode, "seconds": round(seconds, 2), "cpu": round(cpu, 2), "pages": pages, "bytes": len(pdf),
                "peak_mib": round(peak_mib(), 1), "before_mib": round(before, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=3300)
    parser.add_argument("--cells", type=int, default=40)
    parser.add_argument("--child", nargs=2, metavar=("DATA_DIR", "MODE"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run(Path(args.child[0]), args.child[1])))
        return
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp), args.members, args.cells)
        results = {}
        for mode in ("plain", "list"):
            out = subprocess.run([sys.executable, __file__, "--child", tmp, mode], check=True,
                                 capture_output=True, text=True).stdout
            results[mode] = json.loads(out.strip().splitlines()[-1])
    print(f"Signature list of a {args.members:,}-member ward in {args.cells} cells (SQLite):")
    print(f"{'mode':<8}{'wall s':>8}{'CPU s':>8}{'pages':>7}{'PDF KB':>9}{'peak MiB':>10}{'start MiB':>11}")
    for r in results.values():
        print(f"{r['mode']:<8}{r['seconds']:>8}{r['cpu']:>8}{r['pages']:>7}{r['bytes'] // 1024:>9}{r['peak_mib']:>10}"
              f"{r['before_mib']:>11}")
    plain, lst = results["plain"], results["list"]
    print(f"list / plain one-table baseline: {lst['seconds'] / plain['seconds']:.2f}× the wall time, "
          f"{lst['cpu'] / plain['cpu']:.2f}× the CPU time, "
          f"{lst['peak_mib'] / plain['peak_mib']:.2f}× the peak memory")
    if (args.members, args.cells) != (3300, 40):
        return  # the goal is about the 3,300-member ward
    ok = lst["seconds"] <= 20 and lst["peak_mib"] <= 300
    print(f"goal ≤ 20 s and ≤ 300 MB: {'met' if ok else 'MISSED'} ({lst['seconds']} s wall, {lst['cpu']} s CPU, "
          f"{lst['peak_mib']} MiB); on a shared machine the CPU time is the wall time it would take alone")


if __name__ == "__main__":
    main()
