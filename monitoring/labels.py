"""German names for what the statistics count: topics, languages, channels, outcomes, waiting times."""

from __future__ import annotations

from functools import cache

from babel import Locale

from core.channels import channel_label

TOPIC_NAMES: dict[str, str] = {
    "office_hours": "Öffnungszeiten",
    "ukraine_support": "Hilfe für Menschen aus der Ukraine",
    "appointment": "Termin und Anmeldung",
    "location": "Standort und Anfahrt",
    "costs_confidentiality": "Kosten und Vertraulichkeit",
    "courses": "Kurse (Fahrrad, Schwimmen u. a.)",
    "labour_market": "Arbeit und Arbeitsmarkt",
    "integration_report": "Integrationsbericht",
    "leisure_family": "Freizeit und Familie",
    "discrimination_support": "Diskriminierung, Rassismus, Gewalt",
    "integration_forum": "Integrationsforum",
    "human_handover": "Wunsch nach einer Person",
    "greeting": "Begrüßung",
    "thanks": "Dank",
    "goodbye": "Verabschiedung",
    "help": "Hilfe und Menü",
    "language_switch": "Sprachwechsel",
    "privacy": "Datenschutz",
    "bot_challenge": "Frage nach dem Bot",
    "referral": "Weitervermittlung an andere Stellen",
    "out_of_scope": "Außerhalb des Angebots",
    "other": "Sonstiges Thema",
    "": "Ohne erkennbares Thema (Foto, andere Sprache u. Ä.)",
}


OUTCOME_NAMES: dict[str, str] = {
    "answered": "beantwortet",
    "clarified": "nachgefragt",
    "not_understood": "nicht verstanden",
    "handover_requested": "Person gewünscht",
    "handed_over": "an Mitarbeitende weitergeleitet",
}

WAIT_NAMES: dict[str, str] = {
    "lt5m": "unter 5 Min.",
    "5to15m": "5–15 Min.",
    "15to60m": "15–60 Min.",
    "1to4h": "1–4 Std.",
    "4to24h": "4–24 Std.",
    "gt24h": "über 24 Std.",
    "unknown": "unbekannt",
}

OTHER_LANGUAGES = "other"
LANGUAGE_EXTRA = {"fa": "Persisch (Farsi, Dari)", OTHER_LANGUAGES: "Weitere Sprachen", "": "Unbestimmt"}

WEEKDAY_NAMES: tuple[str, ...] = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
WEEKDAY_SHORT: tuple[str, ...] = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
MONTH_NAMES: tuple[str, ...] = (
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
)  # fmt: skip


def topic_name(topic: str) -> str:
    """Return the German name of a topic; a topic added later shows its id readably until named here."""
    return TOPIC_NAMES.get(topic, topic.replace("_", " ").capitalize())


def channel_name(channel: str) -> str:
    return channel_label(channel)


@cache
def language_name(code: str) -> str:
    """Return the German name of a language code, e.g. "uk" -> "Ukrainisch"."""
    if code in LANGUAGE_EXTRA:
        return LANGUAGE_EXTRA[code]
    return str(Locale("de").languages.get(code, code))


def number(value: int) -> str:
    """Format a count the German way: 12.345."""
    return f"{value:,}".replace(",", ".")


def percent(share: float) -> str:
    """Format a share the German way: 12,3 %."""
    return f"{share * 100:.1f} %".replace(".", ",")
