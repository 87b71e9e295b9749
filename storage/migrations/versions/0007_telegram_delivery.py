"""Telegram delivery that keeps its promise: named leases, owners of unhandled updates, a reply outbox.

`leases` holds named leases with an expiry (storage/leases.py): an instance's liveness, the one
poller, background work that runs once. `telegram_updates.owner` names the process whose work an
unhandled update is; `telegram_outbox` holds replies written with their update's "handled" mark.
Updates stored before this migration have no owner: the first process to start takes them over.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("acquired_at", _timestamp(), nullable=False),
        sa.Column("expires_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
        if_not_exists=True,
    )
    # A database made from the models before migrations existed has these columns already.
    schema = op.get_context().version_table_schema
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("telegram_updates", schema=schema)}
    if "owner" not in present:
        op.add_column("telegram_updates", sa.Column("owner", sa.String(length=100), nullable=True), schema=schema)
    if "claimed_at" not in present:
        op.add_column("telegram_updates", sa.Column("claimed_at", _timestamp(), nullable=True), schema=schema)
    op.create_table(
        "telegram_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("markup", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("cut_off", sa.Integer(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("sent_at", _timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )
    op.create_index("ix_telegram_outbox_status_owner", "telegram_outbox", ["status", "owner"], if_not_exists=True)
    op.create_index("ix_telegram_outbox_chat_id", "telegram_outbox", ["chat_id"], if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_telegram_outbox_chat_id", table_name="telegram_outbox")
    op.drop_index("ix_telegram_outbox_status_owner", table_name="telegram_outbox")
    op.drop_table("telegram_outbox")
    op.drop_column("telegram_updates", "claimed_at")
    op.drop_column("telegram_updates", "owner")
    op.drop_table("leases")
