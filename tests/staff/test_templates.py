"""Reply templates in the staff app: seeded once, managed with review marks, inserted in the person's language."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.async_api import Browser, expect

from accounts.service import AccountService
from actions.placeholders import weekly_hours
from core.content import Content
from core.settings import PROJECT_ROOT
from core.templates import load_template_seeds
from handover.templates import TemplateStore
from staff.inbox import STAFF_INBOX
from tests.fakes.telegram_api import Person
from tests.handover.conftest import StaffedBot
from tests.handover.test_telegram_handover import handover_of, staff_text
from tests.staff.conftest import PASSWORD, Colleague, base_url

OLENA = Person(1001, "Olena", "uk")
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


async def test_the_first_set_is_seeded_once_and_a_deleted_template_stays_deleted(bot: StaffedBot, olga: Colleague) -> None:
    store = TemplateStore(bot.app[STAFF_INBOX].database)
    templates = await store.all()
    assert [t.title for t in templates] == [seed.title for seed in load_template_seeds(PROJECT_ROOT / "data")]
    assert all(len(t.texts) == 7 and not t.reviewed_by for t in templates)
    await store.retire(templates[-1].id, "Olga", NOW)
    assert await store.seed(load_template_seeds(PROJECT_ROOT / "data"), NOW) == 0
    assert len(await store.all()) == len(templates) - 1


async def test_a_colleague_edits_a_template_and_marks_a_language_checked(bot: StaffedBot, olga: Colleague) -> None:
    async with olga.http.get(f"{olga.base}/staff/templates") as response:
        listing = await response.text()
    assert "Sprechzeiten" in listing and "Ukrainisch (uk)" in listing and "nicht muttersprachlich geprüft" in listing
    first = re.search(r'href="/staff/templates/(\d+)"', listing)
    assert first is not None
    url = f"{olga.base}/staff/templates/{first.group(1)}"
    form = {"csrf_token": olga.csrf, "title": "Sprechzeiten (neu)", "text_de": "Dienstag und Donnerstag.", "reviewed_de": "1"}
    form.update({f"text_{code}": f"{code} text" for code in ("en", "uk", "ru", "ar", "fa", "tr")})
    async with olga.http.post(url, data=form, allow_redirects=False) as response:
        assert response.status == 303
    async with olga.http.get(f"{olga.base}/staff/templates") as response:
        listing = await response.text()
    card = listing.split(f'data-id="{first.group(1)}"', 1)[1].split("</article>", 1)[0]
    assert "Sprechzeiten (neu)" in card and "✓ geprüft von Olga" in card and card.count("nicht muttersprachlich geprüft") == 6
    # A changed text is no longer checked, unless the box is ticked again.
    form["text_de"] = "Dienstag und Donnerstag, ohne Termin."
    form.pop("reviewed_de")
    async with olga.http.post(url, data=form, allow_redirects=False) as response:
        assert response.status == 303
    async with olga.http.get(f"{olga.base}/staff/templates") as response:
        card = (await response.text()).split(f'data-id="{first.group(1)}"', 1)[1].split("</article>", 1)[0]
    assert "geprüft von" not in card
    # Without the CSRF token nothing changes.
    async with olga.http.post(url, data={**form, "csrf_token": "wrong"}, allow_redirects=False) as response:
        assert response.status == 403


async def test_a_german_colleague_answers_in_ukrainian_with_a_template(
    bot: StaffedBot, accounts: AccountService, browser: Browser, content: Content
) -> None:
    bot.api.send_text(OLENA, "/human")
    handover = await handover_of(bot, OLENA)
    page = await browser.new_page()
    await page.goto(f"{base_url(bot)}/login?next=/staff/c/{handover.id}")
    await page.fill("#username", "jonas")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page.locator("#live")).to_have_text("live")
    await page.click("button.claim")
    await expect(page.locator("#state")).to_have_text("bei Ihnen")
    # The templates are offered in Olena's language, filled in with the hours in Ukrainian.
    hours = page.locator("button.template", has_text="Sprechzeiten").first
    await expect(page.locator("#templates-label")).to_contain_text("Ukrainisch (uk)")
    await page.fill("#reply-text", "Добрий день!")
    await hours.click()
    value = await page.input_value("#reply-text")
    assert value.startswith("Добрий день! Відкрита консультація")
    assert weekly_hours(content.office.hours["consultation"], "uk") in value
    # By keyboard: Alt+T reaches the templates, Enter inserts one where the cursor was.
    await page.fill("#reply-text", "")
    await page.focus("#reply-text")
    await page.keyboard.press("Alt+t")
    assert await page.evaluate("() => document.activeElement.classList.contains('template')")
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Enter")
    assert await page.evaluate("() => document.activeElement.id") == "reply-text"
    inserted = await page.input_value("#reply-text")
    assert inserted.startswith("Для людей з України")
    # Edited, then sent as any reply.
    await page.press("#reply-text", "End")
    await page.keyboard.type(" До зустрічі!")
    await page.press("#reply-text", "Enter")
    # The confirmation, "a colleague has joined" (on the claim), then this reply.
    sent = (await bot.api.wait_for_messages(OLENA.user_id, 3))[-1]
    assert sent["text"] == staff_text(content, "uk", inserted + " До зустрічі!")
    await page.close()
