"""gunicorn entry for the browser tests: the real app, serving the tablet app from FIELDKIT_E2E_PWA_DIR.

The directory is a byte-for-byte copy of static/pwa made by the fixture, so a test can deploy a "new
version" of the app (change a file, regenerate the precache list) without touching the repository.
"""
import os
from pathlib import Path

from server import create_app as build_app
from server import pwa


def create_app():
    pwa.PWA_DIR = Path(os.environ["FIELDKIT_E2E_PWA_DIR"])
    return build_app()
