"""Lesson text: Markdown rendered to HTML, then sanitized with an allow-list (U6)."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

# Raw HTML in the source is not rendered at all; nh3 then removes anything (links with
# javascript:, event handlers) that Markdown itself could produce.
_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render(source: str) -> str:
    """Returns safe HTML for the Markdown SOURCE."""
    return nh3.clean(
        _renderer.render(source),
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
