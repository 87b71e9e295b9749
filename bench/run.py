"""Run every benchmark under bench/ (each writes its results to bench/results/); `--smoke` runs each small.

A benchmark is a bench/*.py with a `__main__` block; `_*.py` and data helpers are not run.
"""

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).parent
smoke = sys.argv[1:] == ["--smoke"]
for script in sorted(HERE.glob("*.py")):
    if script.name == "run.py" or script.name.startswith("_") or '__name__ == "__main__"' not in script.read_text():
        continue
    print(f"== {script.name}", flush=True)
    sys.argv = [str(script), *(["--smoke"] if smoke else [])]
    runpy.run_path(str(script), run_name="__main__")
