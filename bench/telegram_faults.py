"""Telegram delivery under faults: kill -9, outages, a second process, 429 storms; lost, duplicated, cut off.

Usage: .venv/bin/python bench/telegram_faults.py [--smoke] [--kills 40] [--databases sqlite,postgresql]
                                                [--output bench/results/telegram_faults.md] [--seed N]

A real `assistant serve` runs as a child process against the Bot API fake of the tests (webhook
re-sent until 2xx, concurrent getUpdates end each other with 409, injectable 429 retry_after) and
a fake NLU. People write about three topics with fixed answers; each chat's replies are compared
with what was asked, in order (tests/bot/faults.py). Scenarios:

- kills: kill -9 at random moments of a webhook burst and a poll loop, restarting in the other mode;
- outage: the assistant stopped while people write every 10 s for 2 minutes (the messages carry
  Telegram's `date`), then everything arrives at once: answered in full, nobody asked to slow down;
- second process: two instances poll one database (with Redis); the poller is killed -9 mid-stream and the
  other takes over when its lease expires, handling the dead one's unhandled updates before the
  newer ones polling brings (run a few times per database);
- 429 storm: Telegram answers 429 (retry_after 1-3 s) to bursts of sends.

A message is lost when its answer never came; a reply is duplicated when it came twice. Only a send
cut off mid-request (the process died, or the connection broke, after the request left) may arrive
twice; those are counted in the outbox and must bound the duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import secrets
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from core.content import load_content  # noqa: E402
from storage.leases import Leases  # noqa: E402
from storage.migrate import open_database  # noqa: E402
from tests.bot.faults import RULES, People, Site, Tally, kill_during, settle_answers  # noqa: E402
from tests.fakes.nlu import FakeNlu, serve_fake_nlu  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram, serve_fake_telegram  # noqa: E402

POSTGRES = "postgres@127.0.0.1:5432"
# Two instances on one database need Redis; each run's database gives its own namespace there.
REDIS = "redis://127.0.0.1:6379/0"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def database_url(kind: str, directory: Path) -> AsyncIterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{directory / f'faults-{secrets.token_hex(4)}.db'}"
        return
    import asyncpg

    name = f"assistant_faults_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(f"postgresql://{POSTGRES}/test", timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+asyncpg://{POSTGRES}/{name}"
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def a_site(kind: str, directory: Path) -> AsyncIterator[Site]:
    api, nlu = FakeTelegram(), FakeNlu(RULES)
    content = load_content(PROJECT_ROOT / "data")
    async with serve_fake_telegram(api), serve_fake_nlu(nlu) as nlu_url, database_url(kind, directory) as url:
        yield Site(api, nlu, nlu_url, url, directory / f"var-{secrets.token_hex(3)}", content)


async def kills(kind: str, directory: Path, count: int, people: int, rng: random.Random) -> Tally:
    """`count` kill -9 at random moments, alternating webhook and polling, in rounds of four kills."""
    total = Tally("kill -9 (webhook burst and poll loop)")
    done = 0
    while done < count:
        in_round = min(4, count - done)
        modes = [(done + n) % 2 == 0 for n in range(in_round + 1)]
        async with a_site(kind, directory) as site:
            group = People(site.api, site.content, first_id=20_000 + done * 1000, count=people)
            total.add(await kill_during(site, group, free_port(), modes, rng, total.scenario))
        done += in_round
    return total


async def outage(kind: str, directory: Path, people: int) -> Tally:
    """Stopped for two minutes while each person wrote every 10 s; all of it arrives at once."""
    started = time.monotonic()
    async with a_site(kind, directory) as site:
        group = People(site.api, site.content, first_id=40_000, count=people)
        port = free_port()
        process = await site.start(port, webhook=False)
        await process.stop()
        now = time.time()
        for step in range(12):
            for person in group.people:
                group.write(person, sent_at=now - 120 + 10 * step)
        process = await site.start(port, webhook=False)
        await settle_answers(group, site.api, 120)
        await process.stop()
        tally = group.tally("outage of 2 min (12 messages per person, 10 s apart)")
        tally.cut_off = await site.cut_off_sends()
        slowed = sum(
            1 for person in group.people for text in site.api.texts_to(person.user_id)
            if text == site.content.ui_text("slow_down", "en")
        )
        tally.notes.append(f"asked to slow down: {slowed}")
    tally.seconds = time.monotonic() - started
    return tally


async def second_process(kind: str, directory: Path, people: int, rng: random.Random) -> Tally:
    """Two instances poll one database; the poller is killed mid-stream; the other takes over."""
    started = time.monotonic()
    async with a_site(kind, directory) as site:
        site.redis_url = REDIS
        group = People(site.api, site.content, first_id=50_000, count=people)
        first_port, second_port = free_port(), free_port()
        first = await site.start(first_port, webhook=False)
        second = await site.start(second_port, webhook=False)
        for person in group.people:
            for _ in range(3):
                group.write(person)
        await site.api.wait_for(lambda: group.received() >= group.expected // 3, timeout=120)
        conflicts_before = site.api.conflicts
        await asyncio.sleep(rng.random() * 0.2)
        # Kill the one that polls: the other must take over once the poller lease expires.
        async with open_database(site.database_url) as database:
            poller = await Leases(database).holder("telegram:poller") or ""
        killed, survivor = (first, second) if poller.endswith(f":{first_port}") else (second, first)
        await killed.kill()
        for person in group.people:
            group.write(person)
        await settle_answers(group, site.api, 120)
        await survivor.stop()
        tally = group.tally("second process on the same database, poller killed -9")
        tally.kills = 1
        tally.cut_off = await site.cut_off_sends()
        tally.notes.append(f"409 conflicts while both ran: {conflicts_before}")
    tally.seconds = time.monotonic() - started
    return tally


async def storm(kind: str, directory: Path, people: int, rng: random.Random, storms: int) -> Tally:
    """Bursts of messages while Telegram answers 429 with retry_after 1-3 s, again and again."""
    started = time.monotonic()
    async with a_site(kind, directory) as site:
        group = People(site.api, site.content, first_id=60_000, count=people)
        process = await site.start(free_port(), webhook=True)
        for _ in range(storms):
            site.api.rate_limit("sendMessage", retry_after=rng.randint(1, 3), times=rng.randint(3, 8))
            for person in group.people:
                group.write(person)
            await asyncio.sleep(rng.random())
        await settle_answers(group, site.api, 180)
        await process.stop()
        tally = group.tally(f"429 storms ({storms}, retry_after 1-3 s)")
        tally.cut_off = await site.cut_off_sends()
        refused = sum(1 for call in site.api.calls_of("sendMessage") if call.status == 429)
        tally.notes.append(f"429 answers: {refused}")
    tally.seconds = time.monotonic() - started
    return tally


def kill_cell(tally: Tally) -> str:
    polling = tally.kills - tally.webhook_kills
    return f"{tally.kills} ({tally.webhook_kills} webhook, {polling} polling)" if tally.webhook_kills else str(tally.kills)


def render(rows: list[tuple[str, Tally]], smoke: bool, seed: int, started: datetime) -> str:
    lines = [
        "# Telegram delivery under faults",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores"
        f"{' (smoke size)' if smoke else ''}, seed {seed}; load average {os.getloadavg()[0]:.1f} at the end.",
        "`bench/telegram_faults.py`: a real `assistant serve` against the Bot API fake of the tests.",
        "",
        "| scenario | database | kills | messages | lost | duplicated | cut-off sends | out of order | seconds | notes |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    total = Tally("all")
    for database, tally in rows:
        total.add(tally)
        lines.append(
            f"| {tally.scenario} | {database} | {kill_cell(tally)} | {tally.messages} | {tally.lost} | "
            f"{tally.duplicated} | {tally.cut_off} | {tally.out_of_order} | {tally.seconds:.0f} | {'; '.join(tally.notes)} |"
        )
    lines.append(
        f"| **all** | | {kill_cell(total)} | {total.messages} | {total.lost} | {total.duplicated} | {total.cut_off} | "
        f"{total.out_of_order} | {total.seconds:.0f} | |"
    )
    verdict = "kept" if total.lost == 0 and total.duplicated <= total.cut_off else "NOT kept"
    lines += [
        "",
        f"Promise {verdict}: {total.lost} lost of {total.messages}; {total.duplicated} duplicated, "
        f"against {total.cut_off} sends counted as cut off mid-request.",
        "",
    ]
    return "\n".join(lines)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="two kills on SQLite only (about a minute)")
    parser.add_argument("--kills", type=int, default=40, help="per database; they alternate webhook and polling")
    parser.add_argument("--second-process-runs", type=int, default=3, help="per database")
    parser.add_argument("--people", type=int, default=30)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else secrets.randbits(32)
    rng = random.Random(seed)
    started = datetime.now(UTC)
    databases = ["sqlite"] if args.smoke else [d.strip() for d in args.databases.split(",") if d.strip()]
    output = args.output or (
        Path(tempfile.gettempdir()) / "telegram_faults_smoke.md" if args.smoke
        else PROJECT_ROOT / "bench" / "results" / "telegram_faults.md"
    )
    people = 12 if args.smoke else args.people
    rows: list[tuple[str, Tally]] = []
    with tempfile.TemporaryDirectory(prefix="telegram-faults-") as directory:
        where = Path(directory)
        for database in databases:
            count = 2 if args.smoke else args.kills
            rows.append((database, await kills(database, where, count, people, rng)))
            print(render(rows, args.smoke, seed, started).splitlines()[-4], flush=True)
        if not args.smoke:
            rows.append((databases[0], await outage(databases[0], where, people)))
            for database in databases:
                for _ in range(args.second_process_runs):
                    rows.append((database, await second_process(database, where, people, rng)))
                    print(render(rows, args.smoke, seed, started).splitlines()[-4], flush=True)
            rows.append((databases[0], await storm(databases[0], where, people, rng, storms=6)))
    text = render(rows, args.smoke, seed, started)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(text)
    kept = all(t.lost == 0 and t.duplicated <= t.cut_off and t.out_of_order == 0 for _, t in rows)
    return 0 if kept else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
