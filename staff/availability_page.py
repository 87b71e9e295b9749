"""The HTML of /staff/availability: what people are told now, the notice, closures and their history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from core.availability import Notice
from core.content import Content
from staff.pages import h
from storage.office_calendar import NOTE_CHARS, CalendarChange, ClosureEntry

BERLIN = ZoneInfo("Europe/Berlin")
LANGUAGE_NAMES = {"de": "Deutsch", "en": "Englisch", "uk": "Ukrainisch", "ru": "Russisch", "ar": "Arabisch", "fa": "Persisch", "tr": "Türkisch"}


def availability(
    content: Content,
    closures: Sequence[ClosureEntry],
    notice: Notice | None,
    history: Sequence[CalendarChange],
    preview: Sequence[tuple[str, str]],
    today: date,
    csrf: str,
) -> str:
    """Render the page: preview, notice, closures (with a form to add one), history."""
    return "\n".join(
        [
            "<h1>Erreichbarkeit des Büros</h1>",
            _preview(preview),
            _notice(content, notice, today, csrf),
            _closures(content, closures, today, csrf),
            _history(history),
        ]
    )


def _hidden(csrf: str) -> str:
    return f'<input type="hidden" name="csrf_token" value="{h(csrf)}">'


def _preview(preview: Sequence[tuple[str, str]]) -> str:
    items = "".join(
        f'<li><span class="lang">{h(LANGUAGE_NAMES.get(code, code))}:</span> <span lang="{h(code)}" dir="auto">{h(text)}</span></li>'
        for code, text in preview
    )
    return f'<section class="list" id="told-now"><h2>Das hören Menschen jetzt</h2><ul>{items}</ul></section>'


def _notice(content: Content, notice: Notice | None, today: date, csrf: str) -> str:
    if notice is None:
        current = '<p class="empty" id="current-notice">Kein Hinweis.</p>'
    else:
        text = content.notice_text(notice.template, "de").format(time=f"{notice.at:%H:%M}" if notice.at else "…")
        current = (
            f'<p id="current-notice"><strong>{h(text)}</strong> '
            f"({h(_span(notice.first_day, notice.last_day))}; in allen sieben Sprachen)</p>"
            f'<form method="post" action="/staff/availability/notice/clear" class="inline">{_hidden(csrf)}'
            '<button class="release" type="submit">Hinweis entfernen</button></form>'
        )
    options = "".join(
        f'<option value="{h(key)}">{h(content.notice_text(key, "de").format(time="…"))}</option>' for key in content.office_texts.notices
    )
    return f"""<section class="list" id="notice"><h2>Hinweis über den Antworten</h2>
{current}
<form method="post" action="/staff/availability/notice" class="calendar-form">{_hidden(csrf)}
<label>Hinweis <select name="template" id="notice-template" required>{options}</select></label>
<label>Uhrzeit (falls genannt) <input type="time" name="time" id="notice-time"></label>
<label>von <input type="date" name="first_day" id="notice-first" value="{today.isoformat()}" required></label>
<label>bis <input type="date" name="last_day" id="notice-last" value="{today.isoformat()}" required></label>
<button type="submit">Hinweis zeigen</button>
</form></section>"""


def _closures(content: Content, closures: Sequence[ClosureEntry], today: date, csrf: str) -> str:
    if closures:
        rows = "".join(
            f'<tr data-day="{entry.closure.day.isoformat()}"><td>{h(_day(entry.closure.day))}</td>'
            f'<td>{h(content.closure_reason(entry.closure.reason, "de"))}</td><td>{h(entry.closure.note)}</td>'
            f"<td>{h(entry.set_by)}, {h(_when(entry))}</td>"
            f'<td><form method="post" action="/staff/availability/closures/remove" class="inline">{_hidden(csrf)}'
            f'<input type="hidden" name="day" value="{entry.closure.day.isoformat()}">'
            f'<button class="release" type="submit" aria-label="{h(_day(entry.closure.day))} wieder öffnen">wieder öffnen</button></form></td></tr>'
            for entry in closures
        )
        table = (
            '<table id="closures"><thead><tr><th>Tag</th><th>Grund</th><th>Notiz (nur intern)</th><th>eingetragen</th><th></th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )
    else:
        table = '<p class="empty" id="closures">Keine Schließtage eingetragen.</p>'
    reasons = "".join(f'<option value="{h(key)}">{h(content.closure_reason(key, "de"))}</option>' for key in content.office_texts.reasons)
    yearly = ", ".join(f"{day:02d}.{month:02d}." for month, day in sorted(content.office.yearly_closures))
    return f"""<section class="list" id="closure-list"><h2>Schließtage</h2>
<p class="note">Feiertage in Niedersachsen und jedes Jahr der {h(yearly)} sind immer geschlossen. Menschen erfahren den Grund in ihrer Sprache; die Notiz sehen nur Kolleg:innen.</p>
{table}
<form method="post" action="/staff/availability/closures" class="calendar-form">{_hidden(csrf)}
<label>Tag <input type="date" name="day" id="closure-day" min="{today.isoformat()}" required></label>
<label>Grund <select name="reason" id="closure-reason" required>{reasons}</select></label>
<label>Notiz <input type="text" name="note" id="closure-note" maxlength="{NOTE_CHARS}"></label>
<button type="submit">Schließtag eintragen</button>
</form></section>"""


def _history(history: Sequence[CalendarChange]) -> str:
    if not history:
        return '<section class="list" id="history"><h2>Änderungen</h2><p class="empty">Noch keine.</p></section>'
    items = "".join(f"<li>{h(f'{change.at.astimezone(BERLIN):%d.%m.%Y %H:%M}')} · {h(change.by)}: {h(change.change)}</li>" for change in history)
    return f'<section class="list" id="history"><h2>Änderungen</h2><ul>{items}</ul></section>'


def _day(day: date) -> str:
    weekdays = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
    return f"{weekdays[day.weekday()]}, {day:%d.%m.%Y}"


def _span(first: date, last: date) -> str:
    return _day(first) if first == last else f"{_day(first)} bis {_day(last)}"


def _when(entry: ClosureEntry) -> str:
    return f"{entry.set_at.astimezone(BERLIN):%d.%m.%Y %H:%M}"
