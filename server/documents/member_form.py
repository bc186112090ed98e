"""The member form (phiếu đảng viên) of an accepted submission, as a PDF to print and sign again at the office.

It shows the record as the officer sent it (the submission's fields), not the party record: this is the
paper the member signs for what was collected. The caller has checked the role; the scope is checked here
(a submission outside the caller's subtree is NotFound) and every print is audited (ids only).
"""
from __future__ import annotations

import base64
from collections.abc import Callable

from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import Member, Photo, Submission, Unit, User
from ..record_fields import VIETNAM
from ..scope import get_in_scope
from . import render_pdf, vn_date, vn_datetime
from .labels import DATE_FIELDS, FORM_FIELDS, GENDERS, LOCATIONS, STATUSES

VN = VIETNAM
# The short identity block beside the portrait; the longer fields run the full width below it.
TOP_FIELDS = ("full_name", "date_of_birth", "gender", "citizen_id", "old_card_number", "ethnicity", "religion")


def _shown(name: str, value) -> str:
    if value in (None, ""):
        return ""
    if name in DATE_FIELDS:
        return vn_date(value)
    if name == "gender":
        return GENDERS.get(value, value)
    return str(value)


def _portrait(sha256: str, read_photo: Callable[[str], bytes]) -> str | None:
    """The stored portrait as a data URI (WeasyPrint then needs no file or URL access), or None if the
    file cannot be read: the form still prints, with an empty 3×4 frame to paste a photo into."""
    photo = db.session.get(Photo, sha256)
    if photo is None:
        return None
    try:
        data = read_photo(photo.stored_sha256)
    except OSError:
        return None
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def _units(unit: Unit) -> tuple[str, str, str]:
    """(upper unit name, unit name, cell line) for the masthead and the form."""
    parent = db.session.get(Unit, unit.parent_id) if unit.parent_id else None
    if unit.kind == "cell":
        return (parent.name if parent else ""), unit.name, f"{unit.name} ({unit.code})"
    return (parent.name if parent else ""), unit.name, ""


def member_form_pdf(submission_id: int, user: User, read_photo: Callable[[str], bytes]) -> tuple[bytes, str]:
    """(PDF bytes, file name) of the member form of a submission in `user`'s scope; audits the print."""
    sub = get_in_scope(Submission, submission_id, user)
    fields = dict(sub.fields or {})
    shown = {name: _shown(name, fields.get(name)) for name, _ in FORM_FIELDS}
    labels = dict(FORM_FIELDS)
    member_code = (db.session.scalar(select(Member.member_code).where(Member.id == sub.member_id))
                   if sub.member_id else None)
    officer = db.session.get(User, sub.user_id)
    upper_unit, unit_name, cell_line = _units(db.session.get(Unit, sub.unit_id))
    captured = sub.captured_at.astimezone(VN)
    pdf = render_pdf(
        "member_form.html", submission_id=sub.id, member_code=member_code, fields_by_name=shown,
        top_fields=[(labels[n], shown[n]) for n in TOP_FIELDS],
        rest_fields=[(label, shown[n]) for n, label in FORM_FIELDS if n not in TOP_FIELDS],
        portrait=_portrait(sub.photo_sha256, read_photo), upper_unit=upper_unit, unit_name=unit_name,
        cell_line=cell_line, status=STATUSES.get(sub.status, sub.status),
        captured_at=vn_datetime(sub.captured_at), place=LOCATIONS.get(sub.location_kind, sub.location_kind),
        officer_name=(officer.display_name or officer.username) if officer else "",
        captured_day=f"{captured.day:02d}", captured_month=f"{captured.month:02d}", captured_year=captured.year)
    audit.record("document.member_form", user=user, object_type="submission", object_id=sub.id,
                 unit_id=sub.unit_id, outcome="ok")
    db.session.commit()
    return pdf, f"phieu-dang-vien-{sub.id}.pdf"
