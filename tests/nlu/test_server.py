"""The app's own Rasa server: started when no NLU_URL is reachable, restarted when it dies."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from bot.app import running_assistant
from core.messages import ConversationKey, Message
from core.settings import Settings

pytestmark = pytest.mark.slow


async def test_killed_nlu_server_gets_an_apology_then_recovers(base_settings: Settings, rasa_url: object) -> None:
    # rasa_url makes sure the model is trained before this test starts its own server.
    async with running_assistant(base_settings) as assistant:
        key = ConversationKey("test", "recovery")
        reply = await assistant.dialogue.handle(Message(key, text="Wann habt ihr geöffnet?"))
        assert reply.topic == "office_hours"

        os.killpg(_rasa_pid(assistant.nlu_url), signal.SIGKILL)  # it leads its own process group
        await asyncio.sleep(0.5)
        started = time.monotonic()
        reply = await assistant.dialogue.handle(Message(key, text="Wann habt ihr geöffnet?"))
        assert time.monotonic() - started < 5
        assert reply.text == assistant.content.ui_text("nlu_unavailable", "de") and reply.buttons

        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            reply = await assistant.dialogue.handle(Message(key, text="Wann habt ihr geöffnet?"))
            if reply.topic == "office_hours":
                break
            await asyncio.sleep(2)
        assert reply.topic == "office_hours"


def _rasa_pid(url: str) -> int:
    """Find the pid of the `rasa run` process listening on the port of `url`."""
    port = url.rsplit(":", 1)[1]
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = open(f"/proc/{entry}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if b"run" in cmdline and b"--port" in cmdline and port.encode() in cmdline:
            return int(entry)
    raise AssertionError("no rasa process found")
