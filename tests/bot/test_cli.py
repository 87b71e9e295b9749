"""The `assistant` command line, run as a process, against the real Rasa model."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.slow

ASSISTANT = [sys.executable, "-m", "bot.cli"]


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NLU_", "TELEGRAM_", "ASSISTANT_"))}
    env.update(ASSISTANT_VAR_DIR=str(settings.var_dir), **extra)
    return env


def run(args: list[str], stdin: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ASSISTANT, *args], input=stdin, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_parse_follows_the_json_lines_contract(rasa_settings: Settings) -> None:
    lines = [
        {"text": "Коли можна прийти українцям?", "language_hint": None},
        {"text": "Когда вы открыты?", "language_hint": "ru"},
        {"text": "ابحث عن عمل", "language_hint": None},
        {"text": "Danışmanlık ücretsiz mi?", "language_hint": None},
        {"text": "What's the weather in Hameln tomorrow?", "language_hint": "en"},
    ]
    env = environment(rasa_settings, NLU_URL=str(rasa_settings.nlu_url), NLU_TOKEN=str(rasa_settings.nlu_token))
    result = run(["parse"], "".join(json.dumps(line) + "\n" for line in lines) + "not json\n", env)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines) + 1
    assert [(o["language"], o["topic"]) for o in out[:5]] == [
        ("uk", "ukraine_support"),
        ("ru", "office_hours"),
        ("ar", "labour_market"),
        ("tr", "costs_confidentiality"),
        ("en", "out_of_scope"),
    ]
    assert all(o["text"] == line["text"] and 0 <= o["confidence"] <= 1 for o, line in zip(out, lines))
    assert "error" in out[-1]


def test_parse_starts_its_own_nlu_server_when_none_is_reachable(rasa_settings: Settings) -> None:
    env = environment(rasa_settings, NLU_URL="http://127.0.0.1:9")  # nothing listens on the discard port
    result = run(["parse"], json.dumps({"text": "öffnungszeiten?", "language_hint": None}) + "\n", env, timeout=400)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {**json.loads(result.stdout), "language": "de", "topic": "office_hours"}


def test_chat_answers_each_stdin_line(rasa_settings: Settings) -> None:
    env = environment(rasa_settings, NLU_URL=str(rasa_settings.nlu_url), NLU_TOKEN=str(rasa_settings.nlu_token))
    result = run(["chat"], "Hallo\n1\n\n" + "ä" * 20_000 + "\n", env)
    assert result.returncode == 0, result.stderr
    replies = [block for block in result.stdout.split("\n\n") if block.strip()]
    assert len(replies) == 4
    assert "[1]" in replies[0] and "Dienstag 10:00–12:00" in replies[1]


def test_chat_at_a_moment_answers_as_then_on_a_scratch_copy(rasa_settings: Settings) -> None:
    env = environment(rasa_settings, NLU_URL=str(rasa_settings.nlu_url), NLU_TOKEN=str(rasa_settings.nlu_token))
    # Christmas Eve 2026 is a Thursday: the usual hours would say "open until 17:00".
    result = run(["chat", "--at", "2026-12-24T14:30"], "öffnungszeiten?\nIch möchte mit einem Menschen sprechen\n", env)
    assert result.returncode == 0, result.stderr
    hours, handover = [block for block in result.stdout.split("\n\n") if block.strip()][:2]
    assert hours.startswith("Heute ist das Büro geschlossen: Heiligabend. Die nächste offene Sprechstunde: Dienstag, 29. Dezember 2026")
    assert "geöffnet" not in hours.split("\n")[0] and "—" not in result.stdout
    assert "Heiligabend" in handover and "29. Dezember 2026" in handover
    # The preview's handover went to a scratch database, never to the real one.
    real = rasa_settings.var_dir / "assistant.db"
    if real.exists():
        with sqlite3.connect(real) as db:
            assert db.execute("SELECT count(*) FROM handovers").fetchone() == (0,)
    # With an offset, the moment is taken as given: 13:30 UTC is 14:30 in Berlin.
    same = run(["chat", "--at", "2026-12-24T13:30+00:00"], "öffnungszeiten?\n", env)
    assert same.stdout.split("\n")[0] == hours.split("\n")[0]


def test_chat_at_rejects_what_is_not_a_moment(base_settings: Settings) -> None:
    result = run(["chat", "--at", "Heiligabend"], "", environment(base_settings))
    assert result.returncode == 2
    assert "not a moment" in result.stderr and len(result.stderr.strip().splitlines()) == 2  # usage and the error


def test_content_check_passes_on_the_shipped_content(base_settings: Settings) -> None:
    result = run(["content", "check"], "", environment(base_settings))
    assert result.returncode == 0, result.stdout
    assert "content OK: 21 topics, 7 languages" in result.stdout
    # No native speaker has confirmed anything yet: each language says so, and what to check first.
    assert (
        "  uk: 0/0/23 of 23; check first: interface (ui.yml), availability (availability.yml), office_hours, ukraine_support"
        in result.stdout
    )


def test_content_check_fails_on_broken_content(base_settings: Settings, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(PROJECT_ROOT / "data", tmp_path / "data")
    (tmp_path / "data" / "faq" / "courses.yml").unlink()
    result = run(["content", "check"], "", environment(base_settings, ASSISTANT_DATA_DIR=str(tmp_path / "data")))
    assert result.returncode == 1
    assert "no file for topic 'courses'" in result.stdout


def test_a_wrong_database_url_stops_serve_with_one_line(base_settings: Settings) -> None:
    env = environment(base_settings, ASSISTANT_DATABASE_URL="mysql://app:hunter2@db/assistant")
    result = run(["serve"], "", env, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert result.stderr.startswith("assistant: ASSISTANT_DATABASE_URL ") and "hunter2" not in result.stderr
