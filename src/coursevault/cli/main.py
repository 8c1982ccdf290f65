"""The `coursevault` command: serve, worker-side tools and account administration."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated

import typer
from pydantic import TypeAdapter, ValidationError

from coursevault import background_work, logs, repos
from coursevault.auth import service as auth
from coursevault.auth.models import Email, Role, User
from coursevault.cli.base import CliError, run_with_db, settings_or_exit
from coursevault.cli.captions import captions_app
from coursevault.cli.video import trace, video_app
from coursevault.config import ConfigError, Settings
from coursevault.database import db, embedded_server, supervision
from coursevault.mail import outbox
from coursevault.media import stores as media_storage

log = logging.getLogger("coursevault")

app = typer.Typer(help="CourseVault: sell and stream video courses.", no_args_is_help=True)
user_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(video_app, name="video")
app.add_typer(captions_app, name="captions")
app.command()(trace)
mail_app = typer.Typer(help="Read the development outbox (mail sent without SMTP).")
app.add_typer(mail_app, name="mail")


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
    settings = settings_or_exit()
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
    settings = settings_or_exit()

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

    if not settings_or_exit().is_development:
        typer.secho("The demo uses public passwords: not in production.", fg="red", err=True)
        raise typer.Exit(2)
    typer.echo("Generating and transcoding the demo lessons (about a minute)…")

    async def action(database: db.Database, settings: Settings) -> demo_data.DemoResult:
        return await demo_data.seed(db=database, settings=settings)

    result = run_with_db(action)
    settings = settings_or_exit()
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

    user = run_with_db(action)
    typer.echo(f"Created {user.email} ({', '.join(user.roles)}) with id {user.id}")


def _update_user(email: str, change: Callable[[db.Database, User], Awaitable[User]]) -> User:
    async def action(database: db.Database, _: Settings) -> User:
        user = await auth.get_by_email(db=database, email=email)
        if user is None:
            raise CliError(f"No account with email {email}")
        return await change(database, user)

    return run_with_db(action)


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
    settings = settings_or_exit()
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
    m = outbox.find(settings_or_exit().data_dir, message_id)
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
