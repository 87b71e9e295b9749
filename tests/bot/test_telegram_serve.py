"""`assistant serve` as a process: webhook and polling, a kill -9 mid-answer, and a clean SIGTERM."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from tests.bot.conftest import WEBHOOK_SECRET, free_port
from tests.fakes.nlu import FakeNlu
from tests.fakes.telegram_api import SECRET_HEADER, FakeTelegram, Person
from tests.processes import ServeChild, start_serve

OLENA = Person(6001, "Olena", "uk")
STARTUP_TIMEOUT = 120.0


@asynccontextmanager
async def serve(environment: dict[str, str]) -> AsyncIterator[ServeChild]:
    running = await start_serve(environment, STARTUP_TIMEOUT)
    try:
        yield running
    finally:
        await running.kill()


def environment(api: FakeTelegram, nlu: FakeNlu, nlu_url: str, tmp_path: Path, port: int, webhook: bool) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "NLU_", "TELEGRAM_"))}
    return {
        **base,
        "ASSISTANT_VAR_DIR": str(tmp_path / "var"),
        "ASSISTANT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}",
        "ASSISTANT_HTTP_HOST": "127.0.0.1",
        "ASSISTANT_HTTP_PORT": str(port),
        "NLU_URL": nlu_url,
        "NLU_TOKEN": nlu.token,
        "NLU_TIMEOUT": "30",
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_URL": api.url,
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/hook" if webhook else "",
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET if webhook else "",
    }


async def test_serve_answers_survives_a_kill_and_stops_cleanly(
    telegram_api: FakeTelegram, wiring_nlu: tuple[FakeNlu, str], tmp_path: Path
) -> None:
    api, (nlu, nlu_url) = telegram_api, wiring_nlu
    port = free_port()
    async with serve(environment(api, nlu, nlu_url, tmp_path, port, webhook=True)) as first:
        await api.wait_for(lambda: api.webhook is not None)
        api.send_text(OLENA, "hello")
        await api.wait_for_messages(OLENA.user_id, 1, timeout=20)

        forged = api.text_update(OLENA, "hello")
        async with aiohttp.ClientSession() as session, session.post(
            f"http://127.0.0.1:{port}/telegram/hook", json=forged, headers={SECRET_HEADER: "forged"}
        ) as response:
            assert response.status == 403

        nlu.delay = 8.0  # the process dies while the next message is being answered
        try:
            api.send_text(OLENA, "hours?")
            await api.wait_for(lambda: api.pending_updates == 0 and nlu.texts[-1:] == ["hours?"], timeout=20)
            first.process.kill()
            await first.process.wait()
        finally:
            nlu.delay = 0.0
    assert len(api.messages_to(OLENA.user_id)) == 1

    async with serve(environment(api, nlu, nlu_url, tmp_path, port, webhook=False)) as second:
        await api.wait_for_messages(OLENA.user_id, 2, timeout=20)  # answered after the restart
        api.send_text(OLENA, "/start")
        await api.wait_for_messages(OLENA.user_id, 3, timeout=20)  # by polling now
        await api.settle()
        sent = [m.get("text", "")[:60] for m in api.messages_to(OLENA.user_id)]
        assert len(sent) == 3, sent
        assert await second.stop(signal.SIGTERM) == 0

    logged = "".join(first.lines + second.lines)
    for private in ("hours?", "hello", "Olena", str(OLENA.user_id), api.token, WEBHOOK_SECRET):
        assert private not in logged
    assert json.dumps(forged["message"]["text"]) not in logged
