"""A restart of the app keeps every conversation's language: the state lives in the database, not the process."""

from __future__ import annotations

import json
from pathlib import Path

from core.settings import Settings
from nlu.runtime import RunningNlu
from tests.web.conftest import chat_settings, next_frame, running_chat, visitor


async def test_after_a_restart_each_conversation_is_answered_in_its_language(
    base_settings: Settings, fake_understanding: RunningNlu, tmp_path: Path
) -> None:
    settings = chat_settings(base_settings, tmp_path)
    # Each person writes once in their language; the page itself is German.
    people = {"uk": "Коли ви працюєте, скажіть будь ласка?", "tr": "language:tr", "ar": "متى تفتحون المكتب من فضلك؟"}
    clients = {language: visitor() for language in people}
    try:
        async with running_chat(settings, fake_understanding) as chat:
            for language, said in people.items():
                async with clients[language].ws_connect(f"{chat.url}/chat/ws?lang=de") as socket:
                    await next_frame(socket)  # history
                    await next_frame(socket)  # greeting
                    if said.startswith("language:"):
                        await socket.send_str(json.dumps({"type": "button", "payload": said}))
                    else:
                        await socket.send_str(json.dumps({"type": "message", "text": said}))
                    assert (await next_frame(socket))["language"] == language
        async with running_chat(settings, fake_understanding) as chat:
            for language, client in clients.items():
                async with client.ws_connect(f"{chat.url}/chat/ws?lang=de") as socket:
                    history = await next_frame(socket)
                    assert history["language"] == language
                    # One word says nothing about a language: the conversation's own answers it.
                    await socket.send_str(json.dumps({"type": "message", "text": "hours"}))
                    reply = await next_frame(socket)
                    assert reply["type"] == "reply" and reply["language"] == language, (language, reply)
    finally:
        for client in clients.values():
            await client.close()
