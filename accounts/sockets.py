"""The open websockets of each login session, so that ending a session closes them at once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiohttp import WSCloseCode, web


class SessionSockets:
    """Websockets filed under the digest of the login session that opened them (this process only)."""

    def __init__(self) -> None:
        self._open: dict[str, set[web.WebSocketResponse]] = {}

    def add(self, digest: str, socket: web.WebSocketResponse) -> None:
        self._open.setdefault(digest, set()).add(socket)

    def remove(self, digest: str, socket: web.WebSocketResponse) -> None:
        sockets = self._open.get(digest)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self._open[digest]

    def count(self, digest: str | None = None) -> int:
        if digest is not None:
            return len(self._open.get(digest, ()))
        return sum(len(sockets) for sockets in self._open.values())

    async def close(self, digests: Iterable[str], reason: bytes = b"logged out") -> int:
        """Close every socket of these sessions (logout, password change, account removed); return how many."""
        sockets = [socket for digest in set(digests) for socket in self._open.pop(digest, set())]
        await asyncio.gather(
            *(socket.close(code=WSCloseCode.POLICY_VIOLATION, message=reason) for socket in sockets),
            return_exceptions=True,
        )
        return len(sockets)

    async def close_all(self) -> None:
        """Close every socket (the app stops)."""
        await self.close(list(self._open), b"server stopping")
