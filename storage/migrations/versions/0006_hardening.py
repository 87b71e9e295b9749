"""Hardening: failed logins for the throttle, login sessions' start and last use, web chat delivery keys.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_login_failures_username", "login_failures", ["username"], if_not_exists=True)
    op.create_index("ix_login_failures_address", "login_failures", ["address"], if_not_exists=True)
    op.create_index("ix_login_failures_at", "login_failures", ["at"], if_not_exists=True)
    # A database made from the models before migrations (see 0001) may have the columns already.
    inspector = sa.inspect(op.get_bind())
    schema = op.get_context().version_table_schema
    for table, column in (
        ("login_sessions", sa.Column("created_at", _timestamp(), nullable=True)),
        ("login_sessions", sa.Column("last_seen_at", _timestamp(), nullable=True)),
        ("web_chat_lines", sa.Column("delivery_key", sa.String(length=64), nullable=True)),
    ):
        if column.name not in {existing["name"] for existing in inspector.get_columns(table, schema=schema)}:
            op.add_column(table, column, schema=schema)
    op.create_index(
        "ux_web_chat_lines_delivery", "web_chat_lines", ["session_id", "delivery_key"], unique=True, if_not_exists=True
    )


def downgrade() -> None:
    op.drop_index("ux_web_chat_lines_delivery", table_name="web_chat_lines")
    with op.batch_alter_table("web_chat_lines") as batch:
        batch.drop_column("delivery_key")
    with op.batch_alter_table("login_sessions") as batch:
        batch.drop_column("last_seen_at")
        batch.drop_column("created_at")
    op.drop_index("ix_login_failures_at", table_name="login_failures")
    op.drop_index("ix_login_failures_address", table_name="login_failures")
    op.drop_index("ix_login_failures_username", table_name="login_failures")
    op.drop_table("login_failures")
