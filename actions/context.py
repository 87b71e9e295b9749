"""What an action knows when it answers, and the replies and buttons every action builds."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from actions.placeholders import NOTHING_SET, fill
from core.availability import OfficeState
from core.content import Content
from core.localise import isolate_ltr_runs
from core.messages import Button, Reply
from core.topics import MENU_TOPICS


@dataclass(frozen=True)
class ActionContext:
    """The topic to answer, in which language, at what moment, from which content."""

    content: Content
    topic: str
    language: str
    now: datetime
    # The topic's sub-case to answer (e.g. German courses within courses), if the message asked one.
    variant: str | None = None
    # What the office has set (closures, notice, presence) as the moment's answers must reflect.
    office: OfficeState = NOTHING_SET

    def answer_text(self, topic: str | None = None) -> str:
        variant = self.variant if topic in (None, self.topic) else None
        text = self.content.answer(topic or self.topic, self.language, variant)
        return fill(text, self.content, self.language, self.now, self.office)

    def ui(self, key: str) -> str:
        return fill(self.content.ui_text(key, self.language), self.content, self.language, self.now, self.office)

    def topic_buttons(self, topics: Iterable[str]) -> tuple[Button, ...]:
        return tuple(Button(self.content.label(t, self.language), f"topic:{t}") for t in dict.fromkeys(topics))

    def menu_buttons(self) -> tuple[Button, ...]:
        return self.topic_buttons(MENU_TOPICS)

    def language_buttons(self) -> tuple[Button, ...]:
        return tuple(Button(lang.name, f"language:{code}") for code, lang in self.content.languages.items())

    def reply(self, text: str, buttons: tuple[Button, ...] = (), topic: str | None = None) -> Reply:
        rtl = self.content.is_rtl(self.language)
        return Reply(
            # German names and Latin-script words keep their order inside Arabic and Persian text.
            text=isolate_ltr_runs(text) if rtl else text,
            language=self.language,
            buttons=buttons,
            topic=topic or self.topic,
            rtl=rtl,
        )


Action = Callable[[ActionContext], Reply]
