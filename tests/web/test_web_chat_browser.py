"""The web chat in real headless Chromium: Arabic right to left, buttons, reloads, staff replies, keyboard, embeds."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web
from playwright.async_api import Browser, ConsoleMessage, Page, ViewportSize, expect

from accounts.service import AccountService
from bot.channels.web.session import COOKIE, session_id
from core.content import Content
from core.messages import ConversationKey, Reply
from core.settings import Settings
from nlu.runtime import RunningNlu
from handover.views import StaffMember
from tests.web.conftest import RunningChat, chat_settings, running_chat

PHONE: ViewportSize = {"width": 390, "height": 844}
ATTACK = '<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script>'
SHADOW = ".chat-area"
STAFF_PASSWORD = "maria-inbox-password-1"


@asynccontextmanager
async def chat_page(browser: Browser, url: str, locale: str = "de-DE") -> AsyncIterator[Page]:
    """Open `url` on a phone-sized page of a fresh browser profile; fail on script errors or CSP violations."""
    context = await browser.new_context(viewport=PHONE, locale=locale)
    page = await context.new_page()
    problems: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", note)
    page.on("pageerror", lambda error: problems.append(str(error)))
    await page.goto(url)
    try:
        yield page
        assert problems == [], problems
    finally:
        await context.close()


async def send(page: Page, label: str, text: str) -> None:
    field = page.get_by_label(label)
    await field.fill(text)
    await field.press("Enter")


def replies(page: Page) -> Any:
    return page.locator("li.message.from-assistant, li.message.from-staff")


async def session_of(page: Page) -> str:
    cookies = [cookie for cookie in await page.context.cookies() if cookie["name"] == COOKIE]
    assert len(cookies) == 1 and cookies[0]["httpOnly"] and cookies[0]["sameSite"] == "Lax"
    return session_id(cookies[0]["value"])


async def in_widget(page: Page, script: str) -> Any:
    """Evaluate `script` with `root` bound to the widget's shadow root."""
    return await page.evaluate(f"() => {{ const root = document.querySelector('{SHADOW}').shadowRoot; {script} }}")


async def test_a_person_asking_in_arabic_sees_a_right_to_left_answer(
    browser: Browser, base_settings: Settings, rasa_understanding: RunningNlu, tmp_path: Path
) -> None:
    async with running_chat(chat_settings(base_settings, tmp_path), rasa_understanding) as chat:
        async with chat_page(browser, f"{chat.url}/?lang=de") as page:
            await expect(replies(page)).to_have_count(1)
            await send(page, "Ihre Nachricht", "متى يفتح المكتب؟")
            answer = replies(page).nth(1)
            await expect(answer).to_have_attribute("lang", "ar")
            await expect(answer).to_have_attribute("dir", "rtl")
            await expect(answer).to_contain_text(re.compile("[\u0600-\u06ff]{3}"))
            assert await answer.evaluate("node => getComputedStyle(node).direction") == "rtl"
            # The whole widget follows: right to left, with its labels in Arabic.
            await expect(page.locator(".chat")).to_have_attribute("dir", "rtl")
            await expect(page.get_by_label("رسالتك")).to_be_visible()


async def test_a_button_of_the_menu_is_answered(browser: Browser, chat: RunningChat, content: Content) -> None:
    label = content.label("office_hours", "de")
    async with chat_page(browser, f"{chat.url}/?lang=de") as page:
        await page.get_by_role("group", name="Vorschläge").get_by_role("button", name=label).click()
        await expect(page.locator("li.from-person")).to_have_text([f"Sie{label}"])
        await expect(replies(page).nth(1)).to_contain_text("Dienstag")
        await expect(page.get_by_label("Ihre Nachricht")).to_be_focused()


async def test_a_reload_keeps_the_conversation_and_a_new_browser_starts_afresh(
    browser: Browser, chat: RunningChat
) -> None:
    async with chat_page(browser, f"{chat.url}/?lang=en", locale="en-GB") as page:
        await expect(replies(page)).to_have_count(1)
        await send(page, "Your message", "hello, opening hours?")
        await expect(replies(page)).to_have_count(2)
        answer = await replies(page).nth(1).locator(".text").text_content()
        await page.reload()
        await expect(page.locator("li.from-person .text")).to_have_text(["hello, opening hours?"])
        await expect(replies(page).locator(".text")).to_have_text([answer or ""])
    async with chat_page(browser, f"{chat.url}/?lang=en", locale="en-GB") as page:
        await expect(replies(page)).to_have_count(1)
        await expect(page.locator("li.from-person")).to_have_count(0)


async def test_html_and_script_typed_or_sent_by_staff_show_as_text(browser: Browser, chat: RunningChat) -> None:
    async with chat_page(browser, f"{chat.url}/?lang=en", locale="en-GB") as page:
        await expect(replies(page)).to_have_count(1)
        await send(page, "Your message", ATTACK)
        await expect(replies(page)).to_have_count(2)
        await chat.assistant.reach.send(ConversationKey("web", await session_of(page)), Reply(ATTACK, "en"))
        await expect(replies(page)).to_have_count(3)
        await page.reload()
        await expect(page.locator("li.message .text")).to_have_text([ATTACK, re.compile("."), ATTACK])
        assert await page.evaluate("() => window.__pwned") is None
        assert await in_widget(page, "return root.querySelectorAll('.log img, .log script').length") == 0


async def test_a_handover_asked_for_in_the_chat_is_answered_by_staff_live(browser: Browser, chat: RunningChat) -> None:
    desk = chat.assistant.handovers
    assert desk is not None
    staff = StaffMember("account:1", "Maria")
    async with chat_page(browser, f"{chat.url}/?lang=en", locale="en-GB") as page:
        await send(page, "Your message", "I want to talk to a person")
        await expect(page.get_by_role("button", name="Back to the assistant")).to_be_visible()
        (handover,) = await desk.active()
        await desk.claim(handover.id, staff)
        await desk.reply(handover.id, staff, "Hello! I am Maria from the office. How can I help?", "reply-1")
        live = page.locator("li.from-staff")
        await expect(live).to_contain_text("I am Maria from the office")
        await expect(live.locator(".sender")).to_have_text("Office team")


async def test_the_language_picker_works_by_keyboard_and_turns_the_widget_right_to_left(
    browser: Browser, chat: RunningChat
) -> None:
    async with chat_page(browser, f"{chat.url}/?lang=de") as page:
        await expect(replies(page)).to_have_count(1)
        toggle = page.get_by_role("button", name=re.compile("^Sprache"))
        await toggle.focus()
        await page.keyboard.press("Enter")
        await expect(toggle).to_have_attribute("aria-expanded", "true")
        await expect(page.get_by_role("button", name="Deutsch", exact=True)).to_be_focused()
        farsi = page.get_by_role("button", name="فارسی", exact=True)
        await farsi.focus()
        await page.keyboard.press("Enter")
        await expect(page.locator(".chat")).to_have_attribute("dir", "rtl")
        await expect(page.get_by_label("پیام شما")).to_be_focused()
        confirmation = replies(page).nth(1)
        await expect(confirmation).to_have_attribute("dir", "rtl")
        await expect(confirmation).to_contain_text("فارسی")


async def test_keyboard_focus_moves_through_the_widget_in_order_and_is_visible(
    browser: Browser, chat: RunningChat
) -> None:
    async with chat_page(browser, f"{chat.url}/?lang=de") as page:
        await expect(page.get_by_role("group", name="Vorschläge").get_by_role("button")).not_to_have_count(0)
        order = []
        for _ in range(5):
            await page.keyboard.press("Tab")
            order.append(
                await in_widget(
                    page,
                    "const node = root.activeElement;"
                    "const style = getComputedStyle(node);"
                    "return [node.className || node.tagName, style.outlineStyle, parseFloat(style.outlineWidth)];",
                )
            )
        assert [name for name, _, _ in order] == ["language-toggle", "sound-toggle", "log", "suggestion", "suggestion"]
        assert all(style == "solid" and width >= 2 for _, style, width in order)
        log = page.get_by_role("log")
        await expect(log).to_have_attribute("aria-live", "polite")
        await expect(page.get_by_role("heading", name="Chat mit dem Büro für Integrationsfragen")).to_be_visible()


async def test_another_site_shows_the_chat_with_the_embed_script_alone(
    browser: Browser, base_settings: Settings, fake_understanding: RunningNlu, tmp_path: Path
) -> None:
    chat_url: list[str] = []

    async def city_page(request: web.Request) -> web.Response:
        head = '<link rel="icon" href="data:,">'
        script = f'<script src="{chat_url[0]}/chat/embed.js" defer></script>'
        body = f"<h1>Stadt Hameln</h1>{script}"
        page = f'<!doctype html><html lang="de"><head>{head}</head><body>{body}</body></html>'
        return web.Response(text=page, content_type="text/html")

    site = web.Application()
    site.router.add_get("/", city_page)
    runner = web.AppRunner(site)
    await runner.setup()
    tcp = web.TCPSite(runner, "localhost", 0)
    await tcp.start()
    city = f"http://localhost:{tcp._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    settings = chat_settings(base_settings, tmp_path, web_chat_origins=(city,))
    try:
        async with running_chat(settings, fake_understanding) as chat:
            chat_url.append(chat.url)
            async with chat_page(browser, city) as page:
                await expect(page.get_by_role("button", name="Chat öffnen")).to_have_attribute("aria-expanded", "false")
                launcher = page.locator("button.launcher")
                await launcher.click()
                await expect(page.get_by_label("Ihre Nachricht")).to_be_focused()
                await expect(replies(page)).to_have_count(1)
                await send(page, "Ihre Nachricht", "Hallo, wann habt ihr offen?")
                await expect(replies(page)).to_have_count(2)
                await page.keyboard.press("Escape")
                await expect(launcher).to_be_focused()
                await expect(page.get_by_role("region")).to_be_hidden()
    finally:
        await runner.cleanup()


async def test_handover_from_the_web_chat_is_answered_from_the_staff_inbox(browser: Browser, chat: RunningChat) -> None:
    await AccountService(chat.database).create("maria", STAFF_PASSWORD, ["staff"], "Maria", ["de", "en", "uk"])
    async with chat_page(browser, f"{chat.url}/?lang=en", locale="en-GB") as person:
        await send(person, "Your message", "I want to talk to a person")
        await expect(person.get_by_role("button", name="Back to the assistant")).to_be_visible()
        await send(person, "Your message", "My letter from the Jobcenter, can you help?")
        staff_side = await browser.new_context(locale="de-DE")
        try:
            inbox = await staff_side.new_page()
            await inbox.goto(f"{chat.url}/login")
            await inbox.get_by_label("Benutzername / User name").fill("maria")
            await inbox.get_by_label("Passwort / Password").fill(STAFF_PASSWORD)
            await inbox.get_by_role("button", name="Anmelden / Log in").click()
            await inbox.wait_for_url(f"{chat.url}/staff/")
            await inbox.get_by_role("link", name=re.compile("^Person #")).first.click()
            await expect(inbox.locator(".msg.person").last).to_contain_text("My letter from the Jobcenter")
            await inbox.locator("#reply-text").fill("Hello, this is the office. Please bring the letter on Tuesday.")
            await inbox.locator("#reply").get_by_role("button", name="Senden").click()
            # The answer appears in the person's open chat without a reload.
            live = person.locator("li.from-staff")
            await expect(live).to_contain_text("Please bring the letter on Tuesday.")
            await expect(live.locator(".sender")).to_have_text("Office team")
        finally:
            await staff_side.close()
