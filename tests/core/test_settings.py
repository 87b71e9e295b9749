"""Settings: the usual database URL forms map to the async drivers; a wrong one is one line naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import SettingsError
from core.settings import Settings


def settings(**environ: str) -> Settings:
    return Settings.from_env({"ASSISTANT_VAR_DIR": "/tmp/var", **environ}, env_file=Path("/nonexistent"))


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("sqlite:///var/x.db", "sqlite+aiosqlite:///var/x.db"),
        ("sqlite:////srv/assistant/x.db", "sqlite+aiosqlite:////srv/assistant/x.db"),
        ("sqlite+aiosqlite:///var/x.db", "sqlite+aiosqlite:///var/x.db"),
        ("postgresql://app:secret@db:5432/assistant", "postgresql+asyncpg://app:secret@db:5432/assistant"),
        ("postgres://app@db/assistant", "postgresql+asyncpg://app@db/assistant"),
        ("postgresql+psycopg2://app@db/assistant", "postgresql+asyncpg://app@db/assistant"),
        ("postgresql+asyncpg://app@db/assistant", "postgresql+asyncpg://app@db/assistant"),
    ],
)
def test_the_usual_database_urls_use_the_async_drivers(given: str, used: str) -> None:
    assert settings(ASSISTANT_DATABASE_URL=given).database_url == used


def test_the_default_database_is_a_sqlite_file_under_var() -> None:
    assert settings().database_url == "sqlite+aiosqlite:////tmp/var/assistant.db"


@pytest.mark.parametrize(
    "given",
    ["mysql://app@db/assistant", "assistant.db", "postgresql://db", "sqlite://", "postgresql://app:se:cr@t@db:x/y"],
)
def test_a_wrong_database_url_is_one_line_naming_the_variable(given: str) -> None:
    with pytest.raises(SettingsError) as refused:
        settings(ASSISTANT_DATABASE_URL=given)
    message = str(refused.value)
    assert message.startswith("ASSISTANT_DATABASE_URL ") and "\n" not in message
    assert "se:cr" not in message, "a password is never repeated"


def test_a_wrong_redis_url_names_the_variable() -> None:
    assert settings(ASSISTANT_REDIS_URL="redis://127.0.0.1:6379/0").redis_url == "redis://127.0.0.1:6379/0"
    with pytest.raises(SettingsError, match="^ASSISTANT_REDIS_URL "):
        settings(ASSISTANT_REDIS_URL="127.0.0.1:6379")
