"""report jobs

Revision ID: a33cbed94f2d
Revises: 1edbe48736d0
Create Date: 2026-11-22 03:07:07.320277

"""
from alembic import op
import sqlalchemy as sa

import socialvalue.models.base


# revision identifiers, used by Alembic.
revision = 'a33cbed94f2d'
down_revision = '1edbe48736d0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=True),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('bid_label', sa.String(length=8), nullable=True),
    sa.Column('title', sa.String(length=400), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('heartbeat_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_report_jobs_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_report_jobs_requested_by_id_users')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_report_jobs_tender_id_tenders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_jobs'))
    )
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_jobs_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_jobs_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_jobs_tender_id'), ['tender_id'], unique=False)



def downgrade():
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_jobs_tender_id'))
        batch_op.drop_index(batch_op.f('ix_report_jobs_requested_by_id'))
        batch_op.drop_index(batch_op.f('ix_report_jobs_contract_id'))

    op.drop_table('report_jobs')
