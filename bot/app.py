"""The one place that builds the assistant from settings and owns its resources."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from actions.conversations import ConversationStore, InMemoryConversationStore
from actions.dialogue import Dialogue
from actions.inquiries import HandoverStatistics, InquiryRecorder
from actions.reach import Reach
from core.availability import OfficeStateSource
from core.clock import Clock, utc_now
from core.channels import Channels
from core.content import Content
from core.settings import Settings
from handover.desk import HandoverDesk
from monitoring.config import office_hours, retention
from monitoring.recorder import DatabaseInquiryRecorder
from nlu.runtime import RunningNlu, running_nlu
from nlu.understanding import MessageUnderstanding
from storage.db import Database
from storage.migrate import open_database


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
) -> Assistant:
    """Wire the dialogue and everything it reports to around a running understanding and database."""
    conversations = conversations or InMemoryConversationStore()
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
    )
    dialogue = Dialogue(nlu.content, nlu.understanding, conversations, clock, recorder, handovers, office)
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
        clock=clock,
    )


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
        recorder = await stack.enter_async_context(
            DatabaseInquiryRecorder(database, office_hours(nlu.content.schedules), retention=retention(settings), clock=clock)
        )
        yield assemble(nlu, settings, database, conversations, clock=clock, recorder=recorder, office=office)

