"""Web chat under a flood: another visitor's reply time alone and while one address floods, in one run.

Usage: .venv/bin/python bench/abuse.py [--sockets 200] [--messages 8] [--visitor-messages 40]
                                       [--nlu rasa|fake] [--smoke] [--output bench/results/abuse.md]

Everything runs on 127.0.0.1: the app with the web chat on SQLite, and the real Rasa server with
the trained model (`--nlu fake`: the tests' fake NLU, which answers after a few milliseconds). The
app believes X-Forwarded-For from 127.0.0.1 (ASSISTANT_TRUSTED_PROXIES), so one process can play a
flooder at 203.0.113.66 and a visitor at 198.51.100.7. First the visitor chats alone (one message
after the other, each waiting for its reply, at most one every 1.3 s as a person types). Then the flooder opens `--sockets` cookie-less
websockets from one address and sends `--messages` held-out questions on each, one every 1.25 s
(within one chat's limit of 8 in 10 s) and over again, for the whole time the visitor chats the
same way again; refused sockets try again every 5 s. Apologies are every "technical problem" reply, "one moment", "sorry, it
takes long" and "busy" notice the visitor gets. `--smoke` is a small size for CI (fake NLU).
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
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

FLOODER = {"X-Forwarded-For": "203.0.113.66"}
VISITOR = {"X-Forwarded-For": "198.51.100.7"}
APOLOGY_CODES = frozenset({"error", "wait", "slow", "busy", "slow_down"})
# The visitor writes one message at most every this many seconds, and gives up on an answer after that.
VISITOR_PACE = 1.3
REPLY_DEADLINE = 30.0
# Each flooding socket sends one message per this many seconds: 8 in 10 s, within one chat's limit.
FLOOD_PACE = 1.25


@dataclass
class Phase:
    """What the visitor saw in one phase, and what became of the flood."""

    name: str
    latencies: list[float] = field(default_factory=list)
    apologies: int = 0
    sockets_accepted: int = 0
    sockets_refused: int = 0
    flood_sent: int = 0
    flood_answered: int = 0
    flood_turned_away: int = 0
    seconds: float = 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


async def next_frame(socket: aiohttp.ClientWebSocketResponse, timeout: float) -> dict[str, Any]:
    message = await socket.receive(timeout)
    if message.type is not aiohttp.WSMsgType.TEXT:
        raise ConnectionError(f"socket ended: {message.type}")
    frame: dict[str, Any] = json.loads(message.data)
    return frame


async def chat_as_visitor(
    url: str, texts: Sequence[str], apology_texts: frozenset[str], phase: Phase, warm_up: bool = False
) -> None:
    """Send each text, wait for its reply, note how long it took and every apology on the way.

    With `warm_up` the first message's time is not counted (the first understanding after a start is slow).
    """
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        async with client.ws_connect(f"{url}/chat/ws?lang=de", headers=VISITOR) as socket:
            await next_frame(socket, 30)  # history
            await next_frame(socket, 30)  # greeting
            for index, text in enumerate(texts):
                started = time.monotonic()
                await socket.send_str(json.dumps({"type": "message", "text": text}))
                frame: dict[str, Any] = {}
                while True:
                    left = REPLY_DEADLINE - (time.monotonic() - started)
                    try:
                        frame = await next_frame(socket, max(0.01, left))
                    except TimeoutError:
                        phase.apologies += 1  # no answer at all counts as the worst apology
                        break
                    if frame.get("type") == "error" and frame.get("code") in APOLOGY_CODES:
                        phase.apologies += 1
                        continue
                    if frame.get("type") == "reply":
                        break
                took = time.monotonic() - started
                if index or not warm_up:
                    phase.latencies.append(took)
                if frame.get("text") in apology_texts:
                    phase.apologies += 1
                # A person types: at most one message per VISITOR_PACE seconds (the per-chat limit is 8 in 10 s).
                await asyncio.sleep(max(0.0, VISITOR_PACE - took))


async def flood(url: str, sockets: int, texts: Sequence[str], phase: Phase, stop: asyncio.Event) -> None:
    """Flood from one address until `stop`: many cookie-less sockets, each sending its texts within the per-chat limit.

    Each socket sends its `texts` one every FLOOD_PACE seconds (8 in 10 s stays within one chat's
    limit), then starts over, for as long as the visitor chats; refused sockets try again now and then.
    """
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as client:

        async def read(socket: aiohttp.ClientWebSocketResponse) -> None:
            while not socket.closed:
                try:
                    frame = await next_frame(socket, 60)
                except (TimeoutError, ConnectionError):
                    return
                if frame.get("type") == "reply":
                    phase.flood_answered += 1
                elif frame.get("code") in ("busy", "slow_down"):
                    phase.flood_turned_away += 1

        async def one(index: int) -> None:
            while not stop.is_set():
                try:
                    socket = await client.ws_connect(f"{url}/chat/ws", headers=FLOODER)
                except aiohttp.WSServerHandshakeError:
                    phase.sockets_refused += 1
                    await asyncio.sleep(5.0)
                    continue
                phase.sockets_accepted += 1
                reading = asyncio.create_task(read(socket))
                try:
                    while not stop.is_set():
                        for text in texts:
                            await socket.send_str(json.dumps({"type": "message", "text": f"{text} {index}"}))
                            phase.flood_sent += 1
                            await asyncio.sleep(FLOOD_PACE)
                            if stop.is_set():
                                break
                except (ConnectionError, aiohttp.ClientError, RuntimeError):
                    pass
                finally:
                    await socket.close()
                    reading.cancel()
                    await asyncio.gather(reading, return_exceptions=True)

        await asyncio.gather(*(one(index) for index in range(sockets)))


@asynccontextmanager
async def nlu_for(kind: str, base: Any, workdir: Path) -> AsyncIterator[tuple[str, str]]:
    """Yield the URL and token of the NLU server the app asks: the real Rasa model, or the tests' fake."""
    if kind == "fake":
        from tests.conftest import FAKE_RULES
        from tests.fakes.nlu import FakeNlu, serve_fake_nlu

        fake = FakeNlu(FAKE_RULES, delay=0.01)
        async with serve_fake_nlu(fake) as url:
            yield url, fake.token
        return
    from core.content import load_content
    from nlu.server import RasaServer
    from nlu.training import current_model

    async with aiohttp.ClientSession() as session:
        server = RasaServer(base.rasa_executable, current_model(base, load_content(base.data_dir)), workdir / "rasa.log")
        await server.start(session)
        try:
            yield server.url, server.token
        finally:
            await server.stop()


async def run(args: argparse.Namespace) -> tuple[Phase, Phase]:
    from bot.channels.web import WebChatChannel
    from bot.web import create_app, listening
    from core.content import load_content
    from core.settings import Settings
    from nlu.evaluate import load_labelled

    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "NLU_", "TELEGRAM_"))}
    workdir = Path(tempfile.mkdtemp(prefix="bench-abuse-"))
    environ["ASSISTANT_VAR_DIR"] = str(workdir)
    base = Settings.from_env(environ, env_file=Path("/nonexistent"))
    content = load_content(base.data_dir)
    apology_texts = frozenset(content.ui_text("nlu_unavailable", code) for code in content.languages) | frozenset(
        content.ui_text("web_error", code) for code in content.languages
    )
    questions = [m.text for m in load_labelled(base.data_dir / "eval" / "heldout.yml") if m.language == "de"]
    visitor_texts = [questions[n % len(questions)] for n in range(args.visitor_messages)]
    flood_texts = [questions[(n * 7) % len(questions)] for n in range(args.messages)]
    async with nlu_for(args.nlu, base, workdir) as (url, token):
        settings = replace(
            base,
            nlu_url=url,
            nlu_token=token,
            database_url=f"sqlite+aiosqlite:///{workdir / 'abuse.db'}",
            trusted_proxies=("127.0.0.1",),
        )
        app = create_app(settings, [WebChatChannel(settings)])
        async with listening(app, "127.0.0.1", 0) as port:
            site = f"http://127.0.0.1:{port}"
            alone = Phase("visitor alone")
            started = time.monotonic()
            await chat_as_visitor(site, [visitor_texts[-1], *visitor_texts], apology_texts, alone, warm_up=True)
            alone.seconds = time.monotonic() - started
            flooded = Phase(f"visitor while one address floods ({args.sockets} sockets × {args.messages} messages)")
            stop = asyncio.Event()
            started = time.monotonic()
            flooding = asyncio.create_task(flood(site, args.sockets, flood_texts, flooded, stop))
            await asyncio.sleep(0.2)  # the flood is under way
            await chat_as_visitor(site, visitor_texts, apology_texts, flooded)
            flooded.seconds = time.monotonic() - started
            stop.set()
            await flooding
    return alone, flooded


def report(alone: Phase, flooded: Phase, args: argparse.Namespace) -> str:
    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.0f} ms"

    rows = [
        f"| {phase.name} | {len(phase.latencies)} | {ms(statistics.median(phase.latencies))} | "
        f"{ms(phase.percentile(0.95))} | {ms(max(phase.latencies))} | {phase.apologies} |"
        for phase in (alone, flooded)
    ]
    verdict = "yes" if flooded.percentile(0.95) < 1.0 and flooded.apologies == 0 else "**no**"
    return "\n".join(
        [
            "# Web chat under a flood from one address",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'} "
            f"({os.cpu_count()} cores, shared), `bench/abuse.py{' --smoke' if args.smoke else ''}`, "
            f"NLU: {'the real Rasa model' if args.nlu == 'rasa' else 'the fake NLU (10 ms per message)'}, SQLite.",
            "Both rows come from the same run, one after the other; the visitor sends a message, waits for the reply, sends the next.",
            "",
            "| phase | visitor messages | median | p95 | slowest | apologies to the visitor |",
            "| --- | --- | --- | --- | --- | --- |",
            *rows,
            "",
            f"p95 under the flood {flooded.percentile(0.95) / alone.percentile(0.95):.2f}× the p95 alone; "
            f"under 1 s with no apology: {verdict}.",
            "",
            "What became of the flood (one address, cookie-less sockets):",
            "",
            f"- for {flooded.seconds:.0f} s ({flooded.flood_sent / flooded.seconds:.0f} messages/s): "
            f"socket attempts accepted {flooded.sockets_accepted}, refused {flooded.sockets_refused} "
            "(per-address limit, 429 with Retry-After)",
            f"- messages sent {flooded.flood_sent}, answered {flooded.flood_answered}, "
            f"told \"busy\"/\"slow down\" {flooded.flood_turned_away}; the rest were skipped silently",
            "",
            "Why: per-address limits on sockets and messages, and a bounded fair queue in front of the NLU",
            "server (`core/fair.py`: a few answers at once, turns round-robin by address, at most a few waiting",
            "per address), so the flood waits only on itself and is turned away when it has enough waiting.",
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--messages", type=int, default=8)
    parser.add_argument("--visitor-messages", type=int, default=40)
    parser.add_argument("--nlu", choices=("rasa", "fake"), default="rasa")
    parser.add_argument("--smoke", action="store_true", help="a small size for CI: 40 sockets, fake NLU")
    parser.add_argument("--output", type=Path, default=None, help="default: bench/results/abuse.md (not for --smoke)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.sockets, args.visitor_messages, args.nlu = min(args.sockets, 40), min(args.visitor_messages, 5), "fake"
    alone, flooded = asyncio.run(run(args))
    text = report(alone, flooded, args)
    output = args.output or (None if args.smoke else PROJECT_ROOT / "bench" / "results" / "abuse.md")
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
