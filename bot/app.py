"""The one place that builds the assistant from settings and owns its resources."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from actions.conversation_store import DatabaseConversationStore
from actions.conversations import ConversationStore
from actions.dialogue import Dialogue
from actions.inquiries import HandoverStatistics, InquiryRecorder
from actions.reach import Reach
from accounts.presence import OfficeNow, Presence
from core.availability import OfficeStateSource
from core.clock import Clock, utc_now
from core.flood import Limits, LocalLimits
from core.bus import EventBus, LocalBus
from core.channels import Channels
from core.content import Content
from core.settings import Settings
from handover.desk import HandoverDesk
from monitoring.config import retention
from monitoring.recorder import DatabaseInquiryRecorder
from nlu.runtime import RunningNlu, running_nlu
from nlu.understanding import MessageUnderstanding
from storage.conversation_moves import ConversationMoves
from storage.db import Database
from storage.migrate import open_database
from storage.redis_bus import RedisBus, namespace_of, redis_client
from storage.redis_limits import SharedLimits
from storage.office_calendar import BusSignal, OfficeCalendar, OfficeCalendarStore


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
    # The running channels register here: how replies written later (by staff) and attachments travel.
    channels: Channels
    # How people are reached later: through their channel, unless they cannot be reached.
    reach: Reach
    # Staff take conversations over here.
    handovers: HandoverDesk
    # The office's own closures and notice, and the colleagues present: what people are told follows both.
    calendar: OfficeCalendar
    presence: Presence
    # Live events (handover changes, frames for open chats): this process only, or all over Redis.
    bus: EventBus = field(default_factory=LocalBus)
    # Flood guards and send limits: counted in this process, or for all processes in Redis.
    limits: Limits = field(default_factory=LocalLimits)
    # What every part asks for "now", channels included.
    clock: Clock = utc_now

    @property
    def nlu(self) -> RunningNlu:
        return RunningNlu(self.content, self.understanding, self.nlu_url)


def assemble(
    nlu: RunningNlu,
    settings: Settings,
    database: Database,
    conversations: ConversationStore | None = None,
    clock: Clock = utc_now,
    recorder: InquiryRecorder | None = None,
    handover_statistics: HandoverStatistics | None = None,
    office: OfficeStateSource | None = None,
    bus: EventBus | None = None,
    limits: Limits | None = None,
    calendar: OfficeCalendar | None = None,
    presence: Presence | None = None,
) -> Assistant:
    """Wire the dialogue and everything it reports to around a running understanding and database.

    What people are told about who helps follows `office` if given (a preview), else the office's
    calendar in `database` and the colleagues present.
    """
    if conversations is None:
        conversations = conversation_store(settings, database, clock)
    bus = bus if bus is not None else LocalBus()
    calendar = calendar or OfficeCalendar(OfficeCalendarStore(database), BusSignal(bus))
    presence = presence or Presence(clock, bus=bus)
    office = office or OfficeNow(calendar, presence)
    if handover_statistics is None and isinstance(recorder, HandoverStatistics):
        # The statistics' recorder also takes the handovers' waiting times (monitoring.recorder).
        handover_statistics = recorder
    channels = Channels()
    reach = Reach(conversations, channels)
    handovers = HandoverDesk(
        database,
        channels,
        nlu.content,
        clock,
        statistics=handover_statistics,
        retention=timedelta(days=settings.handover_retention_days),
        outbound=reach,
        office=office,
        bus=bus,
    )
    moves = ConversationMoves(database, clock)
    dialogue = Dialogue(nlu.content, nlu.understanding, conversations, clock, recorder, handovers, office, moves)
    return Assistant(
        settings=settings,
        content=nlu.content,
        understanding=nlu.understanding,
        dialogue=dialogue,
        nlu_url=nlu.url,
        database=database,
        conversations=conversations,
        channels=channels,
        reach=reach,
        handovers=handovers,
        bus=bus,
        limits=limits if limits is not None else LocalLimits(),
        calendar=calendar,
        presence=presence,
        clock=clock,
    )


def conversation_store(settings: Settings, database: Database, clock: Clock = utc_now) -> DatabaseConversationStore:
    """Keep conversation state in the database, forgotten after the settings' retention."""
    return DatabaseConversationStore(database, clock, timedelta(days=settings.conversation_retention_days))


@asynccontextmanager
async def running_assistant(
    settings: Settings,
    database: Database | None = None,
    conversations: ConversationStore | None = None,
    clock: Clock = utc_now,
    office: OfficeStateSource | None = None,
) -> AsyncIterator[Assistant]:
    """Build the whole assistant; open the settings' database unless one is given."""
    async with running_nlu(settings) as nlu, AsyncExitStack() as stack:
        if database is None:
            database = await stack.enter_async_context(open_database(settings.database_url))
        bus, limits = await stack.enter_async_context(shared_state(settings))
        # Closures and presence changed on any process reach this one over the bus (with Redis) at once.
        calendar = await stack.enter_async_context(OfficeCalendar(OfficeCalendarStore(database), BusSignal(bus)).running())
        presence = await stack.enter_async_context(Presence(clock, bus=bus).running())
        # The statistics' "office open" follows the closures the office set, as they stood when counted.
        hours = nlu.content.office.open_hours(office or calendar)
        recorder = await stack.enter_async_context(
            DatabaseInquiryRecorder(database, hours, retention=retention(settings), clock=clock)
        )
        yield assemble(
            nlu,
            settings,
            database,
            conversations,
            clock=clock,
            recorder=recorder,
            office=office,
            calendar=calendar,
            bus=bus,
            limits=limits,
            presence=presence,
        )


@asynccontextmanager
async def shared_state(settings: Settings) -> AsyncIterator[tuple[EventBus, Limits]]:
    """Yield the bus of live events and the limits: over Redis when ASSISTANT_REDIS_URL is set, else in this process."""
    if not settings.redis_url:
        yield LocalBus(), LocalLimits()
        return
    namespace = namespace_of(settings.database_url)
    async with redis_client(settings.redis_url) as client, RedisBus(client, namespace).running() as bus:
        yield bus, SharedLimits(client, namespace)
