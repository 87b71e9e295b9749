"""Language detection: script cues, short messages, context, and languages we do not speak."""

import pytest

from nlu.runtime import build_language_detector
from core.content import Content
from nlu.language import LanguageDetector


@pytest.fixture(scope="module")
def detector(content: Content) -> LanguageDetector:
    return build_language_detector(content)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Коли можна прийти українцям?", "uk"),
        ("Когда можно прийти украинцам?", "ru"),
        ("дякую", "uk"),
        ("спасибо", "ru"),
        ("ابحث عن عمل", "ar"),
        ("دنبال کار می‌گردم", "fa"),
        ("öffnungszeiten?", "de"),
        ("When are you open?", "en"),
        ("tesekkurler", "tr"),
        ("Сколько стоит Deutschlandticket?", "ru"),  # a German word inside Russian
        ("توی Integrationsbericht چی نوشته؟", "fa"),
        ("Who runs the integration forum, the county or the Paritätischer?", "en"),
    ],
)
def test_detects_core_languages(detector: LanguageDetector, text: str, language: str) -> None:
    guess = detector.detect(text)
    assert guess.supported and guess.language == language


@pytest.mark.parametrize(
    "text", ["Bonjour, quand est-ce que le bureau est ouvert ?", "Cześć, gdzie jest biuro?", "你好，办公室在哪里？", "Γεια σας, πού είναι το γραφείο;"]
)
def test_other_languages_are_unsupported(detector: LanguageDetector, text: str) -> None:
    assert not detector.detect(text).supported


def test_context_settles_an_ambiguous_short_word(detector: LanguageDetector) -> None:
    assert detector.detect("ok", previous="de").language == "de"
    assert detector.detect("ok", hint="tr").language == "tr"


def test_a_hint_does_not_override_clear_text(detector: LanguageDetector) -> None:
    assert detector.detect("Коли можна прийти українцям?", hint="ru").language == "uk"
    assert detector.detect("Where is the office please?", hint="de").language == "en"


def test_no_letters_falls_back_to_context(detector: LanguageDetector) -> None:
    guess = detector.detect("👍 123 !!!", previous="ar")
    assert guess.supported and guess.language == "ar"
    assert detector.detect("👍").language is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("koly vy pratsiuiete?", "uk"),
        ("kogda vy rabotaete", "ru"),
        ("shu el dawam 3ndkon", "ar"),
        ("saat kari shoma chie?", "fa"),
    ],
)
def test_romanised_messages_are_recognised(detector: LanguageDetector, text: str, language: str) -> None:
    guess = detector.detect(text)
    assert guess.supported and guess.language == language and guess.romanised


@pytest.mark.parametrize("text", ["calisma saatleriniz ne zaman", "tesekkur ederim", "is ariyorum"])
def test_turkish_without_its_special_letters_is_turkish(detector: LanguageDetector, text: str) -> None:
    guess = detector.detect(text)
    assert guess.language == "tr" and not guess.romanised


@pytest.mark.parametrize("text", ["asdkj qwe zzz", "blub blub ???", "qwertz", "jjjjj kkkk", "фывапролд", "ضصثقفغع"])
def test_keyboard_mashing_is_gibberish_and_keeps_the_context(detector: LanguageDetector, text: str) -> None:
    guess = detector.detect(text, previous="fa")
    assert guess.gibberish and guess.language == "fa" and guess.confidence == 0.0


@pytest.mark.parametrize("text", ["Fremdenfeindlichkeit", "GDPR", "Rattenfänger?", "hiii", "güle güle", "ok"])
def test_rare_but_real_words_are_not_gibberish(detector: LanguageDetector, text: str) -> None:
    assert not detector.detect(text).gibberish
