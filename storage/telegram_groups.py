"""Which Telegram groups were already told that the assistant only talks in private chats."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import BigInteger, delete
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utc_now
from storage.db import Base, Database, insert_unless_present


class TelegramGroupNotice(Base):
    """A group the assistant has told once that it stays quiet there."""

    __tablename__ = "telegram_group_notices"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    told_at: Mapped[datetime]


class GroupNotices:
    """Remember told groups across restarts, so each group hears the notice once."""

    def __init__(self, database: Database, clock: Callable[[], datetime] = utc_now) -> None:
        self._database = database
        self._clock = clock

    async def first_time(self, chat_id: int) -> bool:
        """Record that the group is being told; return False if it was told before."""
        async with self._database.sessions() as session, session.begin():
            statement = insert_unless_present(
                TelegramGroupNotice, self._database.engine.dialect, chat_id=chat_id, told_at=self._clock()
            )
            result = await session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def forget(self, chat_id: int) -> None:
        """Forget a group the assistant left, so it is told again if added again."""
        async with self._database.sessions() as session, session.begin():
            await session.execute(delete(TelegramGroupNotice).where(TelegramGroupNotice.chat_id == chat_id))
