"""The interactive API page at /api/docs, served from the swagger-ui-bundle package (no CDN, no inline script)."""
from flask import Blueprint, Response, send_from_directory
from swagger_ui_bundle import swagger_ui_path

blp = Blueprint("docs", __name__, url_prefix="/api/docs")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fieldkit API</title>
<link rel="stylesheet" href="/api/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/static/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>"""

INIT = 'window.ui = SwaggerUIBundle({url: "/api/openapi.json", dom_id: "#swagger-ui"});\n'

# Swagger UI sets inline styles; scripts stay 'self' only.
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "frame-ancestors 'none'; object-src 'none'; base-uri 'self'")


@blp.get("")
@blp.get("/")
def page():
    return Response(PAGE, mimetype="text/html", headers={"Content-Security-Policy": DOCS_CSP})


@blp.get("/init.js")
def init_js():
    return Response(INIT, mimetype="text/javascript")


@blp.get("/static/<path:filename>")
def static(filename):
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
