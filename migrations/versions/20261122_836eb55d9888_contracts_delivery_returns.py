"""contracts delivery returns

Revision ID: 836eb55d9888
Revises: e9e0d9e31d28
Create Date: 2026-11-22 02:59:20.024927

"""
from alembic import op
import sqlalchemy as sa

import socialvalue.models.base


# revision identifiers, used by Alembic.
revision = '836eb55d9888'
down_revision = 'e9e0d9e31d28'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('buyer', sa.String(length=300), nullable=False),
    sa.Column('supplier_name', sa.String(length=300), nullable=False),
    sa.Column('supplier_key', sa.String(length=300), nullable=False),
    sa.Column('supplier_user_id', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('reporting_frequency', sa.String(length=20), nullable=False),
    sa.Column('due_days', sa.Integer(), nullable=False),
    sa.Column('green_from', socialvalue.models.base.ExactDecimal(), nullable=False),
    sa.Column('amber_from', socialvalue.models.base.ExactDecimal(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('framework_id', sa.String(length=100), nullable=False),
    sa.Column('framework_version_label', sa.String(length=50), nullable=False),
    sa.Column('framework_hash', sa.String(length=80), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reporting_frequency IN ('monthly', 'quarterly')", name=op.f('ck_contracts_frequency_known')),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_contracts_term_ordered')),
    sa.ForeignKeyConstraint(['bid_id'], ['bids.id'], name=op.f('fk_contracts_bid_id_bids')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_contracts_created_by_id_users')),
    sa.ForeignKeyConstraint(['supplier_user_id'], ['users.id'], name=op.f('fk_contracts_supplier_user_id_users')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_contracts_tender_id_tenders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts')),
    sa.UniqueConstraint('reference', name=op.f('uq_contracts_reference')),
    sa.UniqueConstraint('tender_id', name=op.f('uq_contracts_tender_id'))
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contracts_supplier_key'), ['supplier_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_contracts_supplier_user_id'), ['supplier_user_id'], unique=False)

    op.create_table('contract_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('supplier', 'panel')", name=op.f('ck_contract_members_role_known')),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_contract_members_added_by_id_users')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_members_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contract_members_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_members')),
    sa.UniqueConstraint('contract_id', 'user_id', name=op.f('uq_contract_members_contract_id_user_id'))
    )
    with op.batch_alter_table('contract_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_members_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_members_user_id'), ['user_id'], unique=False)

    op.create_table('delivery_returns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('submitted_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=False),
    sa.Column('on_behalf', sa.Boolean(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_delivery_returns_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_delivery_returns_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_returns')),
    sa.UniqueConstraint('contract_id', 'period_end', name=op.f('uq_delivery_returns_contract_id_period_end'))
    )
    with op.batch_alter_table('delivery_returns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_returns_contract_id'), ['contract_id'], unique=False)

    op.create_table('kpis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('criterion_code', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('framework_id', sa.String(length=100), nullable=False),
    sa.Column('framework_version_label', sa.String(length=50), nullable=False),
    sa.Column('framework_hash', sa.String(length=80), nullable=False),
    sa.Column('measure_code', sa.String(length=80), nullable=True),
    sa.Column('theme_code', sa.String(length=60), nullable=False),
    sa.Column('theme_title', sa.String(length=300), nullable=False),
    sa.Column('unit', sa.String(length=60), nullable=False),
    sa.Column('committed_quantity', socialvalue.models.base.ExactDecimal(), nullable=False),
    sa.Column('proxy_value_gbp', socialvalue.models.base.ExactDecimal(), nullable=True),
    sa.Column('committed_value_gbp', socialvalue.models.base.ExactDecimal(), nullable=True),
    sa.Column('accrual', sa.String(length=20), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("accrual IN ('even', 'milestones')", name=op.f('ck_kpis_accrual_known')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_kpis_contract_id_contracts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpis')),
    sa.UniqueConstraint('contract_id', 'criterion_code', name=op.f('uq_kpis_contract_id_criterion_code'))
    )
    with op.batch_alter_table('kpis', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpis_contract_id'), ['contract_id'], unique=False)

    op.create_table('evidence_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_path', sa.String(length=300), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['return_id'], ['delivery_returns.id'], name=op.f('fk_evidence_files_return_id_delivery_returns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_evidence_files_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_files'))
    )
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_files_return_id'), ['return_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_files_sha256'), ['sha256'], unique=False)

    op.create_table('kpi_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kpi_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('cumulative_quantity', socialvalue.models.base.ExactDecimal(), nullable=False),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpis.id'], name=op.f('fk_kpi_milestones_kpi_id_kpis'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_milestones')),
    sa.UniqueConstraint('kpi_id', 'due_on', name=op.f('uq_kpi_milestones_kpi_id_due_on'))
    )
    with op.batch_alter_table('kpi_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpi_milestones_kpi_id'), ['kpi_id'], unique=False)

    op.create_table('remedial_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('kpi_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'done')", name=op.f('ck_remedial_actions_status_known')),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_remedial_actions_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_remedial_actions_created_by_id_users')),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpis.id'], name=op.f('fk_remedial_actions_kpi_id_kpis'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remedial_actions'))
    )
    with op.batch_alter_table('remedial_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remedial_actions_contract_id'), ['contract_id'], unique=False)

    op.create_table('return_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('kpi_id', sa.Integer(), nullable=False),
    sa.Column('reported_quantity', socialvalue.models.base.ExactDecimal(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('query_text', sa.Text(), nullable=False),
    sa.Column('queried_by_id', sa.Integer(), nullable=True),
    sa.Column('queried_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer_text', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'verified', 'queried', 'rejected')", name=op.f('ck_return_lines_status_known')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_return_lines_answered_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_return_lines_decided_by_id_users')),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpis.id'], name=op.f('fk_return_lines_kpi_id_kpis'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['queried_by_id'], ['users.id'], name=op.f('fk_return_lines_queried_by_id_users')),
    sa.ForeignKeyConstraint(['return_id'], ['delivery_returns.id'], name=op.f('fk_return_lines_return_id_delivery_returns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_lines')),
    sa.UniqueConstraint('return_id', 'kpi_id', name=op.f('uq_return_lines_return_id_kpi_id'))
    )
    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_lines_kpi_id'), ['kpi_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_lines_return_id'), ['return_id'], unique=False)



def downgrade():
    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_lines_return_id'))
        batch_op.drop_index(batch_op.f('ix_return_lines_kpi_id'))

    op.drop_table('return_lines')
    with op.batch_alter_table('remedial_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remedial_actions_contract_id'))

    op.drop_table('remedial_actions')
    with op.batch_alter_table('kpi_milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpi_milestones_kpi_id'))

    op.drop_table('kpi_milestones')
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_files_sha256'))
        batch_op.drop_index(batch_op.f('ix_evidence_files_return_id'))

    op.drop_table('evidence_files')
    with op.batch_alter_table('kpis', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpis_contract_id'))

    op.drop_table('kpis')
    with op.batch_alter_table('delivery_returns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_returns_contract_id'))

    op.drop_table('delivery_returns')
    with op.batch_alter_table('contract_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_contract_members_contract_id'))

    op.drop_table('contract_members')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contracts_supplier_user_id'))
        batch_op.drop_index(batch_op.f('ix_contracts_supplier_key'))

    op.drop_table('contracts')
