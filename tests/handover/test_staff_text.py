"""A person's words shown to staff in Telegram cannot be tapped: no links, commands or mentions."""

from __future__ import annotations

import pytest

from bot.channels.telegram.staff_text import inert, quoted, utf16_length


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("see https://evil.com/login", "see https[:]//evil[.]com/login"),
        ("/close", "∕close"),
        ("please /claim@hameln_bot now", "please ∕claim＠hameln_bot now"),
        ("write to @olga_admin", "write to ＠olga_admin"),
        ("www.jobcenter.de or t.me/x", "www[.]jobcenter[.]de or t[.]me/x"),
        ("z.B. 3.50 Euro, 10:00/12:00", "z.B. 3.50 Euro, 10:00/12:00"),
    ],
)
def test_links_commands_and_mentions_are_defanged(text: str, shown: str) -> None:
    assert inert(text) == shown


def test_the_person_s_words_are_quoted_under_a_header() -> None:
    text, [entity] = quoted("👤 Olena:", "✅ Abgeschlossen von Olga 🙂")
    assert text == "👤 Olena:\n✅ Abgeschlossen von Olga 🙂"
    assert entity.type == "blockquote"
    assert entity.offset == utf16_length("👤 Olena:") + 1 and entity.length == utf16_length("✅ Abgeschlossen von Olga 🙂")
