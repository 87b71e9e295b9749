"""Load and validate the assistant's content: answers, labels, examples, languages and hours."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from string import Formatter
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from core.availability import CONSULTATION, UKRAINE, OfficeRules, OfficeState, public_holidays
from core.errors import ContentError
from core.localise import foreign_digits, localise_digits, plural_categories, plural_category
from core.schedule import OfficeSchedule, parse_closed_days, parse_slot
from core.topics import PRODUCT_TOPICS, REVIEW_FIRST

# Placeholders an answer may use; the dialogue fills them in (see actions/placeholders.py).
ANSWER_PLACEHOLDERS: frozenset[str] = frozenset(
    {"consultation_hours", "ukraine_hours", "open_status", "ukraine_status", "closed_days"}
)

# What the assistant says about who can help now (data/availability.yml `texts`), with their placeholders.
AVAILABILITY_PLACEHOLDERS: Mapping[str, frozenset[str]] = {
    "open_now": frozenset({"until"}),
    "open_now_ukraine": frozenset({"until"}),
    "closing_soon": frozenset({"until"}),
    "closed_now": frozenset(),
    "closed_today": frozenset({"reason"}),
    "next_consultation": frozenset({"next"}),
    "next_ukraine": frozenset({"next"}),
    "no_next": frozenset(),
    "today_at": frozenset({"time"}),
    "holidays_closed": frozenset({"dates"}),
    "ukraine_open_now": frozenset({"until"}),
    "ukraine_closing_soon": frozenset({"until"}),
    "ukraine_next": frozenset({"next"}),
    "ukraine_no_next": frozenset(),
    "handover_present": frozenset(),
    "handover_open": frozenset({"until"}),
    "handover_closing": frozenset({"until", "next"}),
    "handover_closed": frozenset({"next"}),
    "handover_later": frozenset(),
}
# Notices name at most a time of day.
NOTICE_PLACEHOLDERS: frozenset[str] = frozenset({"time"})
# Years whose public holidays must all have a name in every language (checked from now on).
HOLIDAY_YEARS_CHECKED = 5

# Every interface string, with the placeholders it may use.
UI_PLACEHOLDERS: Mapping[str, frozenset[str]] = {
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
    # To a message in a language we do not speak, before the same in English and German.
    "other_language": frozenset({"languages"}),
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
    # The same while staff look after the chat: kept until the handover ends, then deleted.
    "web_privacy_team": frozenset({"hours", "days"}),
    "web_bad_frame": frozenset(),
    "web_error": frozenset(),
    # Storage is slow: "one moment" after a few seconds, an apology after half a minute; one address floods.
    "web_wait": frozenset(),
    "web_storage_slow": frozenset(),
    "web_busy": frozenset(),
    # Handing a conversation to staff and back, and erasing what was said with them.
    "handover_meanwhile": frozenset(),
    "handover_closed": frozenset(),
    "handover_offer": frozenset(),
    "handover_accept": frozenset(),
    "handover_cancel": frozenset(),
    "delete_confirmed": frozenset(),
    "command_delete": frozenset(),
    "privacy_handover": frozenset({"days"}),
    "handover_staff_label": frozenset(),
    # Replies that always reach the person: who is there, files in the web chat, moving to Telegram.
    "handover_joined": frozenset(),
    "handover_meanwhile_web": frozenset(),
    "handover_meanwhile_text": frozenset(),
    "web_with_team": frozenset(),
    "web_attach": frozenset(),
    "web_file_sent": frozenset(),
    "web_file_too_big": frozenset(),
    "web_file_type": frozenset(),
    "web_file_no_handover": frozenset(),
    "web_telegram": frozenset(),
    "web_moved": frozenset(),
    "web_new_reply": frozenset(),
    "web_sound": frozenset(),
    "telegram_continued": frozenset(),
    "telegram_link_expired": frozenset(),
}

MIN_EXAMPLES_PER_LANGUAGE = 15
# A variant (a sub-case of a topic with its own answer, e.g. German courses) needs fewer examples.
MIN_VARIANT_EXAMPLES_PER_LANGUAGE = 10

# Nouns that meet a number in interface strings ("{days}"), written in every CLDR plural form.
COUNTED_UNITS: frozenset[str] = frozenset({"days", "hours"})

# Right-to-left script letters: ASCII punctuation right after one is a typing slip in Arabic or Persian.
_RTL_LETTER = "\u0600-\u06ff"


@dataclass(frozen=True)
class Language:
    """A language the assistant speaks, and the words people use to ask for it."""

    code: str
    name: str
    rtl: bool
    switch_phrases: tuple[str, ...]
    # How the office's staff name it, in German ("Ukrainisch" for "Українська").
    german: str = ""


@dataclass(frozen=True)
class Variant:
    """A sub-case of a topic with its own answer and examples (e.g. German courses within courses)."""

    id: str
    answers: Mapping[str, str]
    examples: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Review:
    """A native speaker's confirmation of one language's texts, valid while they stay unchanged."""

    by: str
    on: str
    fingerprint: str


@dataclass(frozen=True)
class Topic:
    """One topic: its answer, button label and training examples in every language."""

    id: str
    answers: Mapping[str, str]
    labels: Mapping[str, str]
    examples: Mapping[str, tuple[str, ...]]
    buttons: tuple[str, ...]
    variants: Mapping[str, Variant] = field(default_factory=dict)
    # The language written in Latin letters ("koly vy pratsiuiete", "shu el dawam 3andkom").
    romanised: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    reviewed: Mapping[str, Review] = field(default_factory=dict)

    def texts(self, language: str) -> str:
        """Return everything a reviewer confirms for `language`: label, answer and variant answers."""
        parts = [self.labels.get(language, ""), self.answers.get(language, "")]
        parts += [variant.answers.get(language, "") for _, variant in sorted(self.variants.items())]
        return "\n".join(parts)


@dataclass(frozen=True)
class OfficeTexts:
    """What is said about availability, per language: sentences, closure reasons, holidays, notices."""

    texts: Mapping[str, Mapping[str, str]]
    reasons: Mapping[str, Mapping[str, str]]
    holidays: Mapping[str, Mapping[str, str]]
    notices: Mapping[str, Mapping[str, str]]
    reviewed: Mapping[str, Review] = field(default_factory=dict)

    def all_of(self, language: str) -> str:
        """Return every text of one language, for a reviewer's fingerprint."""
        parts = [*self.texts.get(language, {}).values()]
        for group in (self.reasons, self.holidays, self.notices):
            parts += [names.get(language, "") for _, names in sorted(group.items())]
        return "\n".join(parts)


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
    # The office's standing rules (hours per team, holidays, yearly closures) and what is said about them.
    office: OfficeRules
    office_texts: OfficeTexts
    # Per language and unit, the noun with its number in every plural form: {"few": "{n} дні"}.
    counts: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)
    ui_reviewed: Mapping[str, Review] = field(default_factory=dict)

    def office_text(self, key: str, language: str) -> str:
        """Return availability sentence `key` in `language`, falling back to the default language."""
        texts = self.office_texts.texts
        return (texts.get(language) or {}).get(key) or texts[self.default_language][key]

    def closure_reason(self, reason: str, language: str) -> str:
        """Name a closure reason in `language`; an unknown reason reads as "for organisational reasons"."""
        names = self.office_texts.reasons.get(reason) or self.office_texts.reasons["organisational"]
        return names.get(language) or names[self.default_language]

    def holiday_name(self, holiday: str, language: str) -> str:
        """Name a public holiday (its German name) in `language`."""
        names = self.office_texts.holidays.get(holiday) or {}
        return names.get(language) or names.get(self.default_language) or holiday

    def notice_text(self, template: str, language: str) -> str:
        names = self.office_texts.notices[template]
        return names.get(language) or names[self.default_language]

    def ui_text(self, key: str, language: str) -> str:
        """Return interface string `key` in `language`, falling back to the default language."""
        texts = self.ui.get(language) or self.ui[self.default_language]
        return texts.get(key) or self.ui[self.default_language][key]

    def answer(self, topic: str, language: str, variant: str | None = None) -> str:
        """Return the topic's answer (or its variant's) in `language`, falling back to the default."""
        known = self.topics[topic]
        answers = known.variants[variant].answers if variant in known.variants else known.answers
        return answers.get(language) or answers[self.default_language]

    def count(self, unit: str, number: int, language: str) -> str:
        """Say a number with its noun in the right plural form, e.g. "30 днів", "٣ أيام"."""
        forms = self.counts.get(language) or self.counts[self.default_language]
        form = forms[unit].get(plural_category(number, language)) or forms[unit]["other"]
        return localise_digits(form.format(n=number), language)

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
    """Read each team's hours with the closures of data/ (for parts that need no answers or examples)."""
    rules = load_office_rules(data_dir)
    return {team: rules.schedule(team, OfficeState()) for team in rules.hours}


def load_office_rules(data_dir: Path) -> OfficeRules:
    """Read data/schedule.yml and the yearly closures of data/availability.yml into the office's rules."""
    return _build_rules(_read_yaml(data_dir / "schedule.yml"), _read_yaml(data_dir / "availability.yml"))


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
        availability_doc = _read_yaml(data_dir / "availability.yml")
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
        if not str(((languages_doc.get("languages") or {}).get(code) or {}).get("german") or "").strip():
            problems.append(f"languages.yml: {code} has no German name (german:) for staff")
    problems += _check_ui(ui_doc, codes)
    problems += _check_counts(ui_doc.get("counts") or {}, codes)
    problems += _check_schedule(schedule_doc)
    problems += _check_availability(availability_doc, schedule_doc, codes)
    problems += _check_topics(data_dir / "faq", codes)
    problems += _check_writing(data_dir, codes, languages_doc.get("punctuation") or {})
    return problems


def _check_counts(counts: dict[str, Any], codes: list[str]) -> list[str]:
    """Every unit in every language needs each CLDR plural form, with its number."""
    problems: list[str] = []
    for code in codes:
        units = counts.get(code) or {}
        for unit in sorted(COUNTED_UNITS):
            forms = units.get(unit) or {}
            for category in sorted(plural_categories(code)):
                form = forms.get(category)
                # Only "other" must show the number: Arabic says "يوم واحد" and "يومين" without one.
                if not isinstance(form, str) or not form.strip() or (category == "other" and "{n}" not in form):
                    problems.append(f"ui.yml: counts: {code}: {unit}: plural form '{category}' missing or without {{n}}")
    return problems


def _check_writing(data_dir: Path, codes: list[str], punctuation: dict[str, Any]) -> list[str]:
    """Check digits and punctuation: one digit system per language, the script's own question mark."""
    problems: list[str] = []
    for where, code, text in _every_text(data_dir, codes):
        for digits in foreign_digits(text, code):
            problems.append(f"{where}: {code}: digits '{digits}' are not the language's own")
        for ascii_mark, own in (punctuation.get(code) or {}).items():
            if re.search(f"[{_RTL_LETTER}]\\s*{re.escape(ascii_mark)}", text):
                problems.append(f"{where}: {code}: '{ascii_mark}' after {code} text; write '{own}'")
    return problems


def _every_text(data_dir: Path, codes: list[str]) -> list[tuple[str, str, str]]:
    texts: list[tuple[str, str, str]] = []
    ui_doc = _read_yaml(data_dir / "ui.yml")
    for code in codes:
        texts += [(f"ui.yml: {key}", code, str(text)) for key, text in (ui_doc.get(code) or {}).items()]
    availability_doc = _read_yaml(data_dir / "availability.yml")
    for code in codes:
        texts += [(f"availability.yml: {key}", code, str(t)) for key, t in ((availability_doc.get("texts") or {}).get(code) or {}).items()]
        for group in ("reasons", "holidays", "notices"):
            for name, names in (availability_doc.get(group) or {}).items():
                texts.append((f"availability.yml: {group}: {name}", code, str((names or {}).get(code, ""))))
    for path in sorted((data_dir / "faq").glob("*.yml")):
        doc = _read_yaml(path)
        for code in codes:
            texts.append((f"faq/{path.name}: answer", code, str((doc.get("answers") or {}).get(code, ""))))
            texts.append((f"faq/{path.name}: label", code, str((doc.get("labels") or {}).get(code, ""))))
            for name, variant in (doc.get("variants") or {}).items():
                answer = str((variant.get("answers") or {}).get(code, ""))
                texts.append((f"faq/{path.name}: variant {name}", code, answer))
    return texts


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
        for name in (CONSULTATION, UKRAINE):
            slots = (doc.get("schedules") or {}).get(name)
            if not slots:
                problems.append(f"schedule.yml: schedule '{name}' is missing")
                continue
            for slot in slots:
                parse_slot(slot)
    except (KeyError, ValueError, TypeError) as error:
        problems.append(f"schedule.yml: {error}")
    return problems


def _check_availability(doc: dict[str, Any], schedule_doc: dict[str, Any], codes: list[str]) -> list[str]:
    """Every availability text, reason, holiday name and notice in every language; yearly closures valid."""
    problems: list[str] = []
    texts = doc.get("texts") or {}
    for code in codes:
        mine = texts.get(code) or {}
        for key, allowed in AVAILABILITY_PLACEHOLDERS.items():
            text = mine.get(key)
            if not isinstance(text, str) or not text.strip():
                problems.append(f"availability.yml: texts: {code}: missing or empty '{key}'")
                continue
            problems += [f"availability.yml: texts: {code}: {key}: {p}" for p in _placeholder_problems(text, allowed)]
        problems += [f"availability.yml: texts: {code}: unknown key '{key}'" for key in mine if key not in AVAILABILITY_PLACEHOLDERS]
    reasons = doc.get("reasons") or {}
    if "organisational" not in reasons:
        problems.append("availability.yml: reasons: 'organisational' (the fallback) is missing")
    for group, allowed in (("reasons", frozenset()), ("holidays", frozenset()), ("notices", NOTICE_PLACEHOLDERS)):
        for name, names in (doc.get(group) or {}).items():
            for code in codes:
                text = (names or {}).get(code)
                if not isinstance(text, str) or not text.strip():
                    problems.append(f"availability.yml: {group}: {name}: missing or empty in '{code}'")
                    continue
                problems += [f"availability.yml: {group}: {name}: {code}: {p}" for p in _placeholder_problems(text, allowed)]
    for entry in doc.get("yearly_closures") or []:
        try:
            month, day = _month_day(entry["date"])
            date(2024, month, day)  # a leap year takes 02-29 too
        except (KeyError, TypeError, ValueError):
            problems.append(f"availability.yml: yearly_closures: not a date MM-DD: {entry!r}")
            continue
        if entry.get("reason") not in reasons:
            problems.append(f"availability.yml: yearly_closures: unknown reason {entry.get('reason')!r}")
    public = schedule_doc.get("holidays") or {}
    named = doc.get("holidays") or {}
    first_year = date.today().year
    for year in range(first_year, first_year + HOLIDAY_YEARS_CHECKED):
        for holiday in public_holidays(str(public.get("country", "DE")), public.get("subdivision"), year).values():
            name = str(holiday).split(";")[0].strip()
            if name not in named:
                problems.append(f"availability.yml: holidays: no names for the public holiday {name!r} ({year})")
                named = {**named, name: {}}  # report each holiday once
    return problems


def _month_day(value: object) -> tuple[int, int]:
    month, day = str(value).split("-")
    return int(month), int(day)


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
        for name, variant in (doc.get("variants") or {}).items():
            problems += _check_variant(f"{where}: variant '{name}'", variant, codes)
            for examples in (variant.get("examples") or {}).values():
                for example in examples:
                    key = _normalise_example(str(example))
                    other = owner_of_example.setdefault(key, f"{topic}/{name}")
                    if other != f"{topic}/{name}":
                        problems.append(f"{where}: example '{example}' is also an example of '{other}'")
        for code, examples in (doc.get("romanised") or {}).items():
            if code not in codes:
                problems.append(f"{where}: romanised examples in unknown language '{code}'")
            for example in examples or []:
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


def _check_variant(where: str, variant: dict[str, Any], codes: list[str]) -> list[str]:
    problems: list[str] = []
    for code in codes:
        answer = (variant.get("answers") or {}).get(code)
        if not isinstance(answer, str) or not answer.strip():
            problems.append(f"{where}: missing or empty answer in '{code}'")
        else:
            problems += [f"{where}: {code}: {p}" for p in _placeholder_problems(answer, ANSWER_PLACEHOLDERS)]
        examples = (variant.get("examples") or {}).get(code) or []
        if len(examples) < MIN_VARIANT_EXAMPLES_PER_LANGUAGE:
            problems.append(
                f"{where}: {len(examples)} examples in '{code}', at least {MIN_VARIANT_EXAMPLES_PER_LANGUAGE} needed"
            )
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
            german=str(spec.get("german") or spec["name"]),
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
            variants={
                name: Variant(
                    id=name,
                    answers={code: str(text).strip() for code, text in spec["answers"].items()},
                    examples={code: tuple(str(e) for e in ex) for code, ex in spec["examples"].items()},
                )
                for name, spec in (doc.get("variants") or {}).items()
            },
            romanised={code: tuple(str(e) for e in ex or ()) for code, ex in (doc.get("romanised") or {}).items()},
            reviewed=_reviews(doc.get("reviewed")),
        )
    ui_doc = _read_yaml(data_dir / "ui.yml")
    ui = {code: {key: str(text).strip() for key, text in ui_doc[code].items()} for code in languages}
    counts = {
        code: {unit: {k: str(v) for k, v in forms.items()} for unit, forms in (ui_doc.get("counts") or {})[code].items()}
        for code in languages
    }
    return Content(
        default_language=str(languages_doc["default"]),
        languages=languages,
        unsupported_reply=str(languages_doc["unsupported_reply"]).strip(),
        topics=topics,
        ui=ui,
        schedules=load_schedules(data_dir),
        counts=counts,
        ui_reviewed=_reviews(ui_doc.get("reviewed")),
        office=load_office_rules(data_dir),
        office_texts=_office_texts(_read_yaml(data_dir / "availability.yml"), languages),
    )


def _office_texts(doc: dict[str, Any], languages: Mapping[str, Language]) -> OfficeTexts:
    def names(group: str) -> dict[str, dict[str, str]]:
        return {str(name): {code: str(text).strip() for code, text in (spec or {}).items()} for name, spec in (doc.get(group) or {}).items()}

    texts = {code: {key: str(text).strip() for key, text in (doc["texts"].get(code) or {}).items()} for code in languages}
    return OfficeTexts(texts, names("reasons"), names("holidays"), names("notices"), _reviews(doc.get("reviewed")))


def _reviews(doc: Any) -> dict[str, Review]:
    return {
        code: Review(by=str(spec.get("by", "")), on=str(spec.get("on", "")), fingerprint=str(spec.get("fingerprint", "")))
        for code, spec in (doc or {}).items()
    }


def fingerprint(text: str) -> str:
    """Return a short digest of reviewed text, so a later edit shows the review no longer applies."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:12]


def review_fingerprint(content: Content, topic: str, language: str) -> str:
    """Return the fingerprint a review of one topic (or "ui") in one language confirms."""
    if language not in content.languages:
        raise KeyError(language)
    if topic == "ui":
        return fingerprint(_ui_texts(content, language))
    if topic == "availability":
        return fingerprint(content.office_texts.all_of(language))
    return fingerprint(content.topics[topic].texts(language))


def _ui_texts(content: Content, language: str) -> str:
    return "\n".join(sorted(content.ui[language].values()))


@dataclass(frozen=True)
class ReviewState:
    """How much of one language a native speaker has confirmed, and what to have checked first."""

    language: str
    confirmed: tuple[str, ...]
    changed_since_review: tuple[str, ...]
    unconfirmed: tuple[str, ...]


def review_state(content: Content) -> list[ReviewState]:
    """Report, per language, which answers a native speaker confirmed; the rest in the order to check."""
    order = [*REVIEW_FIRST, *sorted(set(content.topics) - set(REVIEW_FIRST))]
    states = []
    for code in content.languages:
        confirmed: list[str] = []
        changed: list[str] = []
        unconfirmed: list[str] = []
        parts: list[tuple[str, Review | None, str]] = [
            ("interface (ui.yml)", content.ui_reviewed.get(code), _ui_texts(content, code)),
            ("availability (availability.yml)", content.office_texts.reviewed.get(code), content.office_texts.all_of(code)),
        ]
        parts += [(t, content.topics[t].reviewed.get(code), content.topics[t].texts(code)) for t in order if t in content.topics]
        for name, review, text in parts:
            if review is None:
                unconfirmed.append(name)
            elif review.fingerprint == fingerprint(text):
                confirmed.append(name)
            else:
                changed.append(name)
        states.append(ReviewState(code, tuple(confirmed), tuple(changed), tuple(unconfirmed)))
    return states


def _build_rules(schedule_doc: dict[str, Any], availability_doc: dict[str, Any]) -> OfficeRules:
    public = schedule_doc.get("holidays") or {}
    return OfficeRules(
        timezone=ZoneInfo(str(schedule_doc["timezone"])),
        hours={name: tuple(parse_slot(slot) for slot in slots) for name, slots in schedule_doc["schedules"].items()},
        holiday_country=str(public.get("country", "DE")),
        holiday_subdivision=public.get("subdivision"),
        yearly_closures={_month_day(e["date"]): str(e["reason"]) for e in availability_doc.get("yearly_closures") or []},
        fixed_closures={day: "organisational" for day in parse_closed_days(schedule_doc.get("closures") or [])},
    )


def render_review_state(content: Content, first: int = 5) -> str:
    """Say per language how much a native speaker confirmed and what to have checked first."""
    lines = ["native-speaker review (confirmed / changed since review / not yet confirmed):"]
    for state in review_state(content):
        total = len(state.confirmed) + len(state.changed_since_review) + len(state.unconfirmed)
        pending = [*state.changed_since_review, *state.unconfirmed]
        lines.append(
            f"  {state.language}: {len(state.confirmed)}/{len(state.changed_since_review)}/{len(state.unconfirmed)} of {total};"
            f" check first: {', '.join(pending[:first]) or '-'}"
        )
    lines.append("  confirm with `reviewed: {LANG: {by: NAME, on: DATE, fingerprint: F}}` in the topic's file;")
    lines.append("  F per topic and language: `assistant content fingerprint TOPIC LANG` (ui.yml: TOPIC = ui)")
    return "\n".join(lines)
