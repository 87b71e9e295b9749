"""The NLU client over several servers: requests spread over them, and one that dies is passed over."""

from __future__ import annotations

import aiohttp
import pytest

from core.errors import NluUnavailable
from nlu.client import RasaNluClient
from tests.fakes.nlu import FakeNlu, serve_fake_nlu

RULES = {"hours": "office_hours"}


async def test_requests_spread_over_every_server_and_fail_over_when_one_dies() -> None:
    first, second = FakeNlu(RULES), FakeNlu(RULES)
    async with serve_fake_nlu(first) as one, serve_fake_nlu(second) as two, aiohttp.ClientSession() as session:
        client = RasaNluClient(session, f"{one}, {two}/", "fake-token", timeout=2.0)
        assert client.urls == (one, two)
        assert await client.is_ready()
        for _ in range(10):
            assert (await client.parse("hours?")).best.topic == "office_hours"
        assert (first.requests, second.requests) == (5, 5)

        first.available = False  # answers 503, as a server that is going down
        for _ in range(10):
            assert (await client.parse("hours?")).best.topic == "office_hours"
        assert second.requests == 15, "every request was answered by the live server"
        assert await client.is_ready()

        second.available = False
        with pytest.raises(NluUnavailable):
            await client.parse("hours?")
        assert not await client.is_ready()

        first.available = second.available = True
        assert (await client.parse("hours?")).best.topic == "office_hours", "servers come back"


async def test_a_server_that_refuses_connections_is_passed_over() -> None:
    live = FakeNlu(RULES)
    async with serve_fake_nlu(live) as url, aiohttp.ClientSession() as session:
        # Nothing listens on the discard port.
        client = RasaNluClient(session, f"http://127.0.0.1:9,{url}", "fake-token", timeout=2.0)
        results = [await client.parse("hours?") for _ in range(6)]
        assert all(result.best.topic == "office_hours" for result in results)
        assert live.requests == 6
