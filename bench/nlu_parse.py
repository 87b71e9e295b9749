"""Parse throughput, latency and memory: the app's understanding path against Rasa's raw /model/parse.

All are measured in the same run, in alternating rounds, against the same Rasa server and model, with the same messages
(the held-out set), so the ratio holds on any machine. Usage:
    .venv/bin/python bench/nlu_parse.py [--requests 2000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from bot.app import running_assistant
from core.content import load_content
from core.messages import ConversationKey, Message
from core.settings import Settings
from nlu.evaluate import load_labelled
from nlu.normalise import normalise_for_nlu
from nlu.server import RasaServer
from nlu.training import train


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (Rasa runs as one process) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


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


async def run(settings: Settings, requests: int, concurrency: int, output: Path) -> str:
    content = load_content(settings.data_dir)
    texts: Sequence[str] = [m.text for m in load_labelled(settings.data_dir / "eval" / "heldout.yml")]
    model = train(settings, content)
    server = RasaServer(settings.rasa_executable, model, settings.var_dir / "bench-rasa.log")
    async with aiohttp.ClientSession() as session:
        await server.start(session)
        try:
            url = f"{server.url}/model/parse"

            async def raw(index: int) -> object:
                text = normalise_for_nlu(texts[index % len(texts)])
                async with session.post(url, params={"token": server.token}, json={"text": text}) as response:
                    return await response.json()

            await measure(raw, 100, concurrency)  # warm-up
            app_settings = replace(settings, nlu_url=server.url, nlu_token=server.token)
            async with running_assistant(app_settings) as assistant:

                async def understand(index: int) -> object:
                    return await assistant.understanding.understand(texts[index % len(texts)])

                async def dialogue(index: int) -> object:
                    key = ConversationKey("bench", str(index % 500))
                    return await assistant.dialogue.handle(Message(key, text=texts[index % len(texts)]))

                await measure(understand, 100, concurrency)
                names = [
                    "Rasa `/model/parse` (raw HTTP)",
                    "app: language + normalise + parse (`assistant parse`)",
                    "app: whole dialogue turn (`Dialogue.handle`)",
                ]
                measured = await measure_interleaved([raw, understand, dialogue], requests, concurrency)
                rows = [(name, *figures) for name, figures in zip(names, measured, strict=True)]
                app_rss = rss_mib(os.getpid())
            rasa_rss = rss_mib(server.pid or 0)
        finally:
            await server.stop()
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
        f"| app (language detector with preloaded models, content, dialogue) | {app_rss:.0f} MiB |",
        f"| Rasa NLU server (`rasa run --enable-api`, model loaded) | {rasa_rss:.0f} MiB |",
        "",
    ]
    report = "\n".join(lines)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report, encoding="utf-8")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "nlu_parse.md")
    args = parser.parse_args()
    print(asyncio.run(run(Settings.from_env(), args.requests, args.concurrency, args.output)))


if __name__ == "__main__":
    main()
