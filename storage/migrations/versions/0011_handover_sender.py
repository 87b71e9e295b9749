"""Who is sending a staff reply: a starting instance leaves a live instance's sends alone.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A database made from the models before migrations existed has the column already.
    schema = op.get_context().version_table_schema
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("handover_messages", schema=schema)}
    if "sender" not in present:
        op.add_column("handover_messages", sa.Column("sender", sa.String(length=100), nullable=True), schema=schema)


def downgrade() -> None:
    with op.batch_alter_table("handover_messages") as batch:
        batch.drop_column("sender")
