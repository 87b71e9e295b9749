"""Answer a topic with its text from data/faq/ and the buttons listed there."""

from __future__ import annotations

from actions.context import ActionContext
from core.messages import Reply


def answer_faq(ctx: ActionContext) -> Reply:
    """Answer with the topic's content, placeholders filled in."""
    return ctx.reply(ctx.answer_text(), ctx.topic_buttons(ctx.content.topics[ctx.topic].buttons))
