"""kill -9 of a real `assistant serve` at random moments: nothing lost, no duplicate beyond the counted cut-off sends.

Runs bench/telegram_faults.py in its smoke size: three starts (webhook, polling, webhook) with a
kill -9 at a random moment between each two, so a webhook burst and a poll loop are both cut.
The full benchmark (many more kills, PostgreSQL, outages, a second process, 429 storms) writes
bench/results/telegram_faults.md.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from core.settings import PROJECT_ROOT


async def test_kill_9_at_random_moments_loses_nothing_and_duplicates_only_cut_off_sends(tmp_path: Path) -> None:
    output = tmp_path / "telegram_faults.md"
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(PROJECT_ROOT / "bench" / "telegram_faults.py"), "--smoke", "--output", str(output),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    printed, _ = await asyncio.wait_for(process.communicate(), 600)
    report = output.read_text(encoding="utf-8") if output.exists() else ""
    assert process.returncode == 0, printed.decode(errors="replace")[-3000:]
    [total] = [line for line in report.splitlines() if line.startswith("| **all**")]
    cells = [cell.strip() for cell in total.strip("|").split("|")]
    kills, messages, lost, duplicated, cut_off, out_of_order = (int(cell.split()[0]) for cell in cells[2:8])
    assert kills == 2 and messages >= 36, report
    assert lost == 0 and out_of_order == 0 and duplicated <= cut_off, report
    assert "Promise kept" in report
