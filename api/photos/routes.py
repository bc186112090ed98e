"""Photos endpoints (CONTRACT §5): content-addressed upload, existence check, scoped download.

A malformed address (not 64 lowercase hex digits) answers 400 `invalid_sha256` to PUT, and 404
`not_found` to HEAD and GET, since nothing can be stored there.
"""
import hashlib

from flask import current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from api.photos.schemas import PhotoSchema
from api.schemas import ErrorSchema
from api.security import current_user
from offline_queue.photo_store import current_store, is_sha256, store_upload
from offline_queue.photos import DEFAULT_MAX_PIXELS, HashMismatch, PhotoTooLarge
from server import audit, photo_access
from server.errors import DomainError, NotFound
from server.extensions import db
from server.models import Photo, Submission
from server.scope import in_scope, require_role

blp = Blueprint("photos", __name__, url_prefix="/api/v1/photos", description="Photos")

_READ_CHUNK = 1 << 16
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_UPLOAD_BODY = {"required": True, "description": "the image bytes as taken or prepared on the device, at most "
                "10 MiB; the type is judged by its magic bytes, whatever Content-Type says",
                "content": {"image/jpeg": _BINARY, "image/png": _BINARY, "image/webp": _BINARY}}
_ADDRESS = [{"in": "path", "name": "sha256", "required": True, "schema": {"type": "string",
             "pattern": "^[0-9a-f]{64}$"}, "description": "lowercase hex SHA-256 of the uploaded body"}]


def _address(sha256: str, *, on_bad: DomainError) -> str:
    if not is_sha256(sha256):
        raise on_bad
    return sha256


def _read_body(limit: int) -> bytes:
    """The request body, refused as soon as it is known to exceed `limit` (declared or streamed)."""
    declared = request.content_length
    if declared is not None:
        if declared > limit:
            raise PhotoTooLarge()
        # Exactly the declared bytes, in as few reads as the server gives them, from its own input stream:
        # werkzeug's wrapper would copy the body twice more, and 64 KiB reads make the server copy what it
        # already holds again on each one. A short body fails the hash check.
        stream, chunks, missing = request.environ["wsgi.input"], [], declared
        while missing:
            chunk = stream.read(missing)
            if not chunk:
                break
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)
    chunks, size = [], 0  # chunked: no length to trust, so counted as it comes
    while size <= limit:
        chunk = request.stream.read(min(_READ_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise PhotoTooLarge()
    return b"".join(chunks)


def _store():
    return current_store(current_app)


@blp.route("/<sha256>", parameters=_ADDRESS)
class PhotoResource(MethodView):

    @blp.doc(requestBody=_UPLOAD_BODY)
    @blp.response(201, PhotoSchema, description="stored (durably, before this answer)")
    @blp.alt_response(200, schema=PhotoSchema, description="already stored: the same body as the first answer")
    @blp.alt_response(400, schema=ErrorSchema, description="hash_mismatch or invalid_sha256")
    @blp.alt_response(413, schema=ErrorSchema, description="too_large: body over 10 MiB")
    @blp.alt_response(415, schema=ErrorSchema, description="unsupported_image: not JPEG, PNG or WebP")
    @blp.alt_response(422, schema=ErrorSchema, description="image_too_large (over the pixel limit) or "
                      "image_corrupt (truncated or undecodable)")
    def put(self, sha256):
        """Upload a photo under the SHA-256 of its bytes; safe to retry."""
        user = current_user()
        require_role(user, "officer")
        digest = _address(sha256, on_bad=DomainError("The address must be 64 lowercase hex digits.",
                                                     code="invalid_sha256", status=400))
        body = _read_body(current_app.config["PHOTO_MAX_BYTES"])
        if hashlib.sha256(body).hexdigest() != digest:
            raise HashMismatch()
        # The body PhotoSchema documents, built directly (marshmallow would cost more than the rest of the answer).
        answer, created = store_upload(digest, body, user, _store(), max_pixels=current_app.config.get(
            "PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS), optimize=current_app.config.get("PHOTO_OPTIMIZE_HUFFMAN", False))
        if not created:
            photo_access.record_uploader(user, digest)  # they sent the bytes: they may use the photo now
        return jsonify(answer), 201 if created else 200

    @blp.response(200, description="stored and usable by the caller (they uploaded it, or a submission in "
                  "their scope uses it); no body")
    @blp.alt_response(404, schema=ErrorSchema, description="not_found: not stored, or not usable by the caller")
    def head(self, sha256):
        """Tell whether a photo is stored and usable by the caller, so a client can skip the upload."""
        user = current_user()
        require_role(user, "officer")
        digest = _address(sha256, on_bad=NotFound())
        if not photo_access.usable_by(user, digest):
            raise NotFound()
        return current_app.response_class(status=200)

    @blp.doc(responses={"200": {"description": "the normalised 600×800 JPEG",
                                "content": {"image/jpeg": _BINARY}}})
    @blp.alt_response(404, schema=ErrorSchema,
                      description="not_found: not stored, or no submission in the caller's scope uses it")
    def get(self, sha256):
        """Download a portrait used by a submission in the caller's scope."""
        user = current_user()
        require_role(user, "officer")
        digest = _address(sha256, on_bad=NotFound())
        used = db.session.execute(in_scope(select(Submission.id, Submission.unit_id).where(
            Submission.photo_sha256 == digest).limit(1), Submission, user)).first()
        photo = db.session.get(Photo, digest) if used is not None else None
        if photo is None:
            raise NotFound()
        # Streamed from the store through this process rather than redirected to a signed URL: the scope
        # check, the audit row and no-store stay in one place, and the store need not face the tablets.
        response = current_app.response_class(mimetype="image/jpeg")
        # A tablet can be lost: portraits never stay in the browser's HTTP cache (the ETag still saves bytes).
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Disposition"] = f'inline; filename="{digest}.jpg"'
        response.set_etag(photo.stored_sha256)
        if not request.if_none_match.contains(photo.stored_sha256):  # else a 304 that never touches the store
            response.content_length, response.response = _store().stream(photo.stored_sha256)
        audit.record("photo.read", user=user, object_type="photo", object_id=digest, unit_id=used.unit_id)
        db.session.commit()
        return response.make_conditional(request)
