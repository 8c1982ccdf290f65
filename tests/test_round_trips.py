"""What a viewer costs the database (#27): the commands a playback start, a heartbeat and a
key request send, counted by pymongo's own command monitoring against the real embedded
server. A start is at most two round trips, an uncached key request at most one."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pymongo import monitoring

from coursevault import ttl_cache
from coursevault.config import Settings
from coursevault.database.db import Database
from tests.course_helpers import BuiltCourse, key_url, make_course, start_lesson
from tests.factories import SignedIn, signed_in

# Commands a client sends for itself (handshakes, monitoring, session ends), not for us.
_OWN = {"hello", "ismaster", "isMaster", "ping", "endSessions", "buildInfo", "saslStart"}


class Commands(monitoring.CommandListener):
    """The commands sent to the one database a test arms it with, and the round trips
    they took: a command started while another was still out shares its trip. pymongo's
    listeners are global and join clients made later, so it is registered on import;
    unarmed it records nothing. The job queue's polling (the in-process worker's) is not
    the request's and is left out."""

    def __init__(self) -> None:
        self.database: str | None = None
        self.seen: list[str] = []
        self.trips = 0
        self._out: set[int] = set()

    def _ours(self, event: Any) -> bool:
        return event.database_name == self.database and event.command_name not in _OWN

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        target = event.command.get(event.command_name)
        if not self._ours(event) or target == "jobs":
            return
        if not self._out:
            self.trips += 1
        self._out.add(event.request_id)
        self.seen.append(f"{event.command_name} {target}")

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._out.discard(event.request_id)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._out.discard(event.request_id)

    def take(self) -> tuple[int, list[str]]:
        found = self.trips, self.seen
        self.trips, self.seen = 0, []
        return found


COMMANDS = Commands()
monitoring.register(COMMANDS)


@pytest.fixture
def commands(settings: Settings) -> Iterator[Commands]:
    COMMANDS.database, COMMANDS.seen = settings.mongodb_database, []
    yield COMMANDS
    COMMANDS.database = None


@pytest.fixture
async def student(client: httpx.AsyncClient, db: Database, settings: Settings) -> SignedIn:
    return await signed_in(client, db, settings)


@pytest.fixture
async def course(
    client: httpx.AsyncClient,
    db: Database,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
) -> BuiltCourse:
    built = await make_course(db, instructor.user, video_id=ready_video)
    enrolled = await client.post(f"/api/courses/{built.id}/enroll", headers=student.bearer)
    assert enrolled.status_code == 201
    return built


async def warm(db: Database) -> None:
    """Opens enough of the app's database connections for reads side by side: a new
    connection's handshake would count as a round trip of its own (pymongo opens two at
    a time), which a running server has long paid."""
    for _ in range(3):
        await asyncio.gather(*(db.command("ping") for _ in range(12)))


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # Every access decision read afresh, as a viewer's next request finds it once the 5 s
    # caches have aged out (bench/delivery.py's "access cache off"). What never changes
    # in a session this process started stays known (streaming.repo.known_session).
    return {"access_cache_seconds": 0}


async def test_an_uncached_key_request_is_one_round_trip(
    client: httpx.AsyncClient,
    db: Database,
    student: SignedIn,
    course: BuiltCourse,
    commands: Commands,
) -> None:
    assert course.video_lesson
    started = await start_lesson(client, student.bearer, course.video_lesson)
    assert started.status_code == 201, started.text
    url = key_url(started.json()["playlist_url"])
    await warm(db)
    commands.take()
    for _ in range(2):
        key = await client.get(url, headers=student.bearer)
        assert key.status_code == 200
        trips, seen = commands.take()
        # The sign-in (account and refresh token), the session, the key, the course and
        # the grants with the drip unlock: side by side.
        assert trips == 1, seen
        assert sorted(seen) == [
            "find courses",
            "find grant_unlocks",
            "find grants",
            "find playback_sessions",
            "find refresh_tokens",
            "find users",
            "find video_keys",
        ]
    # A process that never saw the session (another worker started it) reads it first.
    ttl_cache.clear_all()
    assert (await client.get(url, headers=student.bearer)).status_code == 200
    assert commands.take()[0] == 2


async def test_a_start_is_two_round_trips_and_a_heartbeat_writes_twice(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    student: SignedIn,
    course: BuiltCourse,
    commands: Commands,
) -> None:
    """As on launch day: another learner started the lesson a moment ago, so this process
    knows which course it belongs to; nothing of this learner's is cached."""
    assert course.video_lesson
    first = await start_lesson(client, student.bearer, course.video_lesson)
    assert first.status_code == 201, first.text
    other = await signed_in(client, db, settings)
    enrolled = await client.post(f"/api/courses/{course.id}/enroll", headers=other.bearer)
    assert enrolled.status_code == 201
    await warm(db)
    commands.take()
    started = await start_lesson(client, other.bearer, course.video_lesson)
    assert started.status_code == 201, started.text
    trips, seen = commands.take()
    # Reads: the sign-in, the course, the grants and unlock, the resume point, the video;
    # writes: the start's count (K9), the stream slot and the session.
    assert trips == 2, seen
    assert sorted(seen) == [
        "find courses",
        "find grant_unlocks",
        "find grants",
        "find progress",
        "find refresh_tokens",
        "find users",
        "find videos",
        "findAndModify playback_starts",
        "findAndModify stream_slots",
        "insert playback_sessions",
    ]
    beat = await client.post(
        f"/api/playback/{started.json()['session_id']}/heartbeat",
        json={"position": 1.0},
        headers=other.bearer,
    )
    assert beat.status_code == 200
    # The sign-in, then the session's lease renewed, then what the lesson's progress holds
    # as evidence and the progress written against it (L1): two writes (one per 30 s at
    # the 60 s heartbeat, tests/test_key_rotation.py), in four trips.
    assert commands.take() == (
        4,
        [
            "find users",
            "find refresh_tokens",
            "findAndModify playback_sessions",
            "find progress",
            "findAndModify progress",
        ],
    )
