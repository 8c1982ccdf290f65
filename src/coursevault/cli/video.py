"""`coursevault video …` and `coursevault trace`: importing, re-packaging and tracing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from coursevault import background_work
from coursevault.auth import service as auth
from coursevault.auth.models import Role
from coursevault.cli.base import CliError, run_with_db
from coursevault.config import Settings
from coursevault.database import db
from coursevault.forensic import service as forensic
from coursevault.jobs import service as jobs
from coursevault.jobs.models import JobState
from coursevault.media import models as media_models
from coursevault.media import service as media
from coursevault.media.models import VideoStatus

FINISHED = (JobState.done, JobState.failed, JobState.cancelled)

video_app = typer.Typer(help="Manage videos.", no_args_is_help=True)


def trace(
    copy: Annotated[Path, typer.Argument(help="The suspected copy (any format ffmpeg reads).")],
    video: Annotated[str, typer.Option("--video", help="The id of the watermarked video.")],
) -> None:
    """Names the playback session a leaked copy of a watermarked video came from."""

    async def action(database: db.Database, settings: Settings) -> forensic.Trace:
        try:
            return await forensic.trace(db=database, settings=settings, video_id=video, copy=copy)
        except forensic.NotWatermarked as exc:
            raise CliError(str(exc)) from None
        except forensic.UnreadableCopy as exc:
            raise CliError(f"{copy}: {exc}") from None

    if not copy.is_file():
        typer.secho(f"{copy} is not a file.", fg="red", err=True)
        raise typer.Exit(2)
    report = run_with_db(action)
    for line in report.lines():
        typer.echo(line)
    if report.mark is None:
        raise typer.Exit(3)  # no session named: scripts can tell


@video_app.command("import")
def video_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    owner: Annotated[str, typer.Option(help="Email of the instructor who owns the video.")],
    title: Annotated[str, typer.Option(help="Title of the video.")],
) -> None:
    """Imports a video file through the same pipeline as an upload, showing progress."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    async def action(database: db.Database, settings: Settings) -> media_models.VideoRead:
        user = await auth.get_by_email(db=database, email=owner)
        if user is None or not auth.has_role(user, Role.instructor):
            raise CliError(f"No instructor with email {owner}")
        video = await media.import_file(
            db=database, settings=settings, owner=user, title=title, path=file
        )
        stop = asyncio.Event()
        tasks = background_work.start(db=database, settings=settings, stop=stop)
        try:
            with Progress(
                TextColumn("{task.description}"), BarColumn(), TaskProgressColumn()
            ) as bar:
                task = bar.add_task("queued", total=1.0)
                while True:
                    current = await media.owned_video(db=database, video_id=video.id, user=user)
                    bar.update(task, completed=current.progress, description=current.status)
                    if current.status in (VideoStatus.ready, VideoStatus.failed):
                        return media.to_read(current)
                    await asyncio.sleep(0.5)
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)

    result = run_with_db(action)
    if result.status == "failed":
        typer.secho(f"Failed: {result.error}", fg="red", err=True)
        raise typer.Exit(1)
    names = ", ".join(r.name for r in result.renditions)
    typer.echo(f"Video {result.id} is ready ({result.duration:.1f}s; {names})")


@video_app.command("repackage")
def video_repackage(
    video_id: Annotated[str | None, typer.Argument(help="The id of one video.")] = None,
    every: Annotated[
        bool,
        typer.Option("--all", help="Every ready video not encoded and packaged the current way."),
    ] = False,
) -> None:
    """Encodes and packages ready videos again from their originals, in the current ladder
    (COURSEVAULT_LADDER) with rotating keys.

    The videos stay playable meanwhile; progress is shown per video.
    """
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    if (video_id is None) == (not every):
        typer.secho("Name one video id, or --all.", fg="red", err=True)
        raise typer.Exit(2)

    async def action(database: db.Database, settings: Settings) -> dict[str, str | None]:
        if every:
            videos = await media.outdated_videos(db=database, settings=settings)
        else:
            videos = [await media.ready_video(db=database, video_id=video_id or "")]
        queued = {v.id: await media.queue_repackage(db=database, video=v) for v in videos}
        outcome: dict[str, str | None] = {}
        stop = asyncio.Event()
        tasks = background_work.start(db=database, settings=settings, stop=stop)
        try:
            with Progress(
                TextColumn("{task.description}"), BarColumn(), TaskProgressColumn()
            ) as bar:
                rows = {v.id: bar.add_task(v.title[:40], total=1.0) for v in videos}
                while len(outcome) < len(queued):
                    current = await media.videos_by_id(db=database, video_ids=list(queued))
                    for vid, job_id in queued.items():
                        state = await jobs.state_of(db=database, job_id=job_id)
                        if vid not in outcome and state and state[0] in FINISHED:
                            ok = state[0] is JobState.done
                            outcome[vid] = None if ok else (state[1] or state[0].value)
                        done = vid in outcome or vid not in current
                        progress = 1.0 if done else current[vid].progress
                        bar.update(rows[vid], completed=progress)
                    await asyncio.sleep(0.5)
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
        return outcome

    outcome = run_with_db(action)
    failed = {vid: error for vid, error in outcome.items() if error is not None}
    typer.echo(f"Re-packaged {len(outcome) - len(failed)} of {len(outcome)} video(s).")
    for vid, error in failed.items():
        typer.secho(f"{vid}: {error}", fg="red", err=True)
    if failed:
        raise typer.Exit(1)
