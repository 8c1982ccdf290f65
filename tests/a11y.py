"""Accessibility checks in the browser tests: axe-core (from web/node_modules) run on the
page as a user sees it; serious and critical violations fail the test with the rule, the
element and axe's own explanation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[1] / "web" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of PAGE as it is now (WCAG 2.1 A and AA)."""
    assert AXE.exists(), f"{AXE} is missing: run `make test` (it installs web/node_modules)"
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated, not added as a <script>: the app's CSP rightly refuses inline scripts.
        page.evaluate(AXE.read_text() + "\n;undefined")
    result: dict[str, Any] = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
        })"""
    )
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def assert_accessible(page: Page, where: str) -> None:
    found = violations(page)
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    {node['target']}: {node['failureSummary']}" for node in v["nodes"][:5])
        for v in found
    )
    assert not found, f"accessibility problems on {where}:\n{report}"
