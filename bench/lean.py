"""Lean processes: what lingua's models cost in memory and start-up, and in language accuracy; the app's footprint.

Usage: .venv/bin/python bench/lean.py [--output bench/results/lean.md] [--smoke]

Part 1: the assistant's language detector (script cues, lingua, the words and letter triples of
our examples) built four ways, each in a fresh process: lingua's high-accuracy models (1- to
5-grams) or its low-accuracy mode (trigrams only), for our 7 languages plus the 12 Latin-script
languages it recognises as "not ours", or for our 7 only. For each: resident memory of the
process after building it, the time to build it, and accuracy on shared/benchmarks/lingua-testdata
and the labelled chat-style sets (data/eval/).

Part 2: `assistant serve` as shipped, on SQLite, against a running NLU server: the time from the
start of the process to its first answer on the web chat, and its resident memory after answering
the held-out messages. With NLU_URL and NLU_TOKEN set, that server is used; otherwise one is started.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONFIGURATIONS = {
    "high accuracy, 19 languages (before)": (False, True),
    "high accuracy, our 7 only": (False, False),
    "low accuracy, 19 languages (chosen)": (True, True),
    "low accuracy, our 7 only": (True, False),
}


def child(name: str, per_file: int | None) -> dict[str, Any]:
    """Build the detector one way in this (fresh) process; measure memory, time and accuracy."""
    from bench._nlu import rss_mib
    from bench.language_id import UNSUPPORTED, accuracy, labelled_sets
    from core.content import load_content
    from core.settings import Settings
    from nlu.language import OTHER_LATIN_LANGUAGES
    from nlu.runtime import build_language_detector

    low, others = CONFIGURATIONS[name]
    settings = Settings.from_env()
    content = load_content(settings.data_dir)
    before = rss_mib(os.getpid()) or 0.0
    started = time.perf_counter()
    detector = build_language_detector(content, low_accuracy=low, others=OTHER_LATIN_LANGUAGES if others else ())
    detector.detect("Wann hat das Büro offen?")
    seconds = time.perf_counter() - started
    memory = rss_mib(os.getpid()) or 0.0
    testdata = settings.project_root.parent / "shared/benchmarks/lingua-testdata"
    sets = labelled_sets(settings, list(content.languages), testdata, per_file)

    def detect(text: str) -> str:
        guess = detector.detect(text)
        return (guess.language or UNSUPPORTED) if guess.supported else UNSUPPORTED

    scores = {set_name: accuracy(detect, samples)[0] for set_name, samples in sets.items()}
    return {"memory": memory, "detector": memory - before, "seconds": seconds, "accuracy": scores}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def serve_footprint(texts: list[str], nlu_url: str, nlu_token: str, workdir: Path) -> dict[str, float]:
    """Start `assistant serve`, time its first answer on the web chat, answer `texts`, read its memory."""
    import aiohttp

    from bench._nlu import rss_mib

    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "NLU_", "TELEGRAM_"))}
    environ.update(
        ASSISTANT_VAR_DIR=str(workdir), ASSISTANT_HTTP_PORT=str(port), NLU_URL=nlu_url, NLU_TOKEN=nlu_token,
        ASSISTANT_ENV="production",
        # As behind the reverse proxy of docs/deploy.md: each chat comes from its own address, so the
        # web chat's per-address flood limits (all of this comes from 127.0.0.1) do not skip messages.
        ASSISTANT_TRUSTED_PROXIES="127.0.0.1",
    )
    started = time.monotonic()
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "assistant"), "serve"], env=environ, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        async with aiohttp.ClientSession() as session:
            first_answer = None
            while first_answer is None:
                if process.poll() is not None or time.monotonic() - started > 300:
                    raise SystemExit("lean: assistant serve did not come up")
                try:
                    await ask(session, port, ["Wann ist das Büro offen?"])
                    first_answer = time.monotonic() - started
                except (aiohttp.ClientError, OSError):
                    await asyncio.sleep(0.1)
            idle = rss_mib(process.pid) or 0.0
            answered = time.monotonic()
            await asyncio.gather(*(ask(session, port, texts[n::8]) for n in range(8)))
            rate = len(texts) / (time.monotonic() - answered)
            busy = rss_mib(process.pid) or 0.0
    finally:
        process.terminate()
        process.wait(30)
    return {"first_answer": first_answer, "idle": idle, "busy": busy, "rate": rate, "messages": len(texts)}


_PEOPLE = itertools.count(1)


async def ask(session: Any, port: int, texts: list[str]) -> None:
    """Send each text in a new web chat (a message asking for a person silences the chat), awaiting the answer."""
    for text in texts:
        person = next(_PEOPLE)
        address = {"X-Forwarded-For": f"10.{person >> 16 & 255}.{person >> 8 & 255}.{person & 255}"}
        async with session.ws_connect(f"http://127.0.0.1:{port}/chat/ws?lang=de", timeout=30, headers=address) as chat:
            assert (await chat.receive_json(timeout=30))["type"] == "history"
            assert (await chat.receive_json(timeout=30))["type"] == "reply"  # the welcome
            await chat.send_json({"type": "message", "text": text})
            while (await chat.receive_json(timeout=60)).get("type") != "reply":
                pass


async def footprint(per_file: int | None) -> dict[str, float]:
    import aiohttp

    from bench._nlu import nlu_server
    from core.settings import Settings
    from nlu.evaluate import load_labelled

    settings = Settings.from_env()
    texts = [m.text for m in load_labelled(settings.data_dir / "eval" / "heldout.yml")][:per_file]
    workdir = Path(tempfile.mkdtemp(prefix="bench-lean-"))
    async with aiohttp.ClientSession() as session, nlu_server(settings, session, workdir / "rasa.log") as server:
        return await serve_footprint(texts, server.url, server.token, workdir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "lean.md")
    parser.add_argument("--smoke", action="store_true", help="30 lines per set, two configurations (CI)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--per-file", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.per_file)))
        return
    per_file = 30 if args.smoke else None
    if args.smoke and args.output == parser.get_default("output"):
        args.output = ROOT / "build" / "bench" / "lean.md"
    names = list(CONFIGURATIONS)[2:3] if args.smoke else list(CONFIGURATIONS)
    measured: dict[str, dict[str, Any]] = {}
    for name in names:
        command = [sys.executable, __file__, "--child", name, *(["--per-file", str(per_file)] if per_file else [])]
        measured[name] = json.loads(subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout)
    serve = asyncio.run(footprint(20 if args.smoke else None))
    sets = list(next(iter(measured.values()))["accuracy"])
    lines = [
        "# Lean processes",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPU(s) ({platform.machine()}), "
        f"load average {os.getloadavg()[0]:.1f}, by `bench/lean.py`{' --smoke' if args.smoke else ''}.",
        "",
        "## The language detector, built four ways",
        "",
        "| | " + " | ".join(measured) + " |",
        "| --- |" + " --- |" * len(measured),
        "| process memory after building it | " + " | ".join(f"{m['memory']:.0f} MiB" for m in measured.values()) + " |",
        "| of it the detector | " + " | ".join(f"{m['detector']:.0f} MiB" for m in measured.values()) + " |",
        "| time to build it | " + " | ".join(f"{m['seconds']:.1f} s" for m in measured.values()) + " |",
        *(
            f"| {name} ({'accuracy'}) | " + " | ".join(f"{m['accuracy'][name]:.1%}" for m in measured.values()) + " |"
            for name in sets
        ),
        "",
        "Chosen: low accuracy with all 19 languages. Lingua's high-accuracy models (1- to 5-grams) are most of",
        "an app process's memory; its trigrams alone cost a few points on single words and word pairs and",
        "about half a point on our chat-style sets, where the words and letter triples of our own examples",
        "decide most messages. Dropping the 12 languages we do not speak would save little more and lose",
        "recognising a French or Polish sentence as not ours (the `lingua sentences` row).",
        "",
        "## `assistant serve` as shipped (SQLite, web chat, NLU server running)",
        "",
        "| start of the process to its first answer | memory after the first answer | memory after "
        f"{serve['messages']:.0f} more messages (8 chats at once) | messages/s |",
        "| --- | --- | --- | --- |",
        f"| {serve['first_answer']:.1f} s | {serve['idle']:.0f} MiB | {serve['busy']:.0f} MiB | {serve['rate']:.1f} |",
        "",
    ]
    report = "\n".join(lines)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
