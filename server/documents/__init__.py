"""The campaign's printed documents: A4 PDFs rendered from HTML templates by WeasyPrint.

WeasyPrint lays the page out with Pango/HarfBuzz, so stacked Vietnamese marks (ệ, ỗ, Ằ) are shaped by a
real text engine, table headers repeat on every page and the text stays extractable. Templates live in
`templates/` and extend `base.html` (A4, margins, fonts, page numbers). Everything rendered is NFC,
whatever form the data arrived in. This module renders; it never decides who may see what, and it never
audits: the caller checks scope and records the download.
"""
from __future__ import annotations

import io
import unicodedata
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

from flask import Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates"


def vn_date(value) -> str:
    """A date as printed in Vietnam: '1962-05-01' or a date → '01/05/1962'; a year alone stays as it is."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return f"{text[8:10]}/{text[5:7]}/{text[0:4]}"
    return text


def vn_datetime(value: datetime | None) -> str:
    """An aware datetime shown in Vietnam's time: '08/08/2025 14:03'."""
    if value is None:
        return ""
    from ..record_fields import VIETNAM
    local = value.astimezone(VIETNAM)
    return local.strftime("%d/%m/%Y %H:%M")


def css_string(value) -> Markup:
    """`value` as the inside of a CSS string (for `content: "..."` in a template's <style>): HTML escaping
    means nothing inside <style>, so quotes, backslashes, line ends and `<` are escaped the CSS way."""
    text = str(value)
    for char, escaped in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\A "), ("<", "\\3C ")):
        text = text.replace(char, escaped)
    return Markup(text)


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["vn_date"] = vn_date
    env.filters["vn_datetime"] = vn_datetime
    env.filters["css_string"] = css_string
    return env


_ENV = None


def render_html(template: str, **context) -> str:
    """The template filled in, as NFC text (names typed in NFD come out as the same NFC letters)."""
    global _ENV
    if _ENV is None:
        _ENV = _environment()
    return unicodedata.normalize("NFC", _ENV.get_template(template).render(**context))


def render_pdf(template: str, font_config=None, **context) -> bytes:
    """Render `template` with `context` to A4 PDF bytes (`font_config`: one shared by a job's documents,
    from `engine.font_configuration()`)."""
    from PIL import ImageFile

    from .engine import LeanHTML  # imported on first use: it loads Pango, which the API never needs otherwise

    # WeasyPrint's import turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process; the photo pipeline must
    # keep refusing truncated portraits (422 image_corrupt) in a worker that has rendered a PDF.
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    return LeanHTML(string=render_html(template, **context), base_url=str(TEMPLATES)).write_pdf(
        font_config=font_config)


def concat_pdfs(parts) -> bytes:
    """One PDF of the pages of `parts` (PDF bytes), in order.

    For long documents made of independent sections (a list per cell): each section is rendered on its
    own, so only one section's layout is ever in memory and each numbers its own pages ("Trang 1/3" of
    that cell's list, which is what its secretary holds)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def inline_disposition(filename: str) -> str:
    """A Content-Disposition for `filename` (a unit's code may be any text): an ASCII fallback, since a header
    value outside Latin-1 makes gunicorn answer 500 instead of the file, and the UTF-8 name (RFC 6266)."""
    ascii_name = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in filename)
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def pdf_response(data: bytes, filename: str) -> Response:
    """A PDF download that no cache keeps (documents carry personal data)."""
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = inline_disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    return response
