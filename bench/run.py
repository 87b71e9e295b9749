"""Run every benchmark under bench/ (each writes its results to bench/results/)."""

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).parent
for script in sorted(p for p in HERE.glob("*.py") if p.name != "run.py"):
    print(f"== {script.name}", flush=True)
    sys.argv = [str(script)]
    runpy.run_path(str(script), run_name="__main__")
