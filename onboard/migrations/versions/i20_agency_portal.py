"""agency portal: agency users (invited, argon2 passwords), a batch's CSV encoding, a row's
ref and the applicant's draft made from it.

Revision ID: i20_agency_portal
Revises: i17_desk_decisions
Create Date: 2026-12-06 11:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i20_agency_portal'
down_revision = 'i17_desk_decisions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agency_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('invite_hash', sa.String(length=64), nullable=True),
    sa.Column('invite_expires_at', sa.DateTime(), nullable=True),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_agency_user_agency_id_agency'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_user')),
    sa.UniqueConstraint('email', name=op.f('uq_agency_user_email')),
    sa.UniqueConstraint('invite_hash', name=op.f('uq_agency_user_invite_hash')),
    )
    with op.batch_alter_table('agency_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_user_agency_id'), ['agency_id'], unique=False)

    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('encoding', sa.String(length=20), nullable=True))

    with op.batch_alter_table('batch_row', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ref', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('application_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_batch_row_application_id_application'), 'application', ['application_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('batch_row', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_batch_row_application_id_application'), type_='foreignkey')
        batch_op.drop_column('application_id')
        batch_op.drop_column('ref')

    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_column('encoding')

    with op.batch_alter_table('agency_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_user_agency_id'))

    op.drop_table('agency_user')
