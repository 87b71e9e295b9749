"""A small fake of Rasa's /model/parse, for tests where only the wiring matters."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class FakeNlu:
    """Answer /model/parse from keyword rules; count requests; can be switched off or slowed."""

    rules: Mapping[str, str]
    token: str = "fake-token"
    available: bool = True
    delay: float = 0.0
    requests: int = 0
    texts: list[str] = field(default_factory=list)

    def classify(self, text: str) -> list[dict[str, object]]:
        for keyword, topic in self.rules.items():
            if keyword in text:
                return [{"name": topic, "confidence": 0.95}, {"name": "out_of_scope", "confidence": 0.05}]
        return [{"name": "out_of_scope", "confidence": 0.3}, {"name": "office_hours", "confidence": 0.25}]

    async def parse(self, request: web.Request) -> web.Response:
        import asyncio

        if request.query.get("token") != self.token:
            return web.json_response({"error": "unauthorised"}, status=401)
        if not self.available:
            return web.json_response({"error": "down"}, status=503)
        # Note the text on arrival, so a test can act while the answer is still delayed.
        text = str((await request.json())["text"])
        self.texts.append(text)
        self.requests += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        ranking = self.classify(text)
        return web.json_response({"text": text, "intent": ranking[0], "intent_ranking": ranking, "entities": []})

    async def status(self, request: web.Request) -> web.Response:
        if request.query.get("token") != self.token or not self.available:
            return web.json_response({}, status=503)
        return web.json_response({"model_file": "fake.tar.gz"})


@asynccontextmanager
async def serve_fake_nlu(nlu: FakeNlu) -> AsyncIterator[str]:
    """Serve `nlu` on a free port of 127.0.0.1 and yield its base URL."""
    app = web.Application()
    app.router.add_post("/model/parse", nlu.parse)
    app.router.add_get("/status", nlu.status)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
