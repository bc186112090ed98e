"""Batch reconciliation: each class on crafted data, reruns that keep decisions, the unit filter, the CLI."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.cli import main as cli
from server.errors import NotFound
from server.extensions import db
from server.models import AuditEvent, Reconciliation, RegistryRecord, utcnow
from server.reconcile import decision_is_stale, reconcile_member, run_reconciliation
from server.text import name_key
from tests.review_support import build_crafted
from tests.sync_support import add_registry


@pytest.fixture
def crafted(tree):
    return build_crafted(tree)


def rec_of(member) -> Reconciliation:
    return db.session.get(Reconciliation, member.id)


@pytest.mark.parametrize("chunk_size", [1000, 2])
def test_each_member_gets_its_class_and_field_results(app, crafted, chunk_size):
    summary = run_reconciliation(chunk_size=chunk_size)
    assert summary.total == 7 and summary.created == 7
    assert summary.classes == {"matched": 2, "matched_minor": 1, "mismatch": 2, "not_found": 1, "ambiguous": 1}
    db.session.expire_all()
    assert rec_of(crafted["matched"]).klass == "matched"
    minor = rec_of(crafted["matched_minor"])
    assert minor.klass == "matched_minor"
    assert minor.fields["full_name"] == {"result": "minor", "record": "Trần Thị Hoà", "registry": "Trần Thị Hòa"}
    assert minor.fields["date_of_birth"] == {"result": "match"}  # a year-only record agrees with any day of it
    mismatch = rec_of(crafted["mismatch"])
    assert mismatch.klass == "mismatch"
    assert mismatch.fields["full_name"] == {"result": "mismatch", "record": "Lê Văn Hùng", "registry": "Lê Văn Hưng"}
    assert mismatch.registry_id == db.session.scalar(
        select(RegistryRecord.id).where(RegistryRecord.citizen_id == "002065004321"))
    assert rec_of(crafted["not_found"]).klass == "not_found"
    ambiguous = rec_of(crafted["ambiguous"])
    assert ambiguous.klass == "ambiguous"
    assert sorted(ambiguous.candidates) == ["001080000001", "001080000002"]
    by_name = rec_of(crafted["by_name"])
    assert by_name.klass == "mismatch"  # found without an ID: a person to confirm, never silently matched
    assert by_name.fields["citizen_id"]["result"] == "missing"
    assert by_name.fields["citizen_id"]["registry"] == "001075000009"


def test_rerun_changes_nothing_and_keeps_decisions(app, crafted):
    run_reconciliation()
    rec = rec_of(crafted["mismatch"])
    rec.decision, rec.decision_note, rec.decided_at = "send_back", "check the ID card", utcnow()
    db.session.commit()
    before = {r.member_id: r.run_at for r in db.session.scalars(select(Reconciliation))}

    again = run_reconciliation()

    assert (again.created, again.changed, again.unchanged, again.reopened) == (0, 0, 7, 0)
    db.session.expire_all()
    assert {r.member_id: r.run_at for r in db.session.scalars(select(Reconciliation))} == before
    rec = rec_of(crafted["mismatch"])
    assert (rec.decision, rec.decision_note) == ("send_back", "check the ID card")
    assert not decision_is_stale(rec)


def test_rerun_after_a_registry_import_updates_results_and_reopens_changed_decisions(app, crafted):
    run_reconciliation()
    for key in ("mismatch", "not_found"):
        rec = rec_of(crafted[key])
        rec.decision, rec.decided_at = "citizen_must_update_registry", utcnow() - timedelta(seconds=1)
    db.session.commit()
    # The new extract: Hùng's registry name corrected; the not-found member now appears, with another birth day.
    fixed = db.session.scalar(select(RegistryRecord).where(RegistryRecord.citizen_id == "002065004321"))
    fixed.full_name, fixed.name_key = "Lê Văn Hùng", name_key("Lê Văn Hùng")
    add_registry("001050999999", "Đỗ Văn Không", "1950-02-01")

    summary = run_reconciliation()

    assert (summary.changed, summary.reopened, summary.created) == (2, 2, 0)
    db.session.expire_all()
    healed = rec_of(crafted["mismatch"])
    assert healed.klass == "matched"
    assert healed.decision == "citizen_must_update_registry"  # kept …
    assert decision_is_stale(healed)                          # … and marked for a second look
    found = rec_of(crafted["not_found"])
    assert found.klass == "mismatch" and found.fields["date_of_birth"]["registry"] == "1950-02-01"
    assert decision_is_stale(found)
    assert not decision_is_stale(rec_of(crafted["matched"]))


def test_unit_filter_reconciles_only_that_subtree(app, crafted):
    summary = run_reconciliation("C2")
    assert summary.total == 1 and summary.classes["matched"] == 1
    assert db.session.scalar(select(func.count()).select_from(Reconciliation)) == 1
    assert rec_of(crafted["other"]) is not None and rec_of(crafted["matched"]) is None
    run_reconciliation("G1")
    assert db.session.scalar(select(func.count()).select_from(Reconciliation)) == 7


def test_removed_members_are_not_reconciled(app, crafted):
    crafted["not_found"].removed_at = utcnow()
    db.session.commit()
    summary = run_reconciliation()
    assert summary.total == 6 and summary.classes["not_found"] == 0


def test_unknown_unit_is_not_found(app, crafted):
    with pytest.raises(NotFound) as caught:
        run_reconciliation("NOPE")
    assert caught.value.code == "unknown_unit"


def test_a_run_is_audited_with_counts_only(app, crafted):
    run_reconciliation("C1")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reconcile.run"))
    assert event.unit_id == crafted["matched"].unit_id and event.outcome == "ok"
    assert event.detail["total"] == 6 and event.detail["classes"]["ambiguous"] == 1
    assert "Nguyễn" not in str(event.detail)


def test_one_member_can_be_reconciled_alone_like_a_batch_would(app, crafted):
    rec = reconcile_member(crafted["mismatch"])
    db.session.commit()
    batch = run_reconciliation()
    assert rec.klass == "mismatch" and batch.unchanged == 1 and batch.created == 6


def test_cli_reconcile_prints_the_summary(app, crafted):
    result = app.test_cli_runner().invoke(cli, ["reconcile", "--unit", "C1"])
    assert result.exit_code == 0, result.output
    assert "reconciled 6 members under unit C1" in result.output
    assert "mismatch 2" in result.output and "ambiguous 1" in result.output
