"""GET /metrics (Prometheus text format) for the allowed networks only; log lines as JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import m3u8
import pytest
from prometheus_client.parser import text_string_to_metric_families

from coursevault import ttl_cache
from coursevault.config import Settings
from coursevault.database.db import Database
from tests.conftest import TEST_SECRET
from tests.course_helpers import key_url, make_course, start_lesson
from tests.factories import SignedIn, error_code, signed_in
from tests.processes import Server


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


def grew(before: str, after: str, name: str, **labels: str) -> float:
    """How much a counter grew between two scrapes (counters live as long as the process)."""
    return value(after, name, **labels) - value(before, name, **labels)


async def test_metrics_count_requests_by_route_keys_segments_and_queue(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    ready_video: str,
) -> None:
    before = (await client.get("/metrics")).text
    student = await signed_in(client, db, settings)
    course = await make_course(db, instructor.user, video_id=ready_video)
    assert (
        await client.post(f"/api/courses/{course.id}/enroll", headers=student.bearer)
    ).status_code == 201
    started = (await start_lesson(client, student.bearer, course.video_lesson or "")).json()
    master = await client.get(started["playlist_url"])
    base = started["playlist_url"].rsplit("/", 1)[0]
    variant = await client.get(f"{base}/{m3u8.loads(master.text).playlists[0].uri}")
    segment = await client.get(f"{base}/{m3u8.loads(variant.text).segments[0].uri}")
    assert (
        await client.get(key_url(started["playlist_url"]), headers=student.bearer)
    ).status_code == 200
    other = await signed_in(client, db, settings)
    refused = await client.get(key_url(started["playlist_url"]), headers=other.bearer)
    assert refused.status_code == 403
    await client.get(f"/api/videos/{'0' * 24}", headers=instructor.bearer)

    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = response.text
    requests = "coursevault_http_requests_total"
    lesson_route = "/api/lessons/{lesson_id}/playback"
    assert grew(before, after, requests, method="POST", route=lesson_route, status="201") == 1
    # Routes are templates: an id never becomes a label.
    video_route = "/api/videos/{video_id}"
    assert grew(before, after, requests, method="GET", route=video_route, status="404") == 1
    assert "0" * 24 not in after
    hls = "/hls/{token}/{video}/{file}"
    assert grew(before, after, requests, method="GET", route=hls, status="200") == 3
    sent = grew(before, after, "coursevault_segment_bytes_total", delivery="app")
    assert sent == len(segment.content)
    for outcome in ("granted", "not_allowed"):
        assert grew(before, after, "coursevault_key_requests_total", outcome=outcome) == 1
    assert value(after, "coursevault_live_playback_sessions") == 1
    assert value(after, "coursevault_job_queue_depth", kind="transcode") == 0
    assert "coursevault_transcode_seconds_bucket" in after


KEY_PATH_CACHES = (
    "auth.live_sign_ins",
    "streaming.sessions",
    "enrollments.standings",
    "courses.by_lesson",
    "media.keys",
)


async def test_cache_hits_and_misses_show_per_cache(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    ready_video: str,
) -> None:
    student = await signed_in(client, db, settings)
    course = await make_course(db, instructor.user, video_id=ready_video)
    assert (
        await client.post(f"/api/courses/{course.id}/enroll", headers=student.bearer)
    ).status_code == 201
    started = (await start_lesson(client, student.bearer, course.video_lesson or "")).json()
    key = key_url(started["playlist_url"])
    ttl_cache.clear_all()  # what the start (or another test) looked up is not reused
    before = (await client.get("/metrics")).text
    for _ in range(2):
        assert (await client.get(key, headers=student.bearer)).status_code == 200
    ttl_cache.clear_all()
    assert (await client.get(key, headers=student.bearer)).status_code == 200
    after = (await client.get("/metrics")).text

    # Each key request looks each of the five up once (docs/architecture.md, Caches): the
    # first reads the database, the second finds what it kept, the third (after
    # clear_all) reads the database again.
    hits, misses = "coursevault_cache_hits_total", "coursevault_cache_misses_total"
    for name in KEY_PATH_CACHES:
        counted = (grew(before, after, hits, cache=name), grew(before, after, misses, cache=name))
        assert counted == (1, 2), name
    # Every registered cache is exported, looked up yet or not.
    names = {cache.name for cache in ttl_cache.caches()}
    assert set(KEY_PATH_CACHES) < names
    exported = samples(after)
    for name in names:
        assert (hits, (("cache", name),)) in exported
        assert (misses, (("cache", name),)) in exported


@pytest.mark.parametrize("settings_overrides", [{"metrics_allow": ["10.0.0.0/8", "fd00::/8"]}])
async def test_metrics_are_404_outside_the_allowed_networks(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")  # the test client comes from 127.0.0.1
    assert response.status_code == 404
    assert error_code(response) == "not_found"
    assert "coursevault_" not in response.text


def test_json_log_lines_from_serve_and_its_workers(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = Server(
        data_dir, workers=2, COURSEVAULT_SECRET_KEY=TEST_SECRET, COURSEVAULT_LOG_FORMAT="json"
    )
    try:
        httpx.post(
            f"{server.url}/api/auth/login", json={"email": "a@example.com", "password": "x" * 12}
        )
    finally:
        server.stop()
    lines = [line for line in Path(server.log.name).read_text().splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]  # every line is one JSON object
    assert {"time", "level", "logger", "message"} <= set(parsed[0])
    messages = " ".join(p["message"] for p in parsed)
    assert re.search(r"CourseVault on http://", messages)
    assert "login failed for a@example.com" in messages
    assert len({p["pid"] for p in parsed}) >= 2  # the workers log the same way


def test_one_scrape_counts_every_worker_of_a_node(tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR, a scrape that lands on one granian worker reports
    the requests all of them answered."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    server = Server(
        tmp_path / "data",
        workers=2,
        COURSEVAULT_SECRET_KEY=TEST_SECRET,
        PROMETHEUS_MULTIPROC_DIR=str(shared),
    )
    try:
        with httpx.Client() as http:  # new connections spread over the workers
            for _ in range(20):
                assert (
                    http.get(f"{server.url}/healthz", headers={"Connection": "close"}).status_code
                    == 200
                )
        text = httpx.get(f"{server.url}/metrics").text
    finally:
        server.stop()
    healthz = value(
        text, "coursevault_http_requests_total", method="GET", route="/healthz", status="200"
    )
    assert healthz >= 20  # plus the start-up checks of the test helper
    assert len(list(shared.glob("counter_*.db"))) >= 2  # both workers counted
