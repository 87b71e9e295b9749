"""Replies for when we cannot answer a topic: unsure, not understood, unreadable or NLU down."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from actions.context import ActionContext
from core.messages import Button, Reply
from core.topics import OUT_OF_SCOPE

# Topics never offered as a "did you mean" button: they are not questions a person would pick.
_NOT_SUGGESTED = frozenset({OUT_OF_SCOPE, "greeting", "thanks", "goodbye", "human_handover"})

MAX_SUGGESTIONS = 2


def clarify(ctx: ActionContext, likely_topics: Sequence[str]) -> Reply:
    """Offer up to two likely topics and a person, instead of guessing."""
    suggestions = [topic for topic in likely_topics if topic not in _NOT_SUGGESTED][:MAX_SUGGESTIONS]
    buttons = ctx.topic_buttons([*suggestions, "human_handover"])
    key = "unsure" if suggestions else "not_understood"
    return ctx.reply(ctx.ui(key), buttons, OUT_OF_SCOPE)


def offer_handover(ctx: ActionContext, likely_topics: Sequence[str]) -> Reply:
    """Offer, after repeated misunderstandings, to pass the question to staff; keep likely topics as well."""
    suggestions = [topic for topic in likely_topics if topic not in _NOT_SUGGESTED][:MAX_SUGGESTIONS]
    accept = Button(ctx.ui("handover_accept"), "topic:human_handover")
    return ctx.reply(ctx.ui("handover_offer"), (accept, *ctx.topic_buttons(suggestions)), OUT_OF_SCOPE)


def menu_notice(ctx: ActionContext, key: str) -> Reply:
    """Answer with a short notice (empty message, sticker, NLU down, ...) and the topic menu."""
    return replace(ctx.reply(ctx.ui(key), ctx.menu_buttons()), topic=None)
