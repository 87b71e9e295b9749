"""Scale: the assistant's Telegram webhook path with 1 and 2 app processes on PostgreSQL, next to Rasa's own full stack.

Usage: .venv/bin/python bench/scale.py [--messages 1200] [--output bench/results/scale.md] [--smoke]

In one run, in alternating rounds (so load from other work on the machine falls on all alike):
- Rasa's own full stack: a `rasa init` bot (its domain, stories and rules; Rasa's default pipeline and
  policies: DIET, ResponseSelector, TED, UnexpecTED, memoization, rules) served by `rasa run` with the
  REST channel; each message a new conversation, answered in the HTTP response. Trained with fewer
  epochs than the default: training time changes, the work per message does not.
- raw parse: `/model/parse` of the assistant's own Rasa NLU server (the same one the app uses).
- the assistant with 1 and with 2 app processes (deployments side by side, each on its own
  PostgreSQL database; the pair shares Redis): Telegram updates posted to the processes' webhooks
  in turn, as a reverse proxy would, each from a new person; timed from the POST until the reply
  reaches the fake Bot API. Telegram's send limits are lifted to see what the pipeline can do.
- one app process on asyncio's own event loop instead of uvloop (what `assistant serve` runs on).
Each path runs 8 messages at a time, closed loop. The app processes' CPU per message is read from
/proc around each of their rounds, memory per process at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONCURRENCY = 8
SECRET = "bench-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REDIS_URL = "redis://127.0.0.1:6379/0"


def rasa_init_config(epochs: int) -> str:
    """Rasa's default configuration for a new English bot (what `rasa init` trains), with `epochs` for the neural parts."""
    return f"""recipe: default.v1
assistant_id: bench_rasa_init
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: {epochs}
  - name: EntitySynonymMapper
  - name: ResponseSelector
    epochs: {epochs}
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1
policies:
  - name: MemoizationPolicy
  - name: RulePolicy
  - name: UnexpecTEDIntentPolicy
    max_history: 5
    epochs: {epochs}
  - name: TEDPolicy
    max_history: 5
    epochs: {epochs}
    constrain_similarities: true
"""


def rasa_init_bot(rasa: Path, epochs: int) -> Path:
    """Return the `rasa init` bot's directory with a trained model, training it once (cached under build/bench)."""
    site = subprocess.run(
        [str(rasa.parent / "python"), "-c", "import rasa, os; print(os.path.dirname(rasa.__file__))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    bot = ROOT / "build" / "bench" / f"rasa-init-{epochs}"
    if (bot / "models" / "bot.tar.gz").is_file():
        return bot
    shutil.rmtree(bot, ignore_errors=True)
    shutil.copytree(Path(site) / "cli" / "initial_project", bot)
    (bot / "config.yml").write_text(rasa_init_config(epochs), encoding="utf-8")
    subprocess.run(
        [str(rasa), "train", "--fixed-model-name", "bot", "--out", "models"],
        cwd=bot, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    return bot


@asynccontextmanager
async def rasa_full_stack(rasa: Path, bot: Path, session: aiohttp.ClientSession) -> AsyncIterator[tuple[str, int]]:
    """Serve the `rasa init` bot with `rasa run` (REST channel); yield its webhook URL and pid."""
    from tests.processes import free_port

    port = free_port()
    log = (bot / "rasa-run.log").open("ab")
    process = subprocess.Popen(
        [str(rasa), "run", "--model", "models/bot.tar.gz", "--credentials", "credentials.yml",
         "--interface", "127.0.0.1", "--port", str(port)],
        cwd=bot, stdout=log, stderr=log, start_new_session=True,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"scale: `rasa run` did not come up; see {bot / 'rasa-run.log'}")
            try:
                async with session.post(url, json={"sender": "warm-up", "message": "hello"}) as answer:
                    if answer.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)
        yield url, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
        log.close()


def app_process(port: int, plain_loop: bool) -> None:
    """Run one app process (a child of this benchmark) with Telegram's send limits lifted, until SIGTERM."""
    from bot.channels.telegram import TelegramChannel, TelegramLimits
    from bot.channels.web import WebChatChannel
    from bot.web import run_serving, serve
    from core.settings import Settings

    settings = Settings.from_env()
    limits = TelegramLimits(chat_burst=0, overall_per_second=0, flood_messages=10**6)
    serving = serve(settings, [WebChatChannel(settings), TelegramChannel(settings, limits)])
    if plain_loop:
        asyncio.run(serving)
    else:
        run_serving(serving)


@asynccontextmanager
async def deployment(
    processes: int, database_url: str, nlu: tuple[str, str], api_url: str, token: str, workdir: Path, redis: bool,
    plain_loop: bool = False,
) -> AsyncIterator[tuple[list[str], list[int]]]:
    """Start `processes` app processes on one database; yield their webhook URLs and pids."""
    from tests.processes import ServeProcess, free_port

    children: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    try:
        for number in range(processes):
            name = f"app-{processes}-{number}{'-asyncio' if plain_loop else ''}"
            port = free_port()
            webhook = f"http://127.0.0.1:{port}/telegram/webhook"
            environ = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "NLU_", "TELEGRAM_"))}
            environ.update(
                ASSISTANT_DATABASE_URL=database_url, ASSISTANT_VAR_DIR=str(workdir / name),
                ASSISTANT_HTTP_PORT=str(port), ASSISTANT_ENV="production", NLU_URL=nlu[0], NLU_TOKEN=nlu[1],
                TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_URL=api_url, TELEGRAM_WEBHOOK_URL=webhook,
                TELEGRAM_WEBHOOK_SECRET=SECRET, **({"ASSISTANT_REDIS_URL": REDIS_URL} if redis else {}),
            )
            log = (workdir / f"{name}.log").open("ab")
            children.append(subprocess.Popen(
                [sys.executable, __file__, "--app-process", str(port), *(["--plain-loop"] if plain_loop else [])],
                env=environ, cwd=ROOT,
                stdout=log, stderr=log, start_new_session=True,
            ))
            urls.append(webhook)
            # One after the other: the first applies the migrations.
            await ServeProcess(f"app-{number}", {}, workdir / "unused.log", port=port, process=children[-1]).ready(300)
        yield urls, [child.pid for child in children]
    finally:
        for child in children:
            child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                child.kill()


class Path_:
    """One measured path: a name and a coroutine answering one message (by index)."""

    def __init__(self, name: str, call: Callable[[int], Awaitable[None]], pids: Sequence[int] = ()) -> None:
        self.name = name
        self.call = call
        self.pids = list(pids)  # the app processes whose CPU time this path is charged with
        self.latencies: list[float] = []
        self.seconds = 0.0
        self.cpu_seconds = 0.0


def cpu_seconds(pids: Sequence[int]) -> float:
    """User and system CPU time the processes `pids` have used so far, from /proc."""
    ticks = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rpartition(")")[2].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


async def measure_rounds(paths: Sequence[Path_], messages: int, rounds: int) -> None:
    """Run each path in turn, `rounds` times, `messages / rounds` messages each, CONCURRENCY at a time."""
    per_round = max(CONCURRENCY, messages // rounds)
    counter = itertools.count()
    for _ in range(rounds):
        for path in paths:
            next_index = 0

            async def worker(path: Path_ = path) -> None:
                nonlocal next_index
                while next_index < per_round:
                    next_index += 1
                    index = next(counter)
                    started = time.perf_counter()
                    await path.call(index)
                    path.latencies.append(time.perf_counter() - started)

            started, cpu = time.perf_counter(), cpu_seconds(path.pids)
            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            path.seconds += time.perf_counter() - started
            path.cpu_seconds += cpu_seconds(path.pids) - cpu


def rss_of(pid: int) -> str:
    from bench._nlu import rss_mib

    value = rss_mib(pid)
    return "–" if value is None else f"{value:.0f} MiB"


async def run(args: argparse.Namespace) -> str:
    from bench._nlu import nlu_server
    from core.settings import Settings
    from nlu.evaluate import load_labelled
    from tests.fakes.telegram_api import FakeTelegram, Json, Person, serve_fake_telegram
    from tests.storage.databases import fresh_database_url

    class CountingTelegram(FakeTelegram):
        """The fake Bot API, waking whoever waits for a chat's reply."""

        waiting: dict[int, asyncio.Future[None]] = {}

        async def _api_send_message(self, params: Json) -> Json:
            sent = await super()._api_send_message(params)
            future = self.waiting.pop(int(params["chat_id"]), None)
            if future is not None and not future.done():
                future.set_result(None)
            return sent

    workdir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "NLU_", "TELEGRAM_"))}
    environ["ASSISTANT_VAR_DIR"] = str(workdir)
    settings = Settings.from_env(environ, env_file=Path("/nonexistent"))
    texts = [m.text for m in load_labelled(settings.data_dir / "eval" / "heldout.yml")]
    # Training and loading Rasa's dialogue model takes minutes: the smoke run (CI) leaves it out.
    bot = None if args.smoke else rasa_init_bot(settings.rasa_executable, 10)
    api = CountingTelegram()
    people = itertools.count(1_000_000)
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)))
        api_url = await stack.enter_async_context(serve_fake_telegram(api))
        nlu = await stack.enter_async_context(nlu_server(settings, session, workdir / "rasa-nlu.log"))
        full_url, full_pid = (
            await stack.enter_async_context(rasa_full_stack(settings.rasa_executable, bot, session))
            if bot is not None else ("", 0)
        )
        single_db = await stack.enter_async_context(fresh_database_url("postgresql", workdir))
        pair_db = await stack.enter_async_context(fresh_database_url("postgresql", workdir))
        single = await stack.enter_async_context(
            deployment(1, single_db, (nlu.url, nlu.token), api_url, api.token, workdir, redis=False)
        )
        pair = await stack.enter_async_context(
            deployment(2, pair_db, (nlu.url, nlu.token), api_url, api.token, workdir, redis=True)
        )
        plain_db = await stack.enter_async_context(fresh_database_url("postgresql", workdir))
        plain = await stack.enter_async_context(
            deployment(1, plain_db, (nlu.url, nlu.token), api_url, api.token, workdir, redis=False, plain_loop=True)
        )

        async def rasa_turn(index: int) -> None:
            body = {"sender": f"bench-{index}", "message": texts[index % len(texts)]}
            async with session.post(full_url, json=body) as answer:
                assert answer.status == 200
                await answer.read()

        async def raw_parse(index: int) -> None:
            async with session.post(
                f"{nlu.url}/model/parse", params={"token": nlu.token}, json={"text": texts[index % len(texts)]}
            ) as answer:
                assert answer.status == 200
                await answer.read()

        def webhook_turn(urls: list[str]) -> Callable[[int], Awaitable[None]]:
            async def turn(index: int) -> None:
                person = Person(next(people), "P", "de")
                reply = asyncio.get_running_loop().create_future()
                api.waiting[person.user_id] = reply
                body = json.dumps(api.text_update(person, texts[index % len(texts)]))
                headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
                async with session.post(urls[index % len(urls)], data=body, headers=headers) as answer:
                    assert answer.status == 200, answer.status
                await asyncio.wait_for(reply, 120)

            return turn

        paths = [
            *([Path_("Rasa's own full stack (`rasa run`, `rasa init` bot, REST channel)", rasa_turn)] if full_url else []),
            Path_("raw `/model/parse` (the assistant's NLU server)", raw_parse),
            Path_("assistant, Telegram webhook, 1 app process", webhook_turn(single[0]), single[1]),
            Path_("assistant, Telegram webhook, 2 app processes (+ Redis)", webhook_turn(pair[0]), pair[1]),
            Path_("assistant, Telegram webhook, 1 app process on asyncio's loop (not uvloop)", webhook_turn(plain[0]), plain[1]),
        ]
        warm = [Path_(p.name, p.call) for p in paths]
        await measure_rounds(warm, CONCURRENCY * len(paths), 1)
        await measure_rounds(paths, args.messages, args.rounds)
        memory = [
            ("Rasa full stack (`rasa run`, dialogue model)", rss_of(full_pid) if full_pid else "– (smoke run)"),
            ("Rasa NLU server (`rasa run --enable-api`)", rss_of(nlu.pid) if nlu.pid else "– (not started here)"),
            *((f"app process {n + 1} of 2", rss_of(pid)) for n, pid in enumerate(pair[1])),
            ("app process, alone", rss_of(single[1][0])),
            ("app process, alone, asyncio's loop", rss_of(plain[1][0])),
        ]
    # The first path is the baseline: Rasa's full stack, or (smoke run) raw parse.
    base_rate = len(paths[0].latencies) / paths[0].seconds
    rows = []
    for path in paths:
        rate = len(path.latencies) / path.seconds
        quantiles = statistics.quantiles(path.latencies, n=100)
        cpu = f"{path.cpu_seconds / len(path.latencies) * 1000:.1f} ms" if path.pids else "–"
        rows.append(
            f"| {path.name} | {len(path.latencies)} | {rate:.1f} | {quantiles[49] * 1000:.0f} ms | "
            f"{quantiles[98] * 1000:.0f} ms | {rate / base_rate:.2f}× | {cpu} |"
        )
    return "\n".join([
        "# Scale: the assistant next to Rasa's own full stack",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPU(s) ({platform.machine()}), "
        f"by `bench/scale.py{' --smoke' if args.smoke else ''}`: {CONCURRENCY} messages at a time, closed loop, "
        f"{args.rounds} alternating rounds, held-out messages (all seven languages), each message from a new person; "
        f"load average {os.getloadavg()[0]:.1f} at the end. Everything (load generator, fake Bot API, PostgreSQL, "
        "Redis, the Rasa servers and the app processes) shares this machine.",
        "",
        f"| path | messages | messages/s | p50 | p99 | vs {'Rasa' + chr(39) + 's full stack' if full_url else 'raw parse (smoke run: no full stack)'} "
        "| app CPU per message |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        "| process | resident memory at the end |",
        "| --- | --- |",
        *(f"| {name} | {value} |" for name, value in memory),
        "",
        "The webhook path stores each update before answering 200, understands it (language, then the NLU",
        "server), runs the dialogue, counts it for the statistics and sends the reply through the Bot API;",
        "Rasa's REST channel answers in the HTTP response and keeps its trackers in memory. On two cores",
        "the second app process competes with the first and with the NLU server for the same CPUs, so it",
        "shows that processes add up without losing messages, not a second machine's capacity.",
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1200, help="per path")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "scale.md")
    parser.add_argument("--smoke", action="store_true", help="a few messages per path (CI); pass --output too")
    parser.add_argument("--app-process", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--plain-loop", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.app_process:
        app_process(args.app_process, args.plain_loop)
        return
    if args.smoke:
        args.messages, args.rounds = 16, 2
        if args.output == parser.get_default("output"):
            args.output = ROOT / "build" / "bench" / "scale.md"
    report = asyncio.run(run(args))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
