"""`assistant serve` on first start: demo logins once (never in production), and where everything is."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

from accounts.service import AccountService
from bot.demo import DemoLogin, addresses, announce, create_demo_logins
from core.settings import Settings
from storage.migrate import open_database


async def test_demo_logins_are_created_once_and_work(base_settings: Settings, tmp_path: Path) -> None:
    settings = replace(base_settings, database_url=f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}")
    logins = await create_demo_logins(settings)
    assert [(login.role, login.username) for login in logins] == [("staff", "staff"), ("analyst", "analyst")]
    assert len({login.password for login in logins}) == 2 and all(len(login.password) >= 16 for login in logins)
    assert await create_demo_logins(settings) == [], "the second start creates (and shows) nothing"
    async with open_database(settings.database_url) as database:
        service = AccountService(database)
        for login in logins:
            account = await service.authenticate(login.username, login.password, "127.0.0.1")
            assert account is not None and account.has_role(login.role)


async def test_production_never_gets_default_passwords(base_settings: Settings, tmp_path: Path) -> None:
    settings = replace(
        base_settings, database_url=f"sqlite+aiosqlite:///{tmp_path / 'prod.db'}", environment="production"
    )
    assert await create_demo_logins(settings) == []
    async with open_database(settings.database_url) as database:
        assert not await AccountService(database).exists("staff")


def test_the_start_message_names_every_address_and_the_logins() -> None:
    out = io.StringIO()
    announce("127.0.0.1", 8080, [DemoLogin("staff", "staff", "s3cret-pass-word")], out)
    text = out.getvalue()
    for url in ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/staff/", "http://127.0.0.1:8080/analytics/"):
        assert url in text
    assert "s3cret-pass-word" in text and "http://127.0.0.1:8080/login" in text
    assert addresses("0.0.0.0", 80)[0][1] == "http://127.0.0.1:80/"
    assert addresses("::", 8080)[0][1] == "http://[::1]:8080/"
