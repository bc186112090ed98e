"""What tablets say they still hold: one report per (device, user), replaced by each newer report.

Team leads use it to find a tablet sitting on unsent records. Reports carry counts and a timestamp,
never the records themselves.
"""
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.extensions import db
from server.models import DeviceReport, User, utcnow
from server.scope import in_scope

STALE_AFTER = timedelta(hours=48)
COUNT_KEYS = ("queued", "sending", "needs_fix", "waiting")


def record_report(user: User, device_id: str, counts: dict, oldest_unsent_at: datetime | None) -> DeviceReport:
    """Store the device's latest report (insert, or replace the previous one) and commit."""
    values = {"counts": {key: counts.get(key, 0) for key in COUNT_KEYS}, "oldest_unsent_at": oldest_unsent_at,
              "reported_at": utcnow()}
    for _ in range(2):  # a concurrent first report of the same device wins the insert; then we update it
        report = db.session.scalar(select(DeviceReport).where(DeviceReport.device_id == device_id,
                                                              DeviceReport.user_id == user.id))
        if report is None:
            report = DeviceReport(device_id=device_id, user_id=user.id)
            db.session.add(report)
        for name, value in values.items():
            setattr(report, name, value)
        try:
            db.session.commit()
            return report
        except IntegrityError:
            db.session.rollback()
    raise RuntimeError("device report kept conflicting")


def reports_in_scope(user: User) -> list[dict]:
    """The latest report of every device of every user in `user`'s scope, most worrying first."""
    rows = db.session.execute(in_scope(select(DeviceReport, User).join(User, User.id == DeviceReport.user_id),
                                       User, user)).all()
    now = utcnow()
    out = [{"user_id": reporter.id, "username": reporter.username, "device_id": report.device_id,
            "counts": report.counts, "oldest_unsent_at": report.oldest_unsent_at, "reported_at": report.reported_at,
            "stale": report.oldest_unsent_at is not None and now - report.oldest_unsent_at > STALE_AFTER}
           for report, reporter in rows]
    out.sort(key=lambda row: (not row["stale"], row["oldest_unsent_at"] or now, row["username"], row["device_id"]))
    return out
