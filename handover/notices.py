"""What the person is told when a handover starts and ends, honest about when someone will answer."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from actions.context import ActionContext
from actions.handover import CANCEL_PAYLOAD
from actions.placeholders import moment
from core.channels import TELEGRAM, WEB
from core.content import Content
from core.messages import Button, Reply
from core.schedule import OpenStatus
from core.teams import schedule_for

TOPIC = "human_handover"
# Closer than this to the end of the hours, "shortly" would not be honest: name the next opening.
LAST_CALL = timedelta(minutes=15)


def staffed_now(status: OpenStatus, now: datetime) -> bool:
    """Tell whether a colleague can still answer "shortly" within the current hours."""
    return status.open_now and status.until is not None and status.until - now >= LAST_CALL


# What each channel lets a person send staff besides text, as the confirmation invites it.
MEANWHILE = {TELEGRAM: "handover_meanwhile", WEB: "handover_meanwhile_web"}


def confirmation(content: Content, language: str, now: datetime, channel: str = TELEGRAM) -> Reply:
    """Confirm the handover: someone answers shortly in the hours, or from the next opening outside them.

    The invitation to write meanwhile promises only what the person's channel can send.
    """
    ctx = ActionContext(content, TOPIC, language, now)
    status = schedule_for(content, language).status(now)
    if staffed_now(status, now):
        when = ctx.ui("handover_started_open")
    elif status.next_opening is not None:
        # Near the end of the hours this is already the opening after them.
        opening = moment(status.next_opening, language)
        when = content.ui_text("handover_started_closed", language).format(next=opening)
    else:
        when = ctx.ui("handover_started_later")
    meanwhile = ctx.ui(MEANWHILE.get(channel, "handover_meanwhile_text"))
    return ctx.reply(f"{when}\n\n{meanwhile}", (cancel_button(ctx),), TOPIC)


def cancel_button(ctx: ActionContext) -> Button:
    """The way back to the assistant, offered with everything the person gets during a handover."""
    return Button(ctx.ui("handover_cancel"), CANCEL_PAYLOAD)


def joined(content: Content, language: str, now: datetime) -> Reply:
    """Tell the person a colleague has joined and will answer here; the way back stays offered."""
    ctx = ActionContext(content, TOPIC, language, now)
    return ctx.reply(ctx.ui("handover_joined"), (cancel_button(ctx),), TOPIC)


def handback(content: Content, language: str, now: datetime) -> Reply:
    """Tell the person they are back with the assistant, with the topic menu."""
    ctx = ActionContext(content, TOPIC, language, now)
    return ctx.reply(ctx.ui("handover_closed"), ctx.menu_buttons(), TOPIC)


def staff_reply(content: Content, text: str, language: str) -> Reply:
    """Wrap a colleague's words, with the way back to the assistant; no topic marks them as staff's."""
    cancel = Button(content.ui_text("handover_cancel", language), CANCEL_PAYLOAD)
    return Reply(text=text, language=language, buttons=(cancel,), topic=None, rtl=written_right_to_left(text))


def written_right_to_left(text: str) -> bool:
    """Tell whether a text starts in a right-to-left script (its first letter decides)."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False
