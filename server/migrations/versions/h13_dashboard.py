"""dashboard: per-member tallies and per-unit counters of the progress table (member_tallies, unit_tallies, and
tally_pending for an import's members until its commit), kept in the transaction of every change; filled here
from the existing rows, and collected_daily recounted the same way (live members, at their current unit)

Revision ID: h13_dashboard
Revises: g15_harden
"""
from alembic import op
import sqlalchemy as sa

revision = "h13_dashboard"
down_revision = "g15_harden"
branch_labels = None
depends_on = None

COUNTS = ("target", "collected", "verified", "booked", "cards_printed", "cards_handed_over")
LIVE = "m.removed_at IS NULL"
SOURCES = {  # what makes a live member count, as server.dashboard.recount has it at this revision
    "target": "1 = 1",
    "collected": "EXISTS (SELECT 1 FROM submissions s WHERE s.member_id = m.id)",
    "verified": "EXISTS (SELECT 1 FROM submissions s WHERE s.member_id = m.id AND s.status = 'verified')",
    "booked": "EXISTS (SELECT 1 FROM bookings b WHERE b.member_id = m.id AND b.status IN ('booked', 'arrived'))",
    "cards_printed": "EXISTS (SELECT 1 FROM cards c WHERE c.member_id = m.id AND c.status <> 'void')",
    "cards_handed_over": "EXISTS (SELECT 1 FROM cards c WHERE c.member_id = m.id AND c.status = 'handed_over')",
}


def upgrade():
    op.create_table(
        "member_tallies",
        sa.Column("member_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.SmallInteger(), nullable=False) for name in COUNTS),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_member_tallies_unit_id_units"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_tallies")),
    )
    with op.batch_alter_table("member_tallies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_tallies_unit_id"), ["unit_id"], unique=False)
    op.create_table(
        "unit_tallies",
        sa.Column("unit_id", sa.Integer(), autoincrement=False, nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_unit_tallies_unit_id_units"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_unit_tallies")),
    )
    op.create_table(
        "tally_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_tally_pending_unit_id_units"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tally_pending")),
    )
    first = "(SELECT min(s.received_at) FROM submissions s WHERE s.member_id = m.id)"
    if op.get_bind().dialect.name == "postgresql":
        day = f"(timezone('UTC', {first}) + interval '7 hours')::date"
    else:
        day = f"date({first}, '+7 hours')"
    flags = ", ".join(f"CASE WHEN {LIVE} AND {SOURCES[name]} THEN 1 ELSE 0 END" for name in COUNTS)
    op.execute(f"INSERT INTO member_tallies (member_id, unit_id, {', '.join(COUNTS)}, first_day) "
               f"SELECT m.id, m.unit_id, {flags}, CASE WHEN {LIVE} THEN {day} END FROM members m")
    op.execute(f"INSERT INTO unit_tallies (unit_id, {', '.join(COUNTS)}) "
               f"SELECT unit_id, {', '.join(f'sum({n})' for n in COUNTS)} FROM member_tallies GROUP BY unit_id")
    op.execute("DELETE FROM collected_daily")
    op.execute("INSERT INTO collected_daily (unit_id, day, collected) SELECT unit_id, first_day, count(*) "
               "FROM member_tallies WHERE collected = 1 GROUP BY unit_id, first_day")


def downgrade():
    op.drop_table("tally_pending")
    op.drop_table("unit_tallies")
    with op.batch_alter_table("member_tallies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_tallies_unit_id"))
    op.drop_table("member_tallies")
