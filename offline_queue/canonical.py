"""The canonical form of a submitted item and its content hash: what decides duplicate vs. reused client_id.

Two copies of one item must hash the same whatever the tablet's JSON encoder did (key order, spacing,
NFC vs NFD text); anything else that differs — one more space in a name, null vs. an absent key — is a
different item. This module never looks at what the fields mean.
"""
import hashlib
import json
import unicodedata


def nfc_deep(value):
    """`value` with every string in it (object keys too) in Unicode NFC."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {nfc_deep(key): nfc_deep(item) for key, item in value.items()}
    if isinstance(value, list):
        return [nfc_deep(item) for item in value]
    return value


def canonical_json(value) -> bytes:
    """UTF-8 JSON with sorted keys, no insignificant whitespace and all text in NFC."""
    return json.dumps(nfc_deep(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def content_hash(item) -> str:
    """Lowercase hex SHA-256 of the item's canonical JSON."""
    return hashlib.sha256(canonical_json(item)).hexdigest()
