"""Accounts that recover and residents managed by staff: password reset links, a forced
password change, birth year, blocks and staff notes.

Revision ID: a1d5c8e2f734
Revises: 7d3a9c5e1f20
Create Date: 2026-12-04 22:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "a1d5c8e2f734"
down_revision = "7d3a9c5e1f20"
branch_labels = None
depends_on = None


def _fk(table, column, target, ondelete):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete)


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("birth_year", sa.SmallInteger(), nullable=True))
    op.create_table(
        "password_reset_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        _fk("password_reset_tokens", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_tokens_token_hash")),
    )
    op.create_index(op.f("ix_password_reset_tokens_user_id"), "password_reset_tokens",
                    ["user_id"], unique=False)
    op.create_table(
        "resident_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        _fk("resident_blocks", "user_id", "users", "CASCADE"),
        _fk("resident_blocks", "created_by_id", "users", "SET NULL"),
        _fk("resident_blocks", "lifted_by_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_blocks")),
    )
    op.create_index(op.f("ix_resident_blocks_user_id"), "resident_blocks", ["user_id"],
                    unique=False)
    op.create_table(
        "resident_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("resident_notes", "user_id", "users", "CASCADE"),
        _fk("resident_notes", "author_id", "users", "SET NULL"),
        _fk("resident_notes", "site_id", "sites", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_notes")),
    )
    op.create_index(op.f("ix_resident_notes_user_id"), "resident_notes", ["user_id"],
                    unique=False)


def downgrade():
    op.drop_index(op.f("ix_resident_notes_user_id"), table_name="resident_notes")
    op.drop_table("resident_notes")
    op.drop_index(op.f("ix_resident_blocks_user_id"), table_name="resident_blocks")
    op.drop_table("resident_blocks")
    op.drop_index(op.f("ix_password_reset_tokens_user_id"), table_name="password_reset_tokens")
    op.drop_table("password_reset_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("birth_year")
        batch_op.drop_column("must_change_password")
