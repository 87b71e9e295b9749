"""Language identification: langdetect vs lingua vs our detector, on lingua's test data and chat messages.

Usage: .venv/bin/python bench/language_id.py [--lingua-testdata DIR] [--output bench/results/language_id.md] [--smoke]
French lines stand for "a language we do not speak": the right answer there is "unsupported".
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from core.content import load_content
from core.settings import Settings
from nlu.evaluate import load_labelled
from nlu.language import LinguaDetector
from nlu.runtime import build_language_detector

UNSUPPORTED = "unsupported"
Detect = Callable[[str], str]


class LangdetectDetector:
    """langdetect with only the given language profiles loaded and a fixed seed (compared here, not used)."""

    def __init__(self, languages: Iterable[str], seed: int = 0) -> None:
        from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

        self._factory = DetectorFactory()
        profiles = [
            (Path(PROFILES_DIRECTORY) / code).read_text(encoding="utf-8")
            for code in dict.fromkeys(languages)
            if (Path(PROFILES_DIRECTORY) / code).is_file()
        ]
        self._factory.load_json_profile(profiles)
        self._factory.set_seed(seed)

    def scores(self, text: str, candidates: Sequence[str]) -> dict[str, float]:
        from langdetect.lang_detect_exception import LangDetectException

        detector = self._factory.create()
        detector.append(text)
        try:
            found = {p.lang: p.prob for p in detector.get_probabilities()}
        except LangDetectException:
            found = {}
        picked = {code: found.get(code, 0.0) for code in candidates}
        total = sum(picked.values())
        return {code: value / total for code, value in picked.items()} if total else picked


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
    parser.add_argument("--smoke", action="store_true", help="50 lines of each file only (CI); pass --output too")
    args = parser.parse_args()
    per_file = 50 if args.smoke else None
    if args.smoke and args.output == parser.get_default("output"):
        args.output = settings.project_root / "build/bench/language_id.md"

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
            lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][:per_file]
            sets[f"lingua {kind}"] += [(line, expected) for line in lines]
            if expected != UNSUPPORTED:
                sets[f"lingua {kind} (our 7 only)"] += [(line, expected) for line in lines]
    for path in sorted((settings.data_dir / "eval").glob("*.yml")):
        sets[f"chat-style {path.name}"] = [(m.text, m.language) for m in load_labelled(path)][:per_file]

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
