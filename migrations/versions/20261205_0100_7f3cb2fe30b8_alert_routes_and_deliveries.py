"""Alert routes (who hears about which alerts) and their deliveries.

Revision ID: 7f3cb2fe30b8
Revises: c27e5d1a9b44
Create Date: 2026-12-05 01:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "7f3cb2fe30b8"
down_revision = "c27e5d1a9b44"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "alert_routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("site_ids", sa.JSON(), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("min_severity", sa.String(length=10), nullable=False),
        sa.Column("emails", sa.JSON(), nullable=False),
        sa.Column("phones", sa.JSON(), nullable=False),
        sa.Column("webhook_url", sa.String(length=500), nullable=True),
        sa.Column("webhook_format", sa.String(length=10), nullable=False),
        sa.Column("quiet_start", sa.String(length=5), nullable=True),
        sa.Column("quiet_end", sa.String(length=5), nullable=True),
        sa.Column("critical_bypasses_quiet", sa.Boolean(), nullable=False),
        sa.Column("repeat_minutes", sa.Integer(), nullable=True),
        sa.Column("notify_resolved", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("min_severity IN ('info', 'warning', 'critical')",
                           name=op.f("ck_alert_routes_min_severity")),
        sa.CheckConstraint("webhook_format IN ('json', 'slack', 'teams')",
                           name=op.f("ck_alert_routes_webhook_format")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_routes")),
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("webhook_format", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')",
                           name=op.f("ck_alert_deliveries_status")),
        sa.CheckConstraint("channel IN ('email', 'webhook', 'sms')",
                           name=op.f("ck_alert_deliveries_channel")),
        sa.CheckConstraint("event IN ('opened', 'repeat', 'resolved')",
                           name=op.f("ck_alert_deliveries_event")),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"],
                                name=op.f("fk_alert_deliveries_alert_id_alerts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["route_id"], ["alert_routes.id"],
                                name=op.f("fk_alert_deliveries_route_id_alert_routes"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
    )
    op.create_index("ix_alert_deliveries_due", "alert_deliveries",
                    ["status", "next_attempt_at"])
    op.create_index("ix_alert_deliveries_alert_route", "alert_deliveries",
                    ["alert_id", "route_id"])


def downgrade():
    op.drop_index("ix_alert_deliveries_alert_route", table_name="alert_deliveries")
    op.drop_index("ix_alert_deliveries_due", table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_table("alert_routes")
