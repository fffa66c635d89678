"""tender cancellation

A tender can be cancelled (a procurement terminated) before it is awarded: when, by whom and
why are kept on the tender itself, as well as in the audit log.

Revision ID: e7b2c9d4f1a6
Revises: c4e8f1a2b3d5
Create Date: 2026-12-06 21:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

import socialvalue.models.base

# revision identifiers, used by Alembic.
revision = 'e7b2c9d4f1a6'
down_revision = 'c4e8f1a2b3d5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'cancelled_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column('cancelled_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('cancellation_reason', sa.Text(), server_default='', nullable=False)
        )
        batch_op.create_foreign_key(
            'fk_tenders_cancelled_by_id_users', 'users', ['cancelled_by_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.drop_constraint('fk_tenders_cancelled_by_id_users', type_='foreignkey')
        batch_op.drop_column('cancellation_reason')
        batch_op.drop_column('cancelled_by_id')
        batch_op.drop_column('cancelled_at')
