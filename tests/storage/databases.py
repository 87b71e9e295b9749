"""Throw-away databases for tests: a SQLite file, or a fresh database on the local PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

POSTGRES_SERVER = "postgres@127.0.0.1:5432"
DATABASE_KINDS = ["sqlite", "postgresql"]


@asynccontextmanager
async def fresh_database_url(kind: str, directory: Path) -> AsyncIterator[str]:
    """Yield the URL of an empty database of `kind`; drop it afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{directory / f'test-{secrets.token_hex(4)}.db'}"
        return
    name = f"assistant_test_{secrets.token_hex(6)}"
    try:
        admin = await asyncpg.connect(f"postgresql://{POSTGRES_SERVER}/test", timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_SERVER} ({type(error).__name__})")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+asyncpg://{POSTGRES_SERVER}/{name}"
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
