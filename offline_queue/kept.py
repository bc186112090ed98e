"""Bounds on what the server keeps of rejected items (CONTRACT §5: "the server keeps every rejected payload").

The promise stays — what was typed is kept — within bounds, so one officer cannot fill the disk with
40 MB envelopes of 400,000-character fields (issue 15):
- an envelope holding a string no item could ever carry (longer than 10× the longest field allows) is refused
  whole, 413 `item_too_large`, nothing stored: no tablet of ours ever sends one;
- each kept item is cut to KEEP_STRING_CHARS per string and KEEP_ENTRIES entries per object or list (and
  to KEEP_ITEM_BYTES in all), and the row is marked `truncated`; anything typed on the form fits whole;
- each user keeps at most KEEP_BYTES_PER_DEVICE_DAY a day, counted over all their devices (a device id is
  whatever the client says, so counting per device alone could be dodged); past that only the reasons and the
  client_id are kept (the row says `truncated`), still enough for the tablet to resend the item.
The refusal bound is one for every string (10× the longest field), not 10× each field's own maximum: a
refused envelope stops the tablet's whole queue, so only what no form can produce is refused.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select

from server.record_fields import ITEM_FIELDS, MAX_LENGTHS, VIETNAM
from server.errors import DomainError
from server.extensions import db
from server.models import RejectedPayload

NEVER_VALID_FACTOR = 10
LONGEST_FIELD = max(MAX_LENGTHS[name] for name in ITEM_FIELDS if name in MAX_LENGTHS)  # of a record's fields
KEEP_STRING_CHARS = 2 * LONGEST_FIELD  # every legitimate value fits, with room for odd whitespace
KEEP_ENTRIES = 64  # an item has 10 top-level keys and 12 fields
KEEP_ITEM_BYTES = 64 * 1024
KEEP_BYTES_PER_DEVICE_DAY = 5 * 1024 * 1024  # a few thousand rejected records a day: far beyond a real day
_VIETNAM = VIETNAM


NEVER_VALID_CHARS = NEVER_VALID_FACTOR * LONGEST_FIELD


def refuse_never_valid(items: list) -> None:
    """413 item_too_large when any string (key or value) in any item is longer than NEVER_VALID_CHARS."""
    for index, item in enumerate(items):
        stack = [item]
        while stack:
            node = stack.pop()
            if isinstance(node, str):
                if len(node) > NEVER_VALID_CHARS:
                    raise DomainError("An item holds text far longer than any field allows; nothing was stored.",
                                      code="item_too_large", status=413,
                                      fields={f"items.{index}": [{"code": "item_too_large",
                                                                  "params": {"max": NEVER_VALID_CHARS}}]})
            elif isinstance(node, dict):
                stack.extend(node.keys())
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)


def _bounded(value) -> tuple[object, bool]:
    """A copy of `value` with long strings and long objects or lists cut; (copy, whether anything was cut)."""
    if isinstance(value, str):
        return (value[:KEEP_STRING_CHARS], True) if len(value) > KEEP_STRING_CHARS else (value, False)
    if isinstance(value, dict):
        cut = len(value) > KEEP_ENTRIES
        out = {}
        for key, child in list(value.items())[:KEEP_ENTRIES]:
            out[key[:KEEP_STRING_CHARS]], child_cut = _bounded(child)
            cut = cut or child_cut or len(key) > KEEP_STRING_CHARS
        return out, cut
    if isinstance(value, list):
        pairs = [_bounded(child) for child in value[:KEEP_ENTRIES]]
        return [copy for copy, _ in pairs], len(value) > KEEP_ENTRIES or any(cut for _, cut in pairs)
    return value, False


def _kept_today(user_id: int) -> int:
    start = datetime.now(_VIETNAM).replace(hour=0, minute=0, second=0, microsecond=0)
    return db.session.scalar(select(func.coalesce(func.sum(RejectedPayload.kept_bytes), 0)).where(
        RejectedPayload.user_id == user_id, RejectedPayload.received_at >= start)) or 0


def keepable(raw, user_id: int) -> tuple[object, int, bool]:
    """(payload to keep, its size in bytes, truncated?) of one rejected item, within the bounds above."""
    payload, truncated = _bounded(raw)
    size = len(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
    if size > KEEP_ITEM_BYTES or _kept_today(user_id) + size > KEEP_BYTES_PER_DEVICE_DAY:
        return {}, 0, True
    return payload, size, truncated
