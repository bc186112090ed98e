"""Helpers shared by the submission tests: a stored photo, registry rows, and a valid item to spoil."""
import copy
import hashlib
import os
import uuid

from sqlalchemy import select

from server import photo_access
from server.extensions import db
from server.models import Photo, RegistryRecord
from server.photo_access.models import PhotoUploader
from server.text import name_key

# The person `add_member(...)` creates by default (member M1 of the conftest `members` fixture).
M1_FIELDS = {
    "full_name": "Nguyễn Văn An", "date_of_birth": "1960-05-01", "gender": "male", "citizen_id": "001060012345",
    "hometown": "Hà Nội", "permanent_address": "Số 1 phố Huế, Hà Nội",
    "party_join_date": "1985-03-01", "party_official_date": "1986-03-01",
}


def stored_photo(uploader=None) -> str:
    """Insert a Photo row (as the photo endpoint would after an upload) and return its address.
    `post_items` records its caller as an uploader too, as the tablet's upload before each batch would."""
    sha = hashlib.sha256(os.urandom(16)).hexdigest()
    db.session.add(Photo(sha256=sha, stored_sha256=sha, width=600, height=800, bytes=1000, quality={},
                         uploaded_by_id=getattr(uploader, "id", None)))
    db.session.commit()
    return sha


def add_registry(citizen_id="001060012345", full_name="Nguyễn Văn An", dob="1960-05-01", gender="male",
                 hometown="Hà Nội", address="Số 1 phố Huế, Hà Nội") -> RegistryRecord:
    record = RegistryRecord(citizen_id=citizen_id, full_name=full_name, name_key=name_key(full_name),
                            date_of_birth=dob, birth_year=int(dob[:4]), gender=gender, hometown=hometown,
                            permanent_address=address)
    db.session.add(record)
    db.session.commit()
    return record


def item(photo: str, member_id=None, visit_id=None, **overrides) -> dict:
    """A valid item for M1's person; `fields` in overrides is merged into the default fields."""
    fields = dict(M1_FIELDS)
    fields.update(overrides.pop("fields", {}))
    body = {"client_id": str(uuid.uuid4()), "member_id": member_id, "visit_id": visit_id,
            "captured_at": "2025-08-08T14:03:11+07:00", "location_kind": "station", "photo_sha256": photo,
            "consent": True, "fields": fields}
    body.update(overrides)
    return copy.deepcopy(body)


def post_items(client, items, device_id="tablet-1"):
    user = getattr(client, "user", None)
    for body in items if user is not None else ():
        # A bare stored_photo() stands for an upload by whoever first sends it (the tablet uploads every photo
        # before its batch); a photo someone already holds stays theirs, so replays by others are still tested.
        sha = body.get("photo_sha256") if isinstance(body, dict) else None
        photo = db.session.get(Photo, sha) if isinstance(sha, str) else None
        if photo is not None and photo.uploaded_by_id is None and not db.session.scalar(
                select(PhotoUploader.user_id).where(PhotoUploader.sha256 == sha).limit(1)):
            photo_access.record_uploader(user, sha)
    return client.post("/api/v1/sync/submissions", json={"device_id": device_id, "items": items})
