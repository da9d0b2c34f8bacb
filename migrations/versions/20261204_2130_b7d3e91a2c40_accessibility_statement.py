"""The accessibility statement; the privacy notice version a resident accepted.

Revision ID: b7d3e91a2c40
Revises: 4c8f0b2e6d19
Create Date: 2026-12-04 21:30:00
"""
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "b7d3e91a2c40"
down_revision = "4c8f0b2e6d19"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "accessibility_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("prepared_on", sa.Date(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.Column("assessment", sa.String(length=10), nullable=False),
        sa.Column("assessor", sa.String(length=200), nullable=False),
        sa.Column("contact_person", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=200), nullable=False),
        sa.Column("contact_phone", sa.String(length=50), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("sites", sa.JSON(), nullable=False),
        sa.CheckConstraint("status in ('full', 'partial', 'none')",
                           name=op.f("ck_accessibility_statements_status_known")),
        sa.CheckConstraint("assessment in ('self', 'external')",
                           name=op.f("ck_accessibility_statements_assessment_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accessibility_statements")),
    )
    # The service is published the day it is installed; the admin corrects the dates.
    today = date.today()
    op.bulk_insert(table, [{
        "id": 1, "published_on": today, "updated_on": today, "status": "partial",
        "prepared_on": today, "reviewed_on": None, "assessment": "self", "assessor": "",
        "contact_person": "", "contact_email": "", "contact_phone": "", "texts": {},
        "sites": {}}])
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("privacy_version", sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("privacy_version")
    op.drop_table("accessibility_statements")
