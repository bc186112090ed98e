"""submissions.identity_source: whether the ID card's QR code filled the identity (issue 10)

Revision ID: b10_desk
Revises: bed4cbad7cc7
"""
from alembic import op
import sqlalchemy as sa


revision = "b10_desk"
down_revision = "bed4cbad7cc7"
branch_labels = None
depends_on = None


def upgrade():
    # Records stored before this column were all typed: the server default fills them.
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("identity_source", sa.String(length=8), server_default="typed", nullable=False))


def downgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_column("identity_source")
