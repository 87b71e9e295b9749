"""The office closes a day and shows a notice in real headless Chromium; people are told at once."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from accounts.service import AccountService
from core.content import Content
from tests.accessibility import axe_available, axe_violations, describe
from tests.fakes.telegram_api import Person
from tests.handover.conftest import StaffedBot
from tests.staff.conftest import PASSWORD, base_url
from tests.staff.test_inbox_browser import watch_for_problems

OLENA = Person(1001, "Olena", "uk")


async def test_closures_and_the_notice_page_works(bot: StaffedBot, accounts: AccountService, browser: Browser, content: Content) -> None:
    page = await browser.new_page()
    problems = watch_for_problems(page)
    await page.goto(f"{base_url(bot)}/staff/availability")
    await page.fill("#username", "olga")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{base_url(bot)}/staff/availability")
    await expect(page.locator("#live")).to_have_text("live")
    await expect(page.locator("#presence-state")).to_have_text("verfügbar")
    # Thursday 15:00 (the test's clock): the preview says what people hear now.
    await expect(page.locator("#told-now")).to_contain_text("Wir haben jetzt geöffnet, bis 17:00.")

    # Close today for staff training, with a note only colleagues see.
    await page.fill("#closure-day", "2026-11-26")
    await page.select_option("#closure-reason", "team_training")
    await page.fill("#closure-note", "Fortbildung Aufenthaltsrecht")
    await page.click("#closure-list button[type=submit]:has-text('Schließtag eintragen')")
    row = page.locator('tr[data-day="2026-11-26"]')
    await expect(row).to_contain_text("Do, 26.11.2026")
    await expect(row).to_contain_text("Fortbildung des Teams")
    await expect(row).to_contain_text("Olga")
    await expect(page.locator("#told-now")).to_contain_text("Heute ist das Büro geschlossen: Fortbildung des Teams.")
    await expect(page.locator("#history")).to_contain_text("Olga: 26.11.2026 geschlossen")

    # People on Telegram are told at once, in their language, without the note.
    bot.api.send_text(OLENA, "hours? Коли ви відкриті?")
    [told] = await bot.api.wait_for_messages(OLENA.user_id, 1)
    assert told["text"].startswith("Сьогодні бюро зачинене: навчання працівників.")
    assert "Aufenthaltsrecht" not in told["text"]

    # A notice for today, with a time.
    await page.select_option("#notice-template", "opens_later_today")
    await page.fill("#notice-time", "11:00")
    await page.click("#notice button[type=submit]:has-text('Hinweis zeigen')")
    await expect(page.locator("#current-notice")).to_contain_text("Heute öffnet das Büro später, um 11:00.")
    bot.api.send_text(OLENA, "hours? Коли ви відкриті?")
    told = (await bot.api.wait_for_messages(OLENA.user_id, 2))[-1]
    assert told["text"].startswith("Увага: сьогодні бюро відчиняється пізніше, о 11:00.")

    # Open the day again and take the notice away.
    await row.locator("button").click()
    await expect(page.locator('tr[data-day="2026-11-26"]')).to_have_count(0)
    await page.click("#notice button:has-text('Hinweis entfernen')")
    await expect(page.locator("#current-notice")).to_have_text("Kein Hinweis.")
    await expect(page.locator("#told-now")).to_contain_text("Wir haben jetzt geöffnet, bis 17:00.")

    # Presence: the colleague sets themselves away from the header.
    await page.click("#presence button")
    await expect(page.locator("#presence-state")).to_have_text("abwesend")
    if axe_available():
        violations = await axe_violations(page)
        assert not violations, describe(violations)
    assert [problem for problem in problems if "favicon" not in problem] == []
    await page.close()
