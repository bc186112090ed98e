"""form_prints: the member forms printed on tablets, one row per print notice, so each is audited once

Revision ID: i14_prints
Revises: h13_dashboard
"""
from alembic import op
import sqlalchemy as sa


revision = "i14_prints"
down_revision = "h13_dashboard"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_prints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('record_client_id', sa.String(length=64), nullable=True),
    sa.Column('device_id', sa.String(length=128), nullable=False),
    sa.Column('printed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_form_prints_member_id_members')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_form_prints_unit_id_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_form_prints_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_prints')),
    sa.UniqueConstraint('client_id', name=op.f('uq_form_prints_client_id'))
    )
    with op.batch_alter_table('form_prints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_prints_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_form_prints_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_form_prints_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('form_prints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_prints_user_id'))
        batch_op.drop_index(batch_op.f('ix_form_prints_unit_id'))
        batch_op.drop_index(batch_op.f('ix_form_prints_member_id'))
    op.drop_table('form_prints')
