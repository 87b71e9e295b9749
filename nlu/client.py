"""Client of the Rasa NLU server's /model/parse endpoint, over one long-lived HTTP session."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

import aiohttp

from core.errors import NluUnavailable
from nlu.intents import split_intent


@dataclass(frozen=True)
class TopicScore:
    topic: str
    confidence: float
    # The topic's sub-case the model found most likely (e.g. "german" within courses), if any.
    variant: str | None = None


@dataclass(frozen=True)
class NluResult:
    """The model's ranking of topics for one text, best first."""

    ranking: tuple[TopicScore, ...]

    @property
    def best(self) -> TopicScore:
        return self.ranking[0]


def topic_ranking(intents: Iterable[tuple[str, float]]) -> tuple[TopicScore, ...]:
    """Merge a topic's intents (the topic and its variants) into one score, best topic first.

    A topic is as likely as all its intents together; its variant is the likeliest of them.
    """
    totals: dict[str, float] = {}
    best: dict[str, tuple[float, str | None]] = {}
    for name, confidence in intents:
        topic, variant = split_intent(name)
        totals[topic] = totals.get(topic, 0.0) + confidence
        if confidence > best.get(topic, (-1.0, None))[0]:
            best[topic] = (confidence, variant)
    scores = (TopicScore(topic, total, best[topic][1]) for topic, total in totals.items())
    return tuple(sorted(scores, key=lambda score: score.confidence, reverse=True))


class RasaNluClient:
    """Ask a running `rasa run --enable-api` server to classify texts."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str | None, timeout: float) -> None:
        self._session = session
        self._url = base_url.rstrip("/") + "/model/parse"
        self._params = {"token": token} if token else {}
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def parse(self, text: str) -> NluResult:
        """Classify `text`; raise NluUnavailable when the server is down, slow or confused."""
        try:
            async with self._session.post(
                self._url, json={"text": text}, params=self._params, timeout=self._timeout
            ) as response:
                if response.status != 200:
                    raise NluUnavailable(f"NLU server answered HTTP {response.status}")
                body = await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise NluUnavailable(f"NLU server unreachable: {type(error).__name__}") from error
        ranking = topic_ranking(
            (str(item["name"]), float(item["confidence"])) for item in body.get("intent_ranking") or [] if item.get("name")
        )
        if not ranking:
            raise NluUnavailable("NLU server returned no intent ranking")
        return NluResult(ranking)

    async def is_ready(self) -> bool:
        """Return True when the server answers and has a model loaded."""
        try:
            async with self._session.get(
                self._url.removesuffix("/model/parse") + "/status",
                params=self._params,
                timeout=aiohttp.ClientTimeout(total=2),
            ) as response:
                if response.status != 200:
                    return False
                body = await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            return False
        return bool(body.get("model_file"))
