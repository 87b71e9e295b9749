"""The reply templates of data/templates.yml: every language, a German title, the writing rules, review marks."""

import shutil
from pathlib import Path

import pytest
import yaml

from core.content import fingerprint
from core.settings import PROJECT_ROOT
from core.templates import check_templates, load_template_seeds, render_template_review_state

LANGUAGES = ["de", "en", "uk", "ru", "ar", "fa", "tr"]


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", target)
    return target


def edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def test_the_first_set_is_complete_and_covers_the_seeds_facts() -> None:
    assert check_templates(PROJECT_ROOT / "data") == []
    seeds = {seed.key: seed for seed in load_template_seeds(PROJECT_ROOT / "data")}
    assert set(seeds) == {"hours", "ukraine_hours", "bring_letter", "call_back"}
    for seed in seeds.values():
        assert seed.title and set(seed.texts) == set(LANGUAGES)
    assert "{ukraine_hours}" in seeds["ukraine_hours"].texts["uk"]
    assert "{consultation_hours}" in seeds["bring_letter"].texts["fa"]


def test_a_missing_language_an_unknown_placeholder_and_ascii_punctuation_are_reported(data_copy: Path) -> None:
    def spoil(doc: dict) -> None:  # type: ignore[type-arg]
        doc["templates"][0]["texts"].pop("fa")
        doc["templates"][1]["texts"]["de"] = "Kommen Sie {wann}."
        doc["templates"][2]["texts"]["ar"] = "هل لديكم الرسالة?"
        doc["templates"][3]["title"] = ""

    edit(data_copy / "templates.yml", spoil)
    problems = check_templates(data_copy)
    assert "templates.yml: hours: missing or empty text in 'fa'" in problems
    assert "templates.yml: ukraine_hours: de: unknown placeholder '{wann}'" in problems
    assert "templates.yml: bring_letter: ar: '?' after ar text; write '؟'" in problems
    assert "templates.yml: call_back: no German title" in problems


def test_a_review_counts_only_while_the_text_is_unchanged(data_copy: Path) -> None:
    seeds = load_template_seeds(data_copy)
    text = seeds[0].texts["uk"]

    def confirm(doc: dict) -> None:  # type: ignore[type-arg]
        doc["templates"][0]["reviewed"] = {"uk": {"by": "Olha", "on": "2026-12-02", "fingerprint": fingerprint(text)}}

    edit(data_copy / "templates.yml", confirm)
    state = render_template_review_state(load_template_seeds(data_copy), LANGUAGES)
    assert "uk: 1 of 4" in state and "de: 0 of 4" in state

    edit(data_copy / "templates.yml", lambda doc: doc["templates"][0]["texts"].update(uk=text + " Дякуємо!"))
    assert "uk: 0 of 4" in render_template_review_state(load_template_seeds(data_copy), LANGUAGES)
