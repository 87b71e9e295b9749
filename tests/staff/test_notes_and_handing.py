"""Internal notes (never sent, erased with the conversation) and handing a conversation to a named colleague."""

from __future__ import annotations

from handover.models import Direction
from tests.fakes.telegram_api import Person
from tests.handover.conftest import StaffedBot
from tests.handover.test_telegram_handover import handover_of
from tests.staff.conftest import Colleague

OLENA = Person(1001, "Olena", "uk")
NOTE = "Hat schon einen Termin beim Jobcenter am Montag – bitte nicht doppelt vereinbaren."


async def test_a_note_is_shown_to_colleagues_never_sent_and_erased_with_the_conversation(
    bot: StaffedBot, olga: Colleague, jonas: Colleague
) -> None:
    bot.api.send_text(OLENA, "/human")
    handover = await handover_of(bot, OLENA)
    sent_before = len(await bot.api.wait_for_messages(OLENA.user_id, 1))
    saved = await olga.post(f"/staff/c/{handover.id}/note", text=NOTE)
    assert saved.status == 200
    empty = await olga.post(f"/staff/c/{handover.id}/note", text="   ")
    assert empty.status == 400
    # Jonas sees it, marked as an internal note.
    async with jonas.http.get(f"{jonas.base}/staff/c/{handover.id}") as response:
        page = await response.text()
    assert "Interne Notiz" in page and "Hat schon einen Termin beim Jobcenter" in page
    assert 'class="internal-note"' in page
    # It never reaches the person.
    await bot.desk.settled()
    await bot.api.settle(0.3)
    assert len(bot.api.messages_to(OLENA.user_id)) == sent_before
    assert all(NOTE not in (m.get("text") or "") for m in bot.api.messages_to(OLENA.user_id))
    # Erasing the conversation erases the note with it.
    erased = await olga.post(f"/staff/c/{handover.id}/erase")
    assert erased.status == 200
    assert await bot.desk.get(handover.id) is None
    assert [m for m in await bot.desk.messages(handover.id) if m.direction is Direction.NOTE] == []


async def test_a_conversation_is_handed_to_a_named_colleague_who_is_told(
    bot: StaffedBot, olga: Colleague, jonas: Colleague
) -> None:
    bot.api.send_text(OLENA, "/human")
    handover = await handover_of(bot, OLENA)
    await olga.post(f"/staff/c/{handover.id}/claim")
    async with olga.http.get(f"{olga.base}/staff/c/{handover.id}") as response:
        page = await response.text()
    # Olga can choose Jonas (named with his languages in German), not herself.
    assert "Jonas – spricht Deutsch, Englisch" in page and ">Olga –" not in page
    jonas_key = page.split('<option value="', 2)[2].split('"', 1)[0]
    async with jonas.http.ws_connect(f"{jonas.base}/staff/ws", headers={"Origin": jonas.base}) as socket:
        assert (await socket.receive_json())["type"] == "hello"
        handed = await olga.post(f"/staff/c/{handover.id}/hand", to=jonas_key, note="Bitte übernehmen, es geht um Arbeit.")
        assert handed.status == 200
        change = await socket.receive_json(timeout=10)
        while change.get("what") != "handed":
            change = await socket.receive_json(timeout=10)
        assert change == {"type": "change", "handover": handover.id, "what": "handed", "to": jonas_key}
    now = await bot.desk.get(handover.id)
    assert now is not None and now.claimed_by == jonas_key and now.claimed_by_name == "Jonas"
    messages = await bot.desk.messages(handover.id)
    assert [m.text for m in messages if m.direction is Direction.NOTE] == ["Bitte übernehmen, es geht um Arbeit."]
    async with jonas.http.get(f"{jonas.base}/staff/") as response:
        inbox = await response.text()
    mine = inbox.split('data-section="mine"', 1)[1].split("</section>", 1)[0]
    assert "Olena" in mine
    async with jonas.http.get(f"{jonas.base}/staff/c/{handover.id}") as response:
        assert "Olga hat das Gespräch an Jonas übergeben" in await response.text()
    # Nobody who is not a colleague of the inbox can be chosen.
    refused = await jonas.post(f"/staff/c/{handover.id}/hand", to="account:999")
    assert refused.status == 409


async def test_colleagues_present_now_are_offered_first_and_marked(bot: StaffedBot, olga: Colleague, jonas: Colleague) -> None:
    bot.api.send_text(OLENA, "/human")
    handover = await handover_of(bot, OLENA)
    await olga.post(f"/staff/c/{handover.id}/claim")

    async def jonas_as_offered() -> str:
        async with olga.http.get(f"{olga.base}/staff/c/{handover.id}") as response:
            page = await response.text()
        hand_to = page.split('id="hand-to"', 1)[1].split("</select>", 1)[0]
        return next(option for option in hand_to.split("<option")[2:] if "Jonas" in option)

    assert "(verfügbar)" not in await jonas_as_offered()
    # An open inbox page makes Jonas present (accounts.presence); closing it makes him away again.
    async with jonas.http.ws_connect(f"{jonas.base}/staff/ws", headers={"Origin": jonas.base}) as socket:
        assert (await socket.receive_json())["type"] == "hello"
        assert "Jonas (verfügbar) – spricht Deutsch" in await jonas_as_offered()
    await bot.api.settle(0.3)
    assert "(verfügbar)" not in await jonas_as_offered()
