"""Answers that end with the topic menu: greeting, help and things we cannot help with."""

from __future__ import annotations

from actions.context import ActionContext
from core.messages import Reply


def answer_with_menu(ctx: ActionContext) -> Reply:
    """Answer and offer the main topics as buttons."""
    return ctx.reply(ctx.answer_text(), ctx.menu_buttons())
