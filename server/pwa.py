"""Serves the tablet app from static/pwa at the site root (the service worker needs scope "/")."""
from pathlib import Path

from flask import Blueprint, abort, redirect, request, send_from_directory
from werkzeug.routing import PathConverter

PWA_DIR = Path(__file__).resolve().parent.parent / "static" / "pwa"

bp = Blueprint("pwa", __name__)


class AppPath(PathConverter):
    """A path of the app, never one under /api/: so a GET of a POST-only API path answers 405 (with Allow),
    not the app's 404, and an unknown API path falls through to the JSON 404."""

    regex = r"(?!api/)[^/].*?"


bp.record_once(lambda state: state.app.url_map.converters.setdefault("app_path", AppPath))

MIMETYPES = {".webmanifest": "application/manifest+json", ".js": "text/javascript", ".mjs": "text/javascript",
             ".wasm": "application/wasm"}  # compiled while it streams in (WebAssembly.instantiateStreaming)


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


@bp.get("/review")
@bp.get("/review/")
def review():
    """The review screen moved into the console; old links and bookmarks land on its review section."""
    lang = request.args.get("lang")
    query = f"?lang={lang}" if lang in ("vi", "en") else ""
    return redirect(f"/console/{query}#review")


@bp.get("/<app_path:filename>")
def asset(filename):
    """A file of the app; a folder (such as /review/) serves its index.html.

    A path that leaves the app's folder (`/..%2f..%2fetc`) is a 404 before the disk is asked anything:
    answering a redirect for folders that exist outside it would tell which ones do."""
    if not (PWA_DIR / filename).resolve().is_relative_to(PWA_DIR):
        abort(404)
    if (PWA_DIR / filename).is_dir():
        if not filename.endswith("/"):
            return redirect(f"/{filename}/")
        filename += "index.html"
    return _send(filename)
