"""Handovers to staff: the handovers (one active per conversation), their messages, staff group posts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIVE = "status <> 'closed'"


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("first_name", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claimed_by", sa.String(length=40), nullable=True),
        sa.Column("claimed_by_name", sa.String(length=120), nullable=True),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("waiting_since", _timestamp(), nullable=True),
        sa.Column("first_answered_at", _timestamp(), nullable=True),
        sa.Column("last_activity_at", _timestamp(), nullable=False),
        sa.Column("closed_at", _timestamp(), nullable=True),
        sa.Column("closed_by", sa.String(length=16), nullable=True),
        sa.Column("staff_thread_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_handovers_status", "handovers", ["status"], if_not_exists=True)
    op.create_index("ix_handovers_closed_at", "handovers", ["closed_at"], if_not_exists=True)
    op.create_index("ix_handovers_conversation", "handovers", ["channel", "conversation_id"], if_not_exists=True)
    # At most one handover that is not closed per conversation, whatever arrives at the same time.
    op.create_index(
        "uq_handovers_one_active",
        "handovers",
        ["channel", "conversation_id"],
        unique=True,
        sqlite_where=sa.text(_ACTIVE),
        postgresql_where=sa.text(_ACTIVE),
        if_not_exists=True,
    )
    op.create_table(
        "handover_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handover_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("media_ref", sa.String(length=255), nullable=True),
        sa.Column("media_name", sa.String(length=255), nullable=True),
        sa.Column("media_mime", sa.String(length=100), nullable=True),
        sa.Column("author_name", sa.String(length=120), nullable=True),
        sa.Column("source_id", sa.String(length=128), nullable=True),
        sa.Column("delivery", sa.String(length=16), nullable=True),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("sent_at", _timestamp(), nullable=True),
        sa.ForeignKeyConstraint(["handover_id"], ["handovers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("handover_id", "source_id", name="uq_handover_messages_source"),
        if_not_exists=True,
    )
    op.create_index("ix_handover_messages_handover_id", "handover_messages", ["handover_id"], if_not_exists=True)
    op.create_index("ix_handover_messages_delivery", "handover_messages", ["delivery"], if_not_exists=True)
    op.create_table(
        "handover_staff_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handover_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("handover_message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["handover_id"], ["handovers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["handover_message_id"], ["handover_messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id", "message_id", name="uq_handover_staff_posts_message"),
        if_not_exists=True,
    )
    op.create_index("ix_handover_staff_posts_handover_id", "handover_staff_posts", ["handover_id"], if_not_exists=True)
    op.create_index(
        "ix_handover_staff_posts_handover_message_id", "handover_staff_posts", ["handover_message_id"], if_not_exists=True
    )


def downgrade() -> None:
    op.drop_index("ix_handover_staff_posts_handover_message_id", table_name="handover_staff_posts")
    op.drop_index("ix_handover_staff_posts_handover_id", table_name="handover_staff_posts")
    op.drop_table("handover_staff_posts")
    op.drop_index("ix_handover_messages_delivery", table_name="handover_messages")
    op.drop_index("ix_handover_messages_handover_id", table_name="handover_messages")
    op.drop_table("handover_messages")
    op.drop_index("uq_handovers_one_active", table_name="handovers")
    op.drop_index("ix_handovers_conversation", table_name="handovers")
    op.drop_index("ix_handovers_closed_at", table_name="handovers")
    op.drop_index("ix_handovers_status", table_name="handovers")
    op.drop_table("handovers")
