"""Which action answers which topic; topics not listed get their FAQ answer."""

from __future__ import annotations

from collections.abc import Mapping

from actions.context import Action
from actions.faq import answer_faq
from actions.hours import answer_with_hours
from actions.menu import answer_with_menu

ACTIONS: Mapping[str, Action] = {
    "office_hours": answer_with_hours,
    "referral": answer_with_hours,
    "greeting": answer_with_menu,
    "help": answer_with_menu,
    "out_of_scope": answer_with_menu,
}


def action_for(topic: str) -> Action:
    return ACTIONS.get(topic, answer_faq)
