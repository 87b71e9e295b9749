"""The dispatcher: in order within a chat, chats side by side, each stored update handled once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot, Update

from bot.channels.telegram.dispatch import FloodWarning, UpdateDispatcher
from core.flood import FloodGuard
from storage.db import Database
from storage.leases import Leases
from storage.migrate import open_database
from storage.redis_limits import SharedLimits
from storage.telegram_updates import UpdateInbox, UpdateStatus
from tests.storage.redis_server import fresh_namespace, redis_client


class RecordingHandlers:
    """Stands in for the bot's handlers: notes what it handled, slowly for chat 1."""

    def __init__(self) -> None:
        self.handled: list[tuple[int, str]] = []
        self.release = asyncio.Event()

    async def __call__(self, update: object) -> None:
        if isinstance(update, FloodWarning):
            update = update.update
        assert isinstance(update, Update) and update.message is not None and update.effective_chat is not None
        if update.effective_chat.id == 1 and update.message.text == "slow":
            await self.release.wait()
        self.handled.append((update.effective_chat.id, update.message.text or ""))


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    async with open_database(f"sqlite+aiosqlite:///{tmp_path / 'inbox.db'}") as opened:
        yield opened


def message(update_id: int, chat_id: int, text: str) -> str:
    chat = {"id": chat_id, "type": "private", "first_name": "P"}
    return json.dumps({"update_id": update_id, "message": {
        "message_id": update_id, "date": 1764000000, "chat": chat,
        "from": {"id": chat_id, "is_bot": False, "first_name": "P"}, "text": text}})


async def submit(inbox: UpdateInbox, dispatcher: UpdateDispatcher, update_id: int, chat_id: int, text: str) -> None:
    payload = message(update_id, chat_id, text)
    if await inbox.receive(update_id, payload):
        dispatcher.submit(update_id, payload)


async def test_a_slow_chat_holds_up_only_itself_and_keeps_its_order(database: Database) -> None:
    inbox, handlers = UpdateInbox(database), RecordingHandlers()
    dispatcher = UpdateDispatcher(inbox, handlers, Bot("1:x"), FloodGuard())
    await submit(inbox, dispatcher, 1, chat_id=1, text="slow")
    await submit(inbox, dispatcher, 2, chat_id=1, text="second")
    await submit(inbox, dispatcher, 3, chat_id=2, text="other chat")
    await submit(inbox, dispatcher, 3, chat_id=2, text="other chat")  # delivered twice
    await asyncio.wait_for(_until(lambda: (2, "other chat") in handlers.handled), 2)
    assert handlers.handled == [(2, "other chat")]
    handlers.release.set()
    await dispatcher.idle()
    assert handlers.handled == [(2, "other chat"), (1, "slow"), (1, "second")]
    assert [await inbox.status(n) for n in (1, 2, 3)] == [(UpdateStatus.HANDLED, None)] * 3


async def test_stopping_mid_way_leaves_the_rest_for_the_next_start(database: Database) -> None:
    inbox, handlers = UpdateInbox(database), RecordingHandlers()
    dispatcher = UpdateDispatcher(inbox, handlers, Bot("1:x"), FloodGuard())
    await submit(inbox, dispatcher, 1, chat_id=1, text="slow")
    await submit(inbox, dispatcher, 2, chat_id=1, text="second")
    await asyncio.sleep(0.1)
    await dispatcher.close(grace=0.05)
    await submit(inbox, dispatcher, 3, chat_id=2, text="after the stop")
    assert handlers.handled == []
    live = Leases(database).live_instances()
    assert [stored.update_id for stored in await inbox.take_over(live)] == [1, 2, 3]

    restarted = UpdateDispatcher(inbox, handlers, Bot("1:x"), FloodGuard())
    handlers.release.set()
    for stored in await inbox.take_over(live):
        restarted.submit(stored.update_id, stored.payload)
    await restarted.idle()
    assert sorted(handlers.handled) == [(1, "second"), (1, "slow"), (2, "after the stop")]
    assert handlers.handled.index((1, "slow")) < handlers.handled.index((1, "second"))


async def _until(condition: object) -> None:
    assert callable(condition)
    while not condition():
        await asyncio.sleep(0.005)


async def test_a_shared_flood_guard_counts_one_persons_messages_in_both_processes(database: Database) -> None:
    """Two processes' dispatchers, one Redis: a person's 14 quick messages, split between them, are one flood."""
    seen: list[str] = []

    async def handle(update: object) -> None:
        seen.append("slow down" if isinstance(update, FloodWarning) else "answer")

    namespace = fresh_namespace()
    async with redis_client() as one, redis_client() as two:
        processes = []
        for owner, client in (("a", one), ("b", two)):
            inbox = UpdateInbox(database, owner=owner)
            guard = SharedLimits(client, namespace).flood_guard("telegram", max_messages=10, window=10.0)
            processes.append((inbox, UpdateDispatcher(inbox, handle, Bot("1:x"), guard)))
        for update_id in range(1, 15):
            inbox, dispatcher = processes[update_id % 2]
            await submit(inbox, dispatcher, update_id, chat_id=5, text=f"message {update_id}")
        for _, dispatcher in processes:
            await dispatcher.idle()
        # Each process alone saw 7 messages: within its own limit, had it counted alone.
        assert seen.count("answer") == 10 and seen.count("slow down") == 1, seen
        assert [await processes[0][0].status(n) for n in range(1, 15)] == [(UpdateStatus.HANDLED, None)] * 14


async def test_an_update_taken_over_goes_before_newer_ones_of_its_chat_still_waiting(database: Database) -> None:
    inbox, handlers = UpdateInbox(database), RecordingHandlers()
    dispatcher = UpdateDispatcher(inbox, handlers, Bot("1:x"), FloodGuard())
    await submit(inbox, dispatcher, 10, chat_id=1, text="slow")
    await submit(inbox, dispatcher, 12, chat_id=1, text="newer")
    # A dead instance's older update of the same chat, taken over while the newer one waits.
    await inbox.receive(11, message(11, 1, "older"))
    dispatcher.submit(11, message(11, 1, "older"))
    handlers.release.set()
    await dispatcher.idle()
    assert handlers.handled == [(1, "slow"), (1, "older"), (1, "newer")]
