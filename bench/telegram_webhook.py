"""Telegram webhook: messages per second and latency from webhook POST to the reply, next to raw NLU.

Usage: .venv/bin/python bench/telegram_webhook.py [--messages 600] [--databases sqlite,postgresql]
                                                  [--output bench/results/telegram.md] [--smoke]

Everything runs in one process on 127.0.0.1: the real Rasa server (the trained model), the app's
webhook with the Telegram channel, and the fake Bot API of the tests receiving the replies.
Texts are the held-out evaluation messages (data/eval/heldout.yml), sent by many people at once.
Two loads: "capacity" posts as fast as Telegram would (40 connections, each person's messages in
order) with Telegram's send limits lifted, to see what the pipeline itself can do; "steady" posts
at a fixed rate below Telegram's 30 messages/s with the real limits on, to see the latency people
get. The raw NLU rate is /model/parse alone, same server, same texts, same run.

A held-out message that asks for a person starts a handover: it is answered (the confirmation),
and that person's later messages go to staff, silently. The run therefore waits until every update
is handled (the app's update inbox), not for one reply per message, and pairs each person's
replies with their first messages. With NLU_URL and NLU_TOKEN set, that server is measured instead
of one started here (the smoke run in the test suite passes its own).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 40  # Telegram's default max_connections for a webhook
SECRET = "bench-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
LANGUAGE_OF_APP = {"de": "de", "en": "en", "uk": "uk", "ru": "ru", "ar": "ar", "fa": "fa", "tr": "tr"}


@dataclass(frozen=True)
class Measurement:
    """How many messages, in how long, and each answered one's latency in seconds."""

    name: str
    messages: int
    seconds: float
    latencies: tuple[float, ...]
    # Messages that went to staff during a handover: handled, with no reply from the assistant.
    to_staff: int = 0

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]

    def row(self, database: str) -> str:
        return (
            f"| {self.name} | {database} | {self.messages} | {self.to_staff} | {self.rate:.1f} | "
            f"{self.percentile(0.5) * 1000:.0f} ms | {self.percentile(0.99) * 1000:.0f} ms |"
        )


async def measure_nlu(url: str, token: str, texts: Sequence[str], concurrency: int) -> Measurement:
    """Send every text to /model/parse, `concurrency` at a time, and time each."""
    from nlu.client import RasaNluClient

    latencies: list[float] = []
    slots = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession() as session:
        client = RasaNluClient(session, url, token, timeout=30)

        async def one(text: str) -> None:
            async with slots:
                started = time.perf_counter()
                await client.parse(text)
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(one(text) for text in texts))
        seconds = time.perf_counter() - started
    return Measurement(f"raw NLU /model/parse ({concurrency} at a time)", len(texts), seconds, tuple(latencies))


@asynccontextmanager
async def webhook_app(
    base: object, assistant: object, database_url: str, limits: object
) -> AsyncIterator[tuple[str, object, object]]:
    """Run the app's webhook against a fake Bot API; yield the webhook URL, the fake and the app's update inbox."""
    from bot.channels.telegram import TelegramChannel, TelegramLimits
    from bot.keys import DATABASE
    from bot.web import create_app, listening
    from core.settings import Settings
    from storage.telegram_updates import UpdateInbox
    from tests.bot.conftest import free_port, reusing
    from tests.fakes.telegram_api import FakeTelegram, serve_fake_telegram

    assert isinstance(base, Settings) and isinstance(limits, TelegramLimits)
    api = FakeTelegram()
    async with serve_fake_telegram(api) as api_url:
        port = free_port()
        settings = replace(
            base,
            http_host="127.0.0.1",
            http_port=port,
            database_url=database_url,
            telegram_bot_token=api.token,
            telegram_api_url=api_url,
            telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
            telegram_webhook_secret=SECRET,
        )
        app = create_app(settings, [TelegramChannel(settings, limits)], assistant_factory=reusing(assistant))  # type: ignore[arg-type]
        async with listening(app, "127.0.0.1", port):
            await api.wait_for(lambda: api.webhook is not None)
            assert settings.telegram_webhook_url is not None
            yield settings.telegram_webhook_url, api, UpdateInbox(app[DATABASE])


async def measure_webhook(
    name: str,
    base: object,
    assistant: object,
    database_url: str,
    limits: object,
    messages: Sequence[tuple[str, str]],
    people: int,
    rate: float | None,
    deadline: float,
) -> Measurement:
    """Post each (language, text) as a person's update; time POST to reply at the fake Bot API."""
    from storage.telegram_updates import UpdateInbox
    from tests.fakes.telegram_api import FakeTelegram, Person

    async with webhook_app(base, assistant, database_url, limits) as (url, api, inbox):
        assert isinstance(api, FakeTelegram) and isinstance(inbox, UpdateInbox)
        update_ids: list[int] = []
        persons = [Person(100_000 + n, f"P{n}", messages[n % len(messages)][0]) for n in range(people)]
        plan: dict[int, list[str]] = defaultdict(list)
        for number, (_, text) in enumerate(messages):
            plan[persons[number % people].user_id].append(text)
        posted: dict[int, list[float]] = defaultdict(list)
        connections = asyncio.Semaphore(CONNECTIONS)
        started = time.monotonic()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONNECTIONS)) as session:

            async def post(person: Person, text: str) -> None:
                update = api.text_update(person, text)
                update_ids.append(int(update["update_id"]))
                body = json.dumps(update)
                async with connections:
                    posted[person.user_id].append(time.monotonic())
                    async with session.post(url, data=body, headers={SECRET_HEADER: SECRET,
                                                                     "Content-Type": "application/json"}) as answer:
                        assert answer.status == 200, answer.status

            async def person_writes(person: Person, number: int) -> None:
                # Each person's messages in order, as Telegram delivers one chat's updates.
                for turn, text in enumerate(plan[person.user_id]):
                    if rate is not None:
                        await asyncio.sleep(max(0.0, started + (turn * people + number) / rate - time.monotonic()))
                    await post(person, text)

            await asyncio.gather(*(person_writes(person, number) for number, person in enumerate(persons)))
        await _all_handled(inbox, update_ids, deadline)
        # The replies of the last handled updates may still be on their way to the Bot API.
        await asyncio.sleep(0.5)
        replies: dict[int, list[float]] = defaultdict(list)
        for call in api.calls_of("sendMessage"):
            if call.status == 200:
                replies[call.params["chat_id"]].append(call.at)
        handled_at = time.monotonic()
    # Each person is answered until a message of theirs starts a handover; the rest go to staff.
    latencies = [reply - sent for chat, times in posted.items() for sent, reply in zip(times, replies[chat])]
    last = max((at for times in replies.values() for at in times), default=handled_at)
    return Measurement(name, len(messages), last - started, tuple(latencies), len(messages) - len(latencies))


async def _all_handled(inbox: object, update_ids: Sequence[int], deadline: float) -> None:
    """Wait until the app has handled every posted update; fail clearly after `deadline` seconds."""
    from storage.telegram_updates import UpdateInbox, UpdateStatus

    assert isinstance(inbox, UpdateInbox)
    waiting = list(update_ids)
    give_up = time.monotonic() + deadline
    while waiting:
        statuses = [await inbox.status(update_id) for update_id in waiting]
        waiting = [u for u, status in zip(waiting, statuses) if status is None or status[0] is not UpdateStatus.HANDLED]
        if not waiting:
            return
        if time.monotonic() > give_up:
            raise SystemExit(f"telegram_webhook: {len(waiting)} of {len(update_ids)} updates not handled after {deadline:g} s")
        await asyncio.sleep(0.2)


async def run(args: argparse.Namespace) -> str:
    from bench._nlu import nlu_server
    from bot.app import running_assistant
    from bot.channels.telegram import TelegramLimits
    from core.settings import Settings
    from nlu.evaluate import load_labelled
    from tests.storage.databases import fresh_database_url

    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "NLU_", "TELEGRAM_"))}
    workdir = Path(tempfile.mkdtemp(prefix="bench-telegram-"))
    environ["ASSISTANT_VAR_DIR"] = str(workdir)
    base = Settings.from_env(environ, env_file=Path("/nonexistent"))
    labelled = load_labelled(base.data_dir / "eval" / "heldout.yml")
    texts = [(m.language, m.text) for m in labelled]
    # Spread over the whole set (it is ordered by topic), so every topic, asking for a person included, is in it.
    messages = [texts[n * len(texts) // args.messages % len(texts)] for n in range(args.messages)]
    rows: list[str] = []
    deadline = 120.0 if args.smoke else 600.0
    async with aiohttp.ClientSession() as session, nlu_server(base, session, workdir / "rasa.log") as server:
        settings = replace(base, nlu_url=server.url, nlu_token=server.token, nlu_timeout=30.0)
        async with running_assistant(settings) as assistant:
            for database in args.databases.split(","):
                async with fresh_database_url(database, workdir) as database_url:
                    capacity = await measure_webhook(
                        f"capacity: {CONNECTIONS} connections, send limits lifted",
                        settings, assistant, database_url,
                        TelegramLimits(chat_burst=0, overall_per_second=0, flood_messages=10**6),
                        messages, args.people, rate=None, deadline=deadline,
                    )
                    rows.append(capacity.row(database))
                async with fresh_database_url(database, workdir) as database_url:
                    steady = await measure_webhook(
                        f"steady: {args.steady_rate:g} msg/s, Telegram's limits on",
                        settings, assistant, database_url, TelegramLimits(),
                        messages[: args.steady_messages], args.people, rate=args.steady_rate,
                        deadline=deadline,
                    )
                    rows.append(steady.row(database))
        nlu = await measure_nlu(server.url, server.token, [text for _, text in messages], args.nlu_concurrency)
        rows.append(nlu.row("–"))
    return report(rows, args)


def report(rows: Sequence[str], args: argparse.Namespace) -> str:
    cpu = platform.processor() or platform.machine()
    return "\n".join([
        "# Telegram webhook",
        "",
        "From the webhook POST (as Telegram sends it, with the secret) until the reply reaches the Bot API",
        "(the tests' fake on 127.0.0.1). Real Rasa NLU, held-out messages in all seven languages,",
        f"{args.people} people, each person's messages in order. Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on",
        f"{os.cpu_count()} CPU(s) ({cpu}), Python {platform.python_version()}, by `bench/telegram_webhook.py`.",
        "",
        "| load | database | messages | of them to staff | messages/s | p50 | p99 |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        "Reading it: \"capacity\" lifts Telegram's send limits to show what the pipeline (store, NLU,",
        "dialogue, reply) can do; its latencies include queueing, since messages arrive faster than",
        "they are answered. \"steady\" keeps Telegram's limits (about 1 message/s per chat after a burst",
        "of 5, 30/s overall) at a rate below them: the latency a person sees. Each update is written",
        "three times (received, claimed, handled) before and after the NLU call. The load generator,",
        "the fake Bot API, the app and Rasa share the machine's CPUs, so capacity is a lower bound;",
        "Telegram itself caps a bot at about 30 messages/s, well below it. \"to staff\": messages of a",
        "person after their message asked for a colleague: handled (stored for staff) without a reply,",
        "so p50/p99 are over the answered ones.",
        "",
    ])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--people", type=int, default=150)
    parser.add_argument("--steady-rate", type=float, default=20.0)
    parser.add_argument("--steady-messages", type=int, default=300)
    parser.add_argument("--nlu-concurrency", type=int, default=8)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--output", type=Path, default=PROJECT_ROOT / "bench" / "results" / "telegram.md")
    parser.add_argument("--smoke", action="store_true", help="a small run on SQLite (CI); pass --output too")
    args = parser.parse_args(argv)
    if args.smoke:
        args.messages, args.people, args.steady_messages, args.databases = 40, 10, 10, "sqlite"
        if args.output == parser.get_default("output"):
            args.output = PROJECT_ROOT / "build" / "bench" / "telegram.md"
    sys.path.insert(0, str(PROJECT_ROOT))  # the fake Bot API lives with the tests
    text = asyncio.run(run(args))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
