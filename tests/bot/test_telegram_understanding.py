"""Telegram with the real Rasa model: what people ask is understood and answered in their language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Assistant, running_assistant
from core.settings import Settings
from tests.bot.conftest import running_bot, telegram_settings
from tests.fakes.telegram_api import FakeTelegram, Person

pytestmark = pytest.mark.slow

OLENA = Person(5001, "Olena", "uk")


@pytest.fixture(scope="module")
async def rasa_assistant(rasa_settings: Settings) -> AsyncIterator[Assistant]:
    async with running_assistant(rasa_settings) as assistant:
        yield assistant


async def test_a_ukrainian_speaker_asking_for_the_hours_gets_the_ukraine_teams_hours_in_ukrainian(
    telegram_api: FakeTelegram, rasa_assistant: Assistant, base_settings: Settings, mode: str, tmp_path: Path
) -> None:
    settings = telegram_settings(base_settings, telegram_api, mode, f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    async with running_bot(telegram_api, settings, rasa_assistant):
        telegram_api.send_text(OLENA, "Коли ви відкриті?")
        [reply] = await telegram_api.wait_for_messages(OLENA.user_id, 1, timeout=20)
    text = reply["text"]
    assert "14:00–16:00" in text, "the Ukraine team's Tuesday hours"
    assert "вівторок" in text.casefold() and "четвер" in text.casefold()
    assert "Tuesday" not in text and "Dienstag" not in text
