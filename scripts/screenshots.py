"""Take the README's screenshots: the web chat on a phone in German, Ukrainian and Arabic (docs/chat-*.png),
and the staff inbox and a conversation on a phone and at 1366 px (docs/staff-*.png).

Run after `make setup`:  .venv/bin/python scripts/screenshots.py
It starts the app with the real NLU (its own Rasa server unless NLU_URL is set) on a free port of
127.0.0.1 with a throw-away database, and drives Debian's Chromium (/usr/bin/chromium) with Playwright.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import aiohttp
from playwright.async_api import Browser, Page, ViewportSize, expect

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from accounts.web import ACCOUNTS  # noqa: E402
from bot.channels.web import WebChatChannel  # noqa: E402
from bot.keys import ASSISTANT  # noqa: E402
from bot.web import create_app, listening  # noqa: E402
from handover.views import StaffMember  # noqa: E402
from core.settings import Settings  # noqa: E402
from tests.browser import chromium  # noqa: E402

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
# Each screenshot: the page's language, the label of the input in it, and what the person asks.
CONVERSATIONS = {
    "de": ("Ihre Nachricht", "Wann habt ihr offen? Brauche ich einen Termin?"),
    "uk": ("Ваше повідомлення", "Коли можна прийти українцям?"),
    "ar": ("رسالتك", "ابحث عن عمل"),
}


async def take(page: Page, url: str, label: str, question: str, target: Path) -> None:
    """Ask one question on a fresh page and save the screen once the answer is there."""
    await page.goto(url)
    answers = page.locator("li.message.from-assistant")
    await expect(answers).to_have_count(1)
    field = page.get_by_label(label)
    await field.fill(question)
    await field.press("Enter")
    await expect(answers).to_have_count(2, timeout=15_000)
    await page.locator(".chat-area").evaluate("host => host.shadowRoot.activeElement?.blur()")
    await page.screenshot(path=str(target))


async def person_asks_for_staff(base: str, language: str, question: str) -> None:
    """A person asks the web chat something, then presses "talk to a person"."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.ws_connect(f"{base}/chat/ws?lang={language}") as socket:
            await socket.receive(timeout=10)
            await socket.receive(timeout=10)
            await socket.send_str(json.dumps({"type": "message", "text": question}))
            await socket.receive(timeout=20)
            await socket.send_str(json.dumps({"type": "button", "payload": "topic:human_handover"}))
            await socket.receive(timeout=20)


async def staff_screens(app: object, base: str, browser: Browser) -> None:
    """Fill the inbox with three people, work one conversation, and photograph inbox and conversation."""
    password = secrets.token_urlsafe(12)
    accounts = app[ACCOUNTS]  # type: ignore[index]
    await accounts.create("olga", password, ["staff"], "Olga", ["uk", "ru"])
    jonas = await accounts.create("jonas", password, ["staff"], "Jonas", ["de", "en"])
    for language, question in (
        ("uk", "Мені прийшов лист від Jobcenter, я не розумію"),
        ("ar", "ابحث عن عمل"),
        ("fa", "کلاس زبان آلمانی کی شروع می‌شود؟"),
    ):
        await person_asks_for_staff(base, language, question)
    desk = app[ASSISTANT].handovers  # type: ignore[index]
    olena, ahmad, _ = await desk.active()
    await desk.claim(ahmad.id, StaffMember(f"account:{jonas.id}", "Jonas", frozenset({"de", "en"})))
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = await browser.new_context(viewport=viewport, device_scale_factor=2 if name == "phone" else 1, locale="de-DE")
        page = await context.new_page()
        await page.goto(f"{base}/login?next=/staff/")
        await page.fill("#username", "olga")
        await page.fill("#password", password)
        await page.click("button[type=submit]")
        await expect(page.locator("#live")).to_have_text("live")
        await page.screenshot(path=str(PROJECT / "docs" / f"staff-inbox-{name}.png"), full_page=name == "desktop")
        await page.goto(f"{base}/staff/c/{olena.id}")
        await expect(page.locator("#live")).to_have_text("live")
        if name == "phone":
            await page.click("button.claim")
            await expect(page.locator("#state")).to_have_text("bei Ihnen")
            await page.locator("details.note-tool summary").click()
            await page.fill("#note-text", "Brief vom Jobcenter: bitte Foto anfordern.")
            await page.locator("details.note-tool button[type=submit]").click()
            await expect(page.locator("li.internal-note")).to_have_count(1)
            await page.goto(f"{base}/staff/c/{olena.id}")
        await page.locator("button.template", has_text="Brief zur Sprechstunde").click()
        await page.locator("#reply-text").blur()
        if name == "phone":
            # The reply box with the inserted template, the note above it (the sticky header stays on top).
            await page.locator("#composer").scroll_into_view_if_needed()
            await page.evaluate("() => window.scrollBy(0, 120)")
        await page.screenshot(path=str(PROJECT / "docs" / f"staff-conversation-{name}.png"), full_page=name == "desktop")
        await context.close()
        print(f"wrote docs/staff-inbox-{name}.png and docs/staff-conversation-{name}.png")


async def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        settings = replace(
            Settings.from_env(),
            http_host="127.0.0.1",
            database_url=f"sqlite+aiosqlite:///{Path(scratch) / 'screenshots.db'}",
        )
        app = create_app(settings, [WebChatChannel(settings)])
        async with listening(app, "127.0.0.1", 0) as port, chromium() as browser:
            for language, (label, question) in CONVERSATIONS.items():
                context = await browser.new_context(viewport=PHONE, device_scale_factor=2, locale=language)
                target = PROJECT / "docs" / f"chat-{language}.png"
                url = f"http://127.0.0.1:{port}/?lang={language}"
                await take(await context.new_page(), url, label, question, target)
                await context.close()
                print(f"wrote {target.relative_to(PROJECT)}")
            await staff_screens(app, f"http://127.0.0.1:{port}", browser)


if __name__ == "__main__":
    asyncio.run(main())
