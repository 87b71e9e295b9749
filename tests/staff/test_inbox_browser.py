"""A colleague works a conversation in real headless Chromium: log in, claim, reply, see the answer arrive, close."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Browser, Page, expect

from accounts.service import AccountService
from core.content import Content
from tests.fakes.telegram_api import Person
from tests.handover.conftest import StaffedBot
from tests.handover.test_telegram_handover import handover_of, staff_text
from tests.staff.conftest import PASSWORD, base_url

OLENA = Person(1001, "Olena", "uk")
AHMAD = Person(1002, "Ahmad", "ar")


def watch_for_problems(page: Page) -> list[str]:
    """Collect script errors and refused content (a CSP violation shows up as a console error)."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: problems.append(f"{message.text} {message.location.get('url', '')}") if message.type == "error" else None,
    )
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    return problems


async def test_a_colleague_takes_over_replies_and_hands_back(
    bot: StaffedBot, accounts: AccountService, browser: Browser, content: Content
) -> None:
    bot.api.send_text(OLENA, "/human")
    bot.api.send_text(OLENA, "Мені потрібна допомога з листом від Jobcenter")
    handover = await handover_of(bot, OLENA)
    page = await browser.new_page()
    problems = watch_for_problems(page)

    # Log in: the inbox sends people who are not logged in to the login form, and back.
    await page.goto(f"{base_url(bot)}/staff/")
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await page.fill("#username", "olga")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{base_url(bot)}/staff/")
    await expect(page.locator("#live")).to_have_text("live")
    row = page.locator(f'tr[data-id="{handover.id}"]')
    await expect(row).to_contain_text("Olena")
    await expect(row).to_contain_text("Ukrainisch (uk)")
    await expect(row).to_contain_text("Ihre Sprache")

    # A new request appears without reloading.
    bot.api.send_text(AHMAD, "/human")
    await expect(page.locator("tr.handover", has_text="Ahmad")).to_be_visible()
    await expect(page.locator("#waiting-count")).to_have_text("2")

    # Open Olena's conversation, take it, answer with Enter.
    await row.locator("a").click()
    await expect(page.locator("#messages")).to_contain_text("Мені потрібна допомога з листом від Jobcenter")
    await expect(page.locator("#live")).to_have_text("live")
    await page.click("button.claim")
    await expect(page.locator("#state")).to_have_text("bei Ihnen")
    joined = (await bot.api.wait_for_messages(OLENA.user_id, 2))[-1]
    assert joined["text"] == content.ui_text("handover_joined", "uk"), "Olena learns a colleague is there"
    await page.fill("#reply-text", "Добрий день, Олено! Надішліть, будь ласка, фото листа.")
    await page.press("#reply-text", "Enter")
    await expect(page.locator("li.msg.staff").last).to_contain_text("✓ zugestellt")
    sent = (await bot.api.wait_for_messages(OLENA.user_id, 3))[-1]
    assert sent["text"] == staff_text(content, "uk", "Добрий день, Олено! Надішліть, будь ласка, фото листа.")
    await expect(page.locator("#reply-text")).to_have_value("")

    # Olena answers with a photo of the letter: it shows up live, fetched from Telegram only now.
    bot.api.send_photo(OLENA, caption="Ось лист")
    photo = page.locator("li.msg.person img")
    await expect(photo).to_have_count(1)
    await expect(page.locator("li.msg.person").last).to_contain_text("Ось лист")
    assert (await photo.get_attribute("src") or "").startswith("/staff/media/")

    # Close: the person is told they are back with the assistant; the colleague is back in the inbox.
    await page.click("button.close")
    await expect(page).to_have_url(f"{base_url(bot)}/staff/")
    back = (await bot.api.wait_for_messages(OLENA.user_id, 4))[-1]
    assert back["text"] == content.ui_text("handover_closed", "uk")
    await expect(page.locator(f'tr[data-id="{handover.id}"]')).to_have_count(0)
    await expect(page.locator("section.closed")).to_contain_text("Olena")
    assert [problem for problem in problems if "favicon" not in problem] == []


async def test_on_a_phone_the_inbox_and_the_conversation_fit(
    bot: StaffedBot, accounts: AccountService, browser: Browser
) -> None:
    bot.api.send_text(OLENA, "/human")
    handover = await handover_of(bot, OLENA)
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    page = await context.new_page()
    await page.goto(f"{base_url(bot)}/login?next=/staff/")
    await page.fill("#username", "olga")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page.locator("#live")).to_have_text("live")
    # The header takes at most two lines, and every part of a conversation's card is on screen.
    header = await page.locator("header.top").bounding_box()
    assert header is not None and header["height"] <= 80, header
    row = page.locator(f'tr[data-id="{handover.id}"]')
    for text in ("Olena", "Ukrainisch (uk)", "Telegram", "wartet"):
        cell = row.locator("td", has_text=text).first
        box = await cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (text, box)
    await row.locator("a").click()
    await expect(page.locator("#state")).to_be_visible()
    assert await page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    # The message list scrolls on its own, so a keyboard must be able to reach it.
    await page.locator("#messages").focus()
    assert await page.evaluate("() => document.activeElement.id") == "messages"
    # On the phone too: take it, insert a template, leave a note, hand it to Jonas with a note.
    await page.click("button.claim")
    await expect(page.locator("#state")).to_have_text("bei Ihnen")
    await page.locator("button.template", has_text="Rückruf").click()
    assert (await page.input_value("#reply-text")).startswith("Ми передзвонимо вам")
    await page.locator("details.note-tool summary").click()
    await page.fill("#note-text", "Rückruf zugesagt")
    await page.locator("details.note-tool button[type=submit]").click()
    await expect(page.locator("li.internal-note")).to_contain_text("Rückruf zugesagt")
    await page.locator("details.hand-tool summary").click()
    await page.select_option("#hand-to", label="Jonas – spricht Deutsch, Englisch")
    await page.fill("#hand-note", "Bitte morgen anrufen")
    await page.locator("details.hand-tool button[type=submit]").click()
    await expect(page.locator("#state")).to_have_text("bei Jonas")
    await expect(page.locator("li.event", has_text="Olga hat das Gespräch an Jonas übergeben")).to_be_visible()
    assert await page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    await context.close()
