"""Answer with the open consultation's hours, adding the Ukraine team's hours for those who need them."""

from __future__ import annotations

from actions.context import ActionContext
from actions.placeholders import fill
from core.messages import Reply
from core.availability import UKRAINE_TEAM_LANGUAGES


def answer_with_hours(ctx: ActionContext) -> Reply:
    """Answer with the topic's text (office hours, referral), for uk/ru speakers with the Ukraine team's hours."""
    text = ctx.answer_text()
    if ctx.language in UKRAINE_TEAM_LANGUAGES:
        lines = text.split("\n")
        hours = fill("{consultation_hours}", ctx.content, ctx.language, ctx.now, ctx.office)
        # Right after the consultation's hours, before a closing offer ("I can pass your question on").
        at = max((i + 1 for i, line in enumerate(lines) if hours in line), default=len(lines))
        text = "\n".join([*lines[:at], ctx.ui("ukraine_hours_extra"), *lines[at:]])
    return ctx.reply(text, ctx.topic_buttons(ctx.content.topics[ctx.topic].buttons))
