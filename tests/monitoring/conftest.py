"""Fixtures for the monitoring: the office hours, a fresh database of each kind, recorded events."""

from __future__ import annotations


import pytest

from core.schedule import OfficeSchedule
from core.settings import PROJECT_ROOT
from monitoring.analysis import AnalysisConfig
from monitoring.config import load_languages, load_office_hours


@pytest.fixture(scope="session")
def office_hours() -> OfficeSchedule:
    return load_office_hours(PROJECT_ROOT / "data")


@pytest.fixture(scope="session")
def analysis_config(office_hours: OfficeSchedule) -> AnalysisConfig:
    return AnalysisConfig(office_hours, load_languages(PROJECT_ROOT / "data"))

