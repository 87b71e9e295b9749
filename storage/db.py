"""The database: one async engine and session factory for the app's lifetime, and the tables' base.

Opening a database for use (connect, then migrate) is storage/migrate.py's `open_database`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.dml import Insert
from sqlalchemy.types import TypeDecorator

from core.settings import async_database_url

T = TypeVar("T")

# SQLite makes a second writer wait for the lock this long instead of failing at once.
SQLITE_BUSY_TIMEOUT = 30.0


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored in UTC; SQLite's naive values are read back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass a timezone-aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base of every table; `datetime` columns are timezone-aware."""

    type_annotation_map = {datetime: UtcDateTime()}


@dataclass(frozen=True)
class Database:
    """The engine and the session factory; each task opens its own session."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    schema: str | None = None

    async def close(self) -> None:
        await self.engine.dispose()


# A pooled connection that rested at least this long is checked before use: the database may have
# restarted meanwhile. One in steady use is not (SQLAlchemy's pre-ping would cost three round trips
# per transaction, BEGIN, a ping and ROLLBACK, about a tenth of the app's CPU per message): if the
# database went away under it, its next statement fails, SQLAlchemy renews the whole pool, and that
# one transaction is retried like any other failed one.
PING_AFTER_IDLE = 2.0


def connect(url: str, schema: str | None = None, ping_after_idle: float = PING_AFTER_IDLE) -> Database:
    """Build the engine for `url` (any usual form, see core.settings); `schema` puts every table into that schema."""
    parsed = make_url(async_database_url(url))
    # Enough pooled connections for every message in flight: connections opened and closed beyond the
    # pool cost the app a handshake and PostgreSQL a new backend process each time.
    options: dict[str, Any] = {"pool_size": 10, "max_overflow": 10}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        options = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT}}
    engine = create_async_engine(parsed, **options)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
    else:
        _ping_rested_connections(engine, ping_after_idle)
    if schema:
        engine = engine.execution_options(schema_translate_map={None: schema})
    return Database(engine, async_sessionmaker(engine, expire_on_commit=False), schema)


def _ping_rested_connections(engine: AsyncEngine, after: float) -> None:
    """Check a pooled connection before use when it rested `after` seconds or more; replace it if it is broken."""

    def checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["rested_since"] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        rested_since = record.info.pop("rested_since", None)
        if rested_since is None or time.monotonic() - rested_since < after:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool drops this connection and checks out another (a new one if need be).
            raise DisconnectionError("a pooled connection was broken while it rested") from error

    event.listen(engine.sync_engine, "checkin", checked_in)
    event.listen(engine.sync_engine, "checkout", checked_out)


async def uninterrupted(work: Awaitable[T]) -> T:
    """Await a short transaction that a cancellation must not cut off in the middle of a statement.

    Cancelled mid-statement, an async session can leave its connection behind with the
    statement still open, and on SQLite that open write holds the database's lock: every other
    writer then waits out the busy timeout (30 s). Background loops (leases, chores) are cancelled
    whenever the app stops, so their writes finish first and the cancellation is passed on after.
    """
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with suppress(Exception):
            await task
        raise


def dialect_insert(table: type[Base] | Table, dialect: Dialect) -> postgresql.Insert | sqlite.Insert:
    """Build the INSERT of the database in use, which can skip or merge rows whose key is already stored."""
    if dialect.name == "postgresql":
        return postgresql.insert(table)
    if dialect.name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"database {dialect.name!r} is not supported; use SQLite or PostgreSQL")


def insert_unless_present(model: type[Base], dialect: Dialect, **values: Any) -> Insert:
    """Build an INSERT that silently skips a row whose key is already stored."""
    return dialect_insert(model, dialect).values(**values).on_conflict_do_nothing()


def _tune_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    # WAL lets readers work while one writer commits; synchronous=FULL keeps each commit on disk.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()
