"""Language identification: langdetect vs lingua vs our detector, on lingua's test data and chat messages.

Usage: .venv/bin/python bench/language_id.py [--lingua-testdata DIR] [--output bench/results/language_id.md]
French lines stand for "a language we do not speak": the right answer there is "unsupported".
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.app import build_language_detector
from core.content import load_content
from core.settings import Settings
from nlu.evaluate import load_labelled
from nlu.language import LangdetectDetector, LinguaDetector

UNSUPPORTED = "unsupported"
Detect = Callable[[str], str]


def restricted(detector: LangdetectDetector | LinguaDetector, languages: Sequence[str]) -> Detect:
    """Pick the best of our languages, as a plain restricted detector would."""

    def detect(text: str) -> str:
        scores = detector.scores(text, languages)
        return max(scores, key=lambda code: scores[code]) if any(scores.values()) else UNSUPPORTED

    return detect


def accuracy(detect: Detect, samples: Sequence[tuple[str, str]]) -> tuple[float, float]:
    start = time.perf_counter()
    correct = sum(detect(text) == expected for text, expected in samples)
    elapsed = time.perf_counter() - start
    return correct / len(samples), elapsed / len(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    settings = Settings.from_env()
    parser.add_argument("--lingua-testdata", type=Path, default=settings.project_root.parent / "shared/benchmarks/lingua-testdata")
    parser.add_argument("--output", type=Path, default=settings.project_root / "bench/results/language_id.md")
    args = parser.parse_args()

    content = load_content(settings.data_dir)
    codes = list(content.languages)
    ours = build_language_detector(content)
    detectors: dict[str, Detect] = {
        "langdetect (7 languages, seed 0)": restricted(LangdetectDetector(codes), codes),
        "lingua (7 languages)": restricted(LinguaDetector(codes), codes),
        "assistant (script cues + lingua + examples' words)": lambda text: (
            (guess.language or UNSUPPORTED) if (guess := ours.detect(text)).supported else UNSUPPORTED
        ),
    }
    sets: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for kind in ("single-words", "word-pairs", "sentences"):
        for path in sorted((args.lingua_testdata / kind).glob("*.txt")):
            expected = path.stem if path.stem in codes else UNSUPPORTED
            lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            sets[f"lingua {kind}"] += [(line, expected) for line in lines]
            if expected != UNSUPPORTED:
                sets[f"lingua {kind} (our 7 only)"] += [(line, expected) for line in lines]
    for path in sorted((settings.data_dir / "eval").glob("*.yml")):
        sets[f"chat-style {path.name}"] = [(m.text, m.language) for m in load_labelled(path)]

    lines = [
        "# Language identification",
        "",
        "Accuracy (and mean time per text). `lingua *` sets: shared/benchmarks/lingua-testdata, 1000 lines per",
        "language; French stands for a language we do not speak (right answer: unsupported), so the plain",
        "restricted detectors cannot get it right. `(our 7 only)` leaves French out.",
        "",
        "| set | " + " | ".join(detectors) + " |",
        "| --- |" + " --- |" * len(detectors),
    ]
    for name, samples in sets.items():
        cells = []
        for detect in detectors.values():
            acc, ms = accuracy(detect, samples)
            cells.append(f"{acc:.1%} ({ms:.2f} ms)")
        lines.append(f"| {name} ({len(samples)}) | " + " | ".join(cells) + " |")
    report = "\n".join(lines) + "\n"
    print(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
