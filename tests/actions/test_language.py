"""The conversation's language: set by the first message, moved only by choice or a run of confident messages."""

from __future__ import annotations

from actions.conversations import ConversationState
from actions.language import SWITCH_AFTER, settle_language
from nlu.language import LanguageGuess


def guess(language: str | None, confidence: float = 0.95, words: int = 5, **kinds: bool) -> LanguageGuess:
    return LanguageGuess(language, True, confidence, "test", words=words, **kinds)


def test_the_first_message_sets_the_language_even_when_short() -> None:
    assert settle_language(ConversationState(), guess("tr", 0.4, 1)).language == "tr"


def test_several_confident_messages_in_a_row_switch_it() -> None:
    state = ConversationState(language="de")
    for _ in range(SWITCH_AFTER - 1):
        state = settle_language(state, guess("en"))
        assert state.language == "de"
    assert settle_language(state, guess("en")).language == "en"


def test_a_message_in_the_conversations_language_breaks_the_run() -> None:
    state = settle_language(ConversationState(language="ar"), guess("en"))
    state = settle_language(state, guess("ar"))
    assert settle_language(state, guess("en")).language == "ar"


def test_alternating_languages_never_switch() -> None:
    state = ConversationState(language="fa")
    for language in ["de", "en", "de", "en", "tr"]:
        state = settle_language(state, guess(language))
    assert state.language == "fa"


def test_unsupported_gibberish_romanised_and_one_word_messages_never_count() -> None:
    stray = [
        LanguageGuess("fr", False, 0.99, "other latin language", words=8),
        guess(None, 0.0, 3, gibberish=True),
        guess("de", 0.0, 3, gibberish=True),
        guess("uk", 0.9, 4, romanised=True),
        guess("de", 0.95, 1),
        guess("de", 0.4, 6),
    ]
    state = ConversationState(language="ar")
    for message in stray * SWITCH_AFTER:
        state = settle_language(state, message)
    assert state.language == "ar"


def test_a_run_of_confident_messages_also_overrides_an_earlier_choice() -> None:
    state = ConversationState(language="en", chosen_language="en")
    for _ in range(SWITCH_AFTER):
        state = settle_language(state, guess("uk"))
    assert state.language == "uk" and state.chosen_language is None
    assert state.language == "uk"
