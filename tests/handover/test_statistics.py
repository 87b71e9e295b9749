"""What the anonymous statistics learn of a handover: outcomes and a waiting time, never who or what."""

from __future__ import annotations

from dataclasses import dataclass, field

from actions.inquiries import HandledMessage, HandoverWait, Outcome
from bot.app import Assistant, assemble
from core.messages import ConversationKey, Message
from core.settings import Settings
from handover.views import StaffMember
from storage.db import Database
from tests.handover.conftest import THURSDAY_AFTERNOON, Clock, RecordingOutbound

KEY = ConversationKey("test", "statistics")


@dataclass
class Recorder:
    """Like monitoring's recorder: the dialogue's InquiryRecorder and the desk's HandoverStatistics."""

    handled: list[HandledMessage] = field(default_factory=list)
    waits: list[HandoverWait] = field(default_factory=list)

    async def record(self, handled: HandledMessage) -> None:
        self.handled.append(handled)

    async def record_wait(self, wait: HandoverWait) -> None:
        self.waits.append(wait)


async def test_one_recorder_counts_the_request_the_forwarded_messages_and_the_wait(
    wiring_assistant: Assistant, base_settings: Settings, sqlite_database: Database
) -> None:
    recorder = Recorder()
    clock = Clock(THURSDAY_AFTERNOON)
    assistant = assemble(wiring_assistant.nlu, base_settings, sqlite_database, clock=clock, recorder=recorder)
    assistant.channels.register(RecordingOutbound())
    assert await assistant.dialogue.handle(Message(KEY, text="a person please")) is not None
    assert await assistant.dialogue.handle(Message(KEY, text="What are your hours?")) is None
    desk = assistant.handovers
    assert desk is not None
    [handover] = await desk.active()
    await desk.reply(handover.id, StaffMember("account:1", "Olga"), "Hello!", key="k")
    await desk.settled()
    assert [(m.outcome, m.topic, m.language) for m in recorder.handled] == [
        (Outcome.HANDOVER_REQUESTED, "human_handover", "en"),
        (Outcome.HANDED_OVER, None, "en"),
    ]
    [wait] = recorder.waits
    assert (wait.channel, wait.language) == ("test", "en")
