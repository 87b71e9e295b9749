"""The initial schema: accounts, login sessions, the Telegram inbox and group notices, inquiry counts
(hourly, weekly roll-ups, handover waiting times).

Tables are created only if missing, so databases made before migrations existed (by create_all)
are taken over as they are.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NO_ROWID = {"sqlite_with_rowid": False}


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("roles", sa.String(length=80), nullable=False),
        sa.Column("languages", sa.String(length=80), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
        if_not_exists=True,
    )
    op.create_table(
        "login_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("expires_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
        if_not_exists=True,
    )
    op.create_index("ix_login_sessions_account_id", "login_sessions", ["account_id"], if_not_exists=True)
    op.create_table(
        "telegram_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("received_at", _timestamp(), nullable=False),
        sa.Column("handled_at", _timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
        if_not_exists=True,
    )
    op.create_index("ix_telegram_updates_status", "telegram_updates", ["status"], if_not_exists=True)
    op.create_table(
        "telegram_group_notices",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("told_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
        if_not_exists=True,
    )
    op.create_table(
        "inquiry_hourly",
        sa.Column("hour", _timestamp(), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("in_hours", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "topic", "language", "channel", "outcome", "in_hours"),
        if_not_exists=True,
        **_NO_ROWID,
    )
    op.create_table(
        "inquiry_handover_waits",
        sa.Column("hour", _timestamp(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("waited", sa.String(length=8), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "language", "channel", "waited"),
        if_not_exists=True,
        **_NO_ROWID,
    )
    op.create_table(
        "inquiry_weekly_topics",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("week", "topic", "language", "channel"),
        if_not_exists=True,
        **_NO_ROWID,
    )
    op.create_table(
        "inquiry_weekly_needs",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("in_hours", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("week", "topic", "language", "channel", "outcome", "in_hours"),
        if_not_exists=True,
        **_NO_ROWID,
    )
    op.create_table(
        "inquiry_weekly_outcomes",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("week", "language", "channel", "outcome"),
        if_not_exists=True,
        **_NO_ROWID,
    )
    op.create_table(
        "inquiry_weekly_clock",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("hour", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("week", "weekday", "hour", "language", "channel"),
        if_not_exists=True,
        **_NO_ROWID,
    )


def downgrade() -> None:
    for table in (
        "inquiry_weekly_clock",
        "inquiry_weekly_outcomes",
        "inquiry_weekly_needs",
        "inquiry_weekly_topics",
        "inquiry_handover_waits",
        "inquiry_hourly",
        "telegram_group_notices",
    ):
        op.drop_table(table)
    op.drop_index("ix_telegram_updates_status", table_name="telegram_updates")
    op.drop_table("telegram_updates")
    op.drop_index("ix_login_sessions_account_id", table_name="login_sessions")
    op.drop_table("login_sessions")
    op.drop_table("accounts")
