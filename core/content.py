"""Load and validate the assistant's content: answers, labels, examples, languages and hours."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Formatter
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from core.errors import ContentError
from core.schedule import Closures, OfficeSchedule, parse_closed_days, parse_slot
from core.topics import PRODUCT_TOPICS

# Placeholders an answer may use; the dialogue fills them in (see actions/placeholders.py).
ANSWER_PLACEHOLDERS: frozenset[str] = frozenset(
    {"consultation_hours", "ukraine_hours", "open_status", "ukraine_status"}
)

# Every interface string, with the placeholders it may use.
UI_PLACEHOLDERS: Mapping[str, frozenset[str]] = {
    "open_now": frozenset({"until"}),
    "closed_now": frozenset({"next"}),
    "ukraine_open_now": frozenset({"until"}),
    "ukraine_closed_now": frozenset({"next"}),
    "ukraine_hours_extra": frozenset({"ukraine_hours"}),
    "menu_prompt": frozenset(),
    "unsure": frozenset(),
    "not_understood": frozenset(),
    "nlu_unavailable": frozenset(),
    "empty_message": frozenset(),
    "no_words": frozenset(),
    "message_too_long": frozenset(),
    "non_text": frozenset(),
    "language_switched": frozenset(),
    "choose_language": frozenset(),
    "talk_to_person": frozenset(),
    "slow_down": frozenset(),
    "group_not_supported": frozenset(),
    "command_start": frozenset(),
    "privacy_telegram": frozenset(),
    # The web chat's widget and its polite answers to frames it cannot take.
    "web_title": frozenset(),
    "web_input_label": frozenset(),
    "web_send": frozenset(),
    "web_language": frozenset(),
    "web_open": frozenset(),
    "web_close": frozenset(),
    "web_you": frozenset(),
    "web_assistant": frozenset(),
    "web_suggestions": frozenset(),
    "web_connecting": frozenset(),
    "web_offline": frozenset(),
    "web_too_long": frozenset(),
    "web_privacy": frozenset({"hours"}),
    "web_bad_frame": frozenset(),
    "web_error": frozenset(),
    # Handing a conversation to staff and back, and erasing what was said with them.
    "handover_started_open": frozenset(),
    "handover_started_closed": frozenset({"next"}),
    "handover_started_later": frozenset(),
    "handover_meanwhile": frozenset(),
    "handover_closed": frozenset(),
    "handover_offer": frozenset(),
    "handover_accept": frozenset(),
    "handover_cancel": frozenset(),
    "delete_confirmed": frozenset(),
    "command_delete": frozenset(),
    "privacy_handover": frozenset({"days"}),
    "handover_staff_label": frozenset(),
}

MIN_EXAMPLES_PER_LANGUAGE = 15


@dataclass(frozen=True)
class Language:
    """A language the assistant speaks, and the words people use to ask for it."""

    code: str
    name: str
    rtl: bool
    switch_phrases: tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    """One topic: its answer, button label and training examples in every language."""

    id: str
    answers: Mapping[str, str]
    labels: Mapping[str, str]
    examples: Mapping[str, tuple[str, ...]]
    buttons: tuple[str, ...]


@dataclass(frozen=True)
class Content:
    """Everything the assistant says and learns from, loaded from data/."""

    default_language: str
    languages: Mapping[str, Language]
    # Said in several languages at once to someone writing in a language we do not speak.
    unsupported_reply: str
    topics: Mapping[str, Topic]
    ui: Mapping[str, Mapping[str, str]]
    schedules: Mapping[str, OfficeSchedule]

    def ui_text(self, key: str, language: str) -> str:
        """Return interface string `key` in `language`, falling back to the default language."""
        texts = self.ui.get(language) or self.ui[self.default_language]
        return texts.get(key) or self.ui[self.default_language][key]

    def answer(self, topic: str, language: str) -> str:
        answers = self.topics[topic].answers
        return answers.get(language) or answers[self.default_language]

    def label(self, topic: str, language: str) -> str:
        labels = self.topics[topic].labels
        return labels.get(language) or labels[self.default_language]

    def is_rtl(self, language: str) -> bool:
        known = self.languages.get(language)
        return known.rtl if known else False


def load_content(data_dir: Path) -> Content:
    """Read data/ into a Content object; raise ContentError listing every problem found."""
    problems = check_content(data_dir)
    if problems:
        raise ContentError("; ".join(problems))
    return _build(data_dir)


def load_schedules(data_dir: Path) -> dict[str, OfficeSchedule]:
    """Read only data/schedule.yml into each team's hours (for parts that need no answers or examples)."""
    return _build_schedules(_read_yaml(data_dir / "schedule.yml"))


def load_language_codes(data_dir: Path) -> tuple[str, ...]:
    """Read only data/languages.yml: the codes of the languages the assistant speaks, in order."""
    return tuple(str(code) for code in _read_yaml(data_dir / "languages.yml")["languages"])


def check_content(data_dir: Path) -> list[str]:
    """Return a human-readable list of everything wrong with the content under `data_dir`."""
    problems: list[str] = []
    try:
        languages_doc = _read_yaml(data_dir / "languages.yml")
        ui_doc = _read_yaml(data_dir / "ui.yml")
        schedule_doc = _read_yaml(data_dir / "schedule.yml")
    except ContentError as error:
        return [str(error)]
    codes = list((languages_doc.get("languages") or {}).keys())
    if not codes:
        return ["languages.yml lists no languages"]
    if languages_doc.get("default") not in codes:
        problems.append("languages.yml: default language is not one of the languages")
    unsupported = languages_doc.get("unsupported_reply")
    if not isinstance(unsupported, str) or not unsupported.strip():
        problems.append("languages.yml: unsupported_reply is missing or empty")
    else:
        problems += [f"languages.yml: unsupported_reply: {p}" for p in _placeholder_problems(unsupported, frozenset({"languages"}))]
    switch = languages_doc.get("switch_phrases") or {}
    for code in codes:
        if not switch.get(code):
            problems.append(f"languages.yml: no switch_phrases for {code}")
    problems += _check_ui(ui_doc, codes)
    problems += _check_schedule(schedule_doc)
    problems += _check_topics(data_dir / "faq", codes)
    return problems


def _check_ui(ui_doc: dict[str, Any], codes: list[str]) -> list[str]:
    problems: list[str] = []
    for code in codes:
        texts = ui_doc.get(code) or {}
        for key, allowed in UI_PLACEHOLDERS.items():
            text = texts.get(key)
            if not isinstance(text, str) or not text.strip():
                problems.append(f"ui.yml: {code}: missing or empty '{key}'")
                continue
            problems += [f"ui.yml: {code}: {key}: {p}" for p in _placeholder_problems(text, allowed)]
        for key in texts:
            if key not in UI_PLACEHOLDERS:
                problems.append(f"ui.yml: {code}: unknown key '{key}'")
    return problems


def _check_schedule(doc: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    try:
        ZoneInfo(str(doc.get("timezone")))
        parse_closed_days(doc.get("closures") or [])
        for name in ("consultation", "ukraine"):
            slots = (doc.get("schedules") or {}).get(name)
            if not slots:
                problems.append(f"schedule.yml: schedule '{name}' is missing")
                continue
            for slot in slots:
                parse_slot(slot)
    except (KeyError, ValueError, TypeError) as error:
        problems.append(f"schedule.yml: {error}")
    return problems


def _check_topics(faq_dir: Path, codes: list[str]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    owner_of_example: dict[str, str] = {}
    for path in sorted(faq_dir.glob("*.yml")):
        try:
            doc = _read_yaml(path)
        except ContentError as error:
            problems.append(str(error))
            continue
        topic = doc.get("topic")
        where = f"faq/{path.name}"
        if topic != path.stem:
            problems.append(f"{where}: topic '{topic}' does not match the file name")
        if topic not in PRODUCT_TOPICS:
            problems.append(f"{where}: topic '{topic}' is not a topic id of PRODUCT.md")
        seen.add(str(topic))
        for button in doc.get("buttons") or []:
            if button not in PRODUCT_TOPICS:
                problems.append(f"{where}: button '{button}' is not a topic")
        for code in codes:
            answer = (doc.get("answers") or {}).get(code)
            if not isinstance(answer, str) or not answer.strip():
                problems.append(f"{where}: missing or empty answer in '{code}'")
            else:
                problems += [f"{where}: {code}: {p}" for p in _placeholder_problems(answer, ANSWER_PLACEHOLDERS)]
            label = (doc.get("labels") or {}).get(code)
            if not isinstance(label, str) or not label.strip():
                problems.append(f"{where}: missing or empty label in '{code}'")
            examples = (doc.get("examples") or {}).get(code) or []
            if len(examples) < MIN_EXAMPLES_PER_LANGUAGE:
                problems.append(
                    f"{where}: {len(examples)} examples in '{code}', "
                    f"at least {MIN_EXAMPLES_PER_LANGUAGE} needed"
                )
            for example in examples:
                key = _normalise_example(str(example))
                other = owner_of_example.setdefault(key, str(topic))
                if other != topic:
                    problems.append(f"{where}: example '{example}' is also an example of '{other}'")
        unknown = set(doc.get("answers") or {}) - set(codes)
        if unknown:
            problems.append(f"{where}: answers in unknown languages {sorted(unknown)}")
    for missing in sorted(PRODUCT_TOPICS - seen):
        problems.append(f"faq/: no file for topic '{missing}'")
    return problems


def _placeholder_problems(text: str, allowed: frozenset[str]) -> list[str]:
    try:
        fields = {name for _, name, _, _ in Formatter().parse(text) if name is not None}
    except ValueError as error:
        return [f"malformed placeholder ({error})"]
    return [f"unknown placeholder '{{{name}}}'" for name in sorted(fields - allowed)]


def _normalise_example(text: str) -> str:
    return " ".join(text.casefold().split())


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            doc = yaml.safe_load(handle)
    except FileNotFoundError as error:
        raise ContentError(f"{path.name}: file not found") from error
    except yaml.YAMLError as error:
        raise ContentError(f"{path.name}: not valid YAML ({error})") from error
    if not isinstance(doc, dict):
        raise ContentError(f"{path.name}: expected a mapping at the top level")
    return doc


def _build(data_dir: Path) -> Content:
    languages_doc = _read_yaml(data_dir / "languages.yml")
    switch = languages_doc["switch_phrases"]
    languages = {
        code: Language(
            code=code,
            name=str(spec["name"]),
            rtl=bool(spec.get("rtl", False)),
            switch_phrases=tuple(str(p).casefold() for p in switch[code]),
        )
        for code, spec in languages_doc["languages"].items()
    }
    topics: dict[str, Topic] = {}
    for path in sorted((data_dir / "faq").glob("*.yml")):
        doc = _read_yaml(path)
        topics[doc["topic"]] = Topic(
            id=doc["topic"],
            answers={code: str(text).strip() for code, text in doc["answers"].items()},
            labels={code: str(text).strip() for code, text in doc["labels"].items()},
            examples={code: tuple(str(e) for e in ex) for code, ex in doc["examples"].items()},
            buttons=tuple(doc.get("buttons") or ()),
        )
    ui_doc = _read_yaml(data_dir / "ui.yml")
    ui = {code: {key: str(text).strip() for key, text in ui_doc[code].items()} for code in languages}
    return Content(
        default_language=str(languages_doc["default"]),
        languages=languages,
        unsupported_reply=str(languages_doc["unsupported_reply"]).strip(),
        topics=topics,
        ui=ui,
        schedules=load_schedules(data_dir),
    )


def _build_schedules(doc: dict[str, Any]) -> dict[str, OfficeSchedule]:
    zone = ZoneInfo(str(doc["timezone"]))
    public = doc.get("holidays") or {}
    closures = Closures(
        country=str(public.get("country", "DE")),
        subdivision=public.get("subdivision"),
        extra_days=parse_closed_days(doc.get("closures") or []),
    )
    return {
        name: OfficeSchedule(
            name=name,
            slots=tuple(parse_slot(slot) for slot in slots),
            timezone=zone,
            is_closed_day=closures,
        )
        for name, slots in doc["schedules"].items()
    }
