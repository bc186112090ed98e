"""The scope helper: one mechanism confining queries to the caller's subtree."""
import pytest
from sqlalchemy import select

from server.auth import create_user
from server.errors import Forbidden, NotFound
from server.extensions import db
from server.models import Member, Unit, Visit
from server.scope import get_in_scope, in_scope, require_role, unit_in_scope
from server.units import add_unit
from tests.conftest import PASSWORD


def _user(role, unit):
    user = create_user(f"{role}-{unit.lower()}", PASSWORD, role, unit)
    db.session.commit()
    return user


def test_subtree_query_sees_own_units_members_only(members, tree):
    codes = lambda user: sorted(db.session.scalars(in_scope(select(Member.member_code), Member, user)))
    assert codes(_user("officer", "C1")) == ["M1", "M2"]
    assert codes(_user("officer", "G2")) == ["M3"]
    assert codes(_user("viewer", "P")) == ["M1", "M2", "M3"]


def test_sibling_with_a_path_prefix_in_common_is_not_in_scope(app, tree):
    """/1/2/ must not match /1/23/: the path ends with a slash for exactly this reason."""
    for i in range(12):  # create enough units that ids like 2 and 2x both exist
        add_unit(f"X{i}", f"Phường {i}", "affiliated", tree["P"])
    db.session.commit()
    a1 = tree["A1"]
    longer = db.session.scalars(select(Unit).where(Unit.path.startswith(a1.path.rstrip("/")),
                                                   Unit.path != a1.path, Unit.depth == a1.depth)).all()
    user = _user("officer", "A1")
    visible = set(db.session.scalars(in_scope(select(Unit.code), Unit, user)))
    assert visible == {"A1", "G1", "C1"}
    assert all(u.code not in visible for u in longer)


def test_get_in_scope_hides_other_units_like_missing_rows(members):
    officer = _user("officer", "C1")
    assert get_in_scope(Member, members["m1"].id, officer).member_code == "M1"
    with pytest.raises(NotFound):
        get_in_scope(Member, members["m3"].id, officer)
    with pytest.raises(NotFound):
        get_in_scope(Member, 999999, officer)


def test_visits_are_scoped_through_their_member(members, tree):
    lead = _user("team_lead", "G2")
    visit = Visit(member_id=members["m1"].id, kind="home", assignee_id=lead.id)
    db.session.add(visit)
    db.session.commit()
    with pytest.raises(NotFound):
        get_in_scope(Visit, visit.id, lead)
    assert get_in_scope(Visit, visit.id, _user("team_lead", "G1")).id == visit.id


def test_unit_lookup_by_code_outside_scope_is_not_found(tree):
    user = _user("viewer", "A1")
    assert unit_in_scope("C1", user).code == "C1"
    for code in ("C2", "P", "NOPE"):
        with pytest.raises(NotFound):
            unit_in_scope(code, user)


@pytest.mark.parametrize("role,least,allowed", [
    ("viewer", "officer", False), ("officer", "officer", True), ("officer", "team_lead", False),
    ("team_lead", "team_lead", True), ("team_lead", "unit_admin", False), ("unit_admin", "team_lead", True),
])
def test_roles_rank_viewer_officer_lead_admin(tree, role, least, allowed):
    user = _user(role, "G1")
    if allowed:
        require_role(user, least)
    else:
        with pytest.raises(Forbidden):
            require_role(user, least)
