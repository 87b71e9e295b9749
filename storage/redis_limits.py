"""Limits shared by every process through Redis: paced sending (Telegram's limits) and flood guards.

Each decision is one Lua script run atomically on the Redis server, on the server's clock, so
processes on several machines count together and agree on time. Senders are stored by a digest,
never by their chat id.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Callable, Hashable

from redis.asyncio import Redis

from core.flood import Admission

# Generic cell rate algorithm, twice per key. "reserve": each caller is given its own turn at once
# (the key's theoretical arrival time moves on by one interval) and told how many ms away it is;
# it sleeps to it instead of asking again for every turn, so N waiters cost about 2N calls, not
# N per turn, and no turn is lost when its waiter wakes a little late on a busy machine. "go": the
# same pace checked on when requests really go (`<key>:go`), so waiters that a stalled event loop
# wakes together still go one interval apart. A request with no wait passes both in one call.
# While a hold-off (Telegram's retry_after) is set, nothing is reserved or let go: the answer is
# the hold's remaining ms, negated. Waits are rounded up: Redis turns a Lua number into an integer
# by cutting it, and a wait of 0.7 ms read as 0 would let a request go early.
_PACE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local held = tonumber(redis.call('PTTL', KEYS[2]))
if held > 0 then return -held end
local interval = tonumber(ARGV[1])
if interval <= 0 then return 0 end
local tolerance = interval * tonumber(ARGV[2])
if ARGV[3] == 'reserve' then
  local tat = tonumber(redis.call('GET', KEYS[1]) or now)
  if tat < now then tat = now end
  redis.call('SET', KEYS[1], tat + interval, 'PX', math.ceil(tat - now + 2 * interval))
  if tat - tolerance > now then return math.ceil(tat - tolerance - now) end
end
local went = tonumber(redis.call('GET', KEYS[3]) or now)
if went < now then went = now end
if went - tolerance > now then return math.ceil(went - tolerance - now) end
redis.call('SET', KEYS[3], went + interval, 'PX', math.ceil(went - now + 2 * interval))
return 0
"""

# The flood guard of core.flood, counted for all processes: arrivals in the window as a sorted set.
_FLOOD = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local most = tonumber(ARGV[2])
local hang_up = tonumber(ARGV[3])
local at = now
if ARGV[5] ~= '' then at = math.min(tonumber(ARGV[5]), now) end
local newest = at
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] and tonumber(last[2]) > newest then newest = tonumber(last[2]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', newest - window)
redis.call('ZADD', KEYS[1], at, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
local count = redis.call('ZCARD', KEYS[1])
if count <= most then
  redis.call('DEL', KEYS[2])
  return 'answer'
end
if hang_up > 0 and count >= hang_up then return 'hang_up' end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', window) then return 'slow_down' end
return 'skip'
"""


def digest(key: Hashable) -> str:
    """Name a sender or chat in Redis without its id."""
    return hashlib.sha256(repr(key).encode()).hexdigest()[:24]


class SharedPace:
    """Pace requests by key across processes: `rate` per `period` seconds after a burst; hold all off on request."""

    def __init__(self, client: Redis, namespace: str) -> None:
        self._client = client
        self._namespace = namespace
        self._pace = client.register_script(_PACE)

    async def wait(self, key: str | None, rate: float = 0.0, period: float = 1.0, burst: int = 1) -> float:
        """Wait until a request under `key` may go (None: only a hold-off); return how long that was, in seconds."""
        interval = period * 1000 / rate if key is not None and rate > 0 else 0
        name = f"{self._namespace}:pace:{key or '-'}"
        keys = [name, f"{self._namespace}:hold", f"{name}:go"]
        step = "reserve"
        waited = 0.0
        while True:
            answer = int(await self._pace(keys=keys, args=[interval, max(burst - 1, 0), step]))
            if answer == 0:
                return waited
            # Held off: ask for a new turn when the hold ends (a turn that fell into it is given up).
            # Otherwise our turn is `answer` ms away (or the request before us went late): then go.
            step = "reserve" if answer < 0 else "go"
            await asyncio.sleep(abs(answer) / 1000)
            waited += abs(answer) / 1000

    async def hold_off(self, seconds: float) -> None:
        """Stop every process's requests for `seconds` from now (Telegram's retry_after), unless held longer."""
        key = f"{self._namespace}:hold"
        milliseconds = max(1, int(seconds * 1000))
        # Only ever lengthen a hold: GT needs Redis 7; compare by hand instead.
        current = await self._client.pttl(key)
        if current < milliseconds:
            await self._client.set(key, "1", px=milliseconds)


class SharedFloodGuard:
    """core.flood.FloodGuard, counted in Redis so every process sees a sender's messages."""

    def __init__(
        self,
        client: Redis,
        namespace: str,
        max_messages: int = 10,
        window: float = 10.0,
        hang_up_after: int | None = None,
    ) -> None:
        self._namespace = namespace
        self._max = max_messages
        self._window_ms = int(window * 1000)
        self._hang_up_after = max(hang_up_after, max_messages + 1) if hang_up_after else 0
        self._flood = client.register_script(_FLOOD)

    async def check(self, sender: Hashable, sent_at: float | None = None) -> Admission:
        """Count a message from `sender` (in every process) and say what to do with it.

        `sent_at` (Unix time) is when the person sent it, where the channel knows it: a backlog
        delivered at once after an outage is then no flood.
        """
        key = digest(sender)
        decision = await self._flood(
            keys=[f"{self._namespace}:flood:{key}", f"{self._namespace}:warned:{key}"],
            args=[
                self._window_ms, self._max, self._hang_up_after, secrets.token_hex(8),
                "" if sent_at is None else int(sent_at * 1000),
            ],
        )
        return Admission(decision.decode() if isinstance(decision, bytes) else decision)


class SharedLimits:
    """Limits counted in Redis for every process of the assistant."""

    def __init__(self, client: Redis, namespace: str) -> None:
        self._client = client
        self._namespace = namespace
        self.pace = SharedPace(client, namespace)

    def flood_guard(
        self,
        scope: str,
        max_messages: int,
        window: float,
        hang_up_after: int | None = None,
        clock: Callable[[], float] | None = None,
    ) -> SharedFloodGuard:
        # Counted on Redis's clock (Unix time), which a `sent_at` must be on: `clock` is not needed.
        return SharedFloodGuard(self._client, f"{self._namespace}:{scope}", max_messages, window, hang_up_after)
