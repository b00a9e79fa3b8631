"""check_result: expected_text / actual_text, the values of a check as people read them
in English and Chinese (RULES.md §7); null on results stored before, which pages show by
their plain expected / actual.

Revision ID: i16_check_texts
Revises: b7a9e6c0de02
Create Date: 2026-12-06 11:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i16_check_texts'
down_revision = 'b7a9e6c0de02'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('check_result') as batch_op:
        batch_op.add_column(sa.Column('expected_text', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('actual_text', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('check_result') as batch_op:
        batch_op.drop_column('actual_text')
        batch_op.drop_column('expected_text')
