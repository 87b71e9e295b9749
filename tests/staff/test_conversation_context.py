"""What a colleague reads about a conversation: the exchange before the handover (where the channel keeps
it), the handover's language following the person, and languages named in German."""

from __future__ import annotations

import json
from pathlib import Path

from accounts.service import AccountService
from core.settings import Settings
from nlu.runtime import RunningNlu
from tests.fakes.telegram_api import Person
from tests.handover.conftest import StaffedBot
from tests.handover.test_telegram_handover import eventually, handover_of, incoming
from tests.staff.conftest import PASSWORD, Colleague, log_in
from tests.web.conftest import chat_settings, fake_understanding, next_frame, running_chat, visitor, web_nlu  # noqa: F401

MARTA = Person(1011, "Marta", "de")


async def say(socket: object, text: str) -> None:
    await socket.send_str(json.dumps({"type": "message", "text": text}))  # type: ignore[attr-defined]


async def test_the_web_chat_before_the_handover_is_shown_marked_and_apart(
    base_settings: Settings, fake_understanding: RunningNlu, tmp_path: Path  # noqa: F811
) -> None:
    async with running_chat(chat_settings(base_settings, tmp_path), fake_understanding) as chat:
        await AccountService(chat.database).create("olga", PASSWORD, ["staff"], "Olga", ["uk"])
        async with visitor() as person, person.ws_connect(f"{chat.url}/chat/ws?lang=en") as socket:
            await next_frame(socket)
            await next_frame(socket)
            await say(socket, "what are your hours")
            await next_frame(socket)
            await say(socket, "I need a person please")
            await next_frame(socket)
            await say(socket, "it is about my letter from the Jobcenter")
            desk = chat.assistant.handovers
            assert desk is not None
            (handover,) = await desk.active()
            await eventually(lambda: _count_in(desk, handover.id, 2))
        async with visitor() as http:
            await log_in(http, chat.url, "olga")
            async with http.get(f"{chat.url}/staff/c/{handover.id}") as response:
                page = await response.text()
    earlier, after = page.split('<section id="earlier"', 1)[1].split("</section>", 1)
    assert "Vor der Übergabe: mit dem Assistenten" in earlier
    assert "what are your hours" in earlier and "Assistent" in earlier
    # The assistant's answer to the hours question is there too, and nothing of what came after.
    assert earlier.count('class="msg assistant"') >= 1
    assert "Jobcenter" not in earlier and "Jobcenter" in after
    assert "Englisch (en)" in page


async def _count_in(desk: object, handover_id: int, count: int) -> bool:
    from handover.models import Direction

    messages = await desk.messages(handover_id)  # type: ignore[attr-defined]
    return len([m for m in messages if m.direction is Direction.IN]) >= count


async def test_telegram_says_honestly_that_it_keeps_nothing_from_before(
    bot: StaffedBot, olga: Colleague
) -> None:
    bot.api.send_text(MARTA, "/human")
    handover = await handover_of(bot, MARTA)
    async with olga.http.get(f"{olga.base}/staff/c/{handover.id}") as response:
        page = await response.text()
    assert "Telegram: Der Assistent speichert den Chat vor der Übergabe nicht" in page


async def test_the_handover_language_follows_the_person(bot: StaffedBot, olga: Colleague) -> None:
    bot.api.send_text(MARTA, "/human")
    handover = await handover_of(bot, MARTA)
    assert handover.language == "de"
    # One message in another language does not move it; a second confident one does.
    bot.api.send_text(MARTA, "Добрий день, мені потрібна допомога з листом від Jobcenter")
    await incoming(bot, handover.id, 1)
    assert (await bot.desk.get(handover.id)).language == "de"  # type: ignore[union-attr]
    bot.api.send_text(MARTA, "Я не розумію цей лист, можете мені допомогти, будь ласка?")
    await incoming(bot, handover.id, 2)

    async def in_ukrainian() -> bool:
        current = await bot.desk.get(handover.id)
        return current is not None and current.language == "uk"

    await eventually(in_ukrainian)
    async with olga.http.get(f"{olga.base}/staff/c/{handover.id}") as response:
        page = await response.text()
    assert "am besten auf Ukrainisch (uk)" in page
