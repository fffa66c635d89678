"""user session epoch

Signing out moves a user's session epoch on; the epoch is part of the id kept in the signed
session cookie, so every copy of an older cookie stops working at once.

Revision ID: c4e8f1a2b3d5
Revises: 5d1c0a7e9b42
Create Date: 2026-12-06 16:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c4e8f1a2b3d5'
down_revision = '5d1c0a7e9b42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
