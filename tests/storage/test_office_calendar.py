"""The office's calendar in the database (SQLite and PostgreSQL), and how fast every reader sees a change."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time

from core.availability import Closure, Notice
from storage.db import Database
from storage.office_calendar import BusSignal, LocalSignal, OfficeCalendar, OfficeCalendarStore
from storage.redis_bus import RedisBus
from tests.storage.redis_server import fresh_namespace, redis_client

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DAY = date(2026, 11, 26)


async def test_closures_and_the_notice_are_kept_with_who_changed_what(database: Database) -> None:
    store = OfficeCalendarStore(database)
    await store.close_day(Closure(DAY, "team_training", "Fortbildung Aufenthaltsrecht"), "Olga", NOW)
    await store.close_day(Closure(DAY, "staff_shortage"), "Jonas", NOW)  # the same day again: changed, not doubled
    notice = Notice("opens_later_today", date(2026, 12, 1), date(2026, 12, 1), time(11, 0))
    await store.set_notice(notice, "Olga", NOW)
    state = await store.state()
    assert state.closures == {DAY: Closure(DAY, "staff_shortage", "")}
    assert state.notice == notice
    [entry] = await store.closures(date(2026, 11, 1))
    assert (entry.set_by, entry.set_at) == ("Jonas", NOW)
    assert await store.closures(date(2026, 11, 27)) == []
    assert await store.open_day(DAY, "Olga", NOW)
    assert not await store.open_day(DAY, "Olga", NOW)
    await store.set_notice(None, "Jonas", NOW)
    assert await store.state() == type(state)()
    history = [(change.by, change.change) for change in await store.history()]
    assert history == [
        ("Jonas", "Hinweis entfernt"),
        ("Olga", "26.11.2026 wieder geöffnet"),
        ("Olga", "Hinweis opens_later_today 11:00: 01.12.2026–01.12.2026"),
        ("Jonas", "26.11.2026 geändert: staff_shortage"),
        ("Olga", "26.11.2026 geschlossen: team_training – Fortbildung Aufenthaltsrecht"),
    ]


async def test_a_change_reaches_every_reader_at_once_through_the_signal(database: Database) -> None:
    signal = LocalSignal()
    writer = OfficeCalendar(OfficeCalendarStore(database), signal, refresh_every=3600)
    reader = OfficeCalendar(OfficeCalendarStore(database), signal, refresh_every=3600)
    async with writer.running(), reader.running():
        await writer.close_day(Closure(DAY, "office_event"), "Olga", NOW)
        assert DAY in writer.current().closures  # the writer's own process: at once
        for _ in range(100):  # the other reader: as soon as its follower ran
            if DAY in reader.current().closures:
                break
            await asyncio.sleep(0.02)
        assert reader.current().closures[DAY].reason == "office_event"


async def test_without_a_signal_a_change_shows_after_the_refresh_interval(database: Database) -> None:
    elsewhere = OfficeCalendarStore(database)  # another process writing, with no signal between them
    reader = OfficeCalendar(OfficeCalendarStore(database), refresh_every=0.2)
    async with reader.running():
        await elsewhere.close_day(Closure(DAY, "bridge_day"), "Olga", NOW)
        assert DAY not in reader.current().closures
        await asyncio.sleep(0.5)
        assert DAY in reader.current().closures


async def test_over_redis_a_change_on_one_process_is_read_by_the_other_at_once(database: Database) -> None:
    namespace = fresh_namespace()
    async with redis_client() as one, redis_client() as two:
        here, there = RedisBus(one, namespace), RedisBus(two, namespace)
        async with here.running(), there.running():
            writer = OfficeCalendar(OfficeCalendarStore(database), BusSignal(here), refresh_every=3600)
            reader = OfficeCalendar(OfficeCalendarStore(database), BusSignal(there), refresh_every=3600)
            async with writer.running(), reader.running():
                started = asyncio.get_running_loop().time()
                await writer.close_day(Closure(DAY, "team_training"), "Olga", NOW)
                while DAY not in reader.current().closures:
                    assert asyncio.get_running_loop().time() - started < 1.0, "not read within 1 s (polling is hourly here)"
                    await asyncio.sleep(0.01)
                await writer.set_notice(None, "Olga", NOW)
                await writer.open_day(DAY, "Olga", NOW)
                while DAY in reader.current().closures:
                    assert asyncio.get_running_loop().time() - started < 2.0
                    await asyncio.sleep(0.01)
