"""hardening: login attempts counted per username at a client address and per address (login_throttles);
what is kept of rejected items is counted and marked when cut (rejected_payloads.kept_bytes, truncated);
every user who sent a photo's bytes (photo_uploaders), so a hash alone is never a key to a portrait

Revision ID: g15_harden
Revises: bed4cbad7cc7
"""
from alembic import op
import sqlalchemy as sa

revision = "g15_harden"
down_revision = "e13_console"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.create_index("ix_login_throttles_window_start", ["window_start"], unique=False)
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_username_at")
    op.drop_table("login_failures")
    with op.batch_alter_table("rejected_payloads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kept_bytes", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("truncated", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    op.create_table(
        "photo_uploaders",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["sha256"], ["photos.sha256"], name=op.f("fk_photo_uploaders_sha256_photos"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_photo_uploaders_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("sha256", "user_id", name=op.f("pk_photo_uploaders")),
    )
    with op.batch_alter_table("photo_uploaders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_photo_uploaders_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("photo_uploaders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photo_uploaders_user_id"))
    op.drop_table("photo_uploaders")
    with op.batch_alter_table("rejected_payloads", schema=None) as batch_op:
        batch_op.drop_column("truncated")
        batch_op.drop_column("kept_bytes")
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index("ix_login_failures_username_at", ["username", "at"], unique=False)
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.drop_index("ix_login_throttles_window_start")
    op.drop_table("login_throttles")
