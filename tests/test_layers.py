"""The layer cake, read from the imports of every module: lower layers never import higher ones, no cycles."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from core.settings import PROJECT_ROOT

# Lowest first; a package may import its own layer and the ones below (STYLE.md, "Models in our own code").
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"core"}),
    frozenset({"nlu", "storage"}),
    frozenset({"actions", "accounts"}),
    frozenset({"handover", "monitoring"}),
    frozenset({"staff"}),
    frozenset({"bot"}),
)
RANK = {package: rank for rank, layer in enumerate(LAYERS) for package in layer}
# Alembic's scripts are run by Alembic, not imported: env.py reaches the composition root (bot/schema.py)
# only when the `alembic` command line autogenerates a revision.
NOT_IMPORTED = ("storage/migrations/",)


def modules() -> Iterator[tuple[str, Path]]:
    """Yield every module of the app's packages with its dotted name."""
    for package in RANK:
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            relative = path.relative_to(PROJECT_ROOT).as_posix()
            if relative.startswith(NOT_IMPORTED):
                continue
            yield relative.removesuffix(".py").removesuffix("/__init__").replace("/", "."), path


def imported(path: Path, module: str) -> set[str]:
    """Return the modules `path` imports, anywhere in it (also inside functions), as dotted names."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def graph() -> dict[str, set[str]]:
    """Map each of our modules to the modules of ours it imports."""
    names = dict(modules())
    return {module: {name for name in imported(path, module) if name in names} - {module} for module, path in names.items()}


def test_no_module_imports_a_higher_layer() -> None:
    upward = [
        f"{module} imports {target}"
        for module, targets in graph().items()
        for target in targets
        if RANK[target.split(".")[0]] > RANK[module.split(".")[0]]
    ]
    assert upward == []


def test_packages_do_not_import_each_other_in_a_circle() -> None:
    edges: dict[str, set[str]] = {}
    for module, targets in graph().items():
        edges.setdefault(module.split(".")[0], set()).update(t.split(".")[0] for t in targets)
    assert _cycles({package: targets - {package} for package, targets in edges.items()}) == []


def test_modules_do_not_import_each_other_in_a_circle() -> None:
    assert _cycles(graph()) == []


def test_the_check_sees_every_package_and_would_catch_an_upward_import() -> None:
    found = graph()
    assert {module.split(".")[0] for module in found} == set(RANK)
    assert "core.messages" in found["actions.dialogue"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Return one cycle through each strongly connected group of nodes (Tarjan), as a path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(_path(sorted(group), edges))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return cycles


def _path(group: list[str], edges: dict[str, set[str]]) -> list[str]:
    """Walk from the group's first node back to it inside the group, to show the cycle."""
    members = set(group)
    start = group[0]
    seen = {start: [start]}
    frontier = [start]
    while frontier:
        node = frontier.pop(0)
        for target in sorted(edges.get(node, set()) & members):
            if target == start:
                return [*seen[node], start]
            if target not in seen:
                seen[target] = [*seen[node], target]
                frontier.append(target)
    return group
