"""The submissions envelope (CONTRACT §5): strict JSON, a device id and 1–50 items, or a 400 for the whole
request. Nothing is stored for a bad envelope; what is inside each item is ingest's business, not this one's.
"""
import json
import math
import unicodedata

from server.errors import DomainError
from server.json_body import InvalidJson, loads_bounded

MAX_ITEMS = 50
MAX_DEVICE_ID = 128
# Envelope → items → item → fields → value: nothing legitimate nests deeper than this.
MAX_DEPTH = 8


class BadEnvelope(DomainError):
    status, code, message = 400, "invalid_envelope", "The request is not a submissions envelope."


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _too_deep(value, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def parse_json(body: bytes):
    """Strict JSON: UTF-8, finite numbers, no lone surrogates (storage and hashing need real text)."""
    try:
        value = loads_bounded(body, parse_float=_finite_float, parse_constant=_refuse_constant)
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (InvalidJson, ValueError):  # UnicodeError is a ValueError
        raise BadEnvelope("The body is not valid JSON.", code="invalid_json") from None
    return value


def _field_error(name: str, code: str, **params) -> dict:
    return {name: [{"code": code, "params": params}]}


def parse_envelope(body: bytes) -> tuple[str, list]:
    """(device_id, items) of a submissions request, or BadEnvelope: then nothing at all is stored."""
    envelope = parse_json(body)
    if not isinstance(envelope, dict):
        raise BadEnvelope(fields=_field_error("_schema", "invalid_type"))
    unknown = sorted(set(envelope) - {"device_id", "items"})
    if unknown:
        raise BadEnvelope(fields={name: [{"code": "unknown_field", "params": {}}] for name in unknown})
    device_id, items = envelope.get("device_id"), envelope.get("items")
    if not isinstance(device_id, str) or not device_id.strip():
        raise BadEnvelope(fields=_field_error("device_id", "required"))
    if len(device_id) > MAX_DEVICE_ID:
        raise BadEnvelope(fields=_field_error("device_id", "too_long", max=MAX_DEVICE_ID))
    if any(unicodedata.category(char)[0] in "CZ" and char != " " for char in device_id):
        raise BadEnvelope(fields=_field_error("device_id", "invalid_characters"))
    if not isinstance(items, list):
        raise BadEnvelope(fields=_field_error("items", "required" if items is None else "invalid_type"))
    if not items:
        raise BadEnvelope("A batch holds at least one item.", code="no_items",
                          fields=_field_error("items", "too_few_items", min=1))
    if len(items) > MAX_ITEMS:
        raise BadEnvelope(f"A batch holds at most {MAX_ITEMS} items.", code="too_many_items",
                          fields=_field_error("items", "too_many_items", max=MAX_ITEMS))
    if _too_deep(envelope, MAX_DEPTH):
        raise BadEnvelope("The body nests too deeply.", fields=_field_error("items", "too_deep", max=MAX_DEPTH))
    return device_id, items
