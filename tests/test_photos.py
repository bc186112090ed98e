"""Photos: normalisation of what tablets send, and the content-addressed PUT/HEAD/GET API (CONTRACT §5)."""
import hashlib
import io
import struct
import uuid
import zlib
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageCms, ImageDraw, ImageEnhance, ImageFilter, ImageOps, ImageStat
from sqlalchemy import event, insert, select

from offline_queue.photo_store import FileStore
from offline_queue.photos import ImageCorrupt, ImageTooLarge, UnsupportedImage, normalise, sniff
from server.extensions import db
from server.models import AuditEvent, Photo, Submission

# --- images made in memory -------------------------------------------------------------------------


def encode(img, fmt="JPEG", **params):
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


def portrait(size=(900, 1200)):
    """A plausible photo: graded background, a face, a dark shirt, some lines and sensor noise."""
    w, h = size
    ramp = Image.linear_gradient("L").resize(size)
    img = Image.merge("RGB", [ramp.point(lambda v: 90 + v // 3), ramp.point(lambda v: 110 + v // 4),
                              Image.new("L", size, 150)])
    draw = ImageDraw.Draw(img)
    draw.ellipse((w * 0.3, h * 0.2, w * 0.7, h * 0.6), fill=(224, 172, 140))
    draw.rectangle((w * 0.15, h * 0.62, w * 0.85, h), fill=(40, 50, 90))
    for x in range(0, w, 37):
        draw.line((x, 0, x + 60, h * 0.15), fill=(60, 60, 60), width=2)
    noise = Image.merge("RGB", [Image.effect_noise(size, 12)] * 3)
    return ImageChops.add(img, noise, offset=-128)


def quadrants(size=(900, 1200)):
    """Upright reference: top-left green, top-right red, bottom blue (any flip or turn shows)."""
    w, h = size
    img = Image.new("RGB", size, (0, 0, 255))
    img.paste((0, 255, 0), (0, 0, w // 2, h // 2))
    img.paste((255, 0, 0), (w // 2, 0, w, h // 2))
    return img


def exif_with(orientation, gps=False):
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Field Camera Co"
    if gps:
        exif[0x8825] = {1: "N", 2: (21.0, 1.0, 30.0), 3: "E", 4: (105.0, 51.0, 0.0)}
    return exif


# The stored pixels for each EXIF orientation: the inverse of what exif_transpose does to show them.
STORED_AS = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
             4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90,
             7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_270}


def sideways_jpeg_with_gps():
    """An upright portrait stored turned (orientation 6), carrying GPS, XMP, a comment and an ICC profile."""
    stored = quadrants().transpose(STORED_AS[6])
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encode(stored, exif=exif_with(6, gps=True), comment=b"taken at Nguyen's house",
                  xmp=b"<x:xmpmeta><rdf:RDF/></x:xmpmeta>", icc_profile=srgb, quality=95)


def png_chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_declaring(width, height, idat=b""):
    """A PNG whose header declares width×height 8-bit grey, with whatever pixel data is given."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


def valid_zero_png(width, height):
    """A real, decodable all-black PNG of any size, a few hundred KB at most (zeros compress ~1000:1)."""
    packer = zlib.compressobj(9)
    row = bytes(width + 1)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return png_declaring(width, height, data)


def icc_rgb_profile(red, green, blue, gamma=2.2):
    """A minimal ICC v2 RGB matrix/TRC display profile with the given D50 colorants."""
    def xyz(values):
        return b"XYZ " + bytes(4) + b"".join(struct.pack(">i", round(v * 65536)) for v in values)
    curve = b"curv" + bytes(4) + struct.pack(">IH", 1, round(gamma * 256)) + bytes(2)
    text = b"swapped primaries\x00"
    desc = b"desc" + bytes(4) + struct.pack(">I", len(text)) + text + bytes(4 + 4 + 2 + 1 + 67)
    tags = [(b"desc", desc), (b"wtpt", xyz((0.9642, 1.0, 0.8249))), (b"rXYZ", xyz(red)),
            (b"gXYZ", xyz(green)), (b"bXYZ", xyz(blue)), (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve)]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for sig, data in tags:
        data += bytes(-len(data) % 4)
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (struct.pack(">I", size) + bytes(4) + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ " + bytes(12)
              + b"acsp" + bytes(24) + bytes(4) + struct.pack(">iii", 63190, 65536, 54061) + bytes(48))
    return header + struct.pack(">I", len(tags)) + table + body


SRGB_RED_D50, SRGB_GREEN_D50, SRGB_BLUE_D50 = (0.4360, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), \
    (0.1431, 0.0606, 0.7141)


def jpeg_segments(data):
    """The marker bytes of every segment before the image data (APP0..APP15, COM, DQT, ...)."""
    assert data[:2] == b"\xff\xd8"
    markers, pos = [], 2
    while pos < len(data):
        assert data[pos] == 0xFF
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: pixels follow
            return markers
        pos += 2 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
    return markers


def pixel(img, fx, fy):
    return img.convert("RGB").getpixel((int(img.width * fx), int(img.height * fy)))


def near(colour, expected, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected))


# --- normalisation (no app needed) -----------------------------------------------------------------


def test_sideways_jpeg_with_gps_comes_out_upright_600x800_with_nothing_but_pixels():
    result = normalise(sideways_jpeg_with_gps())
    out = Image.open(io.BytesIO(result.jpeg))
    assert out.format == "JPEG" and out.size == (600, 800) and (result.width, result.height) == (600, 800)
    assert near(pixel(out, 0.25, 0.25), (0, 255, 0)) and near(pixel(out, 0.75, 0.25), (255, 0, 0))
    assert near(pixel(out, 0.5, 0.8), (0, 0, 255))
    markers = jpeg_segments(result.jpeg)
    assert 0xE1 not in markers and 0xE2 not in markers and 0xFE not in markers  # no EXIF/XMP, ICC, comment
    assert not out.getexif() and "icc_profile" not in out.info and "comment" not in out.info
    for needle in (b"Exif", b"GPS", b"Field Camera", b"xmpmeta", b"Nguyen", b"ICC_PROFILE"):
        assert needle not in result.jpeg
    assert result.sha256 == hashlib.sha256(result.jpeg).hexdigest()


def test_comment_and_xmp_of_a_jpeg_without_profile_are_dropped_too():
    data = encode(portrait((600, 800)), comment=b"secret note", xmp=b"<x:xmpmeta>where</x:xmpmeta>")
    result = normalise(data).jpeg
    assert 0xFE not in jpeg_segments(result) and 0xE1 not in jpeg_segments(result)
    assert b"secret note" not in result and b"xmpmeta" not in result


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_shown_upright(orientation):
    upright = quadrants((600, 800))
    stored = upright if STORED_AS[orientation] is None else upright.transpose(STORED_AS[orientation])
    out = Image.open(io.BytesIO(normalise(encode(stored, exif=exif_with(orientation))).jpeg))
    # The same as Pillow's own exif_transpose of the source would show.
    assert near(pixel(out, 0.25, 0.25), (0, 255, 0)) and near(pixel(out, 0.75, 0.25), (255, 0, 0))
    assert near(pixel(out, 0.25, 0.75), (0, 0, 255)) and near(pixel(out, 0.75, 0.75), (0, 0, 255))


def test_large_jpeg_through_draft_mode_matches_a_full_decode():
    data = encode(portrait((3000, 4000)), quality=92)
    fast = Image.open(io.BytesIO(normalise(data).jpeg)).convert("L")
    naive = ImageOps.fit(Image.open(io.BytesIO(data)), (600, 800), Image.Resampling.LANCZOS).convert("L")
    # Same picture and framing; pixel noise is resampled differently, so compare at a slightly coarser scale.
    difference = ImageChops.difference(fast.filter(ImageFilter.GaussianBlur(2)),
                                       naive.filter(ImageFilter.GaussianBlur(2)))
    assert ImageStat.Stat(difference).mean[0] < 2 and difference.getextrema()[1] < 40


def test_landscape_is_centre_cropped_to_portrait():
    wide = Image.new("RGB", (1600, 600), (255, 0, 0))
    wide.paste((0, 0, 255), (650, 0, 950, 600))  # a band in the middle, 300 of the 450 kept columns
    out = Image.open(io.BytesIO(normalise(encode(wide)).jpeg))
    assert out.size == (600, 800)
    assert near(pixel(out, 0.5, 0.5), (0, 0, 255)) and near(pixel(out, 0.05, 0.5), (255, 0, 0))


def test_png_alpha_is_flattened_on_white():
    img = Image.new("RGBA", (600, 800), (200, 0, 0, 255))
    img.paste((0, 0, 0, 0), (0, 0, 300, 800))
    out = Image.open(io.BytesIO(normalise(encode(img, "PNG")).jpeg))
    assert near(pixel(out, 0.2, 0.5), (255, 255, 255), 6) and near(pixel(out, 0.8, 0.5), (200, 0, 0), 12)


@pytest.mark.parametrize("mode", ["P", "LA", "L", "1"])
def test_other_png_modes_normalise(mode):
    img = portrait((600, 800)).convert(mode)
    if mode == "P":
        img.info["transparency"] = 0
    out = normalise(encode(img, "PNG"))
    assert Image.open(io.BytesIO(out.jpeg)).mode == "RGB" and out.width == 600


def test_webp_normalises():
    out = normalise(encode(portrait(), "WEBP", quality=80))
    assert Image.open(io.BytesIO(out.jpeg)).size == (600, 800)
    assert out.quality["verdict"] == "pass"


def test_cmyk_jpeg_comes_out_rgb_with_the_right_colour():
    cmyk = Image.new("CMYK", (600, 800), (0, 255, 255, 0))  # full magenta + yellow = red
    out = Image.open(io.BytesIO(normalise(encode(cmyk)).jpeg))
    assert out.mode == "RGB" and near(pixel(out, 0.5, 0.5), (255, 0, 0), 60)


def test_sixteen_bit_grey_png_is_scaled_not_clipped():
    img = Image.new("I;16", (600, 800), 128 * 257)
    data = encode(img, "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    out = Image.open(io.BytesIO(normalise(data).jpeg))
    assert near(pixel(out, 0.5, 0.5), (128, 128, 128), 3)


def test_embedded_icc_profile_is_applied_to_reach_srgb():
    swapped = icc_rgb_profile(SRGB_GREEN_D50, SRGB_RED_D50, SRGB_BLUE_D50)  # "red" channel means green
    img = Image.new("RGB", (600, 800), (255, 0, 0))
    out = Image.open(io.BytesIO(normalise(encode(img, icc_profile=swapped)).jpeg))
    assert near(pixel(out, 0.5, 0.5), (0, 255, 0), 50)
    assert "icc_profile" not in out.info


def test_broken_icc_profile_is_ignored_and_pixels_kept():
    img = Image.new("RGB", (600, 800), (255, 0, 0))
    out = Image.open(io.BytesIO(normalise(encode(img, icc_profile=b"not a profile" * 10)).jpeg))
    assert near(pixel(out, 0.5, 0.5), (255, 0, 0), 30)


def test_quality_passes_a_normal_photo_and_warns_on_dark_or_blurred():
    normal = portrait()
    good = normalise(encode(normal)).quality
    assert good["verdict"] == "pass" and good["warnings"] == []
    assert good["source"] == {"width": 900, "height": 1200, "verdict": "pass"}
    dark = normalise(encode(ImageEnhance.Brightness(normal).enhance(0.2))).quality
    assert dark["verdict"] == "warn" and dark["brightness"]["verdict"] == "warn"
    assert dark["brightness"]["value"] < good["brightness"]["value"]
    blurred = normalise(encode(normal.filter(ImageFilter.GaussianBlur(8)))).quality
    assert blurred["verdict"] == "warn" and blurred["sharpness"]["verdict"] == "warn"
    assert blurred["brightness"]["verdict"] == "pass"


def test_quality_warns_on_a_tiny_source_and_reports_it_upright():
    tiny = normalise(encode(portrait((300, 400)).transpose(STORED_AS[6]), exif=exif_with(6))).quality
    assert tiny["source"] == {"width": 300, "height": 400, "verdict": "warn"} and "source" in tiny["warnings"]


@pytest.mark.parametrize("data", [
    encode(Image.new("RGB", (60, 80)), "GIF"),
    encode(Image.new("RGB", (60, 80)), "BMP"),
    encode(Image.new("RGB", (60, 80)), "TIFF"),
    b"RIFF\x00\x00\x00\x00WAVEfmt ",
    b"",
], ids=["gif", "bmp", "tiff", "riff-wave", "empty"])
def test_formats_other_than_jpeg_png_webp_are_refused_by_magic_bytes(data):
    with pytest.raises(UnsupportedImage):
        sniff(data)
    with pytest.raises(UnsupportedImage):
        normalise(data)


def test_png_bytes_behind_a_jpeg_like_start_never_reach_another_decoder():
    # Starts like a JPEG, is really a PNG: Pillow is told JPEG only, so it refuses instead of guessing.
    forged = b"\xff\xd8\xff" + encode(Image.new("RGB", (60, 80)), "PNG")
    with pytest.raises(ImageCorrupt):
        normalise(forged)


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_jpeg_is_corrupt(cut):
    data = encode(portrait((600, 800)))
    with pytest.raises(ImageCorrupt):
        normalise(data[:int(len(data) * cut)])


def test_garbage_after_a_png_signature_is_corrupt():
    with pytest.raises(ImageCorrupt):
        normalise(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)


def test_decompression_bomb_is_refused_from_its_header():
    with pytest.raises(ImageTooLarge):
        normalise(png_declaring(30000, 30000))
    # A real, fully decodable 48 MP image: only the header check can refuse it.
    bomb = valid_zero_png(8000, 6000)
    assert len(bomb) < 200_000
    with pytest.raises(ImageTooLarge) as caught:
        normalise(bomb)
    assert "8000×6000" in caught.value.message
    assert normalise(valid_zero_png(600, 800)).width == 600  # the same construction under the limit is fine


# --- the API ---------------------------------------------------------------------------------------


def url(digest):
    return f"/api/v1/photos/{digest}"


def put(client, data, digest=None, content_type="image/jpeg", **kwargs):
    digest = digest or hashlib.sha256(data).hexdigest()
    return client.put(url(digest), data=data, content_type=content_type, **kwargs)


def use_in_submission(unit, user, digest):
    """A submission in `unit` that uses the photo: what makes it readable to that unit's scope."""
    db.session.add(Submission(client_id=str(uuid.uuid4()), content_hash="0" * 64, device_id="tablet-1",
                              user_id=user.id, unit_id=unit.id, captured_at=datetime.now(timezone.utc),
                              location_kind="station", photo_sha256=digest, fields={}, status="needs_review",
                              review_reasons=[]))
    db.session.commit()


@pytest.fixture
def officer(login_as):
    return login_as("officer", "C1")


def test_upload_stores_a_normalised_portrait_and_answers_201(app, officer):
    data = sideways_jpeg_with_gps()
    digest = hashlib.sha256(data).hexdigest()
    response = put(officer, data)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["sha256"] == digest and (body["width"], body["height"]) == (600, 800)
    assert set(body["quality"]) == {"verdict", "warnings", "source", "brightness", "contrast", "sharpness"}
    row = db.session.get(Photo, digest)
    assert row.uploaded_by_id == officer.user.id and row.bytes == body["bytes"]
    path = FileStore(app.config["PHOTO_DIR"]).path(row.stored_sha256)
    assert path == Path(app.config["PHOTO_DIR"]) / row.stored_sha256[:2] / row.stored_sha256[2:4] / \
        f"{row.stored_sha256}.jpg"
    stored = path.read_bytes()
    assert hashlib.sha256(stored).hexdigest() == row.stored_sha256 and len(stored) == body["bytes"]
    assert Image.open(io.BytesIO(stored)).size == (600, 800) and b"GPS" not in stored
    files = [p for p in Path(app.config["PHOTO_DIR"]).rglob("*") if p.is_file()]
    assert files == [path]  # only the normalised JPEG: no temp file, not the original
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "photo.store")).all()
    assert [(e.object_id, e.user_id, e.detail) for e in events] == [(digest, officer.user.id, {})]


def test_same_upload_again_answers_200_with_the_same_body(app, officer):
    data = encode(portrait(), "PNG")
    first, second = put(officer, data), put(officer, data)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.data == second.data
    assert db.session.scalar(select(db.func.count()).select_from(Photo)) == 1


def test_upload_that_loses_a_race_answers_200_with_the_winners_row(app, officer):
    data = encode(portrait())
    digest = hashlib.sha256(data).hexdigest()

    def competitor_commits_first(session, _context=None, _instances=None):
        # Another worker stores the same photo between our existence check and our insert (at our flush, which
        # may come from a commit hook before the commit itself).
        mine = next((o for o in session.new if isinstance(o, Photo)), None)
        if mine is None:
            return
        with db.engine.begin() as conn:
            conn.execute(insert(Photo).values(
                sha256=mine.sha256, stored_sha256=mine.stored_sha256, width=mine.width, height=mine.height,
                bytes=mine.bytes, quality=mine.quality, uploaded_by_id=mine.uploaded_by_id,
                created_at=datetime.now(timezone.utc)))

    session = db.session()
    event.listen(session, "before_flush", competitor_commits_first)
    try:
        response = put(officer, data)
    finally:
        event.remove(session, "before_flush", competitor_commits_first)
    assert response.status_code == 200, response.json
    assert response.json["sha256"] == digest and response.json["width"] == 600
    assert put(officer, data).data == response.data


def test_wrong_hash_is_refused(app, officer):
    data = encode(portrait((300, 400)))
    response = put(officer, data, digest=hashlib.sha256(b"something else").hexdigest())
    assert response.status_code == 400 and response.json["error"]["code"] == "hash_mismatch"
    assert db.session.scalar(select(db.func.count()).select_from(Photo)) == 0


@pytest.mark.parametrize("digest", ["A" * 64, "a" * 63, "g" * 64, "a" * 65])
def test_malformed_address_is_refused(app, officer, digest):
    response = officer.put(url(digest), data=b"\xff\xd8\xff", content_type="image/jpeg")
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_sha256"
    assert officer.get(url(digest)).status_code == 404


@pytest.mark.parametrize("fmt", ["GIF", "BMP"])
def test_gif_or_bmp_sent_as_image_jpeg_is_unsupported(app, officer, fmt):
    response = put(officer, encode(Image.new("RGB", (60, 80)), fmt), content_type="image/jpeg")
    assert response.status_code == 415 and response.json["error"]["code"] == "unsupported_image"


def test_png_sent_as_image_jpeg_is_judged_by_its_bytes(app, officer):
    assert put(officer, encode(portrait((300, 400)), "PNG"), content_type="image/jpeg").status_code == 201


def test_truncated_jpeg_answers_image_corrupt(app, officer):
    data = encode(portrait((600, 800)))[:5000]
    response = put(officer, data)
    assert response.status_code == 422 and response.json["error"]["code"] == "image_corrupt"


def test_decompression_bomb_answers_image_too_large(app, officer):
    response = put(officer, png_declaring(30000, 30000), content_type="image/png")
    assert response.status_code == 422 and response.json["error"]["code"] == "image_too_large"
    assert not any(p.is_file() for p in Path(app.config["PHOTO_DIR"]).rglob("*"))


def test_body_over_10_mib_is_refused(app, officer):
    data = b"\xff\xd8\xff" + bytes(10 * 1024 * 1024 - 2)
    response = put(officer, data)
    assert response.status_code == 413 and response.json["error"]["code"] == "too_large"
    assert put(officer, data[:-1]).json["error"]["code"] == "image_corrupt"  # at the limit it is read


def test_chunked_body_without_length_is_cut_at_the_limit(app, officer):
    app.config["PHOTO_MAX_BYTES"] = 1000

    def send(data):
        # As a server hands on a chunked upload: no Content-Length, the stream ends where the body does.
        return officer.put(url(hashlib.sha256(data).hexdigest()), input_stream=io.BytesIO(data),
                           content_type="image/jpeg", headers={"Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})

    response = send(b"\xff\xd8\xff" + bytes(5000))
    assert response.status_code == 413 and response.json["error"]["code"] == "too_large"
    assert send(b"\xff\xd8\xff" + bytes(997)).json["error"]["code"] == "image_corrupt"  # 1000 bytes: read whole


def test_head_tells_whether_the_caller_may_use_the_photo(app, login_as, officer):
    """CONTRACT §5: 200 when stored and usable by the caller (they uploaded it, or a submission in their scope
    uses it). Another unit's officer who only knows the hash hears 404; sending the bytes proves they hold them."""
    data = encode(portrait((300, 400)))
    digest = hashlib.sha256(data).hexdigest()
    other = login_as("officer", "C2")
    assert other.head(url(digest)).status_code == 404
    assert put(officer, data).status_code == 201
    assert officer.head(url(digest)).status_code == 200
    assert other.head(url(digest)).status_code == 404  # the hash alone is no key
    assert put(other, data).status_code == 200
    response = other.head(url(digest))
    assert response.status_code == 200 and response.data == b""


def test_get_serves_the_jpeg_only_within_the_scope_of_a_submission_using_it(app, login_as, tree, officer):
    data = sideways_jpeg_with_gps()
    digest = hashlib.sha256(data).hexdigest()
    assert put(officer, data).status_code == 201
    assert officer.get(url(digest)).status_code == 404  # stored but not used by any submission: no one reads it
    use_in_submission(tree["C1"], officer.user, digest)
    response = officer.get(url(digest))
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "no-store"  # a lost tablet keeps no portraits in its cache
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == FileStore(app.config["PHOTO_DIR"]).read(db.session.get(Photo, digest).stored_sha256)
    assert officer.get(url(digest), headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert login_as("team_lead", "G1").get(url(digest)).status_code == 200  # C1 lies under G1
    outside = login_as("officer", "C2").get(url(digest))
    assert outside.status_code == 404 and outside.json["error"]["code"] == "not_found"
    assert login_as("unit_admin", "A2").get(url(digest)).status_code == 404


def test_get_of_a_photo_never_stored_is_not_found(app, officer):
    response = officer.get(url("0" * 64))
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_viewer_may_not_upload_or_read(app, login_as):
    viewer = login_as("viewer", "P")
    data = encode(portrait((300, 400)))
    response = put(viewer, data)
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert viewer.get(url(hashlib.sha256(data).hexdigest())).status_code == 403
    assert db.session.scalar(select(db.func.count()).select_from(Photo)) == 0


def test_upload_without_csrf_token_is_refused(app, officer):
    data = encode(portrait((300, 400)))
    response = officer.client.put(url(hashlib.sha256(data).hexdigest()), data=data, content_type="image/jpeg")
    assert response.status_code == 403 and response.json["error"]["code"] == "csrf_failed"
    assert db.session.get(Photo, hashlib.sha256(data).hexdigest()) is None
