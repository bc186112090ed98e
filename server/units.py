"""The organisation tree: adding units with their materialised path, and walking it."""
from sqlalchemy import select

from .errors import DomainError
from .extensions import db
from .models import UNIT_KINDS, Unit

# A unit's kind must sit directly below its parent's kind.
PARENT_KIND = {"province": None, "affiliated": "province", "grassroots": "affiliated", "cell": "grassroots"}


def add_unit(code: str, name: str, kind: str, parent: Unit | None) -> Unit:
    """Create a unit under `parent` and set its path; flushes to get the id the path needs."""
    if kind not in UNIT_KINDS:
        raise DomainError(f"Unknown unit kind {kind!r}.", code="invalid_kind")
    expected = PARENT_KIND[kind]
    if (parent is None) != (expected is None) or (parent is not None and parent.kind != expected):
        raise DomainError(f"A {kind} unit cannot sit under {parent.kind if parent else 'nothing'}.",
                          code="invalid_parent")
    unit = Unit(code=code, name=name, kind=kind, parent=parent, depth=0 if parent is None else parent.depth + 1)
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    return unit


def by_code(code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.code == code))
