"""The staff desk for an office week: reply templates with a text per language, and how far each
colleague has read each handover (erased with it).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reply_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
        if_not_exists=True,
    )
    op.create_table(
        "reply_template_texts",
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reviewed_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(["template_id"], ["reply_templates.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("template_id", "language"),
        if_not_exists=True,
    )
    op.create_table(
        "handover_reads",
        sa.Column("handover_id", sa.Integer(), nullable=False),
        sa.Column("reader", sa.String(length=40), nullable=False),
        sa.Column("seen_message_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["handover_id"], ["handovers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("handover_id", "reader"),
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_table("handover_reads")
    op.drop_table("reply_template_texts")
    op.drop_table("reply_templates")
