"""Files a person sends in the web chat during a handover, and the tokens that move a conversation to Telegram.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handover_files",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("handover_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["handover_messages.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["handover_id"], ["handovers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_id"),
        if_not_exists=True,
    )
    op.create_index("ix_handover_files_handover_id", "handover_files", ["handover_id"], if_not_exists=True)
    op.create_table(
        "conversation_moves",
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_digest"),
        if_not_exists=True,
    )
    op.create_index(
        "ix_conversation_moves_conversation_id", "conversation_moves", ["conversation_id"], if_not_exists=True
    )
    op.create_index("ix_conversation_moves_expires_at", "conversation_moves", ["expires_at"], if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_conversation_moves_expires_at", table_name="conversation_moves")
    op.drop_index("ix_conversation_moves_conversation_id", table_name="conversation_moves")
    op.drop_table("conversation_moves")
    op.drop_index("ix_handover_files_handover_id", table_name="handover_files")
    op.drop_table("handover_files")
