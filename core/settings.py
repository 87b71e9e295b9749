"""Settings from environment variables (and an optional .env file), read once at start-up."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from core.errors import SettingsError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The usual spellings of a database URL and the async driver each is served by.
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_T = TypeVar("_T")


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with embedded defaults that run on 127.0.0.1."""

    project_root: Path
    data_dir: Path
    models_dir: Path
    var_dir: Path
    database_url: str
    redis_url: str | None
    http_host: str
    http_port: int
    nlu_url: str | None
    nlu_token: str | None
    nlu_timeout: float
    confidence_threshold: float
    telegram_bot_token: str | None
    telegram_api_url: str
    telegram_webhook_url: str | None
    telegram_webhook_secret: str | None
    telegram_staff_chat_id: str | None
    # "production" never creates demo logins; anything else is a development or demo set-up.
    environment: str = "development"
    # Other sites (scheme://host[:port]) allowed to embed the web chat; its own pages always may.
    web_chat_origins: tuple[str, ...] = ()
    # The web chat's transcript is deleted this long after a conversation's last message.
    web_chat_retention_hours: float = 24.0
    # Messages of a closed handover to staff are deleted this many days after it was closed.
    handover_retention_days: float = 30.0
    # Anonymous inquiry counts (monitoring) are deleted after this many days; 0 keeps them forever.
    event_retention_days: int = 3650
    # Published statistics show counts below this as "<k" (k-anonymity of the analysts' figures).
    analytics_min_count: int = 5

    @property
    def rasa_executable(self) -> Path:
        return self.project_root / ".venv-rasa" / "bin" / "rasa"

    @property
    def production(self) -> bool:
        return self.environment.strip().lower() == "production"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> Settings:
        """Build settings from `environ` (default: os.environ) over the values of a .env file."""
        values: dict[str, str] = {}
        root = Path((environ or os.environ).get("ASSISTANT_HOME", PROJECT_ROOT))
        dotenv = env_file if env_file is not None else root / ".env"
        if dotenv.is_file():
            values.update(_read_dotenv(dotenv))
        values.update(environ if environ is not None else os.environ)

        def get(name: str, default: str | None = None) -> str | None:
            value = values.get(name)
            return value if value not in (None, "") else default

        var_dir = Path(get("ASSISTANT_VAR_DIR", str(root / "var")) or "")
        return cls(
            project_root=root,
            data_dir=Path(get("ASSISTANT_DATA_DIR", str(root / "data")) or ""),
            models_dir=Path(get("ASSISTANT_MODELS_DIR", str(root / "models")) or ""),
            var_dir=var_dir,
            database_url=_setting(
                "ASSISTANT_DATABASE_URL",
                async_database_url,
                get("ASSISTANT_DATABASE_URL", f"sqlite+aiosqlite:///{var_dir / 'assistant.db'}") or "",
            ),
            redis_url=_setting("ASSISTANT_REDIS_URL", redis_url, get("ASSISTANT_REDIS_URL")),
            http_host=get("ASSISTANT_HTTP_HOST", "127.0.0.1") or "127.0.0.1",
            http_port=int(get("ASSISTANT_HTTP_PORT", "8080") or 8080),
            nlu_url=get("NLU_URL"),
            nlu_token=get("NLU_TOKEN"),
            nlu_timeout=float(get("NLU_TIMEOUT", "3.0") or 3.0),
            confidence_threshold=float(get("ASSISTANT_CONFIDENCE_THRESHOLD", "0.4") or 0.4),
            telegram_bot_token=get("TELEGRAM_BOT_TOKEN"),
            telegram_api_url=(get("TELEGRAM_API_URL", "https://api.telegram.org") or "").rstrip("/"),
            telegram_webhook_url=get("TELEGRAM_WEBHOOK_URL"),
            telegram_webhook_secret=get("TELEGRAM_WEBHOOK_SECRET"),
            telegram_staff_chat_id=get("TELEGRAM_STAFF_CHAT_ID"),
            environment=get("ASSISTANT_ENV", "development") or "development",
            web_chat_origins=tuple(
                origin.strip().rstrip("/")
                for origin in (get("ASSISTANT_WEB_CHAT_ORIGINS", "") or "").split(",")
                if origin.strip()
            ),
            web_chat_retention_hours=float(get("ASSISTANT_WEB_CHAT_RETENTION_HOURS", "24") or 24),
            handover_retention_days=float(get("ASSISTANT_HANDOVER_RETENTION_DAYS", "30") or 30),
            event_retention_days=int(get("ASSISTANT_EVENT_RETENTION_DAYS", "3650") or 3650),
            analytics_min_count=int(get("ASSISTANT_ANALYTICS_MIN_COUNT", "5") or 5),
        )


def async_database_url(url: str) -> str:
    """Return `url` with the async driver the app uses (sqlite:// -> sqlite+aiosqlite://); ValueError if unusable."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    match = _SCHEME.match(url.strip())
    if match is None:
        raise ValueError("is not a URL; use sqlite:///path/to/file.db or postgresql://user@host/database")
    scheme = match.group(1).lower()
    driver = _ASYNC_DRIVERS.get(scheme)
    if driver is None:
        raise ValueError(f"names {scheme!r}; the assistant runs on SQLite (sqlite:///…) or PostgreSQL (postgresql://…)")
    mapped = driver + url.strip()[match.end(1) :]
    try:
        parsed = make_url(mapped)
    except (ArgumentError, ValueError) as error:
        raise ValueError(f"cannot be read ({type(error).__name__})") from None
    if driver.startswith("postgresql") and not parsed.database:
        raise ValueError("names no database; use postgresql://user@host:5432/database")
    if driver.startswith("sqlite") and not parsed.database:
        raise ValueError("names no file; use sqlite:///relative/path.db or sqlite:////absolute/path.db")
    return mapped


def redis_url(url: str | None) -> str | None:
    """Return a Redis URL as given, or None when unset; ValueError for anything but redis://, rediss://, unix://."""
    if url is None:
        return None
    match = _SCHEME.match(url.strip())
    if match is None or match.group(1).lower() not in ("redis", "rediss", "unix"):
        raise ValueError("is not a Redis URL; use redis://host:6379/0")
    return url.strip()


def _setting(name: str, check: Callable[[_T], _T], value: _T) -> _T:
    try:
        return check(value)
    except ValueError as error:
        raise SettingsError(f"{name} {error}") from None


def _read_dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        values[name.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values
