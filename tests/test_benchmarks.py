"""Every benchmark under bench/ runs in its smoke size, so a change that breaks one fails CI.

Each `bench/<name>.py` with a `__main__` block takes `--smoke` and `--output PATH` (README, Benchmarks).
Benchmarks that measure against Rasa get the session's server through NLU_URL/NLU_TOKEN, so none
starts or trains its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow

BENCH = PROJECT_ROOT / "bench"
# A smoke run must stay well under a minute on a quiet machine; this bounds a busy one.
SMOKE_TIMEOUT = 240


def benchmarks() -> list[Path]:
    """Return every runnable benchmark (helpers such as monitoring_data.py have no __main__ block)."""
    return sorted(
        path
        for path in BENCH.glob("*.py")
        if path.name != "run.py" and not path.name.startswith("_") and '__name__ == "__main__"' in path.read_text()
    )


def test_every_benchmark_is_found() -> None:
    names = {path.stem for path in benchmarks()}
    assert {"nlu_parse", "telegram_webhook", "language_id", "monitoring_bench"} <= names


@pytest.mark.parametrize("script", benchmarks(), ids=lambda path: path.stem)
def test_benchmark_runs_in_its_smoke_size(script: Path, rasa_url: tuple[str, str], tmp_path: Path) -> None:
    output = tmp_path / f"{script.stem}.md"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "NLU_", "TELEGRAM_"))}
    environ.update(NLU_URL=rasa_url[0], NLU_TOKEN=rasa_url[1], ASSISTANT_VAR_DIR=str(tmp_path / "var"))
    results = sorted((BENCH / "results").glob("*.md"))
    before = {path: path.stat().st_mtime_ns for path in results}
    finished = subprocess.run(
        [sys.executable, str(script), "--smoke", "--output", str(output)],
        cwd=PROJECT_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=SMOKE_TIMEOUT,
    )
    assert finished.returncode == 0, finished.stderr[-4000:]
    report = output.read_text(encoding="utf-8")
    assert report.startswith("# ") and "|" in report, report[:500]
    assert {path: path.stat().st_mtime_ns for path in results} == before, "a smoke run never overwrites bench/results/"
