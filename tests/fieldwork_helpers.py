"""Builders shared by the roster, progress and visit tests: rows the importers and ingest would write.

Kept apart from tests/conftest.py on purpose: with several conftest.py files in the tree, `from conftest
import …` may resolve to a subfolder's conftest when the whole suite runs.
"""
import uuid
from datetime import date, timedelta

from sqlalchemy import update

from server.extensions import db
from server.models import Member, Photo, Reconciliation, Submission, Visit, VisitAssignment, utcnow
from server.text import name_key

PHOTO = "ab" * 32


def add_member(unit, code, full_name="Nguyễn Văn An", dob="1960-05-01", gender="male", citizen_id=None, **extra):
    """A member as the members file would load them (the same defaults as conftest's, ID empty by default)."""
    member = Member(member_code=code, unit=unit, full_name=full_name, name_key=name_key(full_name),
                    date_of_birth=dob, birth_year=int(dob[:4]), gender=gender, citizen_id=citizen_id,
                    hometown=extra.pop("hometown", "Hà Nội"),
                    permanent_address=extra.pop("permanent_address", "Số 1 phố Huế, Hà Nội"),
                    party_join_date=extra.pop("party_join_date", date(1985, 3, 1)),
                    party_official_date=extra.pop("party_official_date", date(1986, 3, 1)), **extra)
    db.session.add(member)
    db.session.flush()
    return member


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
