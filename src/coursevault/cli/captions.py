"""`coursevault captions …`: automatic captions from the command line."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from coursevault import background_work
from coursevault.cli.base import run_with_db
from coursevault.config import Settings
from coursevault.database import db
from coursevault.media import service as media
from coursevault.transcripts import service as transcripts
from coursevault.transcripts.models import TranscriptionRead, TranscriptionState

captions_app = typer.Typer(help="Automatic captions.", no_args_is_help=True)

FINISHED = (
    TranscriptionState.done,
    TranscriptionState.skipped,
    TranscriptionState.failed,
    TranscriptionState.unavailable,
)


@captions_app.command("generate")
def generate(
    video_id: Annotated[str | None, typer.Argument(help="The id of one ready video.")] = None,
    every: Annotated[
        bool,
        typer.Option("--all", help="Every ready video without automatic captions yet."),
    ] = False,
) -> None:
    """Transcribes ready videos into automatic caption tracks, showing progress; a track
    the instructor made or approved is kept."""
    if (video_id is None) == (not every):
        typer.secho("Name one video id, or --all.", fg="red", err=True)
        raise typer.Exit(2)

    async def action(database: db.Database, settings: Settings) -> dict[str, TranscriptionRead]:
        if every:
            ready = await media.ready_videos(db=database)
            videos = await transcripts.needing_captions(db=database, videos=ready)
        else:
            videos = [await media.ready_video(db=database, video_id=video_id or "")]
        for video in videos:
            await transcripts.request(db=database, settings=settings, video=video)
        return await _wait(database, settings, {v.id: v.title for v in videos})

    outcome = run_with_db(action)
    bad = {vid: r for vid, r in outcome.items() if r.state is not TranscriptionState.done}
    typer.echo(f"Captioned {len(outcome) - len(bad)} of {len(outcome)} video(s).")
    for vid, result in outcome.items():
        line = f"{vid}: {result.state.value}, {result.cue_count} cues"
        typer.echo(line + (f" ({result.message})" if result.message else ""))
    if any(
        r.state in (TranscriptionState.failed, TranscriptionState.unavailable) for r in bad.values()
    ):
        raise typer.Exit(1)


async def _wait(
    database: db.Database, settings: Settings, titles: dict[str, str]
) -> dict[str, TranscriptionRead]:
    """Works the queue until every video of TITLES has an outcome, drawing progress bars."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    outcome: dict[str, TranscriptionRead] = {}
    stop = asyncio.Event()
    tasks = background_work.start(db=database, settings=settings, stop=stop)
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn()) as bar:
            rows = {vid: bar.add_task(title[:40], total=1.0) for vid, title in titles.items()}
            while len(outcome) < len(titles):
                for vid in titles.keys() - outcome.keys():
                    current = await transcripts.status(db=database, video_id=vid)
                    if current.state in FINISHED:
                        outcome[vid] = current
                    bar.update(rows[vid], completed=1.0 if vid in outcome else current.progress)
                await asyncio.sleep(0.5)
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    return outcome
