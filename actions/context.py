"""What an action knows when it answers, and the replies and buttons every action builds."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from actions.placeholders import fill
from core.content import Content
from core.messages import Button, Reply
from core.topics import MENU_TOPICS


@dataclass(frozen=True)
class ActionContext:
    """The topic to answer, in which language, at what moment, from which content."""

    content: Content
    topic: str
    language: str
    now: datetime

    def answer_text(self, topic: str | None = None) -> str:
        return fill(self.content.answer(topic or self.topic, self.language), self.content, self.language, self.now)

    def ui(self, key: str) -> str:
        return fill(self.content.ui_text(key, self.language), self.content, self.language, self.now)

    def topic_buttons(self, topics: Iterable[str]) -> tuple[Button, ...]:
        return tuple(Button(self.content.label(t, self.language), f"topic:{t}") for t in dict.fromkeys(topics))

    def menu_buttons(self) -> tuple[Button, ...]:
        return self.topic_buttons(MENU_TOPICS)

    def language_buttons(self) -> tuple[Button, ...]:
        return tuple(Button(lang.name, f"language:{code}") for code, lang in self.content.languages.items())

    def reply(self, text: str, buttons: tuple[Button, ...] = (), topic: str | None = None) -> Reply:
        return Reply(
            text=text,
            language=self.language,
            buttons=buttons,
            topic=topic or self.topic,
            rtl=self.content.is_rtl(self.language),
        )


Action = Callable[[ActionContext], Reply]
