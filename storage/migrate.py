"""Open a database for use: connect, and bring it to the newest schema with the migrations under storage/migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateSchema

from storage.db import Database, connect

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any fixed number: concurrent starts on PostgreSQL take turns migrating.
_LOCK_KEY = 0x4861_6D65_6C6E


@asynccontextmanager
async def open_database(url: str, schema: str | None = None) -> AsyncIterator[Database]:
    """Connect, apply the migrations, and dispose of the engine afterwards."""
    database = connect(url, schema)
    try:
        await upgrade(database)
        yield database
    finally:
        await database.close()


def alembic_config(schema: str | None = None, connection: Connection | None = None) -> Config:
    """Build the Alembic configuration, optionally bound to an open connection and a schema."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["schema"] = schema
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def upgrade(database: Database, revision: str = "head") -> None:
    """Create the schema if one is set and apply every migration up to `revision`."""
    async with database.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        if database.schema:
            await connection.execute(CreateSchema(database.schema, if_not_exists=True))
        await connection.run_sync(_upgrade, database.schema, revision)


def _upgrade(connection: Connection, schema: str | None, revision: str) -> None:
    command.upgrade(alembic_config(schema, connection), revision)
