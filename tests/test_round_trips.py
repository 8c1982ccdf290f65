"""What a viewer costs the database (#27): the commands a playback start, a heartbeat and a
key request send, and the round trips they take, counted by pymongo's own command
monitoring against the real embedded server. A change that adds an operation to these
paths fails here and has to say why (docs/performance.md, "Operations per request")."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from contextvars import ContextVar
from typing import Any

import httpx
import pytest
from pymongo import monitoring

from coursevault.config import Settings
from coursevault.database.db import Database
from tests.course_helpers import BuiltCourse, enrolled_course, key_url, start_lesson
from tests.factories import SignedIn

# Commands a client sends for itself (handshakes, monitoring, session ends), not for us.
_OWN = {"hello", "ismaster", "isMaster", "ping", "endSessions", "buildInfo", "saslStart"}


# Set around one request of the test: commands issued under it are the request's (tasks
# the request starts inherit it), not the in-process job worker's or another fixture's.
_MEASURED: ContextVar[bool] = ContextVar("measured", default=False)


class Commands(monitoring.CommandListener):
    """The commands one request sends, and its round trips: a command's depth is one more
    than the deepest command that had answered before it was sent, so commands sent side
    by side share a depth and a command waiting on another's answer is one deeper; the
    round trips are the deepest depth. pymongo's listeners are global and join clients
    made later, so it is registered on import; outside `measured` it records nothing."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self._depth: dict[int, int] = {}  # sent, by request id
        self._answered = 0  # the deepest depth answered so far

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if not _MEASURED.get() or event.command_name in _OWN:
            return
        self._depth[event.request_id] = self._answered + 1
        self.seen.append(f"{event.command_name} {event.command.get(event.command_name)}")

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._answer(event.request_id)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._answer(event.request_id)

    def _answer(self, request_id: int) -> None:
        if request_id in self._depth:
            self._answered = max(self._answered, self._depth[request_id])

    async def measured[T](self, request: Awaitable[T]) -> tuple[T, int, list[str]]:
        """REQUEST's answer, its round trips and its commands (sorted)."""
        self.seen, self._depth, self._answered = [], {}, 0
        token = _MEASURED.set(True)
        try:
            answer = await request
        finally:
            _MEASURED.reset(token)
        return answer, max(self._depth.values(), default=0), sorted(self.seen)


COMMANDS = Commands()
monitoring.register(COMMANDS)


@pytest.fixture
def commands() -> Commands:
    return COMMANDS


@pytest.fixture
async def course(
    client: httpx.AsyncClient,
    db: Database,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
) -> BuiltCourse:
    return await enrolled_course(client, db, instructor.user, student.bearer, ready_video)


# Round trips as measured here (docs/performance.md, "Operations per request"). Reads are
# asked side by side only where the embedded database runs them on its loop (item 5
# there): through mongoeco's thread pool, side by side made launch day slower.
TRIPS = {"key": 4, "start": 6, "heartbeat": 4}


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


async def test_what_a_key_request_costs_once_its_lookups_have_aged_out(
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
    key, trips, seen = await commands.measured(client.get(url, headers=student.bearer))
    assert key.status_code == 200
    # The sign-in (account and refresh token side by side), then the session and the key
    # material side by side, then the course, the grants (no drip unlock: the course holds
    # no lesson back).
    assert (trips, seen) == (
        TRIPS["key"],
        [
            "find courses",
            "find grants",
            "find playback_sessions",
            "find refresh_tokens",
            "find users",
            "find video_keys",
        ],
    )


async def test_what_a_start_and_a_heartbeat_cost(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    student: SignedIn,
    course: BuiltCourse,
    commands: Commands,
) -> None:
    assert course.video_lesson
    await warm(db)
    started, trips, seen = await commands.measured(
        start_lesson(client, student.bearer, course.video_lesson)
    )
    assert started.status_code == 201, started.text
    # The sign-in, the course, the grants and the resume point side by side, the video,
    # the stream slot with the start's count (K9), the session.
    assert (trips, seen) == (
        TRIPS["start"],
        [
            "find courses",
            "find grants",
            "find progress",
            "find refresh_tokens",
            "find users",
            "find videos",
            "findAndModify stream_slots",
            "insert playback_sessions",
        ],
    )
    beat, trips, seen = await commands.measured(
        client.post(
            f"/api/playback/{started.json()['session_id']}/heartbeat",
            json={"position": 1.0},
            headers=student.bearer,
        )
    )
    assert beat.status_code == 200
    # The sign-in, the lease renewed, then what the lesson's progress holds as evidence
    # and the progress written against it (L1): two writes (at most one per 30 s at the
    # 60 s heartbeat, tests/test_key_rotation.py).
    assert (trips, seen) == (
        TRIPS["heartbeat"],
        [
            "find progress",
            "find refresh_tokens",
            "find users",
            "findAndModify playback_sessions",
            "findAndModify progress",
        ],
    )
