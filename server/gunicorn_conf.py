"""gunicorn settings for fieldkit: `gunicorn -c python:server.gunicorn_conf "server:create_app()"`.

gunicorn answers some requests itself, before the app sees them — a request line over `limit_request_line`,
too many or too large headers, a malformed request — and it answers them in HTML. CONTRACT §5 promises JSON
for every error, so its error writer is replaced here (this file runs in the master before the workers fork,
and the workers call `gunicorn.util.write_error` through the module). gunicorn's message is never echoed:
it quotes the request, and the request may carry personal data.
"""
import json
import sys

from gunicorn import util
from gunicorn.glogging import Logger

# gunicorn's defaults, stated so they are documented: longer request lines answer 414, larger headers 431.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

_CODES = {400: "bad_request", 403: "forbidden", 414: "request_line_too_long", 417: "expectation_failed",
          431: "headers_too_large", 500: "internal_error", 501: "not_implemented"}


def write_json_error(sock, status_int, reason, mesg):
    body = json.dumps({"error": {"code": _CODES.get(status_int, "bad_request"),
                                 "message": f"The server could not read this request ({reason})."}}).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json; charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin1") + body)


util.write_error = write_json_error


class PrivateLogger(Logger):
    """gunicorn's own log lines without what the request carried. It logs a request it could not parse as
    "Invalid request from ip=…: " followed by the request line or header it choked on, and an error that escaped
    the app (a streamed download failing half-way) with the URI, query string included, and the traceback, whose
    last line quotes the exception's message: a name or citizen ID may sit in any of them."""

    def warning(self, msg, *args, **kwargs):
        if isinstance(msg, str) and msg.startswith("Invalid request from"):
            msg, args = msg.split(": ", 1)[0], ()  # keep who sent it; drop what they sent
        super().warning(msg, *args, **kwargs)

    def exception(self, msg, *args, **kwargs):
        error = sys.exc_info()[1]
        text = msg.split("%", 1)[0].strip() if isinstance(msg, str) else "worker error"
        self.error_log.error("%s: %s", text, type(error).__name__ if error is not None else "error")


logger_class = PrivateLogger
