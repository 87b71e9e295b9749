"""What the person is told when a handover starts and ends, honest about when someone will answer."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from actions.context import ActionContext
from actions.handover import CANCEL_PAYLOAD
from actions.placeholders import NOTHING_SET, day_off_reason, upcoming
from core.availability import OfficeState, availability
from core.content import Content
from core.localise import localise_digits
from core.messages import Button, Reply

TOPIC = "human_handover"


def confirmation(content: Content, language: str, now: datetime, office: OfficeState = NOTHING_SET) -> Reply:
    """Confirm the handover, honest about who answers: a colleague present now, within the hours, or from the next opening."""
    ctx = ActionContext(content, TOPIC, language, now, office=office)
    found = availability(content.office, office, language, now)
    say = content.office_text
    if found.colleague_present:
        when = say("handover_present", language)
    elif found.open_now and found.until is not None and not found.closing_soon:
        when = say("handover_open", language).format(until=f"{found.until:%H:%M}")
    elif found.open_now and found.until is not None and found.next_opening is not None:
        # In the last minutes of the hours: say when it closes and who answers after that.
        nxt = upcoming(found.next_opening, found.now, content, language)
        when = say("handover_closing", language).format(until=f"{found.until:%H:%M}", next=nxt)
    else:
        if found.day_off is not None:
            closed = say("closed_today", language).format(reason=day_off_reason(found.day_off, content, language))
        else:
            closed = say("closed_now", language)
        if found.next_opening is None:
            later = say("handover_later", language)
        else:
            later = say("handover_closed", language).format(next=upcoming(found.next_opening, found.now, content, language))
        when = f"{closed} {later}"
    cancel = Button(ctx.ui("handover_cancel"), CANCEL_PAYLOAD)
    return ctx.reply(f"{localise_digits(when, language)}\n\n{ctx.ui('handover_meanwhile')}", (cancel,), TOPIC)


def handback(content: Content, language: str, now: datetime) -> Reply:
    """Tell the person they are back with the assistant, with the topic menu."""
    ctx = ActionContext(content, TOPIC, language, now)
    return ctx.reply(ctx.ui("handover_closed"), ctx.menu_buttons(), TOPIC)


def staff_reply(text: str, language: str) -> Reply:
    """Wrap a colleague's words; no topic marks them as staff's, not the assistant's."""
    return Reply(text=text, language=language, topic=None, rtl=written_right_to_left(text))


def written_right_to_left(text: str) -> bool:
    """Tell whether a text starts in a right-to-left script (its first letter decides)."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False
