"""Run the conversations of conversations.yml against the real Rasa model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.conversation_store import DatabaseConversationStore
from actions.dialogue import Dialogue
from bot.app import Assistant, running_assistant
from core.messages import ConversationKey, Message, MessageKind
from core.settings import Settings

SCENARIOS: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "conversations.yml").read_text("utf-8"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
async def assistant(rasa_settings: Settings) -> AsyncIterator[Assistant]:
    async with running_assistant(rasa_settings) as running:
        yield running


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
async def test_conversation(assistant: Assistant, scenario: dict[str, Any]) -> None:
    now = datetime.fromisoformat(scenario["now"])
    conversations = DatabaseConversationStore(assistant.database)
    key = ConversationKey("test", scenario["name"])
    await conversations.forget([key])
    dialogue = Dialogue(assistant.content, assistant.understanding, conversations, lambda: now)
    for step in scenario["steps"]:
        if "press" in step:
            message = Message(key, kind=MessageKind.BUTTON, payload=step["press"])
        elif step.get("photo"):
            message = Message(key, kind=MessageKind.NON_TEXT)
        else:
            message = Message(key, text=step["user"])
        reply = await dialogue.handle(message)
        where = f"{scenario['name']!r}, step {step}: got {reply}"
        if "topic" in step:
            assert reply.topic == step["topic"], where
        if "language" in step:
            assert reply.language == step["language"], where
        for fragment in step.get("contains", []):
            assert fragment in reply.text, where
        for fragment in step.get("not_contains", []):
            assert fragment not in reply.text, where
        for topic in step.get("not_contains_any_answer", []):
            # Gibberish must not be taken for small talk ("blub blub" answered "goodbye").
            assert reply.topic != topic, where
            assert reply.text != assistant.content.answer(topic, reply.language), where
        for topic in step.get("buttons", []):
            assert f"topic:{topic}" in [b.payload for b in reply.buttons], where
        if "language_buttons" in step:
            has_picker = any(b.payload.startswith("language:") for b in reply.buttons)
            assert has_picker is step["language_buttons"], where
        if "rtl" in step:
            assert reply.rtl is step["rtl"], where
