"""The web chat's transcripts: kept per browser session so a reload shows the conversation, then deleted."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Boolean, ColumnElement, ForeignKey, Index, Select, String, Text, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utc_now
from core.messages import Button
from storage.db import Base, Database, insert_unless_present

# A reload shows at most this many lines; older ones are deleted as new ones arrive.
KEEP_LINES = 200
# Sessions are deleted in batches, within the databases' limits on parameters per statement.
_BATCH = 400


class Author(StrEnum):
    """Who wrote a line of the transcript."""

    PERSON = "person"
    ASSISTANT = "assistant"
    STAFF = "staff"


class WebChatSession(Base):
    """One browser's chat; the id is a digest of its cookie, so the table cannot be used to take one over."""

    __tablename__ = "web_chat_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime]
    last_active_at: Mapped[datetime] = mapped_column(index=True)


class WebChatLine(Base):
    """One message of a web chat, kept only until the retention after the session's last activity."""

    __tablename__ = "web_chat_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("web_chat_sessions.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    rtl: Mapped[bool] = mapped_column(Boolean, default=False)
    # JSON list of [label, payload] pairs.
    buttons: Mapped[str] = mapped_column(Text, default="[]")
    # A line delivered from elsewhere (a staff reply) carries its sender's key, so delivering it again adds nothing.
    delivery_key: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ux_web_chat_lines_delivery", "session_id", "delivery_key", unique=True),)


@dataclass(frozen=True)
class TranscriptLine:
    """A line as the chat shows it."""

    author: Author
    text: str
    language: str | None = None
    rtl: bool = False
    buttons: tuple[Button, ...] = ()


# The sessions to keep past their retention, given the cutoff: e.g. those whose handover to staff is
# open or ended after the cutoff (handover.store.held_conversations), so staff replies still reach them.
Held = Callable[[datetime], Select[tuple[str]]]


class Transcripts:
    """Store, read and expire web chat transcripts."""

    def __init__(
        self,
        database: Database,
        retention: timedelta,
        clock: Callable[[], datetime] = utc_now,
        held: Held | None = None,
    ) -> None:
        self._database = database
        self._retention = retention
        self._clock = clock
        self._held = held

    async def history(self, session_id: str) -> list[TranscriptLine]:
        """Return a session's lines, oldest first; nothing once its retention has passed."""
        async with self._database.sessions() as session:
            if not await self._kept(session_id):
                return []
            rows = await session.scalars(
                select(WebChatLine).where(WebChatLine.session_id == session_id).order_by(WebChatLine.id)
            )
            return [_line(row) for row in rows]

    async def earlier(self, session_id: str, before: datetime) -> list[tuple[datetime, TranscriptLine]]:
        """Return the lines written before `before`, with their times, while the session is kept."""
        async with self._database.sessions() as session:
            chat = await session.get(WebChatSession, session_id)
            if chat is None or chat.last_active_at < self._cutoff():
                return []
            rows = await session.scalars(
                select(WebChatLine)
                .where(WebChatLine.session_id == session_id, WebChatLine.at < before)
                .order_by(WebChatLine.id)
            )
            return [(row.at, _line(row)) for row in rows]

    async def is_active(self, session_id: str) -> bool:
        """Tell whether a session exists and is within its retention (someone may still read it)."""
        return await self._kept(session_id)

    async def is_held(self, session_id: str) -> bool:
        """Tell whether a session is kept past its retention now (e.g. it waits for staff's reply)."""
        if self._held is None:
            return False
        async with self._database.sessions() as session:
            found = await session.scalar(
                select(WebChatSession.id).where(WebChatSession.id == session_id, WebChatSession.id.in_(self._held(self._cutoff())))
            )
            return found is not None

    async def _kept(self, session_id: str) -> bool:
        async with self._database.sessions() as session:
            found = await session.scalar(
                select(WebChatSession.id).where(WebChatSession.id == session_id, self._live(self._cutoff()))
            )
            return found is not None

    def _live(self, cutoff: datetime) -> ColumnElement[bool]:
        recent = WebChatSession.last_active_at >= cutoff
        return recent if self._held is None else or_(recent, WebChatSession.id.in_(self._held(cutoff)))

    async def append(self, session_id: str, line: TranscriptLine, delivery_key: str | None = None) -> bool:
        """Add a line, start the session if new, and count it as the session's latest activity.

        Return False, adding nothing, when a line with the same `delivery_key` is already there.
        """
        now = self._clock()
        try:
            async with self._database.sessions() as session, session.begin():
                await session.execute(
                    insert_unless_present(
                        WebChatSession, self._database.engine.dialect, id=session_id, started_at=now, last_active_at=now
                    )
                )
                await session.execute(
                    update(WebChatSession).where(WebChatSession.id == session_id).values(last_active_at=now)
                )
                session.add(
                    WebChatLine(
                        session_id=session_id,
                        at=now,
                        author=line.author.value,
                        text=line.text,
                        language=line.language,
                        rtl=line.rtl,
                        buttons=json.dumps([[b.label, b.payload] for b in line.buttons], ensure_ascii=False),
                        delivery_key=delivery_key,
                    )
                )
                await session.flush()
                newest = (
                    select(WebChatLine.id)
                    .where(WebChatLine.session_id == session_id)
                    .order_by(WebChatLine.id.desc())
                    .limit(KEEP_LINES)
                )
                await session.execute(
                    delete(WebChatLine).where(WebChatLine.session_id == session_id, WebChatLine.id.not_in(newest))
                )
        except IntegrityError:
            if delivery_key is None:
                raise
            return False  # delivered before (e.g. just before a crash): once is enough
        return True

    async def forget(self, session_id: str) -> int:
        """Erase a chat's transcript and session now (the person asked for it); return how many lines went."""
        async with self._database.sessions() as session, session.begin():
            result = await session.execute(delete(WebChatLine).where(WebChatLine.session_id == session_id))
            await session.execute(delete(WebChatSession).where(WebChatSession.id == session_id))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def forget_inactive(self) -> list[str]:
        """Delete every session (and its text) whose last activity is older than the retention; return their ids."""
        cutoff = self._cutoff()
        async with self._database.sessions() as session, session.begin():
            stale = list(await session.scalars(select(WebChatSession.id).where(~self._live(cutoff))))
            for start in range(0, len(stale), _BATCH):
                batch = stale[start : start + _BATCH]
                # SQLite does not cascade without PRAGMA foreign_keys, so the lines go first, explicitly.
                await session.execute(delete(WebChatLine).where(WebChatLine.session_id.in_(batch)))
                await session.execute(delete(WebChatSession).where(WebChatSession.id.in_(batch)))
        return stale

    def _cutoff(self) -> datetime:
        return self._clock() - self._retention


def _line(row: WebChatLine) -> TranscriptLine:
    try:
        pairs = json.loads(row.buttons or "[]")
        buttons = tuple(Button(str(label), str(payload)) for label, payload in pairs)
    except (ValueError, TypeError):
        buttons = ()
    return TranscriptLine(Author(row.author), row.text, row.language, row.rtl, buttons)
