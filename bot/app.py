"""The one place that builds the assistant from settings and owns its resources."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from actions.conversations import ConversationStore, InMemoryConversationStore
from actions.dialogue import Dialogue
from actions.inquiries import HandoverStatistics, InquiryRecorder
from core.content import Content, load_content
from core.delivery import Deliveries
from core.errors import ModelNotTrained
from core.media import MediaSources
from core.settings import Settings
from nlu.client import RasaNluClient
from nlu.language import OTHER_LATIN_LANGUAGES, LanguageDetector, LinguaDetector
from nlu.server import RasaServer
from nlu.training import current_model, train
from nlu.understanding import MessageUnderstanding
from handover.desk import HandoverDesk
from monitoring.config import office_hours, retention
from monitoring.recorder import DatabaseInquiryRecorder
from storage.db import Database
from storage.migrate import open_database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Understanding:
    """The content and the understanding of messages (language detection and the NLU server)."""

    content: Content
    understanding: MessageUnderstanding
    nlu_url: str


@dataclass(frozen=True)
class Assistant:
    """The running assistant: content, understanding, dialogue and storage, ready for any channel."""

    settings: Settings
    content: Content
    understanding: MessageUnderstanding
    dialogue: Dialogue
    nlu_url: str
    database: Database
    conversations: ConversationStore
    # Channels register here so replies written later (by staff) reach the person.
    deliveries: Deliveries
    # Staff take conversations over here; channels register here how attachments are fetched.
    handovers: HandoverDesk | None = None
    media: MediaSources = field(default_factory=MediaSources)

    @property
    def runtime(self) -> Understanding:
        return Understanding(self.content, self.understanding, self.nlu_url)


def build_language_detector(content: Content) -> LanguageDetector:
    """Build the detector for the content's languages, taught the words used in its examples."""
    codes = list(content.languages)
    vocabulary: dict[str, list[str]] = {code: [] for code in codes}
    for topic in content.topics.values():
        for code, examples in topic.examples.items():
            vocabulary.setdefault(code, []).extend(examples)
    return LanguageDetector(codes, LinguaDetector([*codes, *OTHER_LATIN_LANGUAGES]), vocabulary, shared_names(content))


def shared_names(content: Content) -> set[str]:
    """Return words that answers in three or more languages use alike: names, not language."""
    seen: dict[str, set[str]] = {}
    for topic in content.topics.values():
        for code, answer in topic.answers.items():
            for word in re.findall(r"[^\W\d_]{4,}", re.sub(r"\{\w+\}", " ", answer).casefold()):
                seen.setdefault(word, set()).add(code)
    return {word for word, codes in seen.items() if len(codes) >= 3}


def utc_now() -> datetime:
    return datetime.now(UTC)


@asynccontextmanager
async def nlu_endpoint(
    settings: Settings, content: Content, session: aiohttp.ClientSession
) -> AsyncIterator[tuple[str, str | None]]:
    """Yield the URL and token of a reachable NLU server, starting one if none is configured or up."""
    if settings.nlu_url:
        probe = RasaNluClient(session, settings.nlu_url, settings.nlu_token, settings.nlu_timeout)
        if await probe.is_ready():
            yield settings.nlu_url, settings.nlu_token
            return
        log.warning("NLU_URL is not reachable; starting a local NLU server instead")
    server = RasaServer(settings.rasa_executable, await _model(settings, content), settings.var_dir / "rasa.log")
    await server.start(session)
    watchdog = asyncio.create_task(server.keep_alive(session))
    try:
        yield server.url, server.token
    finally:
        watchdog.cancel()
        await server.stop()


@asynccontextmanager
async def running_understanding(settings: Settings) -> AsyncIterator[Understanding]:
    """Load the content and reach (or start) the NLU server over one HTTP session; close both after."""
    content = load_content(settings.data_dir)
    detector = build_language_detector(content)
    async with aiohttp.ClientSession() as session, nlu_endpoint(settings, content, session) as (url, token):
        understanding = MessageUnderstanding(
            detector,
            RasaNluClient(session, url, token, settings.nlu_timeout),
            settings.confidence_threshold,
        )
        yield Understanding(content, understanding, url)


def assemble(
    runtime: Understanding,
    settings: Settings,
    database: Database,
    conversations: ConversationStore | None = None,
    clock: Callable[[], datetime] = utc_now,
    recorder: InquiryRecorder | None = None,
    handover_statistics: HandoverStatistics | None = None,
) -> Assistant:
    """Wire the dialogue and everything it reports to around a running understanding and database."""
    conversations = conversations or InMemoryConversationStore()
    if handover_statistics is None and isinstance(recorder, HandoverStatistics):
        # The statistics' recorder also takes the handovers' waiting times (monitoring.recorder).
        handover_statistics = recorder
    deliveries, media = Deliveries(), MediaSources()
    handovers = HandoverDesk(
        database,
        deliveries,
        media,
        runtime.content,
        clock,
        statistics=handover_statistics,
        retention=timedelta(days=settings.handover_retention_days),
    )
    dialogue = Dialogue(runtime.content, runtime.understanding, conversations, clock, recorder, handovers)
    return Assistant(
        settings=settings,
        content=runtime.content,
        understanding=runtime.understanding,
        dialogue=dialogue,
        nlu_url=runtime.nlu_url,
        database=database,
        conversations=conversations,
        deliveries=deliveries,
        handovers=handovers,
        media=media,
    )


@asynccontextmanager
async def running_assistant(
    settings: Settings,
    database: Database | None = None,
    conversations: ConversationStore | None = None,
) -> AsyncIterator[Assistant]:
    """Build the whole assistant; open the settings' database unless one is given."""
    async with running_understanding(settings) as runtime, AsyncExitStack() as stack:
        if database is None:
            database = await stack.enter_async_context(open_database(settings.database_url))
        recorder = await stack.enter_async_context(
            DatabaseInquiryRecorder(database, office_hours(runtime.content.schedules), retention=retention(settings))
        )
        yield assemble(runtime, settings, database, conversations, recorder=recorder)


async def _model(settings: Settings, content: Content) -> Path:
    try:
        return current_model(settings, content)
    except ModelNotTrained:
        log.warning("no model for the current content yet; training one (this takes a few minutes)")
        return await asyncio.to_thread(train, settings, content)
