"""Serves the tablet app from static/pwa at the site root (the service worker needs scope "/")."""
from pathlib import Path

from flask import Blueprint, abort, redirect, send_from_directory

PWA_DIR = Path(__file__).resolve().parent.parent / "static" / "pwa"

bp = Blueprint("pwa", __name__)

MIMETYPES = {".webmanifest": "application/manifest+json", ".js": "text/javascript", ".mjs": "text/javascript"}


def _send(filename: str, max_age: int = 0):
    path = PWA_DIR / filename
    if not path.is_file():
        abort(404)
    response = send_from_directory(PWA_DIR, filename, max_age=max_age,
                                   mimetype=MIMETYPES.get(path.suffix))
    response.headers["Cache-Control"] = "no-cache"  # the service worker owns offline caching
    return response


@bp.get("/")
def index():
    return _send("index.html")


@bp.get("/sw.js")
def service_worker():
    response = _send("sw.js")
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/<path:filename>")
def asset(filename):
    """A file of the app; a folder (such as /review/) serves its index.html."""
    if filename.startswith("api/"):
        abort(404)
    if (PWA_DIR / filename).is_dir():
        if not filename.endswith("/"):
            return redirect(f"/{filename}/")
        filename += "index.html"
    return _send(filename)
