"""Unread marks per conversation, the tab title, and the opt-in sound and desktop notice, also in a visible tab."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from accounts.service import AccountService
from tests.fakes.telegram_api import Person
from tests.handover.conftest import StaffedBot
from tests.handover.test_telegram_handover import handover_of, incoming
from tests.staff.conftest import PASSWORD, Colleague, base_url

OLENA = Person(1001, "Olena", "uk")
AHMAD = Person(1002, "Ahmad", "ar")
# The browser's notification and audio, recorded instead of shown and played (the seam is the browser API).
RECORDERS = """
window.__notices = [];
window.__tones = 0;
class RecordedNotification {
  constructor(title, options) { window.__notices.push({ title, body: options && options.body }); }
  static get permission() { return localStorage.getItem("recorded-permission") || "default"; }
  static requestPermission() { localStorage.setItem("recorded-permission", "granted"); return Promise.resolve("granted"); }
}
window.Notification = RecordedNotification;
class RecordedAudio {
  constructor() { this.currentTime = 0; this.destination = {}; }
  resume() { return Promise.resolve(); }
  createGain() { return { gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect(n) { return n; } }; }
  createOscillator() {
    return { frequency: {}, connect(n) { return n; }, start() { window.__tones += 1; }, stop() {} };
  }
}
window.AudioContext = RecordedAudio;
"""


async def logged_in(browser: Browser, bot: StaffedBot, username: str, path: str = "/staff/") -> Page:
    context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="de-DE")
    await context.add_init_script(RECORDERS)
    page = await context.new_page()
    await page.goto(f"{base_url(bot)}/login?next={path}")
    await page.fill("#username", username)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page.locator("#live")).to_have_text("live")
    return page


async def test_sound_and_notice_for_a_new_request_while_the_inbox_is_in_front(
    bot: StaffedBot, accounts: AccountService, browser: Browser
) -> None:
    page = await logged_in(browser, bot, "olga")
    assert await page.evaluate("() => document.visibilityState") == "visible"
    # Nothing until the colleague opts in.
    bot.api.send_text(OLENA, "/human")
    await expect(page.locator("tr.handover", has_text="Olena")).to_be_visible()
    await page.wait_for_timeout(300)
    assert await page.evaluate("() => [window.__notices.length, window.__tones]") == [0, 0]
    await page.click("#sound")
    await expect(page.locator("#sound")).to_have_attribute("aria-pressed", "true")
    await page.click("#notify")
    await expect(page.locator("#notify")).to_have_attribute("aria-pressed", "true")
    tones_after_opt_in = await page.evaluate("() => window.__tones")
    bot.api.send_text(AHMAD, "/human")
    await expect(page.locator("tr.handover", has_text="Ahmad")).to_be_visible()
    await expect(page).to_have_title("(2) Posteingang – Büro für Integrationsfragen")
    notices = await page.evaluate("() => window.__notices")
    assert notices == [{"title": "Posteingang", "body": "Eine neue Anfrage wartet."}]
    assert await page.evaluate("() => window.__tones") == tones_after_opt_in + 1
    # The choices hold after a reload.
    await page.reload()
    await expect(page.locator("#sound")).to_have_attribute("aria-pressed", "true")
    await page.context.close()


async def test_unread_until_opened_and_a_handed_conversation_tells_its_new_holder(
    bot: StaffedBot, accounts: AccountService, olga: Colleague, browser: Browser
) -> None:
    bot.api.send_text(OLENA, "/human")
    handover = await handover_of(bot, OLENA)
    page = await logged_in(browser, bot, "jonas")
    row = page.locator(f'tr[data-id="{handover.id}"]')
    await expect(row.locator(".badge.unread")).to_have_text("neu")
    await page.click("#notify")
    # Jonas opens it: no longer new for him, still new for Olga.
    await row.locator("a").click()
    await expect(page.locator("#state")).to_be_visible()
    await page.goto(f"{base_url(bot)}/staff/")
    await expect(page.locator(f'tr[data-id="{handover.id}"]')).to_be_visible()
    await expect(page.locator(f'tr[data-id="{handover.id}"] .badge.unread')).to_have_count(0)
    async with olga.http.get(f"{olga.base}/staff/") as response:
        assert '<span class="badge unread">neu</span>' in await response.text()
    # Olga hands it to Jonas with a note: his inbox shows it as his, new, and tells him.
    async with olga.http.get(f"{olga.base}/staff/c/{handover.id}") as response:
        jonas_key = (await response.text()).split('<option value="', 2)[2].split('"', 1)[0]
    handed = await olga.post(f"/staff/c/{handover.id}/hand", to=jonas_key, note="Bitte du, es geht um Arbeit.")
    assert handed.status == 200
    mine = page.locator('section[data-section="mine"]')
    await expect(mine.locator(f'tr[data-id="{handover.id}"] .badge.unread')).to_have_text("neu")
    await expect(page).to_have_title("(1) Posteingang – Büro für Integrationsfragen")
    assert await page.evaluate("() => window.__notices") == [{"title": "Posteingang", "body": "Ihnen wurde ein Gespräch übergeben."}]
    # A new message from the person in his conversation marks it new again once he has read it.
    await mine.locator("a").first.click()
    await expect(page.locator("li.internal-note")).to_contain_text("Bitte du, es geht um Arbeit.")
    await page.goto(f"{base_url(bot)}/staff/")
    await expect(page.locator(f'tr[data-id="{handover.id}"] .badge.unread')).to_have_count(0)
    bot.api.send_text(OLENA, "Дякую, чекаю")
    await incoming(bot, handover.id, 1)
    await expect(page.locator(f'tr[data-id="{handover.id}"] .badge.unread')).to_have_count(1)
    await page.context.close()
