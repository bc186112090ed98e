"""Builders shared by the roster, progress and visit tests: rows the importers and ingest would write.

Import tests/conftest.py as `tests.conftest`: with several conftest.py files in the tree, a bare
`from conftest import …` may resolve to a subfolder's conftest when the whole suite runs.
"""
import uuid
from datetime import date, timedelta

from sqlalchemy import update

from server.extensions import db
from server.models import Member, Photo, Reconciliation, Submission, Visit, VisitAssignment, utcnow
from tests.conftest import add_member as conftest_add_member

PHOTO = "ab" * 32


def add_member(unit, code, citizen_id=None, **kwargs):
    """A member as the members file would load them (conftest's builder, with the ID empty by default)."""
    return conftest_add_member(unit, code, citizen_id=citizen_id, **kwargs)


def add_submission(member, user, status="verified", visit=None, unit=None):
    """An accepted submission, as ingest stores it (with a photo row to satisfy the foreign key)."""
    if db.session.get(Photo, PHOTO) is None:
        db.session.add(Photo(sha256=PHOTO, stored_sha256=PHOTO, width=600, height=800, bytes=1000, quality={}))
    submission = Submission(client_id=str(uuid.uuid4()), content_hash="0" * 64, device_id="tablet-1",
                            user_id=user.id, unit_id=unit.id if unit else member.unit_id,
                            member_id=member.id if member else None, visit_id=visit.id if visit else None,
                            captured_at=utcnow(), location_kind="home", photo_sha256=PHOTO, fields={},
                            status=status)
    db.session.add(submission)
    db.session.flush()
    return submission


def backdate(delta=timedelta(hours=1)):
    """Move every change stamp back, so a later change stands out from the overlap window of a delta."""
    past = utcnow() - delta
    for model, column in ((Member, Member.updated_at), (Visit, Visit.updated_at),
                          (VisitAssignment, VisitAssignment.at), (Reconciliation, Reconciliation.run_at)):
        db.session.execute(update(model).values({column: past}))
    db.session.commit()
