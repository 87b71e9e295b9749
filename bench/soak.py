"""Soak under faults: two app processes, Telegram and web-chat traffic, staff replies, SIGKILL and restart.

Usage: .venv/bin/python bench/soak.py [--minutes 5] [--kill-every 20] [--output bench/results/soak.md] [--smoke]

Two `assistant serve` processes share a fresh PostgreSQL database and Redis, ask the same Rasa NLU
server (NLU_URL/NLU_TOKEN if set, else one started here) and the Bot API fake (webhook mode). Meanwhile:
- people on Telegram write questions; each update is posted to one of the processes, and again to
  the other when the post fails (as Telegram redelivers until it gets 200);
- people on Telegram (/human) and in the web chat ask for a colleague;
- a colleague, logged in once, claims each handover and replies on whichever process is up (a form
  that failed is sent again with the same key, as the inbox does);
- every `--kill-every` seconds one process is killed with SIGKILL and started again at once.
At the end, replies whose delivery was interrupted ("Zustellung unklar") are sent again by the colleague
only if they never arrived, as staff would after asking. Then it counts: every question answered
exactly once, every staff reply delivered exactly once (Telegram: at the Bot API; web chat: in the
transcript), and no Rasa process left behind by a killed app process.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "soak-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REDIS_URL = "redis://127.0.0.1:6379/0"
QUESTIONS = ["Wann habt ihr geöffnet?", "Коли можна прийти українцям?", "Where is the office?", "Kurs var mı?"]


class Soak:
    """The running soak: processes, the fake Bot API, and what was sent and expected."""

    def __init__(self, processes: list[Any], api: Any, session: aiohttp.ClientSession, seed: int) -> None:
        self.processes = processes
        self.api = api
        self.session = session
        self.random = random.Random(seed)
        self.stopping = False
        self.kills = 0
        self.redeliveries = 0
        self.staff_retries = 0
        self.expected_answers: Counter[int] = Counter()
        self.staff_markers: dict[str, tuple[str, int | str]] = {}  # marker -> (channel, chat id or cookie)
        self.web_cookies: list[aiohttp.CookieJar] = []
        self.up = [True] * len(processes)
        # How often each web chat's staff reply is in its transcript, read at the end.
        self.web_seen: Counter[str] = Counter()

    def live(self) -> list[Any]:
        alive = [p for p, up in zip(self.processes, self.up) if up]
        return alive or self.processes

    async def post_update(self, update: dict[str, Any]) -> None:
        """Deliver one update until a process answers 200, as Telegram does."""
        body = json.dumps(update)
        headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
        attempt = 0
        while True:
            process = self.random.choice(self.live())
            try:
                async with self.session.post(
                    f"{process.url}/telegram/webhook", data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=10)
                ) as answer:
                    if answer.status == 200:
                        return
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
                pass
            attempt += 1
            self.redeliveries += 1
            await asyncio.sleep(min(2.0, 0.2 * attempt))

    async def telegram_person(self, person: Any, messages: int) -> None:
        for _ in range(messages):
            self.expected_answers[person.user_id] += 1
            await self.post_update(self.api.text_update(person, self.random.choice(QUESTIONS)))
            await asyncio.sleep(self.random.uniform(0.5, 1.5))

    async def telegram_handover(self, person: Any) -> None:
        update = self.api.text_update(person, "/human")
        update["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": 6}]
        await self.post_update(update)

    async def web_person(self, number: int) -> None:
        """Open the web chat, ask for a colleague; reconnect elsewhere when the process goes away."""
        jar = aiohttp.CookieJar(unsafe=True)
        self.web_cookies.append(jar)
        async with aiohttp.ClientSession(cookie_jar=jar) as browser:
            asked = False
            while not asked and not self.stopping:
                process = self.random.choice(self.live())
                try:
                    async with browser.ws_connect(f"{process.url}/chat/ws?lang=en", timeout=10) as chat:
                        history = await chat.receive_json(timeout=20)
                        if any(line["from"] == "assistant" and line["buttons"] and "cancel" in json.dumps(line["buttons"])
                               for line in history["messages"]):
                            asked = True
                            break
                        if not history["messages"]:
                            await chat.receive_json(timeout=20)  # the welcome
                        await chat.send_json({"type": "message", "text": "I want to talk to a person, please"})
                        while True:
                            frame = await chat.receive_json(timeout=30)
                            if frame.get("type") == "reply":
                                asked = True
                                break
                except (aiohttp.ClientError, asyncio.TimeoutError, OSError, TypeError, KeyError, ValueError):
                    await asyncio.sleep(0.5)

    async def staff(self, database_url: str, username: str, password: str) -> None:
        """Claim every new handover and reply once, on whichever process is up."""
        from sqlalchemy import select

        from handover.models import Handover, HandoverStatus
        from storage.db import connect
        from tests.staff.conftest import log_in

        database = connect(database_url)
        answered: set[int] = set()
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            csrf = ""
            while not self.stopping:
                async with database.sessions() as session:
                    rows = (await session.execute(
                        select(Handover.id, Handover.channel, Handover.conversation_id).where(
                            Handover.status != HandoverStatus.CLOSED
                        )
                    )).all()
                for row in rows:
                    if row.id in answered:
                        continue
                    marker = f"soak-reply-{row.id}"
                    done = False
                    while not done and not self.stopping:
                        process = self.random.choice(self.live())
                        try:
                            if not csrf:
                                csrf = await log_in(http, process.url, username, password)
                            headers = {"Accept": "application/json", "X-CSRF-Token": csrf}
                            await http.post(f"{process.url}/staff/c/{row.id}/claim", json={"force": "1"}, headers=headers)
                            async with http.post(
                                f"{process.url}/staff/c/{row.id}/reply",
                                json={"text": f"Hallo, hier das Büro ({marker})", "key": marker, "force": "1"},
                                headers=headers,
                            ) as answer:
                                done = answer.status == 200
                                if answer.status in (401, 403):
                                    csrf = ""
                        except (aiohttp.ClientError, asyncio.TimeoutError, OSError, AssertionError):
                            self.staff_retries += 1
                            await asyncio.sleep(0.5)
                    if done:
                        answered.add(row.id)
                        self.staff_markers[marker] = (row.channel, row.conversation_id)
                await asyncio.sleep(0.5)
        await database.close()

    async def killer(self, every: float) -> None:
        number = 0
        while not self.stopping:
            await asyncio.sleep(every)
            if self.stopping:
                return
            index = number % len(self.processes)
            number += 1
            self.up[index] = False
            self.processes[index].kill()
            self.kills += 1
            self.processes[index].start()
            await self.processes[index].ready(300)
            self.up[index] = True


async def resolve_unknown(soak: Soak, database_url: str, username: str, password: str) -> int:
    """Send again, as staff would after asking, the interrupted replies that never arrived; return how many."""
    from sqlalchemy import select

    from handover.models import Delivery, HandoverMessage
    from storage.db import connect
    from tests.staff.conftest import log_in

    database = connect(database_url)
    async with database.sessions() as session:
        unknown = (await session.execute(
            select(HandoverMessage.id, HandoverMessage.source_id).where(HandoverMessage.delivery == Delivery.UNKNOWN)
        )).all()
    await database.close()
    resent = 0
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        process = soak.processes[0]
        csrf = await log_in(http, process.url, username, password)
        for row in unknown:
            if row.source_id in soak.staff_markers and deliveries(soak, row.source_id) == 0:
                await http.post(f"{process.url}/staff/m/{row.id}/retry", json={},
                                headers={"Accept": "application/json", "X-CSRF-Token": csrf})
                resent += 1
    return len(unknown) * 1000 + resent


def deliveries(soak: Soak, marker: str) -> int:
    """How often a staff reply arrived: at the Bot API (Telegram) or in the web chat's transcript."""
    channel, _ = soak.staff_markers[marker]
    if channel == "telegram":
        return sum(
            f"({marker})" in str(call.params.get("text", "")) for call in soak.api.calls_of("sendMessage") if call.status == 200
        )
    return soak.web_seen.get(marker, 0)


async def web_transcripts(soak: Soak) -> Counter[str]:
    """Read every web person's transcript (the history frame on reconnect) and count the staff replies in it."""
    seen: Counter[str] = Counter()
    for jar in soak.web_cookies:
        async with aiohttp.ClientSession(cookie_jar=jar) as browser:
            async with browser.ws_connect(f"{soak.processes[0].url}/chat/ws?lang=en") as chat:
                history = await chat.receive_json(timeout=20)
        for line in history["messages"]:
            for marker in soak.staff_markers:
                if f"({marker})" in line["text"]:
                    seen[marker] += 1
    return seen


def orphaned_rasa(var_dirs: list[Path]) -> int:
    """Count Rasa servers still running that an app process of this soak started (their logs are in its var dir)."""
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return sum(
        1 for line in listing.splitlines() if "rasa run" in line and any(f"{var}/" in line for var in var_dirs)
    )


async def run(args: argparse.Namespace) -> str:
    from accounts.service import AccountService
    from bench._nlu import nlu_server
    from core.settings import Settings
    from storage.migrate import open_database
    from tests.fakes.telegram_api import FakeTelegram, Person, serve_fake_telegram
    from tests.processes import ServeProcess, plain_url
    from tests.staff.conftest import PASSWORD
    from tests.storage.databases import fresh_database_url

    workdir = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "NLU_", "TELEGRAM_"))}
    environ["ASSISTANT_VAR_DIR"] = str(workdir)
    settings = Settings.from_env(environ, env_file=Path("/nonexistent"))
    api = FakeTelegram()
    started = time.monotonic()
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        api_url = await stack.enter_async_context(serve_fake_telegram(api))
        nlu = await stack.enter_async_context(nlu_server(settings, session, workdir / "rasa.log"))
        database_url = await stack.enter_async_context(fresh_database_url("postgresql", workdir))
        async with open_database(database_url) as database:
            await AccountService(database).create("soak", PASSWORD, ["staff"], "Sabine", ["de", "en", "uk"])
        processes = []
        for name in ("a", "b"):
            port_env = {
                "ASSISTANT_DATABASE_URL": plain_url(database_url), "ASSISTANT_REDIS_URL": REDIS_URL,
                "ASSISTANT_VAR_DIR": str(workdir / name), "NLU_URL": nlu.url, "NLU_TOKEN": nlu.token,
                "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_URL": api_url, "TELEGRAM_WEBHOOK_SECRET": SECRET,
            }
            process = ServeProcess(name, port_env, workdir / f"{name}.log")
            process.environ = {**port_env, "TELEGRAM_WEBHOOK_URL": f"{process.url}/telegram/webhook"}
            processes.append(process)
        for process in processes:
            process.start()
            await process.ready(300)
        soak = Soak(processes, api, session, seed=7)
        stack.callback(lambda: [process.stop() for process in processes])
        ids = itertools.count(2_000_000)
        people = [Person(next(ids), f"P{n}", "de") for n in range(args.people)]
        askers = [Person(next(ids), f"H{n}", "uk") for n in range(args.handovers)]
        for person in [*people, *askers]:
            api.meet(person)
        staff = asyncio.create_task(soak.staff(database_url, "soak", PASSWORD))
        killer = asyncio.create_task(soak.killer(args.kill_every))
        deadline = time.monotonic() + args.minutes * 60
        traffic = []
        while time.monotonic() < deadline:
            traffic += [asyncio.create_task(soak.telegram_person(person, args.messages)) for person in people]
            traffic += [asyncio.create_task(soak.telegram_handover(person)) for person in askers]
            traffic += [asyncio.create_task(soak.web_person(n)) for n in range(args.web)]
            await asyncio.gather(*traffic)
            askers = [Person(next(ids), f"H{n}", "uk") for n in range(args.handovers)]
            for person in askers:
                api.meet(person)
            traffic = []
        killer.cancel()
        await asyncio.gather(killer, return_exceptions=True)
        for index, process in enumerate(processes):
            if process.process is None or process.process.poll() is not None:
                process.start()
            await process.ready(300)
            soak.up[index] = True
        # Let staff answer what is left, then stop them.
        settle = time.monotonic() + args.settle
        while time.monotonic() < settle:
            await asyncio.sleep(1)
        soak.stopping = True
        await staff
        soak.web_seen = await web_transcripts(soak)
        unknown = await resolve_unknown(soak, database_url, "soak", PASSWORD)
        await api.settle(2.0)
        soak.web_seen = await web_transcripts(soak)
        answers = Counter(int(call.params["chat_id"]) for call in api.calls_of("sendMessage") if call.status == 200)
        lost = sum(max(0, expected - answers[chat]) for chat, expected in soak.expected_answers.items())
        twice = sum(max(0, answers[chat] - expected) for chat, expected in soak.expected_answers.items())
        staff_counts = {marker: deliveries(soak, marker) for marker in soak.staff_markers}
        for process in processes:
            process.stop()
        orphans = orphaned_rasa([workdir / process.name for process in processes])
    elapsed = time.monotonic() - started
    staff_once = sum(count == 1 for count in staff_counts.values())
    staff_lost = sum(count == 0 for count in staff_counts.values())
    staff_twice = sum(count > 1 for count in staff_counts.values())
    report = "\n".join([
        "# Soak under faults",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPU(s) ({platform.machine()}) by "
        f"`bench/soak.py{' --smoke' if args.smoke else ''}`: {elapsed / 60:.1f} minutes, two `assistant serve` processes on "
        f"PostgreSQL and Redis, one killed with SIGKILL and restarted every {args.kill_every:g} s.",
        "",
        "| what | count |",
        "| --- | --- |",
        f"| SIGKILLs (each followed by a restart) | {soak.kills} |",
        f"| questions on Telegram | {sum(soak.expected_answers.values())} |",
        f"| of them answered exactly once | {sum(min(answers[c], e) for c, e in soak.expected_answers.items()) - 0} |",
        f"| lost (no answer) | {lost} |",
        f"| answered twice | {twice} |",
        f"| updates delivered again after a failed post | {soak.redeliveries} |",
        f"| staff replies (Telegram and web chat handovers) | {len(staff_counts)} |",
        f"| delivered exactly once | {staff_once} |",
        f"| lost | {staff_lost} |",
        f"| delivered twice | {staff_twice} |",
        f"| marked \"Zustellung unklar\" after a kill / of them sent again by staff | {unknown // 1000} / {unknown % 1000} |",
        f"| staff forms sent again after a failed post | {soak.staff_retries} |",
        f"| Rasa servers left running by killed app processes | {orphans} |",
        "",
    ])
    odd = [f"{marker} ({soak.staff_markers[marker][0]}): {count}" for marker, count in staff_counts.items() if count != 1]
    if odd:
        report += "\nStaff replies not delivered exactly once: " + ", ".join(odd) + "\n"
    if lost or twice or staff_lost or staff_twice or orphans or not staff_counts:
        print(report)
        raise SystemExit("soak: something was lost, sent twice or left behind (see the table)")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--kill-every", type=float, default=20.0)
    parser.add_argument("--people", type=int, default=10)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--handovers", type=int, default=3)
    parser.add_argument("--web", type=int, default=3)
    parser.add_argument("--settle", type=float, default=20.0)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "soak.md")
    parser.add_argument("--smoke", action="store_true", help="one round, two kills (CI); pass --output too")
    args = parser.parse_args()
    if args.smoke:
        args.minutes, args.kill_every, args.people, args.messages, args.handovers, args.web, args.settle = (
            0.2, 8.0, 4, 3, 2, 2, 10.0
        )
        if args.output == parser.get_default("output"):
            args.output = ROOT / "build" / "bench" / "soak.md"
    report = asyncio.run(run(args))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
