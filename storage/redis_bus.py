"""The event bus over Redis pub/sub: every process sharing the Redis server and the database gets every event.

Publishing never waits for Redis: events go out in order from one task. Receiving runs in another
task that subscribes to the deployment's channels and hands each event to this process's receivers
(core.bus.LocalBus), our own events included, so every process sees one order. When Redis is away
the tasks retry with a growing pause; events published meanwhile are dropped after a bounded
backlog (they are signals: what they announce is stored in the database).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.bus import Event, LocalBus, Receiver

log = logging.getLogger(__name__)

BACKLOG = 10_000
RETRY_FIRST, RETRY_MAX = 0.2, 5.0


class RedisBus:
    """Publish to and receive from the Redis channels `<namespace>:<topic>`."""

    shared = True

    def __init__(self, client: Redis, namespace: str) -> None:
        self._client = client
        self._namespace = namespace
        self._local = LocalBus()
        self._outgoing: asyncio.Queue[tuple[str, str]] = asyncio.Queue(maxsize=BACKLOG)
        self._subscribed = asyncio.Event()

    def publish(self, topic: str, event: Event) -> None:
        try:
            self._outgoing.put_nowait((f"{self._namespace}:{topic}", json.dumps(event, separators=(",", ":"))))
        except asyncio.QueueFull:
            log.warning("Redis is behind; a %s event was dropped", topic)

    def subscribe(self, topic: str, receiver: Receiver) -> Callable[[], None]:
        return self._local.subscribe(topic, receiver)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[RedisBus]:
        """Send and receive while the block runs; it starts once the subscription is in place."""
        tasks = [
            asyncio.create_task(self._send(), name="bus-send"),
            asyncio.create_task(self._receive(), name="bus-receive"),
        ]
        try:
            await asyncio.wait_for(self._subscribed.wait(), 30)
            yield self
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _send(self) -> None:
        pause = RETRY_FIRST
        while True:
            channel, data = await self._outgoing.get()
            while True:
                try:
                    await self._client.publish(channel, data)
                    pause = RETRY_FIRST
                    break
                except (RedisError, OSError) as error:
                    log.warning("publishing to Redis failed (%s); trying again", type(error).__name__)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, RETRY_MAX)

    async def _receive(self) -> None:
        prefix = f"{self._namespace}:"
        pause = RETRY_FIRST
        while True:
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(f"{prefix}*")
                self._subscribed.set()
                pause = RETRY_FIRST
                while True:
                    message = await pubsub.get_message(timeout=30.0)
                    if message is None or message.get("type") != "pmessage":
                        continue
                    channel = _text(message["channel"])
                    try:
                        event = json.loads(_text(message["data"]))
                    except ValueError:
                        log.warning("an event on Redis was not JSON; ignored")
                        continue
                    if isinstance(event, dict):
                        self._local.deliver(channel.removeprefix(prefix), event)
            except (RedisError, OSError) as error:
                log.warning("listening to Redis failed (%s); trying again", type(error).__name__)
                await asyncio.sleep(pause)
                pause = min(pause * 2, RETRY_MAX)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()


def namespace_of(database_url: str) -> str:
    """Name the deployment in Redis by its database (without the password): processes sharing one share events."""
    from sqlalchemy.engine import make_url

    from core.settings import async_database_url

    identity = make_url(async_database_url(database_url)).render_as_string(hide_password=True)
    return "assistant:" + hashlib.sha256(identity.encode()).hexdigest()[:16]


@asynccontextmanager
async def redis_client(url: str) -> AsyncIterator[Redis]:
    """Connect to Redis for the app's lifetime; fail at start, with the variable's name, when it does not answer."""
    from core.errors import SettingsError

    client = Redis.from_url(url, health_check_interval=30, socket_keepalive=True)
    try:
        try:
            await client.ping()
        except (RedisError, OSError) as error:
            raise SettingsError(f"ASSISTANT_REDIS_URL does not answer ({type(error).__name__})") from None
        yield client
    finally:
        await client.aclose()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
