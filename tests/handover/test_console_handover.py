"""The terminal channel during a handover: it prints nothing for messages that go to staff."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

from bot.channels.console import run_console
from core.content import Content
from core.settings import Settings


async def test_the_terminal_stays_silent_while_staff_have_the_conversation(
    fake_settings: Settings, content: Content, tmp_path: Path
) -> None:
    settings = replace(fake_settings, database_url=f"sqlite+aiosqlite:///{tmp_path / 'console.db'}")
    lines = ["I want to talk to a person", "What are your hours?", "1", "What are your hours?"]
    sink = io.StringIO()
    assert await run_console(settings, io.StringIO("\n".join(lines) + "\n"), sink) == 0
    said = sink.getvalue()
    # A terminal takes text only: the confirmation invites no photos or documents.
    confirmation = said.index(content.ui_text("handover_meanwhile_text", "en"))
    assert content.ui_text("handover_meanwhile", "en") not in said
    handback = said.index(content.ui_text("handover_closed", "en"))
    hours = "Open consultation hours at the Office for Integration Questions"
    assert hours and said.count(hours) == 1, "the question asked during the handover got no automatic answer"
    assert confirmation < handback < said.index(hours)
    assert f"[1] {content.ui_text('handover_cancel', 'en')}" in said
