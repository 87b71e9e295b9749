"""Conversation state (language, chosen language, misunderstandings, ...) in the database instead of process memory.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_states",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("chosen_language", sa.String(length=16), nullable=True),
        sa.Column("misunderstood_in_a_row", sa.Integer(), nullable=False),
        sa.Column("last_topic", sa.String(length=64), nullable=True),
        sa.Column("unclear", sa.Text(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("switch_to", sa.String(length=16), nullable=True),
        sa.Column("switch_votes", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index(
        "ix_conversation_states_updated_at", "conversation_states", ["updated_at"], if_not_exists=True
    )


def downgrade() -> None:
    op.drop_index("ix_conversation_states_updated_at", table_name="conversation_states")
    op.drop_table("conversation_states")
