"""The messages instructors get about their videos: ready to use, or failed and why."""

from __future__ import annotations

from coursevault.auth import service as auth
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.http import urls
from coursevault.i18n import msg
from coursevault.mail import jobs as mail
from coursevault.mail.message import Action, compose


@mail.never_breaks
async def announce(
    *, db: Database, settings: Settings, owner_id: str, video_id: str, title: str, error: str | None
) -> None:
    """Tells the owner that video VIDEO_ID is ready (ERROR None) or failed with ERROR."""
    owner = await auth.get_user(db=db, user_id=owner_id)
    if owner is None or not settings.mail_enabled:
        return
    if error is None:
        subject = msg("“{title}” is ready", title=title)
        paragraphs = [
            msg("Your video “{title}” is encoded and can be used in your lessons.", title=title)
        ]
    else:
        subject = msg("“{title}” could not be processed", title=title)
        paragraphs = [
            msg("We could not turn your upload “{title}” into a playable video.", title=title),
            # The reason comes from the transcoder, worded in English for the log too.
            msg("Reason: {error}", error=error),
            msg(
                "Upload the file again, or export it again from your editor (H.264 or H.265 "
                "MP4 works best), then upload it."
            ),
        ]
    message = compose(
        to=owner.email,
        language=owner.language,
        subject=subject,
        greeting=auth.greeting(owner),
        paragraphs=paragraphs,
        action=Action(
            label=msg("Open the studio"),
            url=urls.absolute(settings.public_url, urls.studio_page()),
        ),
    )
    outcome = "failed" if error else "ready"
    await mail.queue(db=db, settings=settings, message=message, once=f"video-{outcome}:{video_id}")
