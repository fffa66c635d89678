"""indexes for lists at scale

Pages of the tenders list (newest first, optionally by status), of the contracts list (newest
start first) and of the audit histories (a tender's, a contract's, one kind of event; newest
first) are read from an index in order. Each composite index replaces the single-column index
it starts with. The query plans that call for
them are printed by benchmarks/bench_pages_at_scale.py.

Revision ID: 5d1c0a7e9b42
Revises: a33cbed94f2d
Create Date: 2026-11-22 08:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '5d1c0a7e9b42'
down_revision = 'a33cbed94f2d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.drop_index('ix_tenders_status')
        batch_op.create_index('ix_tenders_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index(
            'ix_tenders_status_created_at_id', ['status', 'created_at', 'id'], unique=False
        )

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index('ix_contracts_start_date_id', ['start_date', 'id'], unique=False)

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_tender_id')
        batch_op.drop_index('ix_audit_events_contract_id')
        batch_op.drop_index('ix_audit_events_action')
        batch_op.create_index(
            'ix_audit_events_tender_id_sequence', ['tender_id', 'sequence'], unique=False
        )
        batch_op.create_index(
            'ix_audit_events_contract_id_sequence', ['contract_id', 'sequence'], unique=False
        )
        batch_op.create_index(
            'ix_audit_events_action_sequence', ['action', 'sequence'], unique=False
        )


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_action_sequence')
        batch_op.drop_index('ix_audit_events_contract_id_sequence')
        batch_op.drop_index('ix_audit_events_tender_id_sequence')
        batch_op.create_index('ix_audit_events_action', ['action'], unique=False)
        batch_op.create_index('ix_audit_events_contract_id', ['contract_id'], unique=False)
        batch_op.create_index('ix_audit_events_tender_id', ['tender_id'], unique=False)

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index('ix_contracts_start_date_id')

    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.drop_index('ix_tenders_status_created_at_id')
        batch_op.drop_index('ix_tenders_created_at_id')
        batch_op.create_index('ix_tenders_status', ['status'], unique=False)
