"""Fault runs against a real `assistant serve`: kill -9 at random moments, outages, a second process, 429 storms.

Shared by tests/bot/test_telegram_faults.py (a few kills, in CI) and bench/telegram_faults.py (the
long version). The Bot API fake and the fake NLU run in the calling process; the assistant runs as
a child process on a SQLite file or PostgreSQL, answering by webhook or by polling.

People write messages about three topics with fixed answers (greeting, costs, integration
report), in a per-person cycle. A reply is recognised by the start of its answer in any language,
so each chat's replies can be compared with what was asked, in order: a message is *lost* when
its answer is missing from the longest common subsequence of asked and answered topics, and a
reply is *duplicated* when it is left over. Sends cut off mid-request are read from the outbox.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.content import Content
from storage.migrate import open_database
from storage.telegram_outbox import TelegramOutbox
from tests.fakes.nlu import FakeNlu
from tests.fakes.telegram_api import FakeTelegram, Person
from tests.processes import ServeChild, start_serve

TOPIC_OF_TEXT = {
    "hello": "greeting",
    "what does the counselling cost": "costs_confidentiality",
    "the integration report please": "integration_report",
}
RULES = {"hello": "greeting", "cost": "costs_confidentiality", "report": "integration_report"}
TEXTS = list(TOPIC_OF_TEXT)
WEBHOOK_SECRET = "hameln-fault-secret_0123456789"
STARTUP_TIMEOUT = 180.0


@dataclass
class Tally:
    """What a fault run did to the people: asked, answered, lost, duplicated, and the sends cut off."""

    scenario: str
    messages: int = 0
    answered: int = 0
    lost: int = 0
    duplicated: int = 0
    cut_off: int = 0
    kills: int = 0
    # Of the kills, those of a process receiving by webhook (the rest were polling).
    webhook_kills: int = 0
    out_of_order: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("messages", "answered", "lost", "duplicated", "cut_off", "kills", "webhook_kills", "out_of_order"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.seconds += other.seconds

    @property
    def kept_promise(self) -> bool:
        return self.lost == 0 and self.duplicated <= self.cut_off


def answer_prefixes(content: Content) -> dict[str, str]:
    """The first words of each topic's answer in every language, to recognise replies by."""
    prefixes: dict[str, str] = {}
    for topic in set(TOPIC_OF_TEXT.values()):
        for language in content.languages:
            text = content.answer(topic, language).split("{")[0].strip()
            prefixes[text[:24]] = topic
    return prefixes


def topic_of_reply(text: str, prefixes: dict[str, str]) -> str:
    for prefix, topic in prefixes.items():
        if text.startswith(prefix):
            return topic
    return "other"


def compare(asked: Sequence[str], answered: Sequence[str]) -> tuple[int, int, int]:
    """Return (lost, duplicated, out of order) for one chat, by the longest common subsequence."""
    rows = len(asked) + 1
    table = [[0] * (len(answered) + 1) for _ in range(rows)]
    for i, wanted in enumerate(asked, 1):
        for j, got in enumerate(answered, 1):
            table[i][j] = table[i - 1][j - 1] + 1 if wanted == got else max(table[i - 1][j], table[i][j - 1])
    common = table[-1][-1]
    lost = len(asked) - common
    duplicated = len(answered) - common
    # Replies present but in another order show up as both; count them apart to report them.
    out_of_order = min(lost, duplicated) if sorted(asked) == sorted(answered) else 0
    return lost, duplicated, out_of_order


@dataclass
class Site:
    """Where the assistant runs and what it talks to."""

    api: FakeTelegram
    nlu: FakeNlu
    nlu_url: str
    database_url: str
    var_dir: Path
    content: Content
    # Several instances on one database need Redis (a second one without it is refused at start).
    redis_url: str = ""

    def environment(self, port: int, webhook: bool) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "NLU_", "TELEGRAM_"))}
        return {
            **base,
            "ASSISTANT_VAR_DIR": str(self.var_dir),
            "ASSISTANT_DATABASE_URL": self.database_url,
            "ASSISTANT_REDIS_URL": self.redis_url,
            "ASSISTANT_HTTP_HOST": "127.0.0.1",
            "ASSISTANT_HTTP_PORT": str(port),
            "NLU_URL": self.nlu_url,
            "NLU_TOKEN": self.nlu.token,
            "NLU_TIMEOUT": "30",
            "TELEGRAM_BOT_TOKEN": self.api.token,
            "TELEGRAM_API_URL": self.api.url,
            "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/hook" if webhook else "",
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET if webhook else "",
        }

    async def start(self, port: int, webhook: bool) -> ServeChild:
        """Start `assistant serve` and wait until it listens."""
        return await start_serve(self.environment(port, webhook), STARTUP_TIMEOUT)

    async def cut_off_sends(self) -> int:
        async with open_database(self.database_url) as database:
            return (await TelegramOutbox(database).figures()).cut_off


class People:
    """Who writes what, and the comparison of what they asked with what they got."""

    def __init__(self, api: FakeTelegram, content: Content, first_id: int, count: int) -> None:
        self.api = api
        self.people = [Person(first_id + n, f"P{n}", "en") for n in range(count)]
        self.asked: dict[int, list[str]] = {person.user_id: [] for person in self.people}
        self._prefixes = answer_prefixes(content)

    def write(self, person: Person, sent_at: float | None = None) -> None:
        text = TEXTS[(len(self.asked[person.user_id]) + person.user_id) % len(TEXTS)]
        self.asked[person.user_id].append(TOPIC_OF_TEXT[text])
        self.api.send_text(person, text, sent_at=sent_at)

    @property
    def expected(self) -> int:
        return sum(len(asked) for asked in self.asked.values())

    def received(self) -> int:
        return sum(len(self.api.messages_to(person.user_id)) for person in self.people)

    def all_answered(self) -> bool:
        """Whether every message has its answer, in order (a duplicate does not stand in for a missing one)."""
        return all(self._missing(person) == 0 for person in self.people)

    def _missing(self, person: Person) -> int:
        asked = self.asked[person.user_id]
        if len(self.api.messages_to(person.user_id)) < len(asked):
            return len(asked)  # cheap: the comparison below is needed only once the count is reached
        answered = [topic_of_reply(text, self._prefixes) for text in self.api.texts_to(person.user_id)]
        return compare(asked, answered)[0]

    def tally(self, scenario: str) -> Tally:
        tally = Tally(scenario, messages=self.expected)
        for person in self.people:
            answered = [topic_of_reply(text, self._prefixes) for text in self.api.texts_to(person.user_id)]
            lost, duplicated, out_of_order = compare(self.asked[person.user_id], answered)
            tally.answered += len(answered)
            tally.lost += lost
            tally.duplicated += duplicated
            tally.out_of_order += out_of_order
        return tally


async def settle_answers(people: People, api: FakeTelegram, timeout: float) -> None:
    """Wait until every message has its answer in order (or the timeout), then until all is quiet.

    Counting replies is not enough: a reply sent twice (a cut-off send) would make a chat look
    complete while an answer taken over from a dead instance is still to come.
    """
    deadline = time.monotonic() + timeout
    while not people.all_answered() and time.monotonic() < deadline:
        await asyncio.sleep(0.25)
    await api.settle(2.0)


async def kill_during(
    site: Site, people: People, port: int, webhooks: Sequence[bool], rng: random.Random, scenario: str,
    answer_timeout: float = 90.0, per_person: int = 3,
) -> Tally:
    """People write while the assistant is killed -9 at random moments and started again.

    `webhooks` says, for each start, whether it receives by webhook (True) or polling (False); there
    is one kill between each two starts. A kill comes after a random share of the replies still due.
    """
    started = time.monotonic()
    kills = webhook_kills = 0
    process = await site.start(port, webhooks[0])
    try:
        for person in people.people:
            for _ in range(per_person):
                people.write(person)
        for killed_webhook, webhook in zip(webhooks, webhooks[1:]):
            target = people.received() + rng.randint(1, max(1, (people.expected - people.received()) // 2))
            deadline = time.monotonic() + 60
            while people.received() < target and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            await asyncio.sleep(rng.random() * 0.05)
            await process.kill()
            kills += 1
            webhook_kills += killed_webhook
            # Meanwhile people go on writing (Telegram keeps it until the assistant takes it).
            for person in rng.sample(people.people, k=max(1, len(people.people) // 3)):
                people.write(person)
            process = await site.start(port, webhook)
        await settle_answers(people, site.api, answer_timeout)
    finally:
        if process.process.returncode is None:
            await process.stop()
    tally = people.tally(scenario)
    tally.kills = kills
    tally.webhook_kills = webhook_kills
    tally.cut_off = await site.cut_off_sends()
    tally.seconds = time.monotonic() - started
    return tally
