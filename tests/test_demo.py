"""`coursevault demo` seeds a living platform: accounts, and a published course of videos."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from coursevault import demo
from coursevault.mail import outbox
from tests.conftest import TEST_SECRET
from tests.processes import Server, run_cli


@pytest.mark.slow
def test_demo_seeds_a_published_course_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = run_cli(data_dir, "demo")
    assert first.returncode == 0, first.stderr
    assert demo.INSTRUCTOR[0] in first.stdout and demo.PASSWORD in first.stdout
    again = run_cli(data_dir, "demo")
    assert again.returncode == 0 and "Found the course" in again.stdout
    server = Server(data_dir, COURSEVAULT_SECRET_KEY=TEST_SECRET)
    try:
        catalog = httpx.get(f"{server.url}/api/courses").json()
        assert [c["title"] for c in catalog["items"]] == [demo.COURSE_TITLE]
        outline = httpx.get(f"{server.url}/api/courses/{catalog['items'][0]['slug']}").json()
        lessons = outline["sections"][0]["lessons"]
        assert [lesson["kind"] for lesson in lessons] == ["video", "video", "video", "text", "quiz"]
        assert all(lesson["duration"] == pytest.approx(10, abs=0.5) for lesson in lessons[:3])
        assert all(len(lesson["chapters"]) == 2 for lesson in lessons[:3])
        login = httpx.post(
            f"{server.url}/api/auth/login",
            json={"email": demo.STUDENT[0], "password": demo.PASSWORD},
        )
        assert login.status_code == 200
        # The free preview lesson has the demo's captions in two languages.
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        preview = httpx.get(f"{server.url}/api/lessons/{lessons[0]['id']}", headers=bearer).json()
        assert preview["captions"] == [
            {"language": "de", "label": "Deutsch", "automatic": False},
            {"language": "en", "label": "English", "automatic": False},
        ]
        transcript = httpx.get(
            f"{server.url}/api/lessons/{lessons[0]['id']}/transcript/en", headers=bearer
        ).json()
        assert transcript["cues"][0]["text"].startswith("Getting around: the test pattern")
        # The demo student buys the course with the test checkout: paid, enrolled, and the
        # receipt in the development outbox (it answered 500 when its address was `.test`).
        course_id = catalog["items"][0]["id"]
        order = httpx.post(
            f"{server.url}/api/courses/{course_id}/checkout", json={}, headers=bearer
        )
        assert order.status_code == 201, order.text
        paid = httpx.post(
            f"{server.url}/api/payments/local/{order.json()['order_id']}/complete",
            json={"outcome": "succeed"},
            headers=bearer,
        )
        assert paid.status_code == 200, paid.text
        # Waited for in the outbox itself (a `coursevault` process per look cost a second
        # of CPU each), then listed once by the operator's command.
        deadline = time.monotonic() + 20
        while not any(m.subject.startswith("Your receipt for") for m in outbox.messages(data_dir)):
            assert time.monotonic() < deadline, [m.subject for m in outbox.messages(data_dir)]
            time.sleep(0.2)
        mail = run_cli(data_dir, "mail", "list").stdout
        assert "Your receipt for" in mail and demo.STUDENT[0] in mail
    finally:
        server.stop()


def test_demo_refuses_production(tmp_path: Path) -> None:
    import subprocess

    from tests.processes import COURSEVAULT, environment

    env = environment(tmp_path, COURSEVAULT_ENV="production", COURSEVAULT_SECRET_KEY="p" * 48)
    result = subprocess.run(
        [COURSEVAULT, "demo"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "production" in result.stderr
