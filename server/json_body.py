"""One JSON parsing path for request bodies, with bounds (issue 15): nesting depth and integer length.

Python's json module recurses once per level (`[`×100,000 raises RecursionError) and refuses integers over
4,300 digits with a plain ValueError; neither is a JSONDecodeError, so webargs let both through as a 500.
`loads_bounded` measures the depth on the raw bytes before parsing and bounds integers, answering
400 `invalid_json`. `check_request_body` runs it on every JSON body of the API before any view, so
webargs/flask-smorest only ever parse a body known to be sane; the sync envelope (parsed in
offline_queue.envelope, with the body read once) calls `loads_bounded` itself.
"""
from __future__ import annotations

import codecs
import json
import re

from flask import request

from .errors import DomainError

MAX_DEPTH = 32  # the deepest legitimate body (a sync envelope) nests 5 levels
MAX_INT_DIGITS = 40  # ids are 64-bit at most; longer integers are refused, not turned into 500s
# A string (with escapes) or a bracket: brackets inside strings do not count towards the depth.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class InvalidJson(DomainError):
    status, code, message = 400, "invalid_json", "The body is not valid JSON."


def depth_of(body: bytes) -> int:
    """The deepest nesting of arrays and objects in `body` (an estimate for malformed text; never too low)."""
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        return 0  # cannot be too deep: skip the scan for ordinary bodies
    depth = deepest = 0
    for match in _TOKENS.finditer(body):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                return depth
            deepest = max(deepest, depth)
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError("integer too long")
    return int(text)


def loads_bounded(body: bytes, **kwargs):
    """Parse a JSON body (UTF-8, a BOM allowed) within the bounds, or raise InvalidJson."""
    if depth_of(body) > MAX_DEPTH:
        raise InvalidJson("The body nests too deeply.", fields={"_schema": [
            {"code": "too_deep", "params": {"max": MAX_DEPTH}}]})
    try:
        return json.loads(body.decode("utf-8-sig"), parse_int=_bounded_int, **kwargs)
    except (ValueError, RecursionError):  # UnicodeError and JSONDecodeError are ValueErrors
        raise InvalidJson() from None


def check_request_body():
    """before_request: refuse an unparseable or unbounded JSON body of any API request with 400 invalid_json."""
    if not request.path.startswith("/api/") or not request.is_json:
        return
    if request.endpoint == "sync.post_submissions":
        return  # parsed once, by the envelope parser, through loads_bounded
    body = request.get_data(cache=True)
    if body.startswith(codecs.BOM_UTF8):
        # A body saved by Notepad or PowerShell starts with a BOM, which RFC 8259 lets a parser ignore; the views'
        # parser (webargs) refuses it with a bare 400 bad_request, so the cached body the views read goes without.
        body = request._cached_data = body[len(codecs.BOM_UTF8):]
    if body.strip():
        loads_bounded(body)
