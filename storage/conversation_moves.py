"""Single-use, expiring tokens that move a conversation to another channel ("continue on Telegram").

The token goes into a link (https://t.me/<bot>?start=<token>); it is random and says nothing about
the person. Only its digest is stored, with the conversation it moves, until it is used or expires.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utc_now
from core.messages import ConversationKey
from storage.db import Base, Database

# Long enough to open Telegram (perhaps install it) and press Start; a new visit offers a new link.
DEFAULT_LIFETIME = timedelta(hours=2)
# Telegram's deep links carry at most 64 characters of A-Z, a-z, 0-9, _ and -.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


class ConversationMove(Base):
    """An offer to move one conversation, kept under the digest of its token until used or expired."""

    __tablename__ = "conversation_moves"

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ConversationMoves:
    """Offer a conversation's move with a fresh token, and redeem a token once."""

    def __init__(
        self, database: Database, clock: Callable[[], datetime] = utc_now, lifetime: timedelta = DEFAULT_LIFETIME
    ) -> None:
        self._database = database
        self._clock = clock
        self.lifetime = lifetime

    async def offer(self, source: ConversationKey) -> str:
        """Return a new token that moves `source`; an earlier offer for it stops working."""
        token = secrets.token_urlsafe(24)
        now = self._clock()
        async with self._database.sessions() as session, session.begin():
            await session.execute(delete(ConversationMove).where(ConversationMove.expires_at <= now))
            await session.execute(
                delete(ConversationMove).where(
                    ConversationMove.channel == source.channel, ConversationMove.conversation_id == source.conversation_id
                )
            )
            session.add(
                ConversationMove(
                    token_digest=_digest(token),
                    channel=source.channel,
                    conversation_id=source.conversation_id,
                    expires_at=now + self.lifetime,
                )
            )
        return token

    async def redeem(self, token: str) -> ConversationKey | None:
        """Use a token: return the conversation it moves, once; None when unknown, used or expired."""
        if not _TOKEN.fullmatch(token):
            return None
        async with self._database.sessions() as session, session.begin():
            row = await session.scalar(
                select(ConversationMove).where(ConversationMove.token_digest == _digest(token)).with_for_update()
            )
            if row is None:
                return None
            # Deleted in the same transaction it is read in: a second use (or a race) finds nothing.
            deleted = await session.execute(
                delete(ConversationMove).where(ConversationMove.token_digest == row.token_digest)
            )
            if int(deleted.rowcount) != 1 or row.expires_at <= self._clock():  # type: ignore[attr-defined]
                return None
            return ConversationKey(row.channel, row.conversation_id)

    async def withdraw(self, source: ConversationKey) -> None:
        """Forget any offer for `source` (its chat was deleted)."""
        async with self._database.sessions() as session, session.begin():
            await session.execute(
                delete(ConversationMove).where(
                    ConversationMove.channel == source.channel, ConversationMove.conversation_id == source.conversation_id
                )
            )


def looks_like_token(text: str) -> bool:
    """Tell whether a /start argument has the shape of a move token (before asking the database)."""
    return bool(_TOKEN.fullmatch(text))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
