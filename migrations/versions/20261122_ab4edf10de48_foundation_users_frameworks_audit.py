"""foundation users frameworks audit

Revision ID: ab4edf10de48
Revises: 
Create Date: 2026-11-22 02:10:31.712925

"""
from alembic import op
import sqlalchemy as sa

import socialvalue.models.base


# revision identifiers, used by Alembic.
revision = 'ab4edf10de48'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_sequence', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    op.create_table('framework_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.String(length=100), nullable=False),
    sa.Column('version', sa.String(length=50), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('supersedes', sa.String(length=160), nullable=True),
    sa.Column('superseded_by', sa.String(length=160), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('licence', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=80), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('source_path', sa.String(length=300), nullable=False),
    sa.Column('synced_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'published', 'retired')", name=op.f('ck_framework_versions_status_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_framework_versions')),
    sa.UniqueConstraint('framework_id', 'version', name=op.f('uq_framework_versions_framework_id_version'))
    )
    op.create_table('sign_in_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('attempted_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_attempts'))
    )
    with op.batch_alter_table('sign_in_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_attempts_attempted_at'), ['attempted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_attempts_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_attempts_remote_addr'), ['remote_addr'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('last_sign_in_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'officer', 'panel', 'supplier', 'auditor')", name=op.f('ck_users_role_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('occurred_at', socialvalue.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=300), nullable=False),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('entity_type', sa.String(length=60), nullable=False),
    sa.Column('entity_id', sa.String(length=80), nullable=False),
    sa.Column('tender_id', sa.Integer(), nullable=True),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('prev_hash', sa.String(length=80), nullable=False),
    sa.Column('event_hash', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('event_hash', name=op.f('uq_audit_events_event_hash')),
    sa.UniqueConstraint('sequence', name=op.f('uq_audit_events_sequence'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index('ix_audit_events_entity', ['entity_type', 'entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_tender_id'), ['tender_id'], unique=False)

    op.create_table('framework_measures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('framework_version_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('unit', sa.String(length=60), nullable=True),
    sa.Column('counting_rule', sa.Text(), nullable=True),
    sa.Column('proxy_value_gbp', socialvalue.models.base.ExactDecimal(), nullable=True),
    sa.Column('proxy_value_source', sa.Text(), nullable=True),
    sa.Column('proxy_value_year', sa.Integer(), nullable=True),
    sa.Column('scale', sa.JSON(), nullable=True),
    sa.Column('evidence_expected', sa.Text(), nullable=True),
    sa.Column('verification', sa.String(length=20), nullable=False),
    sa.Column('verification_note', sa.Text(), nullable=True),
    sa.Column('theme_code', sa.String(length=60), nullable=False),
    sa.Column('outcome_code', sa.String(length=60), nullable=True),
    sa.Column('outcome_title', sa.String(length=300), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('quantitative', 'qualitative', 'pass_fail')", name=op.f('ck_framework_measures_kind_known')),
    sa.ForeignKeyConstraint(['framework_version_id'], ['framework_versions.id'], name=op.f('fk_framework_measures_framework_version_id_framework_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_framework_measures')),
    sa.UniqueConstraint('framework_version_id', 'code', name=op.f('uq_framework_measures_framework_version_id_code'))
    )
    with op.batch_alter_table('framework_measures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_framework_measures_framework_version_id'), ['framework_version_id'], unique=False)

    op.create_table('framework_themes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('framework_version_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('verification', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['framework_version_id'], ['framework_versions.id'], name=op.f('fk_framework_themes_framework_version_id_framework_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_framework_themes')),
    sa.UniqueConstraint('framework_version_id', 'code', name=op.f('uq_framework_themes_framework_version_id_code'))
    )
    with op.batch_alter_table('framework_themes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_framework_themes_framework_version_id'), ['framework_version_id'], unique=False)




def downgrade():
    
    with op.batch_alter_table('framework_themes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_framework_themes_framework_version_id'))

    op.drop_table('framework_themes')
    with op.batch_alter_table('framework_measures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_framework_measures_framework_version_id'))

    op.drop_table('framework_measures')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_tender_id'))
        batch_op.drop_index('ix_audit_events_entity')
        batch_op.drop_index(batch_op.f('ix_audit_events_contract_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
    op.drop_table('users')
    with op.batch_alter_table('sign_in_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_attempts_remote_addr'))
        batch_op.drop_index(batch_op.f('ix_sign_in_attempts_email'))
        batch_op.drop_index(batch_op.f('ix_sign_in_attempts_attempted_at'))

    op.drop_table('sign_in_attempts')
    op.drop_table('framework_versions')
    op.drop_table('audit_chain_head')

