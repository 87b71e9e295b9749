"""Fixtures for the monitoring: the office hours, a fresh database of each kind, recorded events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.schedule import OfficeSchedule
from core.settings import PROJECT_ROOT
from monitoring.analysis import AnalysisConfig
from monitoring.config import load_languages, load_office_hours
from storage.db import Database, open_database
from tests.storage.databases import DATABASE_KINDS, fresh_database_url


@pytest.fixture(scope="session")
def office_hours() -> OfficeSchedule:
    return load_office_hours(PROJECT_ROOT / "data")


@pytest.fixture(scope="session")
def analysis_config(office_hours: OfficeSchedule) -> AnalysisConfig:
    return AnalysisConfig(office_hours, load_languages(PROJECT_ROOT / "data"))


@pytest.fixture(params=DATABASE_KINDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    async with open_database(database_url) as opened:
        yield opened
