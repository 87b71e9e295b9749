"""Client of the Rasa NLU server's /model/parse endpoint, over one long-lived HTTP session."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

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


# A server that failed is passed over for this long, unless every server has failed.
RETRY_AFTER = 5.0


class RasaNluClient:
    """Ask running `rasa run --enable-api` servers to classify texts, in turn, passing over one that fails."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_urls: str | Sequence[str],
        token: str | None,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session = session
        urls = split_urls(base_urls) if isinstance(base_urls, str) else [url.rstrip("/") for url in base_urls]
        if not urls:
            raise ValueError("no NLU server URL given")
        self._urls = tuple(urls)
        self._params = {"token": token} if token else {}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._clock = clock
        self._turn = itertools.count()
        # When each server failed last; it gets requests again RETRY_AFTER seconds later.
        self._failed_at: dict[str, float] = {}

    @property
    def urls(self) -> tuple[str, ...]:
        return self._urls

    async def parse(self, text: str) -> NluResult:
        """Classify `text`; raise NluUnavailable when no server answers in time or makes sense."""
        error: NluUnavailable | None = None
        for url in self._order():
            try:
                body = await self._parse_at(url, text)
            except _ServerDown as down:
                # Refused, reset or answering 5xx: the next server may well answer at once.
                self._failed_at[url] = self._clock()
                error = NluUnavailable(str(down))
                continue
            except NluUnavailable:
                # Too slow: the person has waited long enough; the next message goes elsewhere first.
                self._failed_at[url] = self._clock()
                raise
            self._failed_at.pop(url, None)
            ranking = topic_ranking(
                (str(item["name"]), float(item["confidence"]))
                for item in body.get("intent_ranking") or []
                if item.get("name")
            )
            if not ranking:
                raise NluUnavailable("NLU server returned no intent ranking")
            return NluResult(ranking)
        assert error is not None
        raise error

    def _order(self) -> list[str]:
        """Return the servers to try: in turn, the healthy ones first, then those that failed lately."""
        start = next(self._turn) % len(self._urls)
        turn = [*self._urls[start:], *self._urls[:start]]
        now = self._clock()
        healthy = [url for url in turn if now - self._failed_at.get(url, -RETRY_AFTER) >= RETRY_AFTER]
        return healthy + [url for url in turn if url not in healthy]

    async def _parse_at(self, url: str, text: str) -> dict[str, Any]:
        try:
            async with self._session.post(
                url + "/model/parse", json={"text": text}, params=self._params, timeout=self._timeout
            ) as response:
                if response.status >= 500:
                    raise _ServerDown(f"NLU server answered HTTP {response.status}")
                if response.status != 200:
                    raise NluUnavailable(f"NLU server answered HTTP {response.status}")
                body = await response.json()
        except asyncio.TimeoutError as error:
            raise NluUnavailable("NLU server did not answer in time") from error
        except aiohttp.ClientError as error:
            raise _ServerDown(f"NLU server unreachable: {type(error).__name__}") from error
        except ValueError as error:
            raise NluUnavailable(f"NLU server answered no JSON: {type(error).__name__}") from error
        if not isinstance(body, dict):
            raise NluUnavailable("NLU server answered no JSON object")
        return body

    async def is_ready(self) -> bool:
        """Return True when at least one server answers and has a model loaded."""
        return any(await asyncio.gather(*(self._is_ready(url) for url in self._urls)))

    async def _is_ready(self, url: str) -> bool:
        try:
            async with self._session.get(
                url + "/status", params=self._params, timeout=aiohttp.ClientTimeout(total=2)
            ) as response:
                if response.status != 200:
                    return False
                body = await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            return False
        return isinstance(body, dict) and bool(body.get("model_file"))


class _ServerDown(Exception):
    """This server cannot answer now; another one may."""


def split_urls(value: str) -> list[str]:
    """Split NLU_URL's comma-separated list of servers."""
    return [url.strip().rstrip("/") for url in value.split(",") if url.strip()]
