"""Run the migrations: on the app's open connection, or from the `alembic` command line."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from core.settings import Settings
from storage.db import UtcDateTime, connect

config = context.config
schema: str | None = config.attributes.get("schema")
given = config.attributes.get("connection")
# Only autogenerate compares with the models; the app's own upgrade needs none of them.
target_metadata = config.attributes.get("metadata")
if target_metadata is None and given is None:
    # The `alembic` command line: the composition root knows every table.
    from bot.schema import metadata

    target_metadata = metadata()


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url


def _render_item(kind: str, item: Any, autogen: AutogenContext) -> str | bool:
    # Migrations store UtcDateTime as what it is in the database, without importing the app.
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table_schema=schema,
        compare_type=True,
        # SQLite changes most columns by copying the table; batch mode writes migrations that way.
        render_as_batch=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_on_own_engine() -> None:
    database = connect(_url(), schema)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await database.close()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, version_table_schema=schema)
    with context.begin_transaction():
        context.run_migrations()
elif given is not None:
    _run(given)
else:
    asyncio.run(_run_on_own_engine())
