"""Users in scope: listing for leads, management for unit admins, nothing outside the subtree."""
from tests.conftest import PASSWORD


def test_lead_lists_only_users_in_own_subtree(login_as):
    lead = login_as("team_lead", "G1")
    login_as("officer", "C1", "an.c1")
    login_as("officer", "C2", "binh.c2")
    names = [u["username"] for u in lead.get("/api/v1/users").json["users"]]
    assert "an.c1" in names and "binh.c2" not in names


def test_officer_and_viewer_may_not_list_users(login_as):
    for role in ("officer", "viewer"):
        response = login_as(role, "G1").get("/api/v1/users")
        assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"


def test_admin_creates_user_in_scope_who_can_sign_in(login_as, client):
    admin = login_as("unit_admin", "A1")
    created = admin.post("/api/v1/users", json={"username": "chi.le", "password": PASSWORD, "role": "officer",
                                                 "unit_code": "C1", "display_name": "Lê Thị Chi"})
    assert created.status_code == 201 and created.json["unit_code"] == "C1"
    assert "password" not in created.json
    assert client.post("/api/v1/auth/login", json={"username": "chi.le", "password": PASSWORD}).status_code == 200


def test_admin_cannot_create_user_in_another_subtree(login_as):
    admin = login_as("unit_admin", "A1")
    response = admin.post("/api/v1/users", json={"username": "x.y", "password": PASSWORD, "role": "officer",
                                                  "unit_code": "C2"})
    assert response.status_code == 404


def test_deactivating_a_user_ends_their_sessions(login_as):
    admin = login_as("unit_admin", "A1")
    officer = login_as("officer", "C1")
    assert officer.get("/api/v1/auth/me").status_code == 200
    response = admin.post(f"/api/v1/users/{officer.user.id}", json={"active": False})
    assert response.status_code == 200 and response.json["active"] is False
    assert officer.get("/api/v1/auth/me").status_code == 401


def test_an_admin_cannot_lock_themselves_out_but_may_change_their_own_password(login_as):
    """Deactivating or demoting one's own account (often the unit's only admin) would take the console away
    until an admin above undoes it: refused, nothing changed, still signed in."""
    admin = login_as("unit_admin", "A1")
    for change in ({"active": False}, {"role": "officer"}, {"role": "team_lead", "active": True}):
        response = admin.post(f"/api/v1/users/{admin.user.id}", json=change)
        assert response.status_code == 409 and response.json["error"]["code"] == "own_account", change
    me = admin.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json["role"] == "unit_admin"
    same = admin.post(f"/api/v1/users/{admin.user.id}", json={"role": "unit_admin", "active": True})
    assert same.status_code == 200
    assert admin.post(f"/api/v1/users/{admin.user.id}", json={"password": PASSWORD + "2"}).status_code == 200


def test_admin_cannot_touch_a_user_outside_scope(login_as):
    admin = login_as("unit_admin", "A1")
    other = login_as("officer", "C2")
    assert admin.post(f"/api/v1/users/{other.user.id}", json={"active": False}).status_code == 404
    assert other.get("/api/v1/auth/me").status_code == 200


def test_taken_username_is_a_conflict(login_as):
    admin = login_as("unit_admin", "P", "root.admin")
    response = admin.post("/api/v1/users", json={"username": "root.admin", "password": PASSWORD, "role": "viewer",
                                                  "unit_code": "P"})
    assert response.status_code == 409 and response.json["error"]["code"] == "username_taken"


def test_user_changes_appear_in_the_admins_audit_trail_only_in_scope(login_as):
    admin = login_as("unit_admin", "A1")
    other_admin = login_as("unit_admin", "A2")
    created = admin.post("/api/v1/users", json={"username": "dung.c1", "password": PASSWORD, "role": "officer",
                                                 "unit_code": "C1"}).json
    events = admin.get("/api/v1/audit?action=user.create").json["events"]
    assert any(e["object_id"] == str(created["id"]) and e["user_id"] == admin.user.id for e in events)
    assert not any(e["object_id"] == str(created["id"]) for e in other_admin.get("/api/v1/audit").json["events"])
    assert login_as("team_lead", "A1").get("/api/v1/audit").status_code == 403
