"""The demo province (server.demo): deterministic, realistic, consistent IDs, planted disagreements, working logins."""
import csv
import unicodedata

import pytest
from sqlalchemy import func, select

from server.citizen_id import check_citizen_id
from server.demo.load import DEMO_PASSWORD, DEMO_USERS, load_demo, write_demo_files
from server.demo.gen import DemoGenerator
from server.extensions import db
from server.models import Member, RegistryRecord, Unit, User, Visit
from server.registry import compare_fields, classify
from server.text import name_key

SIZE = 1000


@pytest.fixture
def demo(app):
    return load_demo(members=SIZE, seed=11)


def read(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_same_seed_gives_the_same_province_and_another_seed_does_not(tmp_path):
    first = write_demo_files(tmp_path / "a", members=400, seed=5)
    second = write_demo_files(tmp_path / "b", members=400, seed=5)
    other = write_demo_files(tmp_path / "c", members=400, seed=6)
    for kind in ("units", "members", "registry"):
        assert first[kind].read_bytes() == second[kind].read_bytes(), kind
    assert read(first["members"])[1:] != read(other["members"])[1:]
    assert len(read(first["members"])) == 401


def test_loaded_members_are_the_generated_ones(app, tmp_path):
    files = write_demo_files(tmp_path, members=300, seed=3)
    load_demo(members=300, seed=3)
    rows = read(files["members"])
    header = rows[0]
    stored = {m.member_code: m for m in db.session.scalars(select(Member))}
    assert len(stored) == 300
    for row in rows[1:]:
        values = dict(zip(header, row))
        got = stored[values["member_code"]]
        assert got.full_name == " ".join(unicodedata.normalize("NFC", values["full_name"]).split())
        assert (got.citizen_id or "", got.date_of_birth) == (values["citizen_id"], values["date_of_birth"])


def test_every_citizen_id_agrees_with_birth_year_and_gender(app, demo):
    people = list(db.session.execute(select(Member.citizen_id, Member.gender, Member.birth_year)
                                     .where(Member.citizen_id.is_not(None))))
    people += list(db.session.execute(select(RegistryRecord.citizen_id, RegistryRecord.gender,
                                             RegistryRecord.birth_year)))
    assert len(people) > 1.9 * SIZE
    assert [p for p in people if check_citizen_id(*p)] == []


def test_planted_disagreements_and_missing_people_are_near_5_and_2_percent(app, demo):
    truth = demo.truth
    assert len(truth.missing) == round(0.02 * SIZE) and len(truth.mismatch) == round(0.05 * SIZE)
    registry = {r.citizen_id: r for r in db.session.scalars(select(RegistryRecord))}
    found = {"missing": set(), "mismatch": set(), "agree": set()}
    for member in db.session.scalars(select(Member).where(Member.citizen_id.is_not(None))):
        record = registry.get(member.citizen_id)
        if record is None:
            found["missing"].add(member.member_code)
            continue
        person = {name: getattr(member, name) for name in ("full_name", "date_of_birth", "gender", "hometown",
                                                           "citizen_id")}
        found["mismatch" if classify(compare_fields(person, record)) == "mismatch" else "agree"].add(
            member.member_code)
    with_id = set(truth.missing) - set(truth.no_citizen_id)
    assert found["missing"] == with_id
    assert found["mismatch"] == set(truth.mismatch) - set(truth.no_citizen_id)
    assert 0.04 <= len(found["mismatch"]) / SIZE <= 0.06 and 0.01 <= len(found["missing"]) / SIZE <= 0.03
    assert len(found["agree"]) > 0.9 * SIZE


def test_planted_name_disagreements_differ_by_letters_not_tone_placement(app, demo):
    names = [code for code, kind in demo.truth.mismatch.items() if kind == "name_diacritic"]
    assert names
    for code in names:
        member = db.session.scalar(select(Member).where(Member.member_code == code))
        if member.citizen_id:
            record = db.session.scalar(select(RegistryRecord).where(RegistryRecord.citizen_id == member.citizen_id))
            assert name_key(member.full_name) != name_key(record.full_name)
            assert member.full_name.split()[0].casefold() == record.full_name.split()[0].casefold()


def test_the_province_looks_real(app, demo):
    units = list(db.session.scalars(select(Unit)))
    kinds = {kind: [u for u in units if u.kind == kind] for kind in ("province", "affiliated", "grassroots", "cell")}
    assert [u.name for u in kinds["province"]] == ["Tỉnh ủy Thanh Hà"] and len(kinds["affiliated"]) == 8
    assert len(kinds["grassroots"]) >= 16 and len(kinds["cell"]) >= 2 * len(kinds["grassroots"])
    assert all(u.name.startswith(("Chi bộ Khu phố", "Chi bộ Thôn")) for u in kinds["cell"])
    names = [name for (name,) in db.session.execute(select(Member.full_name))]
    surnames = {name.split()[0] for name in names}
    assert {"Nguyễn", "Trần", "Lê", "Phạm"} <= surnames and len(surnames) >= 15
    assert all(unicodedata.is_normalized("NFC", name) for name in names)
    joined = " ".join(names)
    assert "oà" in joined and "òa" in joined or "uỷ" in joined and "ủy" in joined  # both tone placements
    dobs = [dob for (dob,) in db.session.execute(select(Member.date_of_birth))]
    assert 0 < sum(len(dob) == 4 for dob in dobs) < 0.05 * SIZE
    priorities = dict(db.session.execute(select(Member.priority, func.count()).group_by(Member.priority)).all())
    assert priorities.get("veteran", 0) >= 1 and priorities.get("former_central_committee", 0) >= 1
    visits = db.session.scalars(select(Member).where(Member.needs_home_visit.is_(True))).all()
    assert 0.015 * SIZE <= len(visits) <= 0.06 * SIZE and all(m.home_visit_note for m in visits)


def test_demo_files_carry_unicode_variants_that_the_import_normalises(tmp_path):
    files = write_demo_files(tmp_path, members=SIZE, seed=11)
    assert files["members"].read_bytes().startswith(b"\xef\xbb\xbf")
    names = [row[2] for row in read(files["members"])[1:]]
    assert any(not unicodedata.is_normalized("NFC", name) for name in names)
    registry_names = [row[1] for row in read(files["registry"])[1:]]
    assert any(name.isupper() for name in registry_names)


def test_demo_logins_work_with_the_published_password(app, demo):
    client = app.test_client()
    for username, role, unit_code, _ in DEMO_USERS:
        response = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 200, username
        assert (response.json["user"]["role"], response.json["user"]["unit_code"]) == (role, unit_code)


def test_officers_have_open_visits_assigned_by_the_lead(app, demo):
    users = {u.username: u for u in db.session.scalars(select(User))}
    visits = db.session.scalars(select(Visit)).all()
    assert len(visits) == demo.visits >= 4
    assert {v.assignee_id for v in visits} == {users["officer"].id, users["officer2"].id}
    first = db.session.scalar(select(Unit).where(Unit.code == "TH-01-01"))
    for visit in visits:
        assert visit.status == "open" and visit.member.needs_home_visit
        assert visit.member.unit.path.startswith(first.path)
        assert [(h.assignee_id, h.assigned_by_id) for h in visit.history] == [(visit.assignee_id, users["lead"].id)]


def test_generator_draws_nothing_from_the_global_random(monkeypatch):
    import random

    def refuse(*args, **kwargs):
        raise AssertionError("the module-level random was used")

    for name in ("random", "choice", "choices", "randint", "randrange", "sample", "shuffle", "uniform"):
        monkeypatch.setattr(random, name, refuse)
    generator = DemoGenerator(200, seed=1)
    assert len(list(generator.members())) == 200 and len(list(generator.registry_only())) == 10
