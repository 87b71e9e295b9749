"""The words staff read about a handover (in German, the office's language): reasons, channels, events."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.bidi import without_bidi_controls
from core.channels import TELEGRAM, MediaUnavailable
from core.content import Content
from handover.errors import ClaimedByOther, EmptyReply, HandoverClosed, HandoverError, NotResendable, UnknownColleague
from handover.views import HandoverView, MessageView

REASONS = {
    "requested": "hat um eine Person gebeten",
    "not_understood": "Assistent hat mehrmals nicht verstanden",
}
STATUSES = {"waiting": "wartet", "open": "in Bearbeitung", "closed": "abgeschlossen"}
KINDS = {
    "photo": "Foto",
    "document": "Dokument",
    "voice": "Sprachnachricht",
    "audio": "Audio",
    "video": "Video",
    "video_note": "Videonachricht",
    "animation": "GIF",
    "sticker": "Sticker",
    "location": "Standort",
    "contact": "Kontakt geteilt (Telefonnummer wird nicht angezeigt)",
    "button": "Schaltfläche",
    "other": "Nachricht, die nicht angezeigt werden kann",
}


def language_label(content: Content, code: str) -> str:
    """Name a language for staff in German, with its code: "Ukrainisch (uk)"."""
    known = content.languages.get(code)
    return f"{known.german or known.name} ({code})" if known else code


def topic_label(content: Content, topic: str | None) -> str:
    if topic and topic in content.topics:
        return content.label(topic, "de")
    return "–"


def person_name(handover: HandoverView) -> str:
    """Name the person by the first name their channel gave (without bidi controls), or by the case's number."""
    name = without_bidi_controls(handover.first_name or "").strip()
    return name or f"Person #{handover.id}"


def event_text(message: MessageView, handover: HandoverView) -> str:
    """Say what a desk event means, e.g. "Olga hat das Gespräch übernommen"."""
    who = message.author_name or "Jemand"
    name = person_name(handover)
    # Telegram's wording only where the person is on Telegram: a web chat is gone, not blocked.
    why = "Bot blockiert" if handover.conversation.channel == TELEGRAM else "Chat nicht mehr vorhanden"
    return {
        "started": f"{name} möchte mit dem Team sprechen",
        "claimed": f"{who} hat das Gespräch übernommen",
        "released": f"{who} hat das Gespräch freigegeben",
        "handed": f"{who} hat das Gespräch an {message.text or 'eine Kollegin oder einen Kollegen'} übergeben",
        "closed_staff": f"{who} hat das Gespräch abgeschlossen; {name} ist wieder beim Assistenten",
        "closed_person": f"{name} ist selbst zum Assistenten zurückgekehrt",
        "closed_unreachable": f"{name} ist nicht mehr erreichbar ({why}) – Gespräch geschlossen",
        "moved_telegram": f"{name} schreibt jetzt auf Telegram weiter; Antworten gehen dorthin",
    }.get(message.kind, message.kind)


def waited(since: datetime | None, now: datetime) -> str:
    """Say a waiting time briefly: "3 Min.", "2 Std. 5 Min.", "3 Tage"."""
    if since is None:
        return "–"
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 60:
        return "gerade eben"
    if seconds < 3600:
        return f"{seconds // 60} Min."
    if seconds < 86400:
        hours, minutes = divmod(seconds // 60, 60)
        return f"{hours} Std. {minutes} Min." if minutes else f"{hours} Std."
    days = seconds // 86400
    return "1 Tag" if days == 1 else f"{days} Tage"


def retention_note(retention: timedelta) -> str:
    return f"Abgeschlossene Gespräche werden nach {round(retention.total_seconds() / 86400)} Tagen gelöscht."


def refusal(error: HandoverError | MediaUnavailable) -> str:
    """Tell staff why what they asked for did not happen, on every channel they work on."""
    if isinstance(error, ClaimedByOther):
        return f"{error.name or 'Eine Kollegin oder ein Kollege'} bearbeitet dieses Gespräch."
    if isinstance(error, HandoverClosed):
        return "Dieses Gespräch ist bereits abgeschlossen; es wird nichts mehr gesendet."
    if isinstance(error, EmptyReply):
        return "Bitte schreiben Sie eine Nachricht."
    if isinstance(error, UnknownColleague):
        return "Diese Kollegin oder diesen Kollegen gibt es im Posteingang nicht (mehr)."
    if isinstance(error, NotResendable):
        return "Diese Nachricht kann nicht erneut gesendet werden."
    if isinstance(error, MediaUnavailable):
        return "Diese Datei ist nicht (mehr) verfügbar."
    return "Das ist gerade nicht möglich."
