"""Answer questions about opening hours, adding the Ukraine team's hours for those who need them."""

from __future__ import annotations

from actions.context import ActionContext
from core.messages import Reply
from core.teams import UKRAINE_TEAM_LANGUAGES


def answer_office_hours(ctx: ActionContext) -> Reply:
    """Say whether the office is open now, its hours, and for uk/ru speakers the Ukraine team's hours."""
    text = ctx.answer_text()
    if ctx.language in UKRAINE_TEAM_LANGUAGES:
        text = f"{text}\n{ctx.ui('ukraine_hours_extra')}"
    return ctx.reply(text, ctx.topic_buttons(ctx.content.topics[ctx.topic].buttons))
