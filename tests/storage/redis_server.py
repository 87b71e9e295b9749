"""The Redis server of 127.0.0.1 for tests: a client, and a namespace of its own for each test."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

REDIS_URL = "redis://127.0.0.1:6379/0"


@asynccontextmanager
async def redis_client() -> AsyncIterator[Redis]:
    """Yield a client of the local Redis server; skip the test with a reason when none answers."""
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (RedisError, OSError) as error:
        await client.aclose()
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({type(error).__name__})")
    try:
        yield client
    finally:
        await client.aclose()


def fresh_namespace() -> str:
    """A namespace no other test (or engineer's test run) on the same Redis server uses."""
    return f"test-{secrets.token_hex(6)}"
