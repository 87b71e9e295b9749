"""The inbox over HTTP: only logged-in staff, CSRF on every change, every text escaped, nothing linkified."""

from __future__ import annotations

import aiohttp

from accounts.service import AccountService
from core.content import Content
from tests.fakes.telegram_api import Person
from tests.handover.conftest import StaffedBot
from tests.handover.test_telegram_handover import handover_of, incoming, staff_text
from tests.staff.conftest import Colleague, base_url, log_in

EVE = Person(1010, "<b>Eve</b>", "en")
OLENA = Person(1001, "Olena", "uk")
HOSTILE = '<script>alert("x")</script> <img src=x onerror=alert(1)> https://evil.example/login <a href="https://evil.example">here</a>'


async def test_the_inbox_is_only_for_logged_in_staff(bot: StaffedBot, accounts: AccountService) -> None:
    base = base_url(bot)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{base}/staff/", allow_redirects=False) as response:
            assert response.status == 302 and response.headers["Location"].startswith("/login?next=")
        for path in ("/staff/parts/inbox", "/staff/c/1/parts", "/staff/media/1"):
            async with http.get(base + path, headers={"Accept": "application/json"}, allow_redirects=False) as response:
                assert response.status == 401, path
        async with http.get(f"{base}/staff/ws", allow_redirects=False) as response:
            assert response.status == 302
        await log_in(http, base, "ana")  # an analyst
        async with http.get(f"{base}/staff/", allow_redirects=False) as response:
            assert response.status == 403


async def test_every_change_needs_the_csrf_token(bot: StaffedBot, olga: Colleague) -> None:
    bot.api.send_text(OLENA, "/human")
    handover = await handover_of(bot, OLENA)
    for path in (f"/staff/c/{handover.id}/close", f"/staff/c/{handover.id}/reply", f"/staff/c/{handover.id}/erase"):
        async with olga.http.post(olga.base + path, json={"text": "x", "key": "k"}, headers={"Accept": "application/json"}) as response:
            assert response.status == 403, path
    assert (await bot.desk.get(handover.id)) is not None and (await bot.desk.messages(handover.id))


async def test_what_a_person_writes_is_shown_as_text_only(bot: StaffedBot, olga: Colleague) -> None:
    bot.api.send_text(EVE, "/human")
    handover = await handover_of(bot, EVE)
    bot.api.send_text(EVE, HOSTILE)
    await incoming(bot, handover.id, 1)
    pages = []
    for path in ("/staff/", f"/staff/c/{handover.id}"):
        async with olga.http.get(olga.base + path) as response:
            assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
            pages.append(await response.text())
    async with olga.http.get(f"{olga.base}/staff/c/{handover.id}/parts", headers={"Accept": "application/json"}) as response:
        parts = await response.json()
    for html in (*pages, parts["messages"], parts["summary"]):
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>Eve</b>" not in html
        assert 'href="https://evil' not in html, "links in a person's text are not made clickable"
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in pages[1]
    assert "&lt;b&gt;Eve&lt;/b&gt;" in pages[0]


async def test_a_colleague_replies_claims_and_closes_over_http(bot: StaffedBot, olga: Colleague, jonas: Colleague, content: Content) -> None:
    bot.api.send_text(OLENA, "/human")
    handover = await handover_of(bot, OLENA)
    claim = await olga.post(f"/staff/c/{handover.id}/claim")
    assert claim.status == 200
    joined = (await bot.api.wait_for_messages(OLENA.user_id, 2))[-1]
    assert joined["text"] == content.ui_text("handover_joined", "uk"), "Olena learns a colleague is there"
    # Jonas cannot answer over Olga's head by accident...
    refused = await jonas.post(f"/staff/c/{handover.id}/reply", text="Hallo", key="j1")
    assert refused.status == 409 and "Olga" in (await refused.json())["error"]
    # ... Olga answers; the same form sent twice is one message.
    for _ in range(2):
        sent = await olga.post(f"/staff/c/{handover.id}/reply", text="Вітаю, Олено!", key="o1")
        assert sent.status == 200
    answer = (await bot.api.wait_for_messages(OLENA.user_id, 3))[-1]
    assert answer["text"] == staff_text(content, "uk", "Вітаю, Олено!")
    closed = await olga.post(f"/staff/c/{handover.id}/close")
    assert closed.status == 200
    back = (await bot.api.wait_for_messages(OLENA.user_id, 4))[-1]
    assert back["text"] == content.ui_text("handover_closed", "uk")
    await bot.api.settle(0.3)
    assert len(bot.api.messages_to(OLENA.user_id)) == 4


async def test_an_attachment_is_served_to_staff_as_a_download_that_cannot_run(bot: StaffedBot, olga: Colleague) -> None:
    bot.api.send_text(OLENA, "/human")
    handover = await handover_of(bot, OLENA)
    bot.api.send(OLENA, document={"file_id": "doc-9", "file_unique_id": "d9", "file_name": "Bescheid <1>.html",
                                  "mime_type": "text/html"})
    [document] = await incoming(bot, handover.id, 1)
    async with olga.http.get(f"{olga.base}/staff/media/{document.id}") as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/octet-stream"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]


async def test_the_live_socket_refuses_other_sites(bot: StaffedBot, olga: Colleague) -> None:
    try:
        async with olga.http.ws_connect(f"{olga.base}/staff/ws", headers={"Origin": "https://evil.example"}):
            raise AssertionError("a foreign page opened the inbox socket")
    except aiohttp.WSServerHandshakeError as error:
        assert error.status == 403
    async with olga.http.ws_connect(f"{olga.base}/staff/ws", headers={"Origin": olga.base}) as socket:
        assert (await socket.receive_json())["type"] == "hello"
        bot.api.send_text(OLENA, "/human")
        change = await socket.receive_json(timeout=10)
        assert change["type"] == "change" and change["what"] == "started"
