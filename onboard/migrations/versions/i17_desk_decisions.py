"""reviewer desk: override decisions and four eyes, the manual checklist, desk settings,
saved queue filters.

Revision ID: i17_desk_decisions
Revises: b7a9e6c0de02
Create Date: 2026-12-06 11:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i17_desk_decisions'
down_revision = 'b7a9e6c0de02'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('override', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('pending', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('second_reviewer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('second_outcome', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('second_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_decision_second_reviewer_id_user_account'), 'user_account', ['second_reviewer_id'], ['id'], ondelete='SET NULL')

    op.create_table('checklist_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_checklist_mark_application_id_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_checklist_mark_reviewer_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_mark')),
    sa.UniqueConstraint('application_id', 'version', 'item', name='uq_checklist_mark_item')
    )
    with op.batch_alter_table('checklist_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_mark_application_id'), ['application_id'], unique=False)

    op.create_table('desk_setting',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_desk_setting_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_desk_setting'))
    )

    op.create_table('saved_filter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('query', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_saved_filter_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_filter')),
    sa.UniqueConstraint('user_id', 'name', name='uq_saved_filter_user_name')
    )
    with op.batch_alter_table('saved_filter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_filter_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('saved_filter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_filter_user_id'))
    op.drop_table('saved_filter')
    op.drop_table('desk_setting')
    with op.batch_alter_table('checklist_mark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklist_mark_application_id'))
    op.drop_table('checklist_mark')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_decision_second_reviewer_id_user_account'), type_='foreignkey')
        batch_op.drop_column('second_at')
        batch_op.drop_column('second_outcome')
        batch_op.drop_column('second_reviewer_id')
        batch_op.drop_column('pending')
        batch_op.drop_column('override')
