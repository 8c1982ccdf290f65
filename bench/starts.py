"""Playback starts at a fixed rate: what each costs the app and the embedded database, and
how long it takes (prints, asserts nothing).

One app worker and its embedded database; an open-loop client sends `POST
/api/lessons/{id}/playback` for one enrolled account after another at --rates starts per
second (a 2,000-viewer launch over 30 s is 67/s, the same over 5 s 400/s), each account
once per rate. Each line gives start p50/p99 and failures by reason next to the CPU time
per start of the app worker and of the database process, read from /proc; the first rate
is the baseline the others' p99 is a ratio to. The client runs in this process and shares
the cores: past ~150/s it, not the server, paces the arrivals (the bench says so when the
starts took longer than asked to send).

    PYTHONPATH=. .venv/bin/python bench/starts.py [--count 1500] [--rates 30,67]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from bench import viewers
from bench.procstat import cpu_seconds
from coursevault.config import Settings
from coursevault.database import embedded_server
from tests.media_helpers import make_clip
from tests.processes import Server, create_account, upload_until_ready


async def fire(
    url: str, lesson: str, tokens: list[str], rate: float
) -> tuple[list[float], Counter[str]]:
    """Starts one playback per token, the i-th at i / RATE s; the latencies of those that
    succeeded (s, sorted) and the others by status and error code."""
    latencies: list[float] = []
    failed: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=len(tokens), max_keepalive_connections=len(tokens))
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def one(i: int, token: str) -> None:
            await asyncio.sleep(i / rate)
            sent = time.monotonic()
            answer = await client.post(
                f"/api/lessons/{lesson}/playback",
                json={"device": "bench"},
                headers={"Authorization": f"Bearer {token}"},
            )
            if answer.status_code == 201:
                latencies.append(time.monotonic() - sent)
            else:
                code = answer.json().get("error", {}).get("code", "-") if answer.content else "-"
                failed[f"{answer.status_code} {code}"] += 1

        await asyncio.gather(*(one(i, token) for i, token in enumerate(tokens)))
    return sorted(latencies), failed


def worker_pid(server: Server, database: int) -> int:
    """The granian worker serving requests (the server's child that is not the database)."""
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    found = [int(pid) for pid in children.read_text().split() if int(pid) != database]
    return found[0] if found else server.process.pid


def quantile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1500, help="starts per rate")
    parser.add_argument("--rates", default="30,67", help="starts per second, e.g. 30,67,400")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data_dir = work / "data"
        create_account(data_dir, "t@example.com", "instructor", password=viewers.PASSWORD)
        server = Server(
            data_dir, workers=1, COURSEVAULT_SECRET_KEY=viewers.SECRET,
            COURSEVAULT_LOG_LEVEL="WARNING", COURSEVAULT_ACCESS_TOKEN_TTL_SECONDS="900",
        )  # fmt: skip
        try:
            clip = make_clip(work / "clip.mp4", size="320x240", seconds=12, rate=10)
            video = upload_until_ready(
                server.url, "t@example.com", viewers.PASSWORD, clip.read_bytes()
            )
            settings = Settings(
                _env_file=None, data_dir=data_dir, secret_key=viewers.SECRET,
                access_token_ttl_seconds=900,
            )  # fmt: skip
            lesson = asyncio.run(viewers.publish_lesson(settings, video))
            tokens = asyncio.run(
                viewers.enrolled_accounts(settings, lesson, args.count * len(rates))
            )
            database = embedded_server.find_running(data_dir)
            assert database is not None
            pids = {"app": worker_pid(server, database.pid), "database": database.pid}
            print(
                f"{args.count} starts per rate, one account each; 1 granian worker, the embedded"
                " database, the client in this process, all on this machine's cores"
            )
            print("rate/s   start p50       p99  ×p99  CPU per start: app  database  failures")
            base = None
            for n, rate in enumerate(rates):
                mine = tokens[n * args.count : (n + 1) * args.count]
                before = {name: cpu_seconds(pid) for name, pid in pids.items()}
                began = time.monotonic()
                latencies, failed = asyncio.run(fire(server.url, lesson, mine, rate))
                elapsed = time.monotonic() - began
                per_start = {
                    name: (cpu_seconds(pid) - before[name]) / args.count * 1000
                    for name, pid in pids.items()
                }
                p99 = quantile(latencies, 0.99)
                base = base or p99
                why = ", ".join(f"{reason} ×{count}" for reason, count in failed.most_common(3))
                app, db = per_start["app"], per_start["database"]
                print(
                    f"{rate:6g}  {quantile(latencies, 0.5):8.0f} ms {p99:6.0f} ms {p99 / base:5.1f}"
                    f"  {app:14.1f} ms {db:6.1f} ms  {why or 'none'}"
                )
                sending = args.count / rate
                if elapsed > sending * 1.5 + 10:
                    print(
                        f"        (took {elapsed:.0f} s for {sending:.0f} s of arrivals: a queue)"
                    )
                # Each start holds a stream slot; the next rate uses other accounts.
        finally:
            server.stop()


if __name__ == "__main__":
    main()
