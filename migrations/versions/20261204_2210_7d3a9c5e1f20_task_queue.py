"""Background work on a task queue: job runs claim their slot; remote hosts name their worker.

Revision ID: 7d3a9c5e1f20
Revises: e5c7a2d94f18
Create Date: 2026-12-04 22:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "7d3a9c5e1f20"
down_revision = "e5c7a2d94f18"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slot", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("sent_by", sa.String(length=100), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("ran_by", sa.String(length=100), nullable=False,
                                      server_default=""))
        batch_op.alter_column("ok", existing_type=sa.Boolean(), nullable=True)
        batch_op.create_unique_constraint("uq_job_runs_job_slot", ["job_id", "slot"])
    with op.batch_alter_table("remote_run_hosts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("worker", sa.String(length=100), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_remote_run_hosts_status", ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("remote_run_hosts", schema=None) as batch_op:
        batch_op.drop_index("ix_remote_run_hosts_status")
        batch_op.drop_column("sent_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("worker")
    op.execute("DELETE FROM job_runs WHERE ok IS NULL")
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_constraint("uq_job_runs_job_slot", type_="unique")
        batch_op.alter_column("ok", existing_type=sa.Boolean(), nullable=False)
        batch_op.drop_column("ran_by")
        batch_op.drop_column("sent_by")
        batch_op.drop_column("slot")
