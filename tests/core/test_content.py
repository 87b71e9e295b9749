"""The content check catches what would break answers in some language."""

import shutil
from pathlib import Path

import pytest
import yaml

from core.content import check_content, fingerprint, load_content, review_state
from core.settings import PROJECT_ROOT
from core.topics import PRODUCT_TOPICS


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", target)
    return target


def edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def test_shipped_content_is_valid_and_complete() -> None:
    assert check_content(PROJECT_ROOT / "data") == []
    content = load_content(PROJECT_ROOT / "data")
    assert set(content.topics) == PRODUCT_TOPICS
    assert set(content.languages) == {"de", "en", "uk", "ru", "ar", "fa", "tr"}
    for topic in content.topics.values():
        for code in content.languages:
            assert len(topic.examples[code]) >= 15


def test_missing_language_is_reported(data_copy: Path) -> None:
    edit(data_copy / "faq" / "courses.yml", lambda d: d["answers"].pop("fa"))
    assert any("courses.yml: missing or empty answer in 'fa'" in p for p in check_content(data_copy))


def test_empty_answer_is_reported(data_copy: Path) -> None:
    edit(data_copy / "faq" / "location.yml", lambda d: d["answers"].update(tr="  "))
    assert any("location.yml: missing or empty answer in 'tr'" in p for p in check_content(data_copy))


def test_unknown_placeholder_is_reported(data_copy: Path) -> None:
    edit(data_copy / "faq" / "location.yml", lambda d: d["answers"].update(de="Kastanienwall {house_number}"))
    assert any("unknown placeholder '{house_number}'" in p for p in check_content(data_copy))


def test_missing_topic_is_reported(data_copy: Path) -> None:
    (data_copy / "faq" / "privacy.yml").unlink()
    assert "faq/: no file for topic 'privacy'" in check_content(data_copy)


def test_topic_not_in_product_is_reported(data_copy: Path) -> None:
    shutil.copy(data_copy / "faq" / "thanks.yml", data_copy / "faq" / "weather.yml")
    edit(data_copy / "faq" / "weather.yml", lambda d: d.update(topic="weather"))
    problems = check_content(data_copy)
    assert any("topic 'weather' is not a topic id of PRODUCT.md" in p for p in problems)


def test_missing_ui_string_is_reported(data_copy: Path) -> None:
    edit(data_copy / "ui.yml", lambda d: d["ar"].pop("non_text"))
    assert "ui.yml: ar: missing or empty 'non_text'" in check_content(data_copy)


def test_same_example_in_two_topics_is_reported(data_copy: Path) -> None:
    edit(data_copy / "faq" / "thanks.yml", lambda d: d["examples"]["en"].append("where is the office"))
    edit(data_copy / "faq" / "location.yml", lambda d: d["examples"]["en"].append("Where is the office"))
    assert any("is also an example of" in p for p in check_content(data_copy))


def test_ascii_punctuation_after_arabic_is_reported(data_copy: Path) -> None:
    edit(data_copy / "faq" / "location.yml", lambda d: d["answers"].update(ar="أين المكتب?"))
    assert any("location.yml" in p and "'?'" in p for p in check_content(data_copy))


def test_latin_digits_in_persian_are_reported_but_course_levels_are_not(data_copy: Path) -> None:
    edit(data_copy / "faq" / "location.yml", lambda d: d["answers"].update(fa="سطح B1 از ساعت 10"))
    problems = [p for p in check_content(data_copy) if "location.yml" in p]
    assert problems == ["faq/location.yml: answer: fa: digits '10' are not the language's own"]


def test_a_missing_plural_form_is_reported(data_copy: Path) -> None:
    edit(data_copy / "ui.yml", lambda d: d["counts"]["uk"]["days"].pop("few"))
    assert "ui.yml: counts: uk: days: plural form 'few' missing or without {n}" in check_content(data_copy)


def test_review_state_lists_what_to_check_first_and_notices_later_edits(data_copy: Path) -> None:
    states = {state.language: state for state in review_state(load_content(data_copy))}
    assert all(not state.confirmed for state in states.values())
    assert states["uk"].unconfirmed[:3] == ("interface (ui.yml)", "availability (availability.yml)", "office_hours")
    content = load_content(data_copy)
    reviewed = fingerprint(content.topics["office_hours"].texts("uk"))
    edit(data_copy / "faq" / "office_hours.yml", lambda d: d.update(reviewed={"uk": {"by": "O. K.", "on": "2027-01-15", "fingerprint": reviewed}}))
    assert review_state(load_content(data_copy))[2].confirmed == ("office_hours",)
    edit(data_copy / "faq" / "office_hours.yml", lambda d: d["labels"].update(uk="Години"))
    state = review_state(load_content(data_copy))[2]
    assert state.changed_since_review == ("office_hours",) and not state.confirmed
