"""Replies that always reach the person: a web chat waits for its staff reply, delivery states are true,
the conversation can move to Telegram, and files reach staff. Real Chromium, real desk, the Bot API fake."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import aiohttp
from playwright.async_api import Browser, expect

from bot.channels.telegram import TelegramChannel
from bot.channels.web import WebChatChannel
from bot.channels.web.session import COOKIE
from bot.channels.web.upload import sniff
from bot.web import create_app, listening
from core.channels import WEB
from core.messages import ConversationKey
from core.settings import Settings
from handover.models import Delivery, Direction
from handover.views import StaffMember
from nlu.runtime import RunningNlu
from storage.web_chat import Transcripts
from tests.bot.conftest import FAST, telegram_settings
from tests.fakes.telegram_api import FakeTelegram, Person, serve_fake_telegram
from tests.web.conftest import RunningChat, chat_settings, next_frame, on, running_chat, session_of, visitor
from tests.web.test_web_chat_browser import chat_page, replies, send, session_of as page_session

ANNA = StaffMember("account:1", "Anna")
OLENA = Person(1201, "Olena", "uk")
# Ukrainian, with the word the fake NLU takes for "talk to a person".
ASK_FOR_PERSON = "Я хочу поговорити з людиною, person, будь ласка"
# Two seconds: "days later" is anything past the retention, which counts from the last message.
SHORT_RETENTION_HOURS = 2 / 3600
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


async def say(socket: aiohttp.ClientWebSocketResponse, text: str) -> None:
    await socket.send_str(json.dumps({"type": "message", "text": text}))


async def handed_over(chat: RunningChat, client: aiohttp.ClientSession) -> int:
    """Open the chat, ask for a person, and return the handover's id once the page knows."""
    async with client.ws_connect(f"{chat.url}/chat/ws?lang=uk") as socket:
        await next_frame(socket)
        await next_frame(socket)
        await say(socket, "I want to talk to a person")
        await next_frame(socket)
        assert (await next_frame(socket))["active"] is True
        # The page renews its cookie now: it must outlive the wait for staff.
        async with client.post(f"{chat.url}/chat/session", headers={"Origin": chat.url}) as renewed:
            assert renewed.status == 204
    (handover,) = await chat.assistant.handovers.active()
    return handover.id


def cookie_max_age(client: aiohttp.ClientSession) -> int:
    for cookie in client.cookie_jar:
        if cookie.key == COOKIE:
            return int(cookie["max-age"])
    raise AssertionError("no chat cookie")


async def outgoing(chat: RunningChat, handover_id: int) -> list[Delivery | None]:
    await chat.assistant.handovers.settled()
    return [m.delivery for m in await chat.assistant.handovers.messages(handover_id) if m.direction is Direction.OUT]


async def test_a_reply_written_after_the_retention_waits_for_the_person_and_then_is_delivered(
    base_settings: Settings, fake_understanding: RunningNlu, tmp_path: Path
) -> None:
    settings = chat_settings(base_settings, tmp_path, web_chat_retention_hours=SHORT_RETENTION_HOURS)
    async with running_chat(settings, fake_understanding) as chat, visitor() as client:
        handover_id = await handed_over(chat, client)
        assert cookie_max_age(client) > 30 * 86400, "kept while staff have not answered"
        session = session_of(client)
        transcripts = Transcripts(chat.database, settings_retention(settings), held=None)
        await asyncio.sleep(3)  # the person has gone; the plain retention has passed
        assert not await transcripts.is_active(session), "without the handover it would be gone"
        desk = chat.assistant.handovers
        await desk.reply(handover_id, ANNA, "Добрий день, це Анна з бюро.", "r1")
        # Nobody has the page open: the reply is kept, and staff are told it waits for the person.
        assert await outgoing(chat, handover_id) == [Delivery.KEPT]
        async with client.ws_connect(f"{chat.url}/chat/ws") as socket:
            history = await next_frame(socket)
            assert ("staff", "Добрий день, це Анна з бюро.") in [(m["from"], m["text"]) for m in history["messages"]]
            assert (await next_frame(socket))["active"] is True
        assert await outgoing(chat, handover_id) == [Delivery.SENT], "seen now: zugestellt"
        await desk.close(handover_id, ANNA)
        assert await outgoing(chat, handover_id) == [Delivery.SENT, Delivery.KEPT]
        # The retention counts from the end of the handover: after it, the chat is deleted.
        web_chat = Transcripts(chat.database, settings_retention(settings), held=_held_from(chat))
        assert await web_chat.is_active(session)
        await asyncio.sleep(3)
        await web_chat.forget_inactive()  # the chat's own clean-up may have been first
        assert not await web_chat.is_active(session) and await web_chat.history(session) == []


def settings_retention(settings: Settings) -> "timedelta":
    from datetime import timedelta

    return timedelta(hours=settings.web_chat_retention_hours)


def _held_from(chat: RunningChat):  # type: ignore[no-untyped-def]
    from handover.store import held_conversations

    return lambda since: held_conversations(WEB, since)


async def test_a_person_returns_days_later_in_chromium_and_finds_the_staff_reply(
    browser: Browser, base_settings: Settings, fake_understanding: RunningNlu, tmp_path: Path
) -> None:
    settings = chat_settings(base_settings, tmp_path, web_chat_retention_hours=SHORT_RETENTION_HOURS)
    answer = "Добрий день! Принесіть, будь ласка, лист у вівторок."
    async with running_chat(settings, fake_understanding) as chat:
        async with chat_page(browser, f"{chat.url}/?lang=uk") as page:
            await expect(replies(page)).to_have_count(1)
            await send(page, "Ваше повідомлення", ASK_FOR_PERSON)
            team = page.locator(".team")
            await expect(team).to_be_visible()
            await expect(team.get_by_role("button", name="Повернутися до помічника")).to_be_visible()
            # The privacy note tells the truth while staff look after the chat: it is kept until the end.
            privacy = page.locator(".privacy")
            await expect(privacy).to_contain_text("Поки наша команда веде цю розмову")
            await expect(privacy).to_contain_text(chat.assistant.content.count("days", settings.handover_retention_days, "uk"))
            session = await page_session(page)
            await page.goto("about:blank")  # the person leaves
            await asyncio.sleep(3)
            (handover,) = await chat.assistant.handovers.active()
            await chat.assistant.handovers.reply(handover.id, ANNA, answer, "r1")
            await chat.assistant.handovers.settled()
            assert [m.delivery for m in await chat.assistant.handovers.messages(handover.id) if m.direction is Direction.OUT] == [Delivery.KEPT]
            await page.goto(f"{chat.url}/?lang=uk")  # days later, the same browser
            await expect(page.locator("li.message.from-staff")).to_contain_text(answer)
            await expect(team.get_by_role("button", name="Повернутися до помічника")).to_be_visible()
            assert await page_session(page) == session
            # With the page open, the next reply arrives live; the way back stays offered.
            await chat.assistant.handovers.reply(handover.id, ANNA, "Ще одне питання?", "r2")
            await expect(page.locator("li.message.from-staff")).to_have_count(2)
            await team.get_by_role("button", name="Повернутися до помічника").click()
            await expect(team).to_be_hidden()
            await expect(privacy).to_have_text(chat.assistant.content.ui_text("web_privacy", "uk").replace("{hours}", chat.assistant.content.count("hours", 1, "uk")))  # at least an hour is said
        await chat.assistant.handovers.settled()
        deliveries = [m.delivery for m in await chat.assistant.handovers.messages(handover.id) if m.direction is Direction.OUT]
        assert deliveries == [Delivery.SENT, Delivery.SENT]


async def test_a_photo_and_a_pdf_reach_staff_and_a_disguised_file_does_not(
    browser: Browser, base_settings: Settings, fake_understanding: RunningNlu, tmp_path: Path
) -> None:
    async with running_chat(chat_settings(base_settings, tmp_path), fake_understanding) as chat:
        async with chat_page(browser, f"{chat.url}/?lang=en") as page:
            await expect(replies(page)).to_have_count(1)
            await send(page, "Your message", "I want to talk to a person")
            await expect(page.locator(".team")).to_be_visible()
            chooser = page.locator("input[type=file]")
            await chooser.set_input_files(files=[{"name": "letter.png", "mimeType": "image/png", "buffer": PNG}])
            await expect(page.locator("li.message.from-person p.text").last).to_have_text("📎 letter.png")
            await chooser.set_input_files(files=[{"name": "Bescheid.PDF", "mimeType": "application/pdf", "buffer": PDF}])
            await expect(page.locator("li.message.from-person p.text").last).to_have_text("📎 Bescheid.pdf")
            # A script named like a photo is refused by its content, politely, in the person's language.
            await chooser.set_input_files(files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": b"#!/bin/sh\necho hi\n"}])
            content = chat.assistant.content
            await expect(page.locator("li.notice p.text").last).to_have_text(content.ui_text("web_file_type", "en"))
        desk = chat.assistant.handovers
        (handover,) = await desk.active()
        files = [m for m in await desk.messages(handover.id) if m.direction is Direction.IN and m.has_media]
        assert [(m.kind, m.media_name, m.media_mime) for m in files] == [
            ("photo", "letter.png", "image/png"),
            ("document", "Bescheid.pdf", "application/pdf"),
        ]
        media, name = await desk.media(files[0].id)
        assert media.content == PNG and name == "letter.png"
        # Erasing the handover erases the files with it.
        await desk.erase(handover.id, ANNA)
        assert await desk.messages(handover.id) == []


async def test_an_upload_outside_a_handover_or_too_big_is_refused(chat: RunningChat) -> None:
    async with visitor() as client:
        async with client.ws_connect(f"{chat.url}/chat/ws?lang=de") as socket:
            await next_frame(socket)
            await next_frame(socket)
        form = aiohttp.FormData()
        form.add_field("file", PNG, filename="a.png", content_type="image/png")
        async with client.post(f"{chat.url}/chat/upload?lang=de", data=form, headers={"Origin": chat.url}) as refused:
            answer = await refused.json()
            assert answer["ok"] is False and answer["problem"] == "web_file_no_handover"
            assert answer["text"] == chat.assistant.content.ui_text("web_file_no_handover", "de")
        big = aiohttp.FormData()
        big.add_field("file", PNG + b"\x00" * (10 * 1024 * 1024), filename="b.png", content_type="image/png")
        async with client.post(f"{chat.url}/chat/upload?lang=de", data=big, headers={"Origin": chat.url}) as too_big:
            assert (await too_big.json())["problem"] == "web_file_too_big"
        async with client.post(f"{chat.url}/chat/upload", data=form, headers={"Origin": "https://evil.example"}) as foreign:
            assert foreign.status == 403


def test_file_types_are_told_by_their_content() -> None:
    assert sniff(PNG) is not None and sniff(PNG).mime_type == "image/png"  # type: ignore[union-attr]
    assert sniff(b"\xff\xd8\xff\xe0" + b"\x00" * 8).mime_type == "image/jpeg"  # type: ignore[union-attr]
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ").mime_type == "image/webp"  # type: ignore[union-attr]
    assert sniff(PDF).mime_type == "application/pdf"  # type: ignore[union-attr]
    for other in (b"GIF89a", b"<svg xmlns=", b"PK\x03\x04", b"", b"RIFF\x00\x00\x00\x00WAVE"):
        assert sniff(other) is None


async def test_continue_on_telegram_moves_the_conversation_and_its_handover(
    browser: Browser, base_settings: Settings, fake_understanding: RunningNlu, tmp_path: Path
) -> None:
    api = FakeTelegram()
    async with serve_fake_telegram(api):
        settings = telegram_settings(base_settings, api, "polling", f"sqlite+aiosqlite:///{tmp_path / 'both.db'}")
        channels = [WebChatChannel(settings), TelegramChannel(settings, FAST, shutdown_grace=0.5, poll_timeout=2)]
        app = create_app(settings, channels, assistant_factory=on(fake_understanding))
        async with listening(app, "127.0.0.1", 0) as port:
            chat = RunningChat(app, port)
            desk = chat.assistant.handovers
            async with chat_page(browser, f"{chat.url}/?lang=uk") as page:
                await expect(replies(page)).to_have_count(1)
                await send(page, "Ваше повідомлення", ASK_FOR_PERSON)
                link = page.locator("a.telegram")
                await expect(link).to_be_visible()
                await expect(link).to_have_text(chat.assistant.content.ui_text("web_telegram", "uk"))
                href = await link.get_attribute("href")
                assert href is not None
                found = re.fullmatch(r"https://t\.me/hameln_test_bot\?start=([A-Za-z0-9_-]{32})", href)
                assert found, href
                session = await page_session(page)
            token = found.group(1)
            # Olena opens the link: Telegram sends the bot "/start <token>".
            api.send_text(OLENA, f"/start {token}")
            [moved] = await api.wait_for_messages(OLENA.user_id, 1)
            assert moved["text"] == chat.assistant.content.ui_text("telegram_continued", "uk")
            (handover,) = await desk.active()
            assert handover.conversation == ConversationKey("telegram", str(OLENA.user_id))
            await desk.reply(handover.id, ANNA, "Вітаю! Тепер відповідаю вам у Telegram.", "r1")
            replies_on_phone = await api.wait_for_messages(OLENA.user_id, 2)
            assert replies_on_phone[-1]["text"].endswith("Вітаю! Тепер відповідаю вам у Telegram.")
            await desk.settled()
            sent = [m.delivery for m in await desk.messages(handover.id) if m.direction is Direction.OUT]
            assert sent == [Delivery.SENT]
            # Single use: the same link again moves nothing and says so.
            api.send_text(OLENA, f"/start {token}")
            again = await api.wait_for_messages(OLENA.user_id, 3)
            assert again[-1]["text"] == chat.assistant.content.ui_text("telegram_link_expired", "uk")
            # The web chat's conversation has no handover any more; the language went along.
            assert not await desk.handed_over(ConversationKey(WEB, session))
            assert await chat.assistant.dialogue.language(ConversationKey("telegram", str(OLENA.user_id)), "de") == "uk"
