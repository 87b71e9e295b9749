"""Reply templates (Textbausteine) in the staff app: the list, editing one, and the picker of the reply box.

There is no machine translation here: a template's text in each language is how a German-speaking
colleague answers a Farsi speaker correctly. Each language shows whether a native speaker checked it.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from actions.placeholders import fill
from core.content import Content
from handover.labels import language_label
from handover.templates import TEXT_CHARS, TITLE_CHARS, Template
from staff.auth import staff_of
from staff.forms import form_fields, path_id
from staff.inbox import StaffInbox, inbox_of
from staff.pages import h, html_response, page


def install_templates(app: web.Application) -> None:
    """Add the templates' pages to the staff app."""
    router = app.router
    router.add_get("/staff/templates", templates_page)
    router.add_get("/staff/templates/new", edit_page)
    router.add_get("/staff/templates/{id:\\d+}", edit_page)
    router.add_post("/staff/templates/new", save)
    router.add_post("/staff/templates/{id:\\d+}", save)
    router.add_post("/staff/templates/{id:\\d+}/delete", delete)


async def templates_page(request: web.Request) -> web.StreamResponse:
    staff, csrf = staff_of(request)
    inbox = inbox_of(request)
    templates = await inbox.templates.all()
    body = listing(templates, inbox.content, csrf)
    return html_response(page("Textbausteine – Posteingang", body, staff, csrf, await inbox.waiting(staff), "templates"))


async def edit_page(request: web.Request) -> web.StreamResponse:
    staff, csrf = staff_of(request)
    inbox = inbox_of(request)
    template = await _template(request, inbox)
    title = f"{template.title if template else 'Neuer Textbaustein'} – Textbausteine"
    body = editor(template, inbox.content, csrf)
    return html_response(page(title, body, staff, csrf, await inbox.waiting(staff), "template"))


async def save(request: web.Request) -> web.StreamResponse:
    """Store a template; a text changed without its box ticked again loses its native-speaker mark."""
    staff, _ = staff_of(request)
    inbox = inbox_of(request)
    form = await form_fields(request)
    template = await _template(request, inbox)
    title = str(form.get("title", "")).strip()[:TITLE_CHARS]
    texts = {code: str(form.get(f"text_{code}", ""))[:TEXT_CHARS] for code in inbox.content.languages}
    if not title or not any(text.strip() for text in texts.values()):
        raise web.HTTPBadRequest(text="Ein Textbaustein braucht einen Titel und mindestens einen Text.")
    reviewed = {code: form.get(f"reviewed_{code}") == "1" for code in inbox.content.languages}
    await inbox.templates.save(template.id if template else None, title, texts, reviewed, staff.name, inbox.desk.now())
    raise web.HTTPSeeOther("/staff/templates")


async def delete(request: web.Request) -> web.StreamResponse:
    staff, _ = staff_of(request)
    inbox = inbox_of(request)
    await inbox.templates.retire(path_id(request), staff.name, inbox.desk.now())
    raise web.HTTPSeeOther("/staff/templates")


# --- HTML ---------------------------------------------------------------------------------------------


def listing(templates: list[Template], content: Content, csrf: str) -> str:
    """Render every template with its texts, and which languages a native speaker checked."""
    cards = []
    for template in templates:
        rows = "".join(
            f'<div class="tt"><dt>{h(language_label(content, code))} {_mark(template, code)}</dt>'
            f'<dd lang="{h(code)}" dir="auto">{h(template.texts.get(code, "– fehlt –"))}</dd></div>'
            for code in content.languages
        )
        cards.append(
            f'<article class="template-card" data-id="{template.id}"><h2>{h(template.title)}</h2>'
            f'<dl class="texts">{rows}</dl>'
            f'<p class="card-actions"><a href="/staff/templates/{template.id}">Bearbeiten<span class="visually-hidden">: {h(template.title)}</span></a></p></article>'
        )
    empty = '<p class="empty">Noch keine Textbausteine.</p>' if not templates else ""
    return f"""<nav><a href="/staff/">← zurück zum Posteingang</a></nav>
<h1>Textbausteine</h1>
<p class="note">Standardtexte in allen Sprachen des Assistenten. Im Gespräch fügen Sie sie in der Sprache der Person ein
(Klick oder Alt+T) und können sie vor dem Senden ändern. Platzhalter wie {{consultation_hours}} werden beim Einfügen mit den aktuellen Zeiten gefüllt.</p>
<p><a class="button" href="/staff/templates/new">Neuer Textbaustein</a></p>
{empty}{"".join(cards)}"""


def _mark(template: Template, code: str) -> str:
    if code not in template.texts:
        return ""
    by = template.reviewed_by.get(code)
    if by:
        return f'<span class="badge checked">✓ geprüft von {h(by)}</span>'
    return '<span class="badge unchecked">nicht muttersprachlich geprüft</span>'


def editor(template: Template | None, content: Content, csrf: str) -> str:
    """Render the form for a new or an existing template: a German title, a text and a review mark per language."""
    action = f"/staff/templates/{template.id}" if template else "/staff/templates/new"
    fields = []
    for code, language in content.languages.items():
        text = template.texts.get(code, "") if template else ""
        checked = " checked" if template and template.reviewed_by.get(code) else ""
        direction = "rtl" if language.rtl else "ltr"
        fields.append(
            f'<fieldset class="lang"><legend>{h(language_label(content, code))}</legend>'
            f'<label for="text_{code}">Text auf {h(language.german or language.name)}</label>'
            f'<textarea id="text_{code}" name="text_{code}" rows="3" maxlength="{TEXT_CHARS}" lang="{h(code)}" dir="{direction}">{h(text)}</textarea>'
            f'<label class="check"><input type="checkbox" name="reviewed_{code}" value="1"{checked}> '
            "von einer Muttersprachlerin / einem Muttersprachler geprüft</label></fieldset>"
        )
    remove = ""
    if template:
        remove = (
            f'<form method="post" action="/staff/templates/{template.id}/delete" class="remove">'
            f'<input type="hidden" name="csrf_token" value="{h(csrf)}"><button type="submit" class="erase">Textbaustein löschen</button></form>'
        )
    heading = "Textbaustein bearbeiten" if template else "Neuer Textbaustein"
    return f"""<nav><a href="/staff/templates">← zurück zu den Textbausteinen</a></nav>
<h1>{heading}</h1>
<form method="post" action="{action}" class="template-form">
<input type="hidden" name="csrf_token" value="{h(csrf)}">
<label for="title">Titel (Deutsch)</label>
<input id="title" name="title" required maxlength="{TITLE_CHARS}" value="{h(template.title if template else '')}">
<p class="hint">Ein geänderter Text gilt als nicht geprüft, bis das Häkchen wieder gesetzt wird.</p>
{"".join(fields)}
<button type="submit">Speichern</button>
</form>
{remove}"""


def picker(templates: list[Template], content: Content, language: str, now: datetime) -> str:
    """Render the templates for the reply box, filled in for the person's language and this moment."""
    usable = [template for template in templates if template.texts.get(language)]
    if not templates:
        return ""
    name = language_label(content, language)
    if not usable:
        return f'<p class="hint">Keine Textbausteine auf {h(name)}.</p>'
    items = []
    for template in usable:
        text = _filled(template.texts[language], content, language, now)
        checked = "" if template.reviewed_by.get(language) else ' <span class="badge unchecked">nicht geprüft</span>'
        items.append(
            f'<li><button type="button" class="template" data-text="{h(text)}">{h(template.title)}</button>{checked}</li>'
        )
    return f"""<div class="templates"><p id="templates-label" class="hint">Textbausteine auf {h(name)} einfügen (Klick, oder Alt+T):</p>
<ul class="template-list" aria-labelledby="templates-label">{"".join(items)}</ul></div>"""


def _filled(text: str, content: Content, language: str, now: datetime) -> str:
    try:
        return fill(text, content, language, now)
    except (KeyError, ValueError, IndexError):
        return text  # a placeholder staff typed by hand stays as written


async def _template(request: web.Request, inbox: StaffInbox) -> Template | None:
    if request.match_info.get("id") is None:
        return None
    template = await inbox.templates.get(path_id(request))
    if template is None:
        raise web.HTTPNotFound(text="Diesen Textbaustein gibt es nicht (mehr).")
    return template
