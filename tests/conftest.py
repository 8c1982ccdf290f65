"""Test fixtures: one real embedded database server per run, a fresh database per test."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser
from pymongo import MongoClient

from coursevault.app import create_app
from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database import embedded_server
from coursevault.database.db import Database
from tests import seaweed, smtp_server
from tests.browser import launched
from tests.factories import SignedIn, signed_in
from tests.media_helpers import PackagedVideo, make_clip
from tests.processes import TEST_PRESET

BASE_URL = "http://testserver"
TEST_SECRET = "test-secret-" + "x" * 40


# One data dir and embedded server per test module: mongoeco over SQLite slows down as one
# store accumulates hundreds of databases (a ready video took 0.7 s alone, 8 s late in a
# full run), and a fresh server costs well under a second.
@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def embedded_db(data_dir: Path) -> Iterator[embedded_server.EmbeddedServer]:
    server = embedded_server.ensure_running(data_dir)
    yield server
    # The module's data dir is thrown away: no need to wait for the server to finish its
    # graceful shutdown (5 s when a test left a client connected).
    server.stop(timeout=1.0)


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "mongodb_database": f"test_{secrets.token_hex(6)}",
        "secret_key": TEST_SECRET,
        "public_url": BASE_URL,
        "job_poll_seconds": 0.2,
        "x264_preset": TEST_PRESET,  # transcodes in tests are setup (tests.processes)
        # Transcribing every test's tone clip would cost each test a second of CPU; the
        # caption tests turn it on (tests/test_transcripts.py).
        "captions_auto": False,
        **overrides,
    }
    return Settings(_env_file=None, **values)


@pytest.fixture(scope="module")
def mail_server() -> Iterator[smtp_server.MailServer]:
    """A real SMTP server for a module's tests; `smtp_overrides` points the app at it."""
    with smtp_server.running() as server:
        yield server


@pytest.fixture
def smtp_overrides(mail_server: smtp_server.MailServer) -> dict[str, Any]:
    """Settings that send the app's mail to MAIL_SERVER, emptied for each test."""
    mail_server.received.clear()
    mail_server.defer_next = 0
    mail_server.refused.clear()
    return {"smtp_url": mail_server.url}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Parametrize this to change settings before the app reads them."""
    return {}


@pytest.fixture(scope="module")
def database_name(embedded_db: embedded_server.EmbeddedServer) -> str:
    """One database per module, emptied before each test (`settings`). A fresh database
    per test cost more with every test: mongoeco lists every collection of the store on
    each index it creates, so a module's 25th app start took 2 s instead of 0.4 s."""
    # Not dropped at the end: the module's data dir goes with its server.
    return f"test_{secrets.token_hex(6)}"


@pytest.fixture
def settings(
    data_dir: Path,
    embedded_db: embedded_server.EmbeddedServer,
    database_name: str,
    settings_overrides: dict[str, Any],
) -> Settings:
    """The app's settings for one test, on the module's database emptied of the last
    test's documents (indexes stay: every start ensures them anyway)."""
    # The server running now: a test that killed the module's first one left its
    # restarted successor (or none, when the app that restarted it is gone).
    server = embedded_server.ensure_running(data_dir)
    mongo: MongoClient[dict[str, Any]] = MongoClient(server.uri)
    with mongo:
        database = mongo[database_name]
        for collection in database.list_collection_names():
            database[collection].delete_many({})
    return make_settings(data_dir, **{"mongodb_database": database_name, **settings_overrides})


class RunningApp:
    """An app with its lifespan entered, and a client that talks HTTP to it."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        self.app = app
        self.client = client

    @property
    def db(self) -> Database:
        db: Database = self.app.state.connection.db
        return db


async def start_app(settings: Settings) -> tuple[FastAPI, Any]:
    app = create_app(settings)
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    return app, lifespan


@pytest.fixture
async def running(settings: Settings) -> AsyncIterator[RunningApp]:
    app, lifespan = await start_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        try:
            yield RunningApp(app, client)
        finally:
            # Databases are not dropped: each test has its own name, and the whole data
            # dir goes with the session (dropping raced mongoeco's per-collection caches).
            await lifespan.__aexit__(None, None, None)


@pytest.fixture
def client(running: RunningApp) -> httpx.AsyncClient:
    return running.client


@pytest.fixture
def db(running: RunningApp) -> Database:
    return running.db


@pytest.fixture
async def instructor(client: httpx.AsyncClient, db: Database, settings: Settings) -> SignedIn:
    """The instructor who owns `ready_video`."""
    return await signed_in(client, db, settings, role=Role.instructor)


@pytest.fixture
async def student(client: httpx.AsyncClient, db: Database, settings: Settings) -> SignedIn:
    """A signed-in student (a module may define its own)."""
    return await signed_in(client, db, settings)


@pytest.fixture
async def admin(client: httpx.AsyncClient, db: Database, settings: Settings) -> SignedIn:
    return await signed_in(client, db, settings, role=Role.admin)


@pytest.fixture(scope="session")
def packaged_video(tmp_path_factory: pytest.TempPathFactory) -> PackagedVideo:
    """The first `ready_video` of the run, kept for the others to copy."""
    return PackagedVideo(tmp_path_factory.mktemp("packaged"))


@pytest.fixture
async def ready_video(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    packaged_video: PackagedVideo,
    tmp_path: Path,
) -> str:
    """The id of a small ready video of the instructor's: the first one of the run goes
    through upload and transcode, the others are copies of it."""
    return await packaged_video.video_for(
        client,
        db,
        settings,
        (instructor.user, instructor.bearer),
        lambda: make_clip(tmp_path / "c.mp4", size="320x240", seconds=2),
    )


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[seaweed.SeaweedFS]:
    """One real S3 server (SeaweedFS) for the run; each test gets its own bucket."""
    with seaweed.running(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


@pytest.fixture
async def bucket(seaweedfs: seaweed.SeaweedFS) -> str:
    """The run's bucket (SeaweedFS gives each bucket its own volumes, so tests share one
    and each test works under its own prefix, `s3_prefix`)."""
    await seaweed.create_bucket(seaweedfs, seaweed.BUCKET)
    return seaweed.BUCKET


@pytest.fixture
def s3_prefix() -> str:
    return f"t{secrets.token_hex(5)}/"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless system Chromium for one test module."""
    with launched() as chromium:
        yield chromium


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules with a `slow` test run first: pytest-xdist hands whole modules to workers in
    this order, and a slow module handed out last kept one core busy after the others
    were done (server processes, encodes and browsers are the long ones)."""
    slow_modules = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_modules)
