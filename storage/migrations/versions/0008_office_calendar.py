"""The office's own calendar: closures it sets, the notice it shows, and who changed what when.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "office_closures",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("set_by", sa.String(length=120), nullable=False),
        sa.Column("set_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
        if_not_exists=True,
    )
    op.create_table(
        "office_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("at_time", sa.String(length=5), nullable=True),
        sa.Column("set_by", sa.String(length=120), nullable=False),
        sa.Column("set_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_table(
        "office_calendar_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _timestamp(), nullable=False),
        sa.Column("by", sa.String(length=120), nullable=False),
        sa.Column("change", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_office_calendar_changes_at", "office_calendar_changes", ["at"], if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_office_calendar_changes_at", table_name="office_calendar_changes")
    op.drop_table("office_calendar_changes")
    op.drop_table("office_notices")
    op.drop_table("office_closures")
