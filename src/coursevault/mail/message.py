"""A message with a text body and an HTML body built from the same parts.

Every value a person typed (a name, a course title) reaches the HTML only through
`html.escape`, so a course called `<script>` is shown, never run. The parts are `i18n`
texts, written in the recipient's language; translations are plain text and escaped alike.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from email_validator import validate_email
from pydantic import AfterValidator, BaseModel

from coursevault import i18n
from coursevault.i18n import Language, Text, msg
from coursevault.text import one_line


def _an_address(value: str) -> str:
    # Any address an account may hold is one we can write to: reserved test domains
    # (`.test`, as the demo's were) pass; a header break or a missing @ never does.
    validate_email(value, check_deliverability=False, test_environment=True)
    return value


Address = Annotated[str, AfterValidator(_an_address)]


@dataclass(frozen=True)
class Action:
    """The one button of a message: its label and where it goes."""

    label: Text
    url: str


class Message(BaseModel):
    to: Address
    subject: Annotated[str, AfterValidator(one_line)]  # a header: one line (M2)
    text: str
    html: str


def compose(
    *,
    to: str,
    subject: Text,
    greeting: Text,
    paragraphs: Sequence[Text],
    action: Action | None = None,
    after: Sequence[Text] = (),
    language: Language = i18n.DEFAULT,
) -> Message:
    """Builds both bodies of a message in LANGUAGE: GREETING, PARAGRAPHS, an ACTION link,
    then AFTER."""

    def words(texts: Sequence[Text]) -> list[str]:
        return [i18n.render(text, language) for text in texts]

    hello = one_line(i18n.render(greeting, language))  # it carries a name someone typed
    body_parts, after_parts = words(paragraphs), words(after)
    signature = "— CourseVault"
    text_parts = [hello, *body_parts]
    if action:
        text_parts.append(f"{i18n.render(action.label, language)}:\n{action.url}")
    text_parts += [*after_parts, signature]
    html_parts = [f"<p>{html.escape(part)}</p>" for part in (hello, *body_parts)]
    if action:
        href = html.escape(action.url, quote=True)
        label = html.escape(i18n.render(action.label, language))
        open_it = html.escape(i18n.render(msg("Or open this address:"), language))
        html_parts.append(
            f'<p><a href="{href}" style="display:inline-block;padding:10px 18px;'
            'background:#1f4fd1;color:#fff;text-decoration:none;border-radius:6px">'
            f"{label}</a></p>"
            f'<p style="font-size:13px;color:#555">{open_it} {href}</p>'
        )
    html_parts += [f"<p>{html.escape(part)}</p>" for part in after_parts]
    html_parts.append(f'<p style="color:#555">{signature}</p>')
    body = "\n".join(html_parts)
    return Message(
        to=to,
        subject=i18n.render(subject, language),
        text="\n\n".join(text_parts) + "\n",
        html=(
            f'<!doctype html><html lang="{language}"><body style="font-family:sans-serif;'
            f'font-size:15px;line-height:1.5;color:#111;max-width:560px">\n{body}\n'
            "</body></html>\n"
        ),
    )
