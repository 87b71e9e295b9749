"""Take the README's phone-sized screenshots of the web chat in German, Ukrainian and Arabic (docs/chat-*.png).

Run after `make setup`:  .venv/bin/python scripts/screenshots.py
It starts the app with the real NLU (its own Rasa server unless NLU_URL is set) on a free port of
127.0.0.1 with a throw-away database, and drives Debian's Chromium (/usr/bin/chromium) with Playwright.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from playwright.async_api import Page, ViewportSize, expect

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bot.channels.web import WebChatChannel  # noqa: E402
from bot.web import create_app, listening  # noqa: E402
from core.settings import Settings  # noqa: E402
from tests.browser import chromium  # noqa: E402

PHONE: ViewportSize = {"width": 390, "height": 844}
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


if __name__ == "__main__":
    asyncio.run(main())
