"""Generate Rasa training data from data/faq/ and train the model only when something changed."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from collections.abc import Iterable, Mapping

from core.content import Content, Topic
from core.errors import ModelNotTrained
from core.settings import Settings
from nlu.intents import intent_name
from nlu.normalise import normalise_for_nlu
from nlu.romanise import romanisable, romanise

# Bump when the way training data is generated changes, so cached models are retrained.
GENERATOR_VERSION = "2"
MODEL_PREFIX = "nlu-"


def training_examples(content: Content) -> dict[str, list[str]]:
    """Return the normalised, de-duplicated training texts per intent, all languages together.

    Each topic is one intent and each of its variants another. Besides the written examples, the
    model learns every Ukrainian and Russian example once more in Latin letters, the way people
    type without a Cyrillic keyboard ("koly vy pratsiuiete").
    """
    examples: dict[str, list[str]] = {}
    for topic in content.topics.values():
        examples[intent_name(topic.id)] = _normalised(_texts(topic.examples, topic.romanised))
        for variant in topic.variants.values():
            examples[intent_name(topic.id, variant.id)] = _normalised(_texts(variant.examples, {}))
    return examples


def romanised_examples(topic: Topic) -> dict[str, list[str]]:
    """Return a topic's examples in Latin letters per language: written ones and generated ones."""
    found: dict[str, list[str]] = {code: list(texts) for code, texts in topic.romanised.items()}
    examples = [topic.examples, *(variant.examples for variant in topic.variants.values())]
    for by_language in examples:
        for code, texts in by_language.items():
            if romanisable(code):
                found.setdefault(code, []).extend(romanise(text, code) for text in texts)
    return found


def _texts(examples: Mapping[str, Iterable[str]], romanised: Mapping[str, Iterable[str]]) -> list[str]:
    texts = [text for by_language in (examples, romanised) for texts in by_language.values() for text in texts]
    texts += [romanise(text, code) for code, written in examples.items() if romanisable(code) for text in written]
    return texts


def _normalised(texts: Iterable[str]) -> list[str]:
    return sorted({normalised for normalised in map(normalise_for_nlu, texts) if normalised})


def render_rasa_nlu(examples: dict[str, list[str]]) -> str:
    """Render examples in Rasa's YAML training-data format (one intent per topic)."""
    lines = ['version: "3.1"', "nlu:"]
    for topic in sorted(examples):
        lines.append(f"- intent: {topic}")
        lines.append("  examples: |")
        # Brackets would be read as entity annotations; people's messages carry no entities here.
        lines += [f"    - {_escape(text)}" for text in examples[topic]]
    return "\n".join(lines) + "\n"


def fingerprint(settings: Settings, content: Content) -> str:
    """Hash everything the model depends on: the pipeline, the examples and the generator."""
    digest = hashlib.sha256()
    digest.update(GENERATOR_VERSION.encode())
    digest.update((settings.project_root / "config.yml").read_bytes())
    digest.update(json.dumps(training_examples(content), sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()[:16]


def model_path(settings: Settings, content: Content) -> Path:
    return settings.models_dir / f"{MODEL_PREFIX}{fingerprint(settings, content)}.tar.gz"


def current_model(settings: Settings, content: Content) -> Path:
    """Return the trained model for the current content; raise ModelNotTrained if there is none."""
    path = model_path(settings, content)
    if not path.is_file():
        raise ModelNotTrained(f"no model for the current content; run `assistant train` ({path.name})")
    return path


def train(settings: Settings, content: Content, force: bool = False) -> Path:
    """Train the Rasa NLU model unless one for exactly this content and config exists."""
    target = model_path(settings, content)
    if target.is_file() and not force:
        return target
    build_dir = settings.models_dir / "training"
    build_dir.mkdir(parents=True, exist_ok=True)
    nlu_file = build_dir / "nlu.yml"
    nlu_file.write_text(render_rasa_nlu(training_examples(content)), encoding="utf-8")
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [
        str(settings.rasa_executable),
        "train",
        "nlu",
        "--config",
        str(settings.project_root / "config.yml"),
        "--nlu",
        str(nlu_file),
        "--out",
        str(build_dir),
        "--fixed-model-name",
        target.name.removesuffix(".tar.gz"),
    ]
    result = subprocess.run(command, env=env, cwd=build_dir, capture_output=True, text=True)
    produced = build_dir / target.name
    if result.returncode != 0 or not produced.is_file():
        raise ModelNotTrained(f"rasa train failed ({result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    for old in settings.models_dir.glob(f"{MODEL_PREFIX}*.tar.gz"):
        old.unlink()
    shutil.move(str(produced), target)
    return target


def _escape(text: str) -> str:
    return text.replace("[", "(").replace("]", ")")
