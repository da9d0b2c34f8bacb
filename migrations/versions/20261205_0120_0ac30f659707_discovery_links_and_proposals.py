"""Discovery: neighbour links (LLDP/CDP) between devices and proposed new devices.

Revision ID: 0ac30f659707
Revises: f948dc9882e5
Create Date: 2026-12-05 01:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0ac30f659707"
down_revision = "f948dc9882e5"
branch_labels = None
depends_on = None


def _fk(table, column, target, ondelete):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete)


def upgrade():
    op.create_table(
        "neighbour_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("protocol", sa.String(length=4), nullable=False),
        sa.Column("local_port", sa.String(length=100), nullable=False),
        sa.Column("neighbour_name", sa.String(length=200), nullable=False),
        sa.Column("neighbour_address", sa.String(length=45), nullable=True),
        sa.Column("neighbour_port", sa.String(length=100), nullable=False),
        sa.Column("neighbour_platform", sa.String(length=200), nullable=False),
        sa.Column("neighbour_device_id", sa.Integer(), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("protocol IN ('lldp', 'cdp')",
                           name=op.f("ck_neighbour_links_protocol")),
        _fk("neighbour_links", "site_id", "sites", "CASCADE"),
        _fk("neighbour_links", "device_id", "devices", "CASCADE"),
        _fk("neighbour_links", "neighbour_device_id", "devices", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_neighbour_links")),
    )
    op.create_index("ix_neighbour_links_site", "neighbour_links", ["site_id"])
    op.create_index(op.f("ix_neighbour_links_device_id"), "neighbour_links", ["device_id"])
    op.create_table(
        "proposed_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=45), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("found_by", sa.String(length=4), nullable=False),
        sa.Column("via_device_id", sa.Integer(), nullable=True),
        sa.Column("sys_name", sa.String(length=200), nullable=False),
        sa.Column("sys_descr", sa.Text(), nullable=False),
        sa.Column("sys_object_id", sa.String(length=200), nullable=False),
        sa.Column("suggested_kind", sa.String(length=20), nullable=False),
        sa.Column("snmp_version", sa.String(length=2), nullable=True),
        sa.Column("community_secret", sa.Text(), nullable=True),
        sa.Column("v3_user", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("found_by IN ('lldp', 'cdp', 'arp', 'scan')",
                           name=op.f("ck_proposed_devices_found_by")),
        sa.CheckConstraint("status IN ('proposed', 'accepted', 'ignored')",
                           name=op.f("ck_proposed_devices_status")),
        _fk("proposed_devices", "site_id", "sites", "CASCADE"),
        _fk("proposed_devices", "via_device_id", "devices", "SET NULL"),
        _fk("proposed_devices", "device_id", "devices", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposed_devices")),
        sa.UniqueConstraint("site_id", "address", name=op.f("uq_proposed_devices_site_id")),
    )


def downgrade():
    op.drop_table("proposed_devices")
    op.drop_index(op.f("ix_neighbour_links_device_id"), table_name="neighbour_links")
    op.drop_index("ix_neighbour_links_site", table_name="neighbour_links")
    op.drop_table("neighbour_links")
