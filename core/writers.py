"""Background writers keyed by what they write (a chat, a conversation): wait for them, or stop them at shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Mapping


async def settled(writers: Mapping[Hashable, asyncio.Task[None]]) -> None:
    """Wait until no writer is left (each removes itself from `writers` when its work is done)."""
    while writers:
        await asyncio.gather(*list(writers.values()), return_exceptions=True)


async def stop(writers: Mapping[Hashable, asyncio.Task[None]], timeout: float) -> None:
    """Give the writers `timeout` seconds to finish, then cancel the ones still at work."""
    try:
        await asyncio.wait_for(settled(writers), timeout)
    except TimeoutError:
        pass
    for writer in list(writers.values()):
        writer.cancel()
    await asyncio.gather(*list(writers.values()), return_exceptions=True)
