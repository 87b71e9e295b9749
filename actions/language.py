"""Switch the reply language on request, and answer messages in languages we do not speak."""

from __future__ import annotations

import re

from actions.context import ActionContext
from core.content import Content
from core.messages import Reply

_PUNCTUATION = re.compile(r"[^\w\s-]")


def requested_language(content: Content, text: str) -> str | None:
    """Find which language a "please answer in X" message asks for, if it names exactly one."""
    words = f" {' '.join(_PUNCTUATION.sub(' ', text.casefold()).split())} "
    found = {
        code
        for code, language in content.languages.items()
        for phrase in language.switch_phrases
        if f" {phrase} " in words or (len(phrase) > 5 and phrase in words)
    }
    return found.pop() if len(found) == 1 else None


def confirm_language(ctx: ActionContext) -> Reply:
    """Confirm, in the newly chosen language, that answers will now come in it."""
    return ctx.reply(f"{ctx.ui('language_switched')}\n{ctx.ui('menu_prompt')}", ctx.menu_buttons(), "language_switch")


def offer_languages(ctx: ActionContext) -> Reply:
    """Ask which language the person wants, with one button per language."""
    return ctx.reply(ctx.ui("choose_language"), ctx.language_buttons(), "language_switch")


def unsupported_language(ctx: ActionContext) -> Reply:
    """Tell, in several languages at once, which languages the assistant speaks."""
    names = ", ".join(language.name for language in ctx.content.languages.values())
    return ctx.reply(ctx.content.unsupported_reply.format(languages=names), ctx.language_buttons(), "unsupported_language")
