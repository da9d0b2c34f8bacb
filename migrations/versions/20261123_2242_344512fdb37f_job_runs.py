"""job runs

Revision ID: 344512fdb37f
Revises: f2caa692df9d
Create Date: 2026-11-23 22:42:20.229049

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '344512fdb37f'
down_revision = 'f2caa692df9d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.String(length=80), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_seconds', sa.Double(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('result', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_job_runs_job_started', ['job_id', 'started_at'], unique=False)



def downgrade():
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_job_runs_job_started')

    op.drop_table('job_runs')
