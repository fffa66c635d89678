"""tenders bids evaluation

Revision ID: e9e0d9e31d28
Revises: ab4edf10de48
Create Date: 2026-11-22 02:19:59.277345

"""
from alembic import op
import sqlalchemy as sa

import socialvalue.models.base


# revision identifiers, used by Alembic.
revision = 'e9e0d9e31d28'
down_revision = 'ab4edf10de48'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('tenders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('buyer', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('estimated_value', socialvalue.models.base.ExactDecimal(), nullable=False),
    sa.Column('contract_start', sa.Date(), nullable=False),
    sa.Column('contract_end', sa.Date(), nullable=False),
    sa.Column('bid_deadline', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('framework_version_id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.String(length=100), nullable=False),
    sa.Column('framework_version_label', sa.String(length=50), nullable=False),
    sa.Column('framework_hash', sa.String(length=80), nullable=False),
    sa.Column('weight_price', socialvalue.models.base.ExactDecimal(), nullable=False),
    sa.Column('weight_quality', socialvalue.models.base.ExactDecimal(), nullable=False),
    sa.Column('weight_social_value', socialvalue.models.base.ExactDecimal(), nullable=False),
    sa.Column('price_method', sa.String(length=40), nullable=False),
    sa.Column('quantitative_method', sa.String(length=40), nullable=False),
    sa.Column('moderation_mode', sa.String(length=40), nullable=False),
    sa.Column('flag_range_percent', socialvalue.models.base.ExactDecimal(), nullable=False),
    sa.Column('panel_share_percent', socialvalue.models.base.ExactDecimal(), nullable=True),
    sa.Column('tie_break', sa.JSON(), nullable=False),
    sa.Column('require_rationale', sa.Boolean(), nullable=False),
    sa.Column('anonymise_for_panel', sa.Boolean(), nullable=False),
    sa.Column('plan_published_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('plan_published_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'published', 'awarded', 'cancelled')", name=op.f('ck_tenders_status_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_tenders_created_by_id_users')),
    sa.ForeignKeyConstraint(['framework_version_id'], ['framework_versions.id'], name=op.f('fk_tenders_framework_version_id_framework_versions')),
    sa.ForeignKeyConstraint(['plan_published_by_id'], ['users.id'], name=op.f('fk_tenders_plan_published_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenders')),
    sa.UniqueConstraint('reference', name=op.f('uq_tenders_reference'))
    )
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenders_status'), ['status'], unique=False)

    op.create_table('bids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=8), nullable=False),
    sa.Column('supplier_name', sa.String(length=300), nullable=False),
    sa.Column('supplier_user_id', sa.Integer(), nullable=True),
    sa.Column('price', socialvalue.models.base.ExactDecimal(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('entered_by_officer', sa.Boolean(), nullable=False),
    sa.Column('submitted_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'withdrawn')", name=op.f('ck_bids_status_known')),
    sa.CheckConstraint('price IS NULL OR price > 0', name=op.f('ck_bids_price_positive')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_bids_submitted_by_id_users')),
    sa.ForeignKeyConstraint(['supplier_user_id'], ['users.id'], name=op.f('fk_bids_supplier_user_id_users')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_bids_tender_id_tenders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bids')),
    sa.UniqueConstraint('tender_id', 'label', name=op.f('uq_bids_tender_id_label'))
    )
    with op.batch_alter_table('bids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bids_supplier_user_id'), ['supplier_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bids_tender_id'), ['tender_id'], unique=False)

    op.create_table('criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('group', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('weight', socialvalue.models.base.ExactDecimal(), nullable=False),
    sa.Column('scale_min', sa.Integer(), nullable=True),
    sa.Column('scale_max', sa.Integer(), nullable=True),
    sa.Column('descriptors', sa.JSON(), nullable=False),
    sa.Column('measure_id', sa.Integer(), nullable=True),
    sa.Column('measure_code', sa.String(length=80), nullable=True),
    sa.Column('unit', sa.String(length=60), nullable=True),
    sa.Column('proxy_value_gbp', socialvalue.models.base.ExactDecimal(), nullable=True),
    sa.Column('minimum_score', socialvalue.models.base.ExactDecimal(), nullable=True),
    sa.Column('target', socialvalue.models.base.ExactDecimal(), nullable=True),
    sa.Column('quantitative_method', sa.String(length=40), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('qualitative', 'quantitative')", name=op.f('ck_criteria_kind_known')),
    sa.CheckConstraint('"group" IN (\'quality\', \'social_value\')', name=op.f('ck_criteria_group_known')),
    sa.ForeignKeyConstraint(['measure_id'], ['framework_measures.id'], name=op.f('fk_criteria_measure_id_framework_measures')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_criteria_tender_id_tenders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_criteria')),
    sa.UniqueConstraint('tender_id', 'code', name=op.f('uq_criteria_tender_id_code'))
    )
    with op.batch_alter_table('criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_criteria_tender_id'), ['tender_id'], unique=False)

    op.create_table('gates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('evidence_expected', sa.Text(), nullable=False),
    sa.Column('measure_id', sa.Integer(), nullable=True),
    sa.Column('measure_code', sa.String(length=80), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['measure_id'], ['framework_measures.id'], name=op.f('fk_gates_measure_id_framework_measures')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_gates_tender_id_tenders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gates')),
    sa.UniqueConstraint('tender_id', 'code', name=op.f('uq_gates_tender_id_code'))
    )
    with op.batch_alter_table('gates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gates_tender_id'), ['tender_id'], unique=False)

    op.create_table('tender_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('criterion_ids', sa.JSON(), nullable=False),
    sa.Column('declared_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('has_conflict', sa.Boolean(), nullable=True),
    sa.Column('conflict_details', sa.Text(), nullable=False),
    sa.Column('removed_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('removed_reason', sa.Text(), nullable=False),
    sa.Column('created_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('evaluator', 'panel', 'supplier')", name=op.f('ck_tender_members_role_known')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_tender_members_tender_id_tenders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_tender_members_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tender_members')),
    sa.UniqueConstraint('tender_id', 'user_id', name=op.f('uq_tender_members_tender_id_user_id'))
    )
    with op.batch_alter_table('tender_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tender_members_tender_id'), ['tender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tender_members_user_id'), ['user_id'], unique=False)

    op.create_table('award_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('result_hash', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['bids.id'], name=op.f('fk_award_decisions_bid_id_bids')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_award_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_award_decisions_tender_id_tenders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_decisions')),
    sa.UniqueConstraint('tender_id', name=op.f('uq_award_decisions_tender_id'))
    )
    op.create_table('bid_commitments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('quantity', socialvalue.models.base.ExactDecimal(), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('evidence_plan', sa.Text(), nullable=False),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_bid_commitments_quantity_not_negative')),
    sa.ForeignKeyConstraint(['bid_id'], ['bids.id'], name=op.f('fk_bid_commitments_bid_id_bids'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['criteria.id'], name=op.f('fk_bid_commitments_criterion_id_criteria'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bid_commitments')),
    sa.UniqueConstraint('bid_id', 'criterion_id', name=op.f('uq_bid_commitments_bid_id_criterion_id'))
    )
    with op.batch_alter_table('bid_commitments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bid_commitments_bid_id'), ['bid_id'], unique=False)

    op.create_table('bid_gate_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('gate_id', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['bids.id'], name=op.f('fk_bid_gate_answers_bid_id_bids'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['gate_id'], ['gates.id'], name=op.f('fk_bid_gate_answers_gate_id_gates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bid_gate_answers')),
    sa.UniqueConstraint('bid_id', 'gate_id', name=op.f('uq_bid_gate_answers_bid_id_gate_id'))
    )
    with op.batch_alter_table('bid_gate_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bid_gate_answers_bid_id'), ['bid_id'], unique=False)

    op.create_table('bid_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['bids.id'], name=op.f('fk_bid_responses_bid_id_bids'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['criteria.id'], name=op.f('fk_bid_responses_criterion_id_criteria'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bid_responses')),
    sa.UniqueConstraint('bid_id', 'criterion_id', name=op.f('uq_bid_responses_bid_id_criterion_id'))
    )
    with op.batch_alter_table('bid_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bid_responses_bid_id'), ['bid_id'], unique=False)

    op.create_table('consensus_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('score', socialvalue.models.base.ExactDecimal(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['bids.id'], name=op.f('fk_consensus_scores_bid_id_bids'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['criteria.id'], name=op.f('fk_consensus_scores_criterion_id_criteria'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_consensus_scores_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_consensus_scores_tender_id_tenders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consensus_scores')),
    sa.UniqueConstraint('bid_id', 'criterion_id', name=op.f('uq_consensus_scores_bid_id_criterion_id'))
    )
    with op.batch_alter_table('consensus_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consensus_scores_tender_id'), ['tender_id'], unique=False)

    op.create_table('individual_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('evaluator_role', sa.String(length=20), nullable=False),
    sa.Column('score', socialvalue.models.base.ExactDecimal(), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('submitted_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("evaluator_role IN ('officer', 'panel')", name=op.f('ck_individual_scores_role_known')),
    sa.ForeignKeyConstraint(['bid_id'], ['bids.id'], name=op.f('fk_individual_scores_bid_id_bids'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['criteria.id'], name=op.f('fk_individual_scores_criterion_id_criteria'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evaluator_id'], ['users.id'], name=op.f('fk_individual_scores_evaluator_id_users')),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], name=op.f('fk_individual_scores_tender_id_tenders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_individual_scores')),
    sa.UniqueConstraint('bid_id', 'criterion_id', 'evaluator_id', name=op.f('uq_individual_scores_bid_id_criterion_id_evaluator_id'))
    )
    with op.batch_alter_table('individual_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_individual_scores_evaluator_id'), ['evaluator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_individual_scores_tender_id'), ['tender_id'], unique=False)




def downgrade():

    with op.batch_alter_table('individual_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_individual_scores_tender_id'))
        batch_op.drop_index(batch_op.f('ix_individual_scores_evaluator_id'))

    op.drop_table('individual_scores')
    with op.batch_alter_table('consensus_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consensus_scores_tender_id'))

    op.drop_table('consensus_scores')
    with op.batch_alter_table('bid_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bid_responses_bid_id'))

    op.drop_table('bid_responses')
    with op.batch_alter_table('bid_gate_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bid_gate_answers_bid_id'))

    op.drop_table('bid_gate_answers')
    with op.batch_alter_table('bid_commitments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bid_commitments_bid_id'))

    op.drop_table('bid_commitments')
    op.drop_table('award_decisions')
    with op.batch_alter_table('tender_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tender_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_tender_members_tender_id'))

    op.drop_table('tender_members')
    with op.batch_alter_table('gates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gates_tender_id'))

    op.drop_table('gates')
    with op.batch_alter_table('criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_criteria_tender_id'))

    op.drop_table('criteria')
    with op.batch_alter_table('bids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bids_tender_id'))
        batch_op.drop_index(batch_op.f('ix_bids_supplier_user_id'))

    op.drop_table('bids')
    with op.batch_alter_table('tenders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenders_status'))

    op.drop_table('tenders')

