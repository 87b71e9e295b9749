"""Parse throughput, latency and memory: the app's understanding path against Rasa's raw /model/parse.

All are measured in the same run, in alternating rounds, against the same Rasa server and model, with the same messages
(the held-out set), so the ratio holds on any machine. Usage:
    .venv/bin/python bench/nlu_parse.py [--requests 2000] [--concurrency 8] [--output F] [--smoke]
With NLU_URL and NLU_TOKEN set, that running server is measured instead of one started here.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._nlu import nlu_server, rss_mib  # noqa: E402
from bot.app import running_assistant  # noqa: E402
from core.messages import ConversationKey, Message  # noqa: E402
from core.settings import Settings  # noqa: E402
from nlu.evaluate import load_labelled  # noqa: E402
from nlu.normalise import normalise_for_nlu  # noqa: E402


async def measure(
    call: Callable[[int], Awaitable[object]], requests: int, concurrency: int
) -> tuple[float, float, float]:
    """Run `requests` calls, `concurrency` at a time; return requests/s, p50 and p99 in ms."""
    latencies: list[float] = []
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        while next_index < requests:
            index = next_index
            next_index += 1
            started = time.perf_counter()
            await call(index)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100)
    return requests / elapsed, quantiles[49], quantiles[98]


async def measure_interleaved(
    calls: Sequence[Callable[[int], Awaitable[object]]], requests: int, concurrency: int, rounds: int = 10
) -> list[tuple[float, float, float]]:
    """Measure several paths in alternating rounds, so each sees the same load from other processes.

    On a shared machine the load changes within seconds; measuring one path after the other would
    let a busy minute decide the ratio.
    """
    elapsed = [0.0] * len(calls)
    latencies: list[list[float]] = [[] for _ in calls]
    per_round = max(1, requests // rounds)
    for round_number in range(rounds):
        for number, call in enumerate(calls):
            offset = round_number * per_round

            async def timed(index: int, call: Callable[[int], Awaitable[object]] = call, number: int = number) -> object:
                started = time.perf_counter()
                result = await call(offset + index)
                latencies[number].append((time.perf_counter() - started) * 1000)
                return result

            started = time.perf_counter()
            await measure(timed, per_round, concurrency)
            elapsed[number] += time.perf_counter() - started
    results = []
    for number in range(len(calls)):
        quantiles = statistics.quantiles(latencies[number], n=100)
        results.append((len(latencies[number]) / elapsed[number], quantiles[49], quantiles[98]))
    return results


async def run(settings: Settings, requests: int, concurrency: int, output: Path, warm_up: int = 100) -> str:
    texts: Sequence[str] = [m.text for m in load_labelled(settings.data_dir / "eval" / "heldout.yml")]
    async with aiohttp.ClientSession() as session, nlu_server(settings, session, settings.var_dir / "bench-rasa.log") as server:
        url = f"{server.url}/model/parse"

        async def raw(index: int) -> object:
            text = normalise_for_nlu(texts[index % len(texts)])
            async with session.post(url, params={"token": server.token}, json={"text": text}) as response:
                return await response.json()

        await measure(raw, warm_up, concurrency)
        app_settings = replace(settings, nlu_url=server.url, nlu_token=server.token)
        async with running_assistant(app_settings) as assistant:

            async def understand(index: int) -> object:
                return await assistant.understanding.understand(texts[index % len(texts)])

            async def dialogue(index: int) -> object:
                # A person asks four things in a row; cycling through a fixed set of people instead would
                # leave more and more of them with staff (held-out messages ask for a person too), so the
                # row would measure forwarding to staff, not the dialogue.
                key = ConversationKey("bench", str(index // 4))
                return await assistant.dialogue.handle(Message(key, text=texts[index % len(texts)]))

            await measure(understand, warm_up, concurrency)
            names = [
                "Rasa `/model/parse` (raw HTTP)",
                "app: language + normalise + parse (`assistant parse`)",
                "app: whole dialogue turn (`Dialogue.handle`)",
            ]
            measured = await measure_interleaved([raw, understand, dialogue], requests, concurrency)
            rows = [(name, *figures) for name, figures in zip(names, measured, strict=True)]
            app_rss = rss_mib(os.getpid())
        rasa_rss = rss_mib(server.pid)
    raw_rate = rows[0][1]
    lines = [
        "# NLU parse benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores, "
        f"{requests} requests per row in 10 alternating rounds, {concurrency} concurrent, messages from the held-out set;"
        f" load average {os.getloadavg()[0]:.1f} at the end.",
        "",
        "| path | requests/s | p50 ms | p99 ms | throughput vs raw Rasa |",
        "| --- | --- | --- | --- | --- |",
        *(f"| {name} | {rate:.0f} | {p50:.1f} | {p99:.1f} | {rate / raw_rate:.2f}× |" for name, rate, p50, p99 in rows),
        "",
        "| process | resident memory |",
        "| --- | --- |",
        f"| app (language detector, content, dialogue) | {_mib(app_rss)} |",
        f"| Rasa NLU server (`rasa run --enable-api`, model loaded) | {_mib(rasa_rss)} |",
        "",
    ]
    report = "\n".join(lines)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report, encoding="utf-8")
    return report


def _mib(value: float | None) -> str:
    return "– (not started here)" if value is None else f"{value:.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "nlu_parse.md")
    parser.add_argument("--smoke", action="store_true", help="a few requests only (CI); pass --output too")
    args = parser.parse_args()
    warm_up = 100
    if args.smoke:
        args.requests, warm_up = 40, 8
        if args.output == parser.get_default("output"):
            args.output = Path(__file__).resolve().parent.parent / "build" / "bench" / "nlu_parse.md"
    print(asyncio.run(run(Settings.from_env(), args.requests, args.concurrency, args.output, warm_up)))


if __name__ == "__main__":
    main()
