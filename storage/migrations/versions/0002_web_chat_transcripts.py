"""The web chat's transcripts: sessions (a digest of the cookie) and their lines, deleted after the retention.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_chat_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("started_at", _timestamp(), nullable=False),
        sa.Column("last_active_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        "ix_web_chat_sessions_last_active_at", "web_chat_sessions", ["last_active_at"], if_not_exists=True
    )
    op.create_table(
        "web_chat_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("at", _timestamp(), nullable=False),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("rtl", sa.Boolean(), nullable=False),
        sa.Column("buttons", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["web_chat_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_web_chat_lines_session_id", "web_chat_lines", ["session_id"], if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_web_chat_lines_session_id", table_name="web_chat_lines")
    op.drop_table("web_chat_lines")
    op.drop_index("ix_web_chat_sessions_last_active_at", table_name="web_chat_sessions")
    op.drop_table("web_chat_sessions")
