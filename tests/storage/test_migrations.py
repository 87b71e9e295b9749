"""The Alembic migrations create exactly the tables of the models, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from bot.schema import metadata
from storage.db import connect
from storage.migrate import alembic_config, open_database
from tests.storage.databases import fresh_database_url


def differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata()))


async def test_migrations_match_the_models(database_url: str) -> None:
    # A new table or column needs a migration (see storage/migrations/README), or this fails.
    async with open_database(database_url) as database, database.engine.connect() as connection:
        assert await connection.run_sync(differences) == []
        version = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_opening_again_is_harmless(database_url: str) -> None:
    async with open_database(database_url):
        pass
    async with open_database(database_url) as database, database.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_a_database_made_before_migrations_is_taken_over(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    old = connect(url)
    async with old.engine.begin() as connection:
        await connection.run_sync(metadata().create_all)
    await old.close()
    async with open_database(url) as database, database.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_a_schema_keeps_every_table_apart(tmp_path: Path) -> None:
    async with fresh_database_url("postgresql", tmp_path) as url:
        async with open_database(url, schema="assistant_a"), open_database(url, schema="assistant_b") as database:
            async with database.engine.connect() as connection:
                tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names(schema="assistant_b"))
                public = await connection.run_sync(lambda sync: inspect(sync).get_table_names(schema="public"))
        assert {"alembic_version", "accounts", "inquiry_hourly", "telegram_updates"} <= set(tables)
        assert public == []


def test_the_first_revision_is_the_root() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_base() == "0001" and len(script.get_heads()) == 1
