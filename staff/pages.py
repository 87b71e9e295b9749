"""The inbox's HTML: every text from a person or a colleague is escaped here, and nothing is linkified."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from aiohttp import web

from core.bidi import without_bidi_controls
from core.channels import EarlierLine, channel_label
from core.content import Content
from handover.labels import (
    KINDS,
    REASONS,
    STATUSES,
    event_text,
    language_label,
    person_name,
    retention_note,
    topic_label,
    waited,
)
from handover.models import HANDBACK, JOINED, NOTICES, Delivery, Direction
from handover.routing import Offer, Section
from handover.views import HandoverView, MessageView, StaffMember

# Pages of the inbox run only this app's own scripts and talk only to it (its websocket included).
# What happens when staff ask for something a handover's state does not allow (a domain error) is
# answered by the app's edge (bot/edge.py), which also adds every other security header.
CSP = (
    "default-src 'self'; img-src 'self'; media-src 'self'; connect-src 'self'; script-src 'self'; "
    "style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def html_response(body: str) -> web.Response:
    """Return a rendered page of the desk with its Content-Security-Policy."""
    return web.Response(text=body, content_type="text/html", headers={"Content-Security-Policy": CSP})


BERLIN = ZoneInfo("Europe/Berlin")
SECTION_TITLES = {
    Section.MINE: "Meine Gespräche",
    Section.WAITING: "Wartend",
    Section.COLLEAGUES: "Bei Kolleg:innen",
}
DELIVERY = {
    Delivery.PENDING: "wird gesendet …",
    Delivery.SENDING: "wird gesendet …",
    Delivery.SENT: "✓ zugestellt",
    # Kept in the person's chat, which they have not opened since: they see it when they come back.
    Delivery.KEPT: "wartet auf die Person",
    Delivery.FAILED: "⚠ nicht zugestellt: die Person ist nicht erreichbar",
    Delivery.UNKNOWN: "⚠ Zustellung unklar (Unterbrechung beim Senden)",
}
NOTICE_LABELS = {
    HANDBACK: "Hinweis an die Person „wieder beim Assistenten“",
    JOINED: "Hinweis an die Person „eine Kollegin oder ein Kollege ist jetzt da“",
}
IMAGE_KINDS = frozenset({"photo", "sticker"})
PLAYABLE = {"voice": "audio", "audio": "audio", "video": "video", "video_note": "video", "animation": "video"}


def h(text: object) -> str:
    """Escape for HTML text and attribute values."""
    return escape(str(text), quote=True)


def refused_page(message: str, back: str) -> str:
    """Say, on a page of its own, why an action of the inbox did not happen, with a way back."""
    return (
        f'<!doctype html><html lang="de"><meta charset="utf-8"><title>Nicht möglich</title>'
        f'<p>{h(message)}</p><p><a href="{h(back)}">Zurück</a></p></html>'
    )


def page(
    title: str,
    body: str,
    staff: StaffMember,
    csrf: str,
    waiting: int,
    main_id: str,
    conversation: int | None = None,
    available: bool | None = None,
) -> str:
    """Wrap a page of the inbox: header with the colleague, presence and logout, the live script."""
    languages = ", ".join(sorted(staff.languages)) or "keine Sprachen eingetragen"
    count = f"({waiting}) " if waiting else ""
    return f"""<!doctype html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="{h(csrf)}">
<meta name="staff-key" content="{h(staff.key)}">
<title data-base="{h(title)}">{h(count)}{h(title)}</title>
<link rel="stylesheet" href="/staff/static/inbox.css">
<script src="/staff/static/inbox.js" defer></script>
<script src="/staff/static/presence.js" defer></script>
</head><body>
<header class="top">
<div class="bar">
<a class="home" href="/staff/">Posteingang <span id="waiting-count" class="count" aria-live="polite">{waiting or ""}</span></a>
<span id="live" class="live" role="status" aria-live="polite">verbinde …</span>
<span class="who">{h(staff.name)} <small>({h(languages)})</small></span>
{presence_form(csrf, available, _back(main_id, conversation))}
</div>
<nav class="tools" aria-label="Werkzeuge">
<a href="/staff/templates">Textbausteine</a>
<a href="/staff/availability">Erreichbarkeit</a>
<button id="notify" class="link toggle" type="button" hidden aria-pressed="false">Benachrichtigen</button>
<button id="sound" class="link toggle" type="button" aria-pressed="false">Ton</button>
<form method="post" action="/logout"><input type="hidden" name="csrf_token" value="{h(csrf)}"><button class="link">Abmelden</button></form>
</nav>
</header>
<main id="{h(main_id)}"{f' data-id="{conversation}"' if conversation is not None else ""}>
{body}
</main></body></html>
"""


def _back(main_id: str, conversation: int | None) -> str:
    if conversation is not None:
        return f"/staff/c/{conversation}"
    return "/staff/availability" if main_id == "availability" else "/staff/"


def presence_form(csrf: str, available: bool | None, back: str) -> str:
    """Show whether the colleague counts as available, with the button to switch (None: say nothing)."""
    if available is None:
        return ""
    state, label, other = ("verfügbar", "Abwesend melden", "away") if available else ("abwesend", "Verfügbar melden", "available")
    chosen = "available" if available else "away"
    return (
        f'<form id="presence" method="post" action="/staff/presence" class="presence">'
        f'<input type="hidden" name="csrf_token" value="{h(csrf)}"><input type="hidden" name="state" value="{other}">'
        f'<input type="hidden" name="back" value="{h(back)}">'
        f'<span id="presence-state" data-chosen="{chosen}" role="status">{state}</span> <button class="link">{label}</button></form>'
    )


def inbox_body(lists: str) -> str:
    """Wrap the lists in the inbox page: its heading, and the part live updates replace."""
    return f'<h1 class="visually-hidden">Posteingang</h1>\n<div id="lists">{lists}</div>'


def inbox(
    offers: list[Offer],
    closed: list[HandoverView],
    content: Content,
    now: datetime,
    retention: timedelta,
    unread: set[int] | None = None,
) -> str:
    """Render the lists of conversations: mine, waiting, with colleagues, and recently closed."""
    parts = []
    for section in Section:
        rows = [offer for offer in offers if offer.section is section]
        if section is Section.WAITING or rows:
            parts.append(_section(section, rows, content, now, unread or set()))
    parts.append(_closed(closed, content, now, retention))
    return "\n".join(parts)


def _section(section: Section, offers: list[Offer], content: Content, now: datetime, unread: set[int]) -> str:
    title = SECTION_TITLES[section]
    if not offers:
        return f'<section class="list"><h2>{h(title)}</h2><p class="empty">Niemand wartet gerade.</p></section>'
    rows = "\n".join(_row(offer, content, now, offer.handover.id in unread) for offer in offers)
    return f"""<section class="list" data-section="{section.name.lower()}"><h2>{h(title)} <span class="n">{len(offers)}</span></h2>
<table><thead><tr><th>Name</th><th>Sprache</th><th>Anliegen</th><th>Kanal</th><th>Status</th><th>Wartet seit</th></tr></thead>
<tbody>{rows}</tbody></table></section>"""


def _row(offer: Offer, content: Content, now: datetime, unread: bool = False) -> str:
    handover = offer.handover
    badges = ['<span class="badge unread">neu</span>'] if unread else []
    if offer.speaks_language:
        badges.append('<span class="badge mine">Ihre Sprache</span>')
    if offer.for_language_colleagues:
        badges.append('<span class="badge later">zuerst für Kolleg:innen mit Ukrainisch/Russisch</span>')
    status = STATUSES[handover.status.value]
    if offer.section is Section.MINE:
        status = "bei Ihnen"
    elif handover.claimed_by_name:
        status = f"bei {handover.claimed_by_name}"
    wait = waited(handover.waiting_since, now) if handover.waiting_since else "beantwortet"
    urgent = " urgent" if handover.waiting_since and now - handover.waiting_since > timedelta(hours=1) else ""
    return (
        f'<tr class="handover{urgent}{" unread" if unread else ""}" data-id="{handover.id}">'
        f'<td class="name"><a href="/staff/c/{handover.id}"><bdi>{h(person_name(handover))}</bdi></a> {"".join(badges)}</td>'
        f'<td data-label="Sprache">{h(language_label(content, handover.language))}</td>'
        f'<td data-label="Anliegen">{h(_concern(handover, content))}</td>'
        f'<td data-label="Kanal">{h(channel_label(handover.conversation.channel))}</td>'
        f'<td data-label="Status">{h(status)}</td><td data-label="Wartet seit" class="wait">{h(wait)}</td></tr>'
    )


def _closed(closed: list[HandoverView], content: Content, now: datetime, retention: timedelta) -> str:
    if not closed:
        rows = '<p class="empty">Keine.</p>'
    else:
        items = "".join(
            f'<li><a href="/staff/c/{item.id}"><bdi>{h(person_name(item))}</bdi></a> · {h(language_label(content, item.language))}'
            f" · {h(channel_label(item.conversation.channel))}"
            f" · abgeschlossen {h(_when(item.closed_at, now))}</li>"
            for item in closed
        )
        rows = f"<ul>{items}</ul>"
    return f'<section class="list closed"><h2>Kürzlich abgeschlossen</h2>{rows}<p class="note">{h(retention_note(retention))}</p></section>'


def conversation(
    handover: HandoverView,
    messages: list[MessageView],
    staff: StaffMember,
    content: Content,
    now: datetime,
    csrf: str,
    earlier: list[EarlierLine] | None = None,
    colleagues: list[StaffMember] | None = None,
    picker: str = "",
    present: frozenset[str] = frozenset(),
) -> str:
    """Render one conversation: who and what, the actions, what came before, the messages, the reply box and the tools."""
    return f"""<nav><a href="/staff/">← zurück zum Posteingang</a></nav>
<section id="summary" class="summary">{summary(handover, staff, content, now)}</section>
<section id="actions" class="actions">{actions(handover, staff, csrf)}</section>
{before_handover(handover, earlier, now)}
<h2 class="visually-hidden">Gespräch mit dem Team</h2>
<ol id="messages" class="messages" aria-live="polite" aria-label="Nachrichten" tabindex="0">{message_list(handover, messages, content, now, csrf)}</ol>
<section id="composer" data-mode="{composer_mode(handover, staff)}">{composer(handover, staff, content, csrf, picker)}</section>
{tools(handover, colleagues or [], content, csrf, present)}"""


def tools(
    handover: HandoverView, colleagues: list[StaffMember], content: Content, csrf: str, present: frozenset[str] = frozenset()
) -> str:
    """Render what stays put while the conversation updates live: an internal note, and handing it to a colleague.

    Colleagues present now (accounts.presence) come first and say so.
    """
    base = f"/staff/c/{handover.id}"
    token = f'<input type="hidden" name="csrf_token" value="{h(csrf)}">'
    note = f"""<details class="tool note-tool"><summary>Interne Notiz</summary>
<form method="post" action="{base}/note" class="action" data-reset="1">{token}
<label for="note-text">Notiz für Kolleg:innen – wird nie an die Person gesendet</label>
<textarea id="note-text" name="text" rows="2" required maxlength="8000"></textarea>
<button type="submit">Notiz speichern</button></form></details>"""
    if not handover.active:
        return f'<section id="tools" class="tools-panel">{note}</section>'
    ordered = sorted(colleagues, key=lambda member: member.key not in present)
    options = "".join(
        f'<option value="{h(member.key)}">{h(member.name)}{" (verfügbar)" if member.key in present else ""}'
        f"{h(_speaks(member, content))}</option>"
        for member in ordered
    )
    hand = f"""<details class="tool hand-tool"><summary>An Kolleg:in übergeben</summary>
<form method="post" action="{base}/hand" class="action" data-reset="1">{token}
<label for="hand-to">Kolleg:in</label>
<select id="hand-to" name="to" required><option value="">– bitte wählen –</option>{options}</select>
<label for="hand-note">Notiz dazu (optional; nur für das Team)</label>
<textarea id="hand-note" name="note" rows="2" maxlength="8000"></textarea>
<button type="submit">Übergeben</button></form></details>"""
    return f'<section id="tools" class="tools-panel">{note}{hand}</section>'


def _speaks(member: StaffMember, content: Content) -> str:
    names = [content.languages[code].german or code for code in sorted(member.languages) if code in content.languages]
    return f" – spricht {', '.join(names)}" if names else ""


def before_handover(handover: HandoverView, earlier: list[EarlierLine] | None, now: datetime) -> str:
    """Show the person's exchange with the assistant before the handover, marked as such (never part of the reply thread)."""
    channel = channel_label(handover.conversation.channel)
    if earlier is None:
        return (
            '<section id="earlier" class="earlier none"><h2>Vor der Übergabe</h2>'
            f'<p class="note">{h(channel)}: Der Assistent speichert den Chat vor der Übergabe nicht. '
            "Zu sehen sind das letzte Thema (Anliegen) und, was er nicht verstanden hat und die Person weitergeben ließ.</p></section>"
        )
    if not earlier:
        return (
            '<section id="earlier" class="earlier none"><h2>Vor der Übergabe</h2>'
            f'<p class="note">{h(channel)}: Vom Chat mit dem Assistenten ist nichts (mehr) gespeichert.</p></section>'
        )
    who = {"person": person_name(handover), "assistant": "Assistent", "staff": "Team"}
    items = "\n".join(
        f'<li class="msg {"person" if line.author == "person" else "assistant"}"><div class="meta">{h(who.get(line.author, line.author))}'
        f' · {h(_when(line.at, now))}</div><div class="text" dir="auto">{h(line.text)}</div></li>'
        for line in earlier
    )
    return f"""<section id="earlier" class="earlier"><details open><summary><h2>Vor der Übergabe: mit dem Assistenten ({len(earlier)})</h2></summary>
<p class="note">So weit der {h(channel)} es noch speichert. Nur zum Lesen – die Person hat das dem Assistenten geschrieben, nicht dem Team.</p>
<ol class="messages before" aria-label="Vor der Übergabe mit dem Assistenten" tabindex="0">{items}</ol></details></section>"""


def summary(handover: HandoverView, staff: StaffMember, content: Content, now: datetime) -> str:
    if not handover.active:
        state = f"abgeschlossen {_when(handover.closed_at, now)}"
    elif handover.claimed_by == staff.key:
        state = "bei Ihnen"
    elif handover.claimed_by_name:
        state = f"bei {handover.claimed_by_name}"
    else:
        state = "wartet auf eine Kollegin oder einen Kollegen"
    wait = f"Die Person wartet seit {waited(handover.waiting_since, now)} auf Antwort." if handover.waiting_since else ""
    return f"""<h1><bdi>{h(person_name(handover))}</bdi></h1>
<dl>
<dt>Sprache</dt><dd lang="{h(handover.language)}">{h(language_label(content, handover.language))}</dd>
<dt>Kanal</dt><dd>{h(channel_label(handover.conversation.channel))}</dd>
<dt>Anliegen</dt><dd>{h(_concern(handover, content))}</dd>
<dt>Status</dt><dd id="state" data-status="{h(handover.status.value)}">{h(state)}</dd>
<dt>Begonnen</dt><dd>{h(_when(handover.created_at, now))}</dd>
</dl><p class="wait">{h(wait)}</p>"""


def actions(handover: HandoverView, staff: StaffMember, csrf: str) -> str:
    base = f"/staff/c/{handover.id}"
    buttons = []
    if handover.active:
        if handover.claimed_by is None:
            buttons.append(_action(f"{base}/claim", "Übernehmen", csrf, "claim"))
        elif handover.claimed_by == staff.key:
            buttons.append(_action(f"{base}/release", "Freigeben", csrf, "release"))
        else:
            buttons.append(_action(f"{base}/claim", "Trotzdem übernehmen", csrf, "claim", force=True))
    # A colleague's conversation is closed or erased only by taking it over, which its history records.
    other = handover.active and handover.claimed_by not in (None, staff.key)
    holder = handover.claimed_by_name or "einer Kollegin oder einem Kollegen"
    if handover.active:
        buttons.append(
            _action(f"{base}/close", "Übernehmen und abschließen" if other else "Abschließen", csrf, "close", force=other,
                    confirm=(f"Das Gespräch ist bei {holder}. Übernehmen und abschließen?" if other else
                             "Gespräch abschließen? Die Person wird wieder vom Assistenten beantwortet."))
        )
    buttons.append(
        _action(f"{base}/erase", "Übernehmen und Daten löschen" if other else "Daten löschen", csrf, "erase", force=other,
                confirm=(f"Das Gespräch ist bei {holder}. " if other else "")
                + "Alle Nachrichten dieser Person an das Team sofort löschen? Das kann nicht rückgängig gemacht werden.")
    )
    return "".join(buttons)


def _action(url: str, label: str, csrf: str, name: str, force: bool = False, confirm: str = "") -> str:
    extra = '<input type="hidden" name="force" value="1">' if force else ""
    ask = f' data-confirm="{h(confirm)}"' if confirm else ""
    return (
        f'<form method="post" action="{h(url)}" class="action"{ask}><input type="hidden" name="csrf_token" value="{h(csrf)}">'
        f'{extra}<button type="submit" name="do" value="{h(name)}" class="{h(name)}">{h(label)}</button></form>'
    )


def message_list(handover: HandoverView, messages: list[MessageView], content: Content, now: datetime, csrf: str) -> str:
    return "\n".join(_message(handover, message, now, csrf) for message in messages)


def _message(handover: HandoverView, message: MessageView, now: datetime, csrf: str) -> str:
    when = _when(message.created_at, now)
    if message.direction is Direction.NOTE:
        return (
            f'<li class="internal-note" data-id="{message.id}"><div class="meta"><span aria-hidden="true">📝 </span>Interne Notiz · '
            f'{h(message.author_name or "Team")} · {h(when)} · nicht gesendet</div>'
            f'<div class="text" dir="auto">{h(message.text or "")}</div></li>'
        )
    if message.direction is Direction.EVENT:
        return f'<li class="event" data-id="{message.id}">{h(event_text(message, handover))} · {h(when)}</li>'
    if message.direction is Direction.OUT:
        status = DELIVERY.get(message.delivery, "") if message.delivery else ""
        retry = ""
        if message.delivery is Delivery.UNKNOWN:
            retry = (
                f'<form method="post" action="/staff/m/{message.id}/retry" class="action inline">'
                f'<input type="hidden" name="csrf_token" value="{h(csrf)}"><button type="submit">Erneut senden</button></form>'
            )
        if message.kind in NOTICES:
            notice = NOTICE_LABELS.get(message.kind, message.kind)
            return f'<li class="event" data-id="{message.id}">{h(notice)} · {h(status)}{retry}</li>'
        return (
            f'<li class="msg staff" data-id="{message.id}" data-delivery="{h(message.delivery or "")}">'
            f'<div class="meta">{h(message.author_name or "Team")} · {h(when)} · <span class="delivery">{h(status)}</span>{retry}</div>'
            f'<div class="text" dir="auto">{h(without_bidi_controls(message.text or ""))}</div></li>'
        )
    return (
        f'<li class="msg person" data-id="{message.id}"><div class="meta"><bdi>{h(person_name(handover))}</bdi> · {h(when)}</div>'
        f"{_content_of(message)}</li>"
    )


def _content_of(message: MessageView) -> str:
    text = f'<div class="text" dir="auto">{h(without_bidi_controls(message.text))}</div>' if message.text else ""
    if message.kind == "text":
        return text
    label = KINDS.get(message.kind, KINDS["other"])
    source = f"/staff/media/{message.id}"
    if not message.has_media:
        return f'<div class="attachment">{h(label)}</div>{text}'
    if message.kind in IMAGE_KINDS:
        shown = f'<img src="{source}" alt="{h(label)}" loading="lazy">'
    elif message.kind in PLAYABLE:
        tag = PLAYABLE[message.kind]
        shown = f'<{tag} controls preload="none" src="{source}"></{tag}>'
    else:
        name = without_bidi_controls(message.media_name or "") or "Datei"
        shown = f'<a class="file" href="{source}" download>{h(label)} öffnen: {h(name)}</a>'
    return f'<div class="attachment"><span class="kind">{h(label)}</span>{shown}</div>{text}'


def composer_mode(handover: HandoverView, staff: StaffMember) -> str:
    """Tell which reply box a colleague gets, so a live update keeps a half-written reply."""
    if not handover.active:
        return "closed"
    # The language is part of it: when the person switches, the templates of the new language come in.
    return "other" if handover.claimed_by not in (None, staff.key) else f"reply:{handover.language}"


def composer(handover: HandoverView, staff: StaffMember, content: Content, csrf: str, picker: str = "") -> str:
    if not handover.active:
        return '<p class="note">Dieses Gespräch ist abgeschlossen. Neue Nachrichten der Person beantwortet wieder der Assistent.</p>'
    if handover.claimed_by not in (None, staff.key):
        return (
            f'<p class="note">{h(handover.claimed_by_name or "Eine Kollegin oder ein Kollege")} bearbeitet dieses Gespräch. '
            "Übernehmen Sie es, um zu antworten.</p>"
        )
    language = language_label(content, handover.language)
    return f"""<form id="reply" method="post" action="/staff/c/{handover.id}/reply">
<input type="hidden" name="csrf_token" value="{h(csrf)}">
<input type="hidden" name="key" value="{h(secrets.token_urlsafe(16))}">
<label for="reply-text">Antwort an <bdi>{h(person_name(handover))}</bdi> – am besten auf {h(language)}</label>
<textarea id="reply-text" name="text" rows="3" required maxlength="8000" lang="{h(handover.language)}" dir="auto"
 placeholder="Nachricht schreiben … (Enter sendet, Umschalt+Enter für neue Zeile)"></textarea>
<p class="hint">Die Person sieht Ihre Nachricht als „Team des Büros“, ohne Ihren Namen.</p>
<button type="submit">Senden</button> <span id="reply-error" class="error" role="alert"></span>
</form>
{picker}"""


def _concern(handover: HandoverView, content: Content) -> str:
    """Say what the person asked about last, and why they came to staff."""
    reason = REASONS.get(handover.reason, handover.reason)
    topic = topic_label(content, handover.topic)
    return reason if topic == "–" else f"{topic} · {reason}"


def _when(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "–"
    local, today = moment.astimezone(BERLIN), now.astimezone(BERLIN)
    if local.date() == today.date():
        return f"{local:%H:%M}"
    return f"{local:%d.%m.} {local:%H:%M}"
