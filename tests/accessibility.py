"""axe-core in a real page: the accessibility violations of what the page shows, for any browser test.

axe-core is fetched by `make setup` (scripts/setup.sh: npm, into build/axe). Use:

    violations = await axe_violations(page)            # serious and critical ones
    assert not violations, describe(violations)
"""

from __future__ import annotations

from functools import cache
from typing import Any

from playwright.async_api import Page

from core.settings import PROJECT_ROOT

AXE_SCRIPT = PROJECT_ROOT / "build" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")
# The standards checked: WCAG 2.2 A and AA (BITV 2.0 asks 2.1 of public bodies' pages; 2.2 adds e.g. target sizes).
WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}


def axe_available() -> bool:
    return AXE_SCRIPT.is_file()


@cache
def _axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


async def axe_violations(page: Page, impacts: tuple[str, ...] = SERIOUS, options: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now and return its violations of the given impacts."""
    # Evaluated through the debugging protocol, so a strict Content-Security-Policy does not block it.
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.evaluate(_axe_source())
    violations: list[dict[str, Any]] = await page.evaluate(
        "async (options) => (await window.axe.run(document, options)).violations", options or WCAG_AA
    )
    return [v for v in violations if v.get("impact") in impacts]


def describe(violations: list[dict[str, Any]]) -> str:
    """Say what is wrong and where, one line per violation and element."""
    lines = []
    for violation in violations:
        for node in violation.get("nodes", [])[:5]:
            lines.append(f"{violation['impact']}: {violation['id']} ({violation['help']}) at {', '.join(node.get('target', []))}")
    return "\n".join(lines)
