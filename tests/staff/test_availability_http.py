"""The office sets closures, the notice and presence in the staff app; every channel follows at once."""

from __future__ import annotations

import asyncio
from datetime import date

import aiohttp

from accounts.service import AccountService
from core.content import Content
from core.localise import localise_digits
from tests.fakes.telegram_api import Person
from tests.handover.conftest import StaffedBot
from tests.staff.conftest import Colleague, base_url, log_in

OLENA = Person(1001, "Olena", "uk")
AHMAD = Person(1002, "Ahmad", "ar")
IRYNA = Person(1003, "Iryna", "uk")
# The test clock's day: Thursday 26 November 2026, 15:00, within both teams' hours.
TODAY = date(2026, 11, 26)
# The fake NLU takes "hours" for office_hours; the rest of the message sets the language.
UK_HOURS = "hours? Коли ви відкриті?"
AR_HOURS = "hours? متى تفتحون؟"


async def ask(bot: StaffedBot, person: Person, text: str, count: int) -> str:
    bot.api.send_text(person, text)
    return str((await bot.api.wait_for_messages(person.user_id, count))[-1]["text"])


async def test_a_closure_set_by_staff_is_told_at_once_with_its_reason(bot: StaffedBot, olga: Colleague, content: Content) -> None:
    assert (await ask(bot, OLENA, UK_HOURS, 1)).startswith(content.office_text("open_now", "uk").format(until="17:00"))
    async with await olga.post("/staff/availability/closures", day=TODAY.isoformat(), reason="team_training", note="Fortbildung") as response:
        assert response.status == 200, await response.text()
    told = await ask(bot, OLENA, UK_HOURS, 2)
    assert told.startswith(content.office_text("closed_today", "uk").format(reason=content.closure_reason("team_training", "uk")))
    assert "Fortbildung" not in told, "the note is for colleagues only"
    async with olga.http.get(f"{olga.base}/staff/availability") as page:
        html = await page.text()
    assert "Fortbildung des Teams" in html and "Olga" in html and "26.11.2026 geschlossen: team_training – Fortbildung" in html
    async with await olga.post("/staff/availability/closures/remove", day=TODAY.isoformat()) as response:
        assert response.status == 200
    assert (await ask(bot, OLENA, UK_HOURS, 3)).startswith(content.office_text("open_now", "uk").format(until="17:00"))


async def test_a_notice_shows_above_answers_in_the_persons_language(bot: StaffedBot, olga: Colleague, content: Content) -> None:
    async with await olga.post(
        "/staff/availability/notice", template="closes_earlier_today", time="16:00", first_day=TODAY.isoformat(), last_day=TODAY.isoformat()
    ) as response:
        assert response.status == 200, await response.text()
    notice = localise_digits(content.notice_text("closes_earlier_today", "ar").format(time="16:00"), "ar")
    assert (await ask(bot, AHMAD, AR_HOURS, 1)).startswith(notice)
    async with await olga.post("/staff/availability/notice/clear") as response:
        assert response.status == 200
    assert notice not in await ask(bot, AHMAD, AR_HOURS, 2)


async def test_bad_input_is_refused_politely_and_changes_nothing(bot: StaffedBot, olga: Colleague) -> None:
    for path, form in (
        ("/staff/availability/closures", {"day": "2026-11-31", "reason": "team_training"}),
        ("/staff/availability/closures", {"day": "2026-11-25", "reason": "team_training"}),  # yesterday
        ("/staff/availability/closures", {"day": TODAY.isoformat(), "reason": "holidays_in_the_sun"}),
        ("/staff/availability/closures", {"day": TODAY.isoformat(), "reason": "team_training", "note": "x" * 201}),
        ("/staff/availability/notice", {"template": "opens_later_today", "first_day": TODAY.isoformat(), "last_day": TODAY.isoformat()}),
        ("/staff/availability/notice", {"template": "closed_today", "first_day": "2026-11-28", "last_day": "2026-11-27"}),
    ):
        async with olga.http.post(olga.base + path, data={**form, "csrf_token": olga.csrf}) as response:
            assert response.status == 400, (path, form)
            assert "Zurück" in await response.text()
    async with olga.http.get(f"{olga.base}/staff/availability") as page:
        html = await page.text()
    assert "Keine Schließtage eingetragen." in html and "Kein Hinweis." in html


async def test_only_staff_with_the_csrf_token_change_the_calendar(bot: StaffedBot, olga: Colleague, accounts: AccountService) -> None:
    async with olga.http.post(f"{olga.base}/staff/availability/closures", json={"day": TODAY.isoformat(), "reason": "team_training"}) as response:
        assert response.status == 403
    base = base_url(bot)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{base}/staff/availability", allow_redirects=False) as response:
            assert response.status == 302
        await log_in(http, base, "ana")
        async with http.get(f"{base}/staff/availability", allow_redirects=False) as response:
            assert response.status == 403


async def test_a_colleague_is_promised_only_while_one_who_speaks_the_language_is_there(
    bot: StaffedBot, olga: Colleague, content: Content
) -> None:
    bot.clock.now = bot.clock.now.replace(day=25)  # a Wednesday: no hours at all
    present = content.office_text("handover_present", "uk")
    async with olga.http.ws_connect(f"{olga.base}/staff/ws", headers={"Origin": olga.base}) as socket:
        await socket.receive_json()  # hello: the page is open
        async with await olga.post("/staff/presence/active") as response:
            assert (await response.json())["available"]
        assert (await ask(bot, OLENA, "/human", 1)).startswith(present)
        # Olga does not write Arabic: Ahmad is told when someone answers, not "shortly".
        assert not (await ask(bot, AHMAD, "/human", 1)).startswith(content.office_text("handover_present", "ar"))
        async with await olga.post("/staff/presence", state="away") as response:
            assert not (await response.json())["available"]
        assert not (await ask(bot, IRYNA, "/human", 1)).startswith(present)
        async with await olga.post("/staff/presence", state="available") as response:
            assert (await response.json())["available"]
    # The inbox closed: nobody is there any more.
    for _ in range(50):
        async with await olga.post("/staff/presence/active") as response:
            if not (await response.json())["available"]:
                break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("still available after the last inbox page closed")
