"""Run understanding: build the language detector, reach (or start) the Rasa server, own its HTTP session."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from core.content import Content, load_content
from core.errors import ModelNotTrained
from core.settings import Settings
from nlu.client import RasaNluClient, split_urls
from nlu.language import OTHER_LATIN_LANGUAGES, LanguageDetector, LinguaDetector
from nlu.server import RasaServer
from nlu.training import current_model, romanised_examples, train
from nlu.understanding import MessageUnderstanding

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunningNlu:
    """The content, the understanding of messages built from it, and the NLU server it asks."""

    content: Content
    understanding: MessageUnderstanding
    url: str


def build_language_detector(content: Content) -> LanguageDetector:
    """Build the detector for the content's languages, taught the words used in its examples."""
    codes = list(content.languages)
    vocabulary: dict[str, list[str]] = {code: [] for code in codes}
    romanised: dict[str, list[str]] = {}
    for topic in content.topics.values():
        for examples in (topic.examples, *(variant.examples for variant in topic.variants.values())):
            for code, texts in examples.items():
                vocabulary.setdefault(code, []).extend(texts)
        for code, texts in romanised_examples(topic).items():
            romanised.setdefault(code, []).extend(texts)
    statistical = LinguaDetector([*codes, *OTHER_LATIN_LANGUAGES])
    return LanguageDetector(codes, statistical, vocabulary, shared_names(content), romanised)


def shared_names(content: Content) -> set[str]:
    """Return words that answers in three or more languages use alike: names, not language."""
    seen: dict[str, set[str]] = {}
    for topic in content.topics.values():
        for code, answer in topic.answers.items():
            for word in re.findall(r"[^\W\d_]{4,}", re.sub(r"\{\w+\}", " ", answer).casefold()):
                seen.setdefault(word, set()).add(code)
    return {word for word, codes in seen.items() if len(codes) >= 3}


@asynccontextmanager
async def nlu_endpoint(
    settings: Settings, content: Content, session: aiohttp.ClientSession
) -> AsyncIterator[tuple[str, str | None]]:
    """Yield the URL(s) and token of reachable NLU servers, starting one if none is configured or up."""
    if settings.nlu_url and split_urls(settings.nlu_url):
        # NLU_URL may list several servers; the client spreads requests over those that answer.
        probe = RasaNluClient(session, settings.nlu_url, settings.nlu_token, settings.nlu_timeout)
        if await probe.is_ready():
            yield settings.nlu_url, settings.nlu_token
            return
        log.warning("no server of NLU_URL is reachable; starting a local NLU server instead")
    server = RasaServer(settings.rasa_executable, await _model(settings, content), settings.var_dir / "rasa.log")
    await server.start(session)
    watchdog = asyncio.create_task(server.keep_alive(session))
    try:
        yield server.url, server.token
    finally:
        watchdog.cancel()
        await server.stop()


@asynccontextmanager
async def running_nlu(settings: Settings) -> AsyncIterator[RunningNlu]:
    """Load the content and reach (or start) the NLU server over one HTTP session; close both after."""
    content = load_content(settings.data_dir)
    detector = build_language_detector(content)
    async with aiohttp.ClientSession() as session, nlu_endpoint(settings, content, session) as (url, token):
        understanding = MessageUnderstanding(
            detector,
            RasaNluClient(session, url, token, settings.nlu_timeout),
            settings.confidence_threshold,
        )
        yield RunningNlu(content, understanding, url)


async def _model(settings: Settings, content: Content) -> Path:
    try:
        return current_model(settings, content)
    except ModelNotTrained:
        log.warning("no model for the current content yet; training one (this takes a few minutes)")
        return await asyncio.to_thread(train, settings, content)
