"""Switch the reply language on request, and answer messages in languages we do not speak."""

from __future__ import annotations

import re
from dataclasses import replace

from babel.lists import format_list

from actions.context import ActionContext
from actions.conversations import ConversationState
from core.content import Content
from core.localise import isolate
from core.messages import Reply
from nlu.language import LanguageGuess

# A conversation changes language after this many confident messages in a row in another one.
SWITCH_AFTER = 2
# A guess this sure, resting on at least two words, counts towards changing the language.
CONFIDENT = 0.6
CONFIDENT_WORDS = 2

_PUNCTUATION = re.compile(r"[^\w\s-]")


def requested_language(content: Content, text: str) -> str | None:
    """Find which language a "please answer in X" message asks for, if it names exactly one."""
    words = f" {' '.join(_PUNCTUATION.sub(' ', text.casefold()).split())} "
    found = {
        code
        for code, language in content.languages.items()
        for phrase in language.switch_phrases
        if f" {phrase} " in words or (len(phrase) > 5 and phrase in words)
    }
    return found.pop() if len(found) == 1 else None


def confirm_language(ctx: ActionContext) -> Reply:
    """Confirm, in the newly chosen language, that answers will now come in it."""
    return ctx.reply(f"{ctx.ui('language_switched')}\n{ctx.ui('menu_prompt')}", ctx.menu_buttons(), "language_switch")


def offer_languages(ctx: ActionContext) -> Reply:
    """Ask which language the person wants, with one button per language."""
    return ctx.reply(ctx.ui("choose_language"), ctx.language_buttons(), "language_switch")


def settle_language(state: ConversationState, guess: LanguageGuess) -> ConversationState:
    """Decide the conversation's language after one message; only a run of confident messages moves it.

    The first message with a supported language sets it. After that, gibberish, a language we do
    not speak, a romanised or one-word message never change it; SWITCH_AFTER confident messages in
    a row in another supported language do. Choosing a language (button, request) sets it directly.
    """
    if not guess.supported or guess.gibberish or guess.language is None:
        return state
    if state.language is None:
        return replace(state, language=guess.language, switch_to=None, switch_votes=0)
    if guess.language == state.language:
        return replace(state, switch_to=None, switch_votes=0)
    if guess.romanised or guess.confidence < CONFIDENT or guess.words < CONFIDENT_WORDS:
        return state
    votes = state.switch_votes + 1 if state.switch_to == guess.language else 1
    if votes >= SWITCH_AFTER:
        return replace(state, language=guess.language, chosen_language=None, switch_to=None, switch_votes=0)
    return replace(state, switch_to=guess.language, switch_votes=votes)


def unsupported_language(ctx: ActionContext) -> Reply:
    """Tell, in the conversation's language and in English and German, which languages the assistant speaks.

    `ctx.language` is the conversation's language (English for a first message), so the reply keeps
    the conversation's direction: one French line does not turn an Arabic chat left to right.
    """
    # In a left-to-right line, "العربية, فارسی" would swap places: each name is isolated.
    names = [isolate(language.name) for language in ctx.content.languages.values()]
    text = ctx.content.unsupported_reply.format(languages=", ".join(names))
    if ctx.language in ("en", "de"):
        return ctx.reply(text, ctx.language_buttons(), "unsupported_language")
    if ctx.content.is_rtl(ctx.language):
        # The English and German paragraphs keep their own direction inside a right-to-left reply.
        text = "\n".join(isolate(line) if line.strip() else line for line in text.split("\n"))
    own = ctx.content.ui_text("other_language", ctx.language).format(languages=format_list(names, locale=ctx.language))
    return ctx.reply(f"{own}\n\n{text}", ctx.language_buttons(), "unsupported_language")
