"""Measure understanding on the held-out set: topic and language accuracy, confusions, rejections."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from core.content import Content
from core.settings import Settings
from core.topics import OUT_OF_SCOPE
from nlu.normalise import normalise_for_nlu
from nlu.runtime import running_nlu
from nlu.training import training_examples
from nlu.understanding import MessageUnderstanding, Understanding


@dataclass(frozen=True)
class LabelledMessage:
    text: str
    language: str
    topic: str


@dataclass
class Evaluation:
    """Counts from one run over a labelled set."""

    total: int = 0
    topic_correct: int = 0
    language_correct: int = 0
    by_language: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_topic: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    language_confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    # Out-of-scope messages answered as if they were one of our topics: the worst mistake.
    out_of_scope_answered: int = 0
    out_of_scope_total: int = 0
    # In-scope messages we declined to answer (asked to clarify instead).
    in_scope_unsure: int = 0
    # Messages that do not occur verbatim (after normalisation) among the training examples.
    novel_total: int = 0
    novel_correct: int = 0

    @property
    def topic_accuracy(self) -> float:
        return self.topic_correct / self.total if self.total else 0.0

    @property
    def language_accuracy(self) -> float:
        return self.language_correct / self.total if self.total else 0.0

    @property
    def novel_accuracy(self) -> float:
        return self.novel_correct / self.novel_total if self.novel_total else 0.0

    def add(self, expected: LabelledMessage, understood: Understanding, novel: bool) -> None:
        self.total += 1
        topic_ok = understood.topic == expected.topic
        self.novel_total += novel
        self.novel_correct += novel and topic_ok
        language_ok = understood.language.language == expected.language
        self.topic_correct += topic_ok
        self.language_correct += language_ok
        for table, key in ((self.by_language, expected.language), (self.by_topic, expected.topic)):
            table[key][0] += topic_ok
            table[key][1] += 1
        if not topic_ok:
            self.confusions[(expected.topic, understood.topic)] += 1
        if not language_ok:
            self.language_confusions[(expected.language, str(understood.language.language))] += 1
        if expected.topic == OUT_OF_SCOPE:
            self.out_of_scope_total += 1
            self.out_of_scope_answered += understood.topic != OUT_OF_SCOPE
        elif not understood.sure:
            self.in_scope_unsure += 1


def trained_texts(content: Content) -> set[str]:
    return {text for texts in training_examples(content).values() for text in texts}


def load_labelled(path: Path) -> list[LabelledMessage]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [LabelledMessage(str(m["text"]), str(m["language"]), str(m["topic"])) for m in doc["messages"]]


async def evaluate(
    understanding: MessageUnderstanding, messages: Sequence[LabelledMessage], trained: Set[str] = frozenset()
) -> Evaluation:
    """Run every message through language detection and the classifier, a few at a time.

    `trained` holds the normalised training texts, to report accuracy on unseen messages apart.
    """
    result = Evaluation()
    limit = asyncio.Semaphore(4)

    async def one(message: LabelledMessage) -> Understanding:
        async with limit:
            return await understanding.understand(message.text)

    for message, understood in zip(messages, await asyncio.gather(*(one(m) for m in messages)), strict=True):
        result.add(message, understood, normalise_for_nlu(message.text) not in trained)
    return result


def render_markdown(result: Evaluation, title: str = "Held-out evaluation") -> str:
    """Format an evaluation as Markdown tables."""
    lines = [
        f"## {title}",
        "",
        f"- messages: {result.total}",
        f"- topic accuracy: {result.topic_accuracy:.1%}",
        f"- topic accuracy on the {result.novel_total} messages that do not occur verbatim in the training"
        f" examples: {result.novel_accuracy:.1%}",
        f"- language accuracy: {result.language_accuracy:.1%}",
        f"- out-of-scope messages answered as a topic: {result.out_of_scope_answered} of {result.out_of_scope_total}",
        f"- in-scope messages answered with a clarifying question instead: {result.in_scope_unsure}",
        "",
        "| language | topic accuracy | messages |",
        "| --- | --- | --- |",
        *_rows(result.by_language),
        "",
        "| topic | accuracy | messages |",
        "| --- | --- | --- |",
        *_rows(result.by_topic),
        "",
        "| expected topic | predicted | count |",
        "| --- | --- | --- |",
        *(f"| {a} | {b} | {n} |" for (a, b), n in result.confusions.most_common(15)),
    ]
    if result.language_confusions:
        lines += ["", "| expected language | detected | count |", "| --- | --- | --- |"]
        lines += [f"| {a} | {b} | {n} |" for (a, b), n in result.language_confusions.most_common(10)]
    return "\n".join(lines) + "\n"


def _rows(table: dict[str, list[int]]) -> Iterable[str]:
    for key in sorted(table):
        correct, total = table[key]
        yield f"| {key} | {correct / total:.1%} | {total} |"


async def run_evaluation(settings: Settings, sets: Sequence[Path], output: Path | None) -> int:
    """Evaluate the current model on each labelled set, print the report and optionally write it."""
    sections = []
    async with running_nlu(settings) as nlu:
        trained = trained_texts(nlu.content)
        for path in sets:
            result = await evaluate(nlu.understanding, load_labelled(path), trained)
            sections.append(render_markdown(result, f"{path.name}"))
    report = "\n".join(sections)
    print(report)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(_EVALUATION_HEADER + report, encoding="utf-8")
    return 0


_EVALUATION_HEADER = """# Understanding: evaluation

Written by `make evaluate` (`assistant evaluate --output docs/evaluation.md`). Each set was written by
someone who never saw the training examples in `data/faq/`, and nothing in them is trained on. Both
were used once for error analysis, which decided the *kinds* of example written next (not the
examples themselves): `heldout.yml` showed weak employer-side work questions, Ukrainian city names
and out-of-scope questions about taxes and health; `fresh.yml` showed out-of-scope questions about
other institutions (where is the Jobcenter, what does a passport cost). So both are somewhat
optimistic; an independent set is the real test.

"""
