"""The app's one aiohttp web application: shared resources, channel routes, and serving it."""

from __future__ import annotations

import asyncio
import signal
import socket
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from aiohttp import web

from accounts.web import SessionPolicy, install_accounts
from actions.conversation_store import keep_forgetting
from actions.conversations import ConversationStore
from bot.app import Assistant, conversation_store, running_assistant
from bot.channels.telegram import TelegramChannel
from bot.channels.web import WebChatChannel
from bot.edge import install_edge
from bot.channels.telegram.custody import instance_owner
from bot.keys import AFTER_LISTENING, ASSISTANT, CONVERSATIONS, DATABASE, INSTANCE, SETTINGS
from core.addresses import trusted_networks
from core.channels import Channel
from core.errors import SettingsError
from core.settings import Settings
from monitoring.config import analysis_config
from monitoring.dashboard import install_analytics
from staff.availability import install_availability
from staff.web import install_staff_inbox
from storage.db import Database
from storage.instances import keep_forgetting_leases, running_instance
from storage.migrate import open_database

T = TypeVar("T")
AssistantFactory = Callable[[Settings, Database, ConversationStore], AbstractAsyncContextManager[Assistant]]
_ASSISTANT_FACTORY = web.AppKey[AssistantFactory]("assistant_factory")
_CLAIM_DATABASE = web.AppKey("claim_database", bool)


class WebChannel(Channel, Protocol):
    """A channel (core.channels) that lives in the web app: it adds routes, a cleanup context and listening hooks."""

    def install(self, app: web.Application) -> None: ...


def create_app(
    settings: Settings,
    channels: Sequence[WebChannel] = (),
    assistant_factory: AssistantFactory = running_assistant,
    claim_database: bool = False,
) -> web.Application:
    """Build the web application: database, assistant and conversations first, then the channels.

    With `claim_database` (`serve`), the app refuses to start where another instance holds the
    database in a way it cannot share (storage.instances); tests that play several instances in one
    process leave it off.
    """
    app = web.Application()
    install_edge(app)
    app[SETTINGS] = settings
    app[_CLAIM_DATABASE] = claim_database
    app[_ASSISTANT_FACTORY] = assistant_factory
    app[AFTER_LISTENING] = []
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_assistant)
    install_accounts(app, DATABASE, session_policy(settings))
    install_analytics(app, DATABASE, analysis_config(settings))
    for channel in channels:
        channel.install(app)
    # After the channels: the desk resumes sending to people once every channel can reach them.
    install_staff_inbox(app, ASSISTANT, INSTANCE)
    install_availability(app, ASSISTANT)
    return app


def session_policy(settings: Settings) -> SessionPolicy:
    """Return how long logins last and which proxies are believed, from the settings."""
    return SessionPolicy(
        lifetime=timedelta(hours=settings.session_max_hours),
        idle=timedelta(minutes=settings.session_idle_minutes),
        trusted_proxies=trusted_networks(settings.trusted_proxies),
    )


def default_channels(settings: Settings) -> list[WebChannel]:
    """Return the channels the settings switch on; the web chat is always on."""
    channels: list[WebChannel] = [WebChatChannel(settings)]
    if settings.telegram_bot_token:
        channels.append(TelegramChannel(settings))
    return channels


@asynccontextmanager
async def listening(app: web.Application, host: str, port: int) -> AsyncIterator[int]:
    """Start `app`, serve it on host:port for the duration of the block, and yield the bound port."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    try:
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = _bound_port(site, port)
        for hook in app.get(AFTER_LISTENING, []):
            await hook()
        yield bound
    finally:
        await runner.cleanup()


def run_serving(main: Coroutine[Any, Any, T]) -> T:
    """Run the serving process's event loop: uvloop where it is installed, else asyncio's own.

    Everything here is plain asyncio, so either loop runs it; bench/scale.py measures both in one
    run (uvloop: 0-3 % less of the app's CPU per message on the Telegram webhook path, within noise).
    """
    try:
        import uvloop
    except ImportError:  # not built for this platform: asyncio's loop works the same
        return asyncio.run(main)
    return uvloop.run(main)


async def serve(
    settings: Settings,
    channels: Sequence[WebChannel] | None = None,
    ready: Callable[[int], None] | None = None,
) -> None:
    """Serve the web app and the channels until SIGINT or SIGTERM, then stop cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        # Before the database is claimed: an instance is named after its address, which must be its own.
        _check_port_free(settings.http_host, settings.http_port)
        app = create_app(settings, default_channels(settings) if channels is None else channels, claim_database=True)
        async with listening(app, settings.http_host, settings.http_port) as port:
            if ready is not None:
                ready(port)
            await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            with suppress(Exception):
                loop.remove_signal_handler(signum)


def _check_port_free(host: str, port: int) -> None:
    """Refuse to start, in one line, when another process listens on our address already."""
    if not port:
        return
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise SettingsError(f"ASSISTANT_HTTP_HOST/ASSISTANT_HTTP_PORT {host}:{port} cannot be used ({error.strerror})") from None


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    async with open_database(settings.database_url) as database:
        # Claimed before anything works on it: alone without Redis, else together with the others.
        owner = instance_owner(settings.http_port)
        shared = bool(settings.redis_url)
        async with running_instance(database, owner, shared, claim_database=app[_CLAIM_DATABASE]) as instance:
            app[DATABASE] = database
            app[INSTANCE] = instance
            yield


async def _assistant(app: web.Application) -> AsyncIterator[None]:
    # In the database, so every process shares it and a restart keeps every conversation's language.
    conversations = conversation_store(app[SETTINGS], app[DATABASE])
    async with app[_ASSISTANT_FACTORY](app[SETTINGS], app[DATABASE], conversations) as assistant:
        app[CONVERSATIONS] = conversations
        app[ASSISTANT] = assistant
        # Retention runs in one instance at a time (storage.chores); the others take over when it stops.
        chores = app[INSTANCE].chores
        tasks = [
            asyncio.create_task(
                chores.run("conversation-retention", lambda: keep_forgetting(conversations)), name="conversation-retention"
            ),
            asyncio.create_task(
                chores.run("lease-cleanup", lambda: keep_forgetting_leases(app[INSTANCE].leases)), name="lease-cleanup"
            ),
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await conversations.close()


def _bound_port(site: web.TCPSite, requested: int) -> int:
    server = site._server  # aiohttp keeps the listening sockets here; needed when port 0 was asked for
    sockets = getattr(server, "sockets", None) or []
    return int(sockets[0].getsockname()[1]) if sockets else requested
