"""Web chat transcripts: kept per session in order, capped, and deleted after the retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.messages import Button
from storage.db import Database
from storage.web_chat import KEEP_LINES, Author, TranscriptLine, Transcripts, WebChatLine

ASKED = TranscriptLine(Author.PERSON, "متى يفتح المكتب؟")
ANSWERED = TranscriptLine(Author.ASSISTANT, "المكتب مغلق الآن.", "ar", True, (Button("الموقع", "topic:location"),))


class Clock:
    """A clock the test moves forward."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 21, 40, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_a_session_reads_back_its_own_lines_in_order(database: Database) -> None:
    transcripts = Transcripts(database, timedelta(hours=24))
    await transcripts.append("a" * 64, ASKED)
    await transcripts.append("b" * 64, TranscriptLine(Author.PERSON, "someone else"))
    await transcripts.append("a" * 64, ANSWERED)
    assert await transcripts.history("a" * 64) == [ASKED, ANSWERED]
    assert await transcripts.history("c" * 64) == []


async def test_text_is_deleted_once_the_retention_after_the_last_activity_has_passed(database: Database) -> None:
    clock = Clock()
    transcripts = Transcripts(database, timedelta(hours=24), clock)
    await transcripts.append("old" + "0" * 61, ASKED)
    clock.now += timedelta(hours=23)
    await transcripts.append("new" + "0" * 61, ASKED)
    clock.now += timedelta(hours=2)
    # Past the retention it is not shown even before the clean-up ran.
    assert await transcripts.history("old" + "0" * 61) == []
    assert not await transcripts.is_active("old" + "0" * 61)
    assert await transcripts.forget_inactive() == ["old" + "0" * 61]
    assert await transcripts.history("new" + "0" * 61) == [ASKED]
    async with database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(WebChatLine)) == 1


async def test_a_session_keeps_only_its_newest_lines(database: Database) -> None:
    transcripts = Transcripts(database, timedelta(hours=24))
    for number in range(KEEP_LINES + 5):
        await transcripts.append("a" * 64, TranscriptLine(Author.PERSON, str(number)))
    history = await transcripts.history("a" * 64)
    assert len(history) == KEEP_LINES and history[0].text == "5" and history[-1].text == str(KEEP_LINES + 4)
