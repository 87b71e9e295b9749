"""The web app's typed keys for what the composition root owns, so channels and pages need not import bot/web.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from actions.conversations import ConversationStore
from bot.app import Assistant
from core.settings import Settings
from storage.db import Database
from storage.instances import Instance

ListeningHook = Callable[[], Awaitable[None]]

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
# This process's claim on the database and its liveness (storage.instances): whose work is whose.
INSTANCE = web.AppKey("instance", Instance)
CONVERSATIONS = web.AppKey[ConversationStore]("conversations")
ASSISTANT = web.AppKey("assistant", Assistant)
# Run once the server accepts connections, e.g. to tell Telegram where the webhook is.
AFTER_LISTENING = web.AppKey[list[ListeningHook]]("after_listening")
