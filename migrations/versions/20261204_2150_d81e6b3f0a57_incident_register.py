"""The incident register (cybersecurity act).

Revision ID: d81e6b3f0a57
Revises: c3a9f0d2b871
Create Date: 2026-12-04 21:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = "d81e6b3f0a57"
down_revision = "c3a9f0d2b871"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sites", sa.JSON(), nullable=False),
        sa.Column("significance", sa.String(length=12), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("reported_to_csirt", sa.Boolean(), nullable=False),
        sa.Column("csirt_reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("csirt_reference", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("significance in ('minor', 'significant', 'serious')",
                           name=op.f("ck_incidents_significance_known")),
        sa.CheckConstraint("status in ('open', 'closed')", name=op.f("ck_incidents_status_known")),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"],
                                name=op.f("fk_incidents_alert_id_alerts"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_incidents_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index(op.f("ix_incidents_status"), "incidents", ["status"])


def downgrade():
    op.drop_index(op.f("ix_incidents_status"), table_name="incidents")
    op.drop_table("incidents")
