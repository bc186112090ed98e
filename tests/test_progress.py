"""Progress: counts of members over a four-level tree, computed by hand below."""
import pytest
from tests.fieldwork_helpers import add_member, add_submission

from server.extensions import db
from server.models import utcnow
from server.progress import percent
from server.units import add_unit

URL = "/api/v1/progress"


@pytest.fixture
def campaign(app, tree, members, login_as):
    """P → A1 → G1 → C1 (m1 verified, m2 needs review, m4 none, m5 removed though verified)
                   → C1B (m6 two submissions, one verified; m7, m8 none)
                   → C1C (empty)
              → G1B → C3 (m9 needs review)
         → A2 → G2 → C2 (m3 verified)
    Also a submission for someone not on the roster (counts for nobody)."""
    u = dict(tree)
    u["C1B"] = add_unit("C1B", "Chi bộ 1B", "cell", u["G1"])
    u["C1C"] = add_unit("C1C", "Chi bộ 1C", "cell", u["G1"])
    u["G1B"] = add_unit("G1B", "Đảng bộ cơ sở 1B", "grassroots", u["A1"])
    u["C3"] = add_unit("C3", "Chi bộ 3", "cell", u["G1B"])
    db.session.commit()
    officer = login_as("officer", "P").user
    m = dict(members)
    for code, unit in (("m4", "C1"), ("m5", "C1"), ("m6", "C1B"), ("m7", "C1B"), ("m8", "C1B"), ("m9", "C3")):
        m[code] = add_member(u[unit], code.upper())
    m["m5"].removed_at = utcnow()
    for code, status in (("m1", "verified"), ("m2", "needs_review"), ("m5", "verified"), ("m6", "needs_review"),
                         ("m6", "verified"), ("m9", "needs_review"), ("m3", "verified")):
        add_submission(m[code], officer, status)
    add_submission(None, officer, "needs_review", unit=u["C1"])
    db.session.commit()
    return u


def numbers(entry):
    return (entry["unit"]["code"], entry["target"], entry["collected"], entry["verified"], entry["needs_review"],
            entry["percent"])


def test_province_progress_sums_the_whole_tree(campaign, login_as):
    body = login_as("viewer", "P").get(URL).json
    assert numbers(body) == ("P", 8, 5, 3, 2, 62.5)
    assert body["unit"] == {"code": "P", "name": "Tỉnh ủy Thử nghiệm", "kind": "province"}
    assert [numbers(c) for c in body["children"]] == [("A1", 7, 4, 2, 2, 57.1), ("A2", 1, 1, 1, 0, 100.0)]
    assert all("children" not in c for c in body["children"])


def test_grassroots_progress_lists_every_cell_even_empty_ones(campaign, login_as):
    body = login_as("unit_admin", "A1").get(f"{URL}?unit=G1").json
    assert numbers(body) == ("G1", 6, 3, 2, 1, 50.0)
    assert [numbers(c) for c in body["children"]] == [
        ("C1", 3, 2, 1, 1, 66.7), ("C1B", 3, 1, 1, 0, 33.3), ("C1C", 0, 0, 0, 0, 0.0)]


def test_affiliated_progress_groups_grandchildren_under_their_child(campaign, login_as):
    body = login_as("officer", "A1").get(URL).json
    assert numbers(body) == ("A1", 7, 4, 2, 2, 57.1)
    assert [numbers(c) for c in body["children"]] == [("G1", 6, 3, 2, 1, 50.0), ("G1B", 1, 1, 0, 1, 100.0)]


def test_cell_progress_has_no_children(campaign, login_as):
    body = login_as("team_lead", "C1").get(URL).json
    assert numbers(body) == ("C1", 3, 2, 1, 1, 66.7) and body["children"] == []


@pytest.mark.parametrize("code", ["G2", "P", "NO-SUCH-UNIT"])
def test_units_outside_scope_or_unknown_answer_404(campaign, login_as, code):
    response = login_as("viewer", "A1").get(f"{URL}?unit={code}")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize("collected, target, expected", [
    (0, 0, 0.0), (1, 8, 12.5), (2, 3, 66.7), (49, 400, 12.3), (1, 3, 33.3), (65000, 69149, 94.0), (5, 5, 100.0)])
def test_percent_rounds_to_one_decimal_half_up(collected, target, expected):
    assert percent(collected, target) == expected
