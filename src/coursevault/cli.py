"""The `coursevault` command: serve, worker-side tools and account administration."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated

import typer
from pydantic import TypeAdapter, ValidationError

from coursevault import background_work, db, embedded_server, logs, repos, supervision
from coursevault.auth import service as auth
from coursevault.auth.models import Email, Role, User
from coursevault.config import ConfigError, Settings
from coursevault.errors import AppError
from coursevault.forensic import service as forensic
from coursevault.jobs import service as jobs
from coursevault.jobs.models import JobState
from coursevault.mail import outbox
from coursevault.media import models as media_models
from coursevault.media import service as media
from coursevault.media import storage as media_storage
from coursevault.media.models import VideoStatus

log = logging.getLogger("coursevault")

FINISHED = (JobState.done, JobState.failed, JobState.cancelled)

app = typer.Typer(help="CourseVault: sell and stream video courses.", no_args_is_help=True)
user_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
video_app = typer.Typer(help="Manage videos.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(video_app, name="video")
mail_app = typer.Typer(help="Read the development outbox (mail sent without SMTP).")
app.add_typer(mail_app, name="mail")


class CliError(Exception):
    """A command cannot go on; the message is printed and the exit status is 1."""


def _settings() -> Settings:
    try:
        return Settings()
    except (ConfigError, ValueError) as exc:
        typer.secho(f"Configuration error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from None


def _run_with_db[T](action: Callable[[db.Database, Settings], Awaitable[T]]) -> T:
    """Runs ACTION against the database, whether or not the server is running."""
    settings = _settings()

    async def main() -> T:
        connection = await db.connect(settings)
        try:
            await repos.ensure_indexes(connection.db)
            return await action(connection.db, settings)
        finally:
            await connection.close()

    try:
        return asyncio.run(main())
    except (AppError, CliError) as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None


def _read_password() -> str:
    if sys.stdin.isatty():
        password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    return sys.stdin.readline().rstrip("\r\n")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development).")] = False,
    backlog: Annotated[
        int | None,
        typer.Option(min=128, help="Pending connections the socket queues [COURSEVAULT_BACKLOG]."),
    ] = None,
    backpressure: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Requests each worker serves at once before it stops accepting "
            "[COURSEVAULT_BACKPRESSURE].",
        ),
    ] = None,
) -> None:
    """Serves the platform (API, web app, worker) on HOST:PORT."""
    settings = _settings()
    _ = settings.master_secret  # create the development secret once, before any worker
    embedded = None
    if settings.uses_embedded_database:
        # One embedded server for every worker process; it stops when we do.
        embedded = embedded_server.ensure_running(settings.data_dir)
    os.environ[supervision.SUPERVISOR_ENV] = str(os.getpid())
    database = "embedded" if embedded else "mongodb"
    log.info(
        "CourseVault on http://%s:%s (%s database, %s worker(s))", host, port, database, workers
    )
    try:
        if reload:
            import uvicorn

            uvicorn.run(
                "coursevault.app:create_app", factory=True, host=host, port=port, reload=True
            )
        else:
            from granian import Granian
            from granian.constants import Interfaces

            Granian(
                "coursevault.app:create_app",
                address=host,
                port=port,
                interface=Interfaces.ASGI,
                workers=workers,
                backlog=backlog or settings.backlog,
                backpressure=backpressure or settings.backpressure,
                factory=True,
                respawn_failed_workers=True,
                log_dictconfig=logs.dictconfig(settings),
            ).serve()
    finally:
        if embedded is not None:
            embedded.stop()


@app.command()
def worker() -> None:
    """Runs a standalone transcoding worker against the configured database and storage."""
    settings = _settings()

    async def main() -> None:
        connection = await db.connect(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await repos.ensure_indexes(connection.db)
            tasks = background_work.start(db=connection.db, settings=settings, stop=stop)
            await stop.wait()
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            await media_storage.close_all()
            await connection.close()

    asyncio.run(main())


@app.command()
def demo() -> None:
    """Seeds a demo instructor, a demo student and a published course of generated videos."""
    from coursevault import demo as demo_data

    if not _settings().is_development:
        typer.secho("The demo uses public passwords: not in production.", fg="red", err=True)
        raise typer.Exit(2)
    typer.echo("Generating and transcoding the demo lessons (about a minute)…")

    async def action(database: db.Database, settings: Settings) -> demo_data.DemoResult:
        return await demo_data.seed(db=database, settings=settings)

    result = _run_with_db(action)
    settings = _settings()
    verb = "Created" if result.created else "Found"
    typer.echo(
        f"{verb} the course “{result.course['title']}”: "
        f"{settings.public_url}/courses/{result.course['slug']}"
    )
    for role, (email, _) in (("instructor", demo_data.INSTRUCTOR), ("student", demo_data.STUDENT)):
        typer.echo(f"  {role:10} {email}  password: {demo_data.PASSWORD}")


@app.command()
def openapi() -> None:
    """Prints the API's OpenAPI document (the web app's client is generated from it)."""
    from coursevault.app import create_app

    schema = create_app(Settings(_env_file=None, secret_key="x" * 40)).openapi()
    typer.echo(json.dumps(schema, indent=2, sort_keys=True))


@app.command()
def trace(
    copy: Annotated[Path, typer.Argument(help="The suspected copy (any format ffmpeg reads).")],
    video: Annotated[str, typer.Option("--video", help="The id of the watermarked video.")],
) -> None:
    """Names the playback session a leaked copy of a watermarked video came from."""

    async def action(database: db.Database, settings: Settings) -> forensic.Trace:
        try:
            return await forensic.trace(db=database, settings=settings, video_id=video, copy=copy)
        except (forensic.NotWatermarked, forensic.UnreadableCopy) as exc:
            raise CliError(str(exc)) from None

    if not copy.is_file():
        typer.secho(f"{copy} is not a file.", fg="red", err=True)
        raise typer.Exit(2)
    report = _run_with_db(action)
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

    result = _run_with_db(action)
    if result.status == "failed":
        typer.secho(f"Failed: {result.error}", fg="red", err=True)
        raise typer.Exit(1)
    names = ", ".join(r.name for r in result.renditions)
    typer.echo(f"Video {result.id} is ready ({result.duration:.1f}s; {names})")


@video_app.command("repackage")
def video_repackage(
    video_id: Annotated[str | None, typer.Argument(help="The id of one video.")] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Every ready video not packaged the current way.")
    ] = False,
) -> None:
    """Encodes and packages ready videos again from their originals, with rotating keys.

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

    outcome = _run_with_db(action)
    failed = {vid: error for vid, error in outcome.items() if error is not None}
    typer.echo(f"Re-packaged {len(outcome) - len(failed)} of {len(outcome)} video(s).")
    for vid, error in failed.items():
        typer.secho(f"{vid}: {error}", fg="red", err=True)
    if failed:
        raise typer.Exit(1)


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="Email address (sign-in name).")],
    name: Annotated[str, typer.Option(help="Display name.")],
    role: Annotated[Role, typer.Option(help="Role of the new account.")] = Role.student,
) -> None:
    """Creates an account; the password is read from a prompt or standard input."""
    try:
        email = TypeAdapter(Email).validate_python(email)
    except ValidationError:
        typer.secho(f"{email!r} is not a valid email address", fg="red", err=True)
        raise typer.Exit(2) from None
    password = _read_password()

    async def action(database: db.Database, settings: Settings) -> User:
        return await auth.create_user(
            db=database,
            settings=settings,
            email=email,
            name=name.strip(),
            password=password,
            role=role,
            verified=True,  # the operator vouches for the address
        )

    user = _run_with_db(action)
    typer.echo(f"Created {user.email} ({', '.join(user.roles)}) with id {user.id}")


def _update_user(email: str, change: Callable[[db.Database, User], Awaitable[User]]) -> User:
    async def action(database: db.Database, _: Settings) -> User:
        user = await auth.get_by_email(db=database, email=email)
        if user is None:
            raise CliError(f"No account with email {email}")
        return await change(database, user)

    return _run_with_db(action)


@user_app.command("set-role")
def user_set_role(email: str, role: Role) -> None:
    """Gives the account EMAIL exactly ROLE (student, instructor or admin)."""
    user = _update_user(email, lambda database, u: auth.set_role(db=database, user=u, role=role))
    typer.echo(f"{user.email} is now {', '.join(user.roles)}")


@user_app.command("disable")
def user_disable(email: str) -> None:
    """Disables the account EMAIL and ends all its sessions."""
    _update_user(email, lambda database, u: auth.set_disabled(db=database, user=u, disabled=True))
    typer.echo(f"{email} is disabled; its sessions have ended")


@user_app.command("enable")
def user_enable(email: str) -> None:
    """Re-enables the account EMAIL."""
    _update_user(email, lambda database, u: auth.set_disabled(db=database, user=u, disabled=False))
    typer.echo(f"{email} is enabled")


@mail_app.command("list")
def mail_list() -> None:
    """Lists the messages in the outbox, oldest first."""
    settings = _settings()
    stored = outbox.messages(settings.data_dir)
    if not stored:
        typer.echo(f"The outbox ({settings.data_dir / outbox.OUTBOX}) is empty.")
    for m in stored:
        typer.echo(f"{m.id}  {m.date:%Y-%m-%d %H:%M:%S}  {m.to}  {m.subject}")


@mail_app.command("show")
def mail_show(
    message_id: Annotated[str, typer.Argument(help="An id from `mail list`, or its start.")],
) -> None:
    """Prints one message's headers and text body."""
    m = outbox.find(_settings().data_dir, message_id)
    if m is None:
        typer.secho(f"No single message in the outbox matches {message_id!r}", fg="red", err=True)
        raise typer.Exit(1)
    typer.echo(f"To: {m.to}\nDate: {m.date:%Y-%m-%d %H:%M:%S %Z}\nSubject: {m.subject}\n")
    typer.echo(m.text)


def main() -> None:
    try:
        logs.configure(Settings())
    except (ConfigError, ValueError):
        logging.basicConfig(level="INFO")  # the command itself reports the bad setting
    app()
