"""A message with a text body and an HTML body built from the same parts.

Every value a person typed (a name, a course title) reaches the HTML only through
`html.escape`, so a course called `<script>` is shown, never run.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Annotated

from email_validator import validate_email
from pydantic import AfterValidator, BaseModel

from coursevault.text import one_line


def _an_address(value: str) -> str:
    # Any address an account may hold is one we can write to: reserved test domains
    # (`.test`, as the demo's were) pass; a header break or a missing @ never does.
    validate_email(value, check_deliverability=False, test_environment=True)
    return value


Address = Annotated[str, AfterValidator(_an_address)]


class Action(BaseModel):
    """The one button of a message: its label and where it goes."""

    label: str
    url: str


class Message(BaseModel):
    to: Address
    subject: Annotated[str, AfterValidator(one_line)]  # a header: one line (M2)
    text: str
    html: str


def compose(
    *,
    to: str,
    subject: str,
    greeting: str,
    paragraphs: Sequence[str],
    action: Action | None = None,
    after: Sequence[str] = (),
) -> Message:
    """Builds both bodies of a message: GREETING, PARAGRAPHS, an ACTION link, then AFTER."""
    greeting = one_line(greeting)  # it carries a name someone typed
    text_parts = [greeting, *paragraphs]
    if action:
        text_parts.append(f"{action.label}:\n{action.url}")
    text_parts += [*after, "— CourseVault"]
    html_parts = [f"<p>{html.escape(part)}</p>" for part in (greeting, *paragraphs)]
    if action:
        href = html.escape(action.url, quote=True)
        html_parts.append(
            f'<p><a href="{href}" style="display:inline-block;padding:10px 18px;'
            'background:#1f4fd1;color:#fff;text-decoration:none;border-radius:6px">'
            f"{html.escape(action.label)}</a></p>"
            f'<p style="font-size:13px;color:#555">Or open this address: {href}</p>'
        )
    html_parts += [f"<p>{html.escape(part)}</p>" for part in after]
    html_parts.append('<p style="color:#555">— CourseVault</p>')
    body = "\n".join(html_parts)
    return Message(
        to=to,
        subject=subject,
        text="\n\n".join(text_parts) + "\n",
        html=(
            '<!doctype html><html><body style="font-family:sans-serif;font-size:15px;'
            f'line-height:1.5;color:#111;max-width:560px">\n{body}\n</body></html>\n'
        ),
    )
