"""bench/abuse.py runs in its smoke size (the scale engineer's tests/test_benchmarks.py may fold this in)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from core.settings import PROJECT_ROOT


def test_the_abuse_bench_runs_in_its_smoke_size(tmp_path: Path) -> None:
    output = tmp_path / "abuse.md"
    result = subprocess.run(
        [sys.executable, "bench/abuse.py", "--smoke", "--output", str(output)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    text = output.read_text(encoding="utf-8")
    assert "| visitor alone | 5 |" in text and "| visitor while one address floods (40 sockets × 8 messages) | 5 |" in text
    assert "socket attempts accepted 30, refused" in text  # the per-address socket limit held
