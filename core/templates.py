"""Reply templates (Textbausteine) as content: the first set in data/templates.yml, checked like the answers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from core.content import ANSWER_PLACEHOLDERS, Review, _placeholder_problems, _read_yaml, _reviews, fingerprint
from core.errors import ContentError
from core.localise import foreign_digits

TEMPLATES_FILE = "templates.yml"
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_RTL_LETTER = "\u0600-\u06ff"


@dataclass(frozen=True)
class TemplateSeed:
    """One template of the first set: a key that never changes, a German title, a text per language."""

    key: str
    title: str
    texts: Mapping[str, str]
    reviewed: Mapping[str, Review]

    def confirmed(self, language: str) -> Review | None:
        """Return the native speaker's review of one language if it still matches the text."""
        review = self.reviewed.get(language)
        if review is None or review.fingerprint != fingerprint(self.texts.get(language, "")):
            return None
        return review


def load_template_seeds(data_dir: Path) -> list[TemplateSeed]:
    """Read data/templates.yml (none if the file is missing)."""
    path = data_dir / TEMPLATES_FILE
    if not path.is_file():
        return []
    doc = _read_yaml(path)
    try:
        return [
            TemplateSeed(
                key=str(item["key"]),
                title=str(item["title"]).strip(),
                texts={str(code): str(text).strip() for code, text in (item.get("texts") or {}).items()},
                reviewed=_reviews(item.get("reviewed")),
            )
            for item in doc.get("templates") or []
        ]
    except (KeyError, TypeError, AttributeError) as error:
        raise ContentError(f"{TEMPLATES_FILE}: a template lacks {error}") from error


def check_templates(data_dir: Path) -> list[str]:
    """Return what is wrong with data/templates.yml: keys, German titles, a text in every language, writing."""
    languages = _read_yaml(data_dir / "languages.yml")
    codes = [str(code) for code in languages.get("languages") or {}]
    punctuation = languages.get("punctuation") or {}
    try:
        seeds = load_template_seeds(data_dir)
    except ContentError as error:
        return [str(error)]
    problems: list[str] = []
    seen: set[str] = set()
    for seed in seeds:
        where = f"{TEMPLATES_FILE}: {seed.key}"
        if not _KEY.match(seed.key):
            problems.append(f"{where}: the key must be lower-case letters, digits and _")
        if seed.key in seen:
            problems.append(f"{where}: the key is used twice")
        seen.add(seed.key)
        if not seed.title:
            problems.append(f"{where}: no German title")
        for code in codes:
            text = seed.texts.get(code, "")
            if not text:
                problems.append(f"{where}: missing or empty text in '{code}'")
                continue
            problems += [f"{where}: {code}: {p}" for p in _placeholder_problems(text, ANSWER_PLACEHOLDERS)]
            problems += [f"{where}: {code}: digits '{d}' are not the language's own" for d in foreign_digits(text, code)]
            for ascii_mark, own in (punctuation.get(code) or {}).items():
                if re.search(f"[{_RTL_LETTER}]\\s*{re.escape(ascii_mark)}", text):
                    problems.append(f"{where}: {code}: '{ascii_mark}' after {code} text; write '{own}'")
        for code in seed.texts:
            if code not in codes:
                problems.append(f"{where}: '{code}' is not one of the languages")
    return problems


def render_template_review_state(seeds: list[TemplateSeed], codes: list[str]) -> str:
    """Say per language how many templates a native speaker confirmed."""
    lines = ["reply templates (data/templates.yml), confirmed by a native speaker:"]
    for code in codes:
        confirmed = [seed.key for seed in seeds if seed.confirmed(code)]
        pending = [seed.key for seed in seeds if not seed.confirmed(code)]
        lines.append(f"  {code}: {len(confirmed)} of {len(seeds)}; not yet: {', '.join(pending) or '-'}")
    lines.append("  confirm with `reviewed: {LANG: {by: NAME, on: DATE, fingerprint: F}}` under the template;")
    lines.append("  F: `assistant content fingerprint template:KEY LANG`")
    return "\n".join(lines)
