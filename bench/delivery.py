"""Segment delivery figures (prints, asserts nothing), measured in one run with wrk:

  (a) nginx serving the segment as a plain static file (the baseline),
  (b) CourseVault on granian checking the signed token and sending the file,
  (c) nginx in front of CourseVault with X-Accel-Redirect (docs/deploy/nginx.conf),

and with the segments in an S3 bucket (SeaweedFS, COURSEVAULT_STORAGE=s3):

  (d) CourseVault streaming the segment from the bucket (proxy),
  (e) CourseVault answering 302 to a presigned URL (CDN mode; wrk does not follow it:
      this is the app's side), (f) the presigned GET itself, straight from the store,
  (g) nginx fetching from the bucket after the app's X-Accel-Redirect (nginx-s3.conf),

plus the cost of one token verification. Needs nginx and wrk (apt-get install nginx-light wrk).

    PYTHONPATH=. .venv/bin/python bench/delivery.py [--seconds 10] [--connections 32] [--keys-only]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import re
import shutil
import subprocess
import tempfile
import time
import timeit
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from bench import nginx_front, viewers
from bench.procstat import cpu_seconds
from coursevault.config import Settings
from coursevault.database import embedded_server
from coursevault.streaming import signing
from tests import seaweed
from tests.media_helpers import make_clip
from tests.processes import Server, free_port, run_cli, upload_until_ready

SECRET = "bench-secret-" + "x" * 40
PASSWORD = "correct horse battery staple"

STATIC_CONF = """
user {user};
worker_processes auto;
pid {prefix}/static.pid;
error_log {prefix}/static-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {prefix}/cb; proxy_temp_path {prefix}/px;
    fastcgi_temp_path {prefix}/fc; uwsgi_temp_path {prefix}/uw; scgi_temp_path {prefix}/sc;
    server {{
        listen 127.0.0.1:{port};
        location /static/ {{ alias {media}; }}
    }}
}}
"""


def rung_segments(video_dir: Path) -> list[Path]:
    """The largest segment of each rung, smallest rung first (segment size vs req/s)."""
    largest: dict[str, Path] = {}
    for segment in video_dir.rglob("*.ts"):
        rung = str(segment.relative_to(video_dir)).rsplit("_", 1)[0]
        if rung not in largest or segment.stat().st_size > largest[rung].stat().st_size:
            largest[rung] = segment
    return sorted(largest.values(), key=lambda p: p.stat().st_size)


def wrk(
    url: str, seconds: int, connections: int, *headers: str, script: Path | None = None
) -> dict[str, float]:
    extra = [arg for header in headers for arg in ("-H", header)]
    if script is not None:
        extra += ["-s", str(script)]
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *extra, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def number(pattern: str) -> str:
        match = re.search(pattern, out)
        return match.group(1) if match else "0"

    def ms(value: str) -> float:
        unit = re.sub(r"[0-9.]", "", value)
        return float(re.sub(r"[a-z]", "", value)) * {"us": 0.001, "ms": 1, "s": 1000}.get(unit, 1)

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(number(r"Requests/sec:\s+([0-9.]+)")),
        "mbps": float(number(r"Transfer/sec:\s+([0-9.]+)MB"))
        or float(number(r"Transfer/sec:\s+([0-9.]+)GB")) * 1024,
        "p50": ms(number(r"(?m)^\s+50%\s+(\S+)")),
        "p99": ms(number(r"(?m)^\s+99%\s+(\S+)")),
        "errors": float(errors.group(1)) if errors else 0.0,
    }


KEY_SCRIPT = """
local targets = {{
{entries}
}}
local i = 0
request = function()
  i = i % #targets + 1
  return wrk.format("GET", targets[i][1], {{["Authorization"] = "Bearer " .. targets[i][2]}})
end
"""


def key_endpoint(
    work: Path, data_dir: Path, video_id: str, env: dict[str, str], seconds: int, connections: int
) -> None:
    """Key requests/s under rotation, each request for another viewer's session in turn.

    Measured twice: with the 5 s access cache (as shipped) and with it off. A real viewer
    asks for one key per 48 s period, so its requests find nothing cached for its own
    sign-in, session and enrollment: the uncached figure is the one that predicts a launch
    day, the cached one shows what the cache saves when many requests of one session come
    close together. The per-session key rate limit is raised here: wrk asks each session
    for keys hundreds of times faster than playback would.
    """
    settings = Settings(_env_file=None, secret_key=SECRET, data_dir=data_dir)
    lesson = asyncio.run(viewers.publish_lesson(settings, video_id, "b@example.com"))
    pairs = asyncio.run(viewers.prepare_viewers(settings, lesson, 200))
    entries = ",\n".join(
        f'  {{"{playlist.rsplit("/", 1)[0]}/key/0", "{token}"}}' for playlist, token in pairs
    )
    script = work / "keys.lua"
    script.write_text(KEY_SCRIPT.format(entries=entries))
    print(f"key endpoint: {len(pairs)} sessions in turn, session-bound keys, rotation on")
    for label, cache in (("access cache 5 s", "5"), ("access cache off", "0")):
        server = Server(
            data_dir, workers=1, COURSEVAULT_ACCESS_CACHE_SECONDS=cache,
            COURSEVAULT_KEY_RATE_BURST="100000000", **env,
        )  # fmt: skip
        try:
            first = pairs[0]
            answer = httpx.get(
                f"{server.url}{first[0].rsplit('/', 1)[0]}/key/0",
                headers={"Authorization": f"Bearer {first[1]}"},
            )
            assert answer.status_code == 200 and len(answer.content) == 16, answer.text
            database_pid = embedded_server.find_running(data_dir)
            pids = {"app": server.process.pid, "db": database_pid.pid if database_pid else 0}
            before = {name: cpu_seconds(pid) for name, pid in pids.items()}
            k = wrk(f"{server.url}/", seconds, connections, script=script)
            used = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
            print(
                f"key endpoint, {label}: {k['rps']:7.0f} req/s  p50 {k['p50']:6.1f} ms"
                f"  p99 {k['p99']:6.1f} ms  non-2xx {k['errors']:.0f}"
                f"  CPU: app {used['app'] / seconds:.0%}, embedded db {used['db'] / seconds:.0%}"
                " of a core"
            )
        finally:
            server.stop()


async def publish_to_bucket(
    s3: seaweed.SeaweedFS, data_dir: Path, files: dict[str, bytes], video_id: str
) -> None:
    """Puts the packaged video's FILES into the bucket as one generation, made current."""
    await seaweed.create_bucket(s3, seaweed.BUCKET)
    async with seaweed.client(s3) as client:
        for name, body in files.items():
            key = f"media/{video_id}/bench/{name}"
            await client.put_object(Bucket=seaweed.BUCKET, Key=key, Body=body)
    server = embedded_server.ensure_running(data_dir)
    mongo: AsyncMongoClient[Any] = AsyncMongoClient(server.uri)
    try:
        await mongo["coursevault"].videos.update_one(
            {"_id": video_id}, {"$set": {"generation": "bench"}}
        )
    finally:
        await mongo.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--keys-only", action="store_true", help="only the key endpoint lines")
    args = parser.parse_args()
    if shutil.which("wrk") is None or nginx_front.binary() is None:
        raise SystemExit("bench/delivery.py needs wrk and nginx: apt-get install wrk nginx-light")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data_dir = work / "data"
        run_cli(
            data_dir,
            "user",
            "create",
            "--email",
            "b@example.com",
            "--name",
            "B",
            "--role",
            "instructor",
            stdin=PASSWORD + "\n",
        )
        env = {"COURSEVAULT_SECRET_KEY": SECRET, "COURSEVAULT_LOG_LEVEL": "WARNING"}
        app = Server(data_dir, workers=1, **env)
        accel = Server(data_dir, workers=1, COURSEVAULT_ACCEL_REDIRECT="/internal-media/", **env)
        servers = [app, accel]
        prefix = work / "nginx"
        prefix.mkdir()
        procs = []
        stack = contextlib.ExitStack()
        try:
            clip = make_clip(work / "clip.mp4", size="1280x720", seconds=12, rate=30).read_bytes()
            video_id = upload_until_ready(app.url, "b@example.com", PASSWORD, clip)
            media = data_dir.resolve() / "media"
            if args.keys_only:
                key_endpoint(work, data_dir, video_id, env, args.seconds, args.connections)
                return

            static_port, accel_port = free_port(), free_port()
            static_conf = prefix / "static.conf"
            static_conf.write_text(
                STATIC_CONF.format(
                    user=getpass.getuser(), prefix=prefix, port=static_port, media=f"{media}/"
                )
            )
            accel_conf = nginx_front.accel_conf(prefix, accel_port, accel.port, media)
            procs = [nginx_front.start(static_conf, prefix), nginx_front.start(accel_conf, prefix)]

            settings = Settings(_env_file=None, secret_key=SECRET, data_dir=data_dir)
            token = signing.sign(
                settings,
                video_id=video_id,
                session_id="bench-session",
                expires=int(time.time()) + 3600,
            )
            print(
                f"{args.connections} connections, {args.seconds}s per line, "
                "wrk -t2 on the same 2-core machine; one segment per rung of a 720p ladder"
            )
            s3 = stack.enter_context(seaweed.running(work / "seaweedfs"))
            s3_env = {**env, **s3.env(seaweed.BUCKET)}
            files = {p.name: p.read_bytes() for p in (media / video_id).iterdir()}
            asyncio.run(publish_to_bucket(s3, data_dir, files, video_id))
            proxy = Server(data_dir, workers=1, **s3_env)
            redirect = Server(data_dir, workers=1, COURSEVAULT_S3_DELIVERY="redirect", **s3_env)
            s3_accel = Server(
                data_dir, workers=1, COURSEVAULT_ACCEL_REDIRECT="/internal-s3/", **s3_env
            )
            servers += [proxy, redirect, s3_accel]
            s3_port = free_port()
            text = nginx_front.render(
                "nginx-s3.conf", prefix, LISTEN=f"127.0.0.1:{s3_port}",
                APP=f"127.0.0.1:{s3_accel.port}", S3_SCHEME="http",
                S3_HOST=s3.endpoint.split("://", 1)[1],
            )  # fmt: skip
            s3_conf = prefix / "s3.conf"
            s3_conf.write_text(text.replace("nginx.pid", "s3-nginx.pid"))
            procs.append(nginx_front.start(s3_conf, prefix))
            for segment in rung_segments(media / video_id):
                size = segment.stat().st_size
                path = f"/hls/{token}/{video_id}/{segment.name}"
                presigned = httpx.get(f"{redirect.url}{path}").headers["location"]
                targets = {
                    "a nginx static": f"http://127.0.0.1:{static_port}/static/{video_id}/{segment.name}",
                    "b coursevault": f"{app.url}{path}",
                    "c nginx+accel": f"http://127.0.0.1:{accel_port}{path}",
                    "d s3 via app": f"{proxy.url}{path}",
                    "e s3 app 302": f"{redirect.url}{path}",
                    "f s3 presigned": presigned,
                    "g nginx+s3": f"http://127.0.0.1:{s3_port}{path}",
                }
                for name, url in targets.items():
                    nginx_front.wait_up(url)
                    if name != "e s3 app 302":
                        assert httpx.get(url).content == segment.read_bytes(), name
                print(f"segment {segment.name}, {size / 1e6:.2f} MB")
                results = {
                    name: wrk(url, args.seconds, args.connections) for name, url in targets.items()
                }
                base = results["a nginx static"]["rps"] or 1
                for name, r in results.items():
                    print(
                        f"  {name:16} {r['rps']:8.0f} req/s {r['mbps']:8.0f} MB/s"
                        f"  p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms"
                        f"  errors {r['errors']:.0f}  ratio {r['rps'] / base:.2f}"
                    )
            key_endpoint(work, data_dir, video_id, env, args.seconds, args.connections)
            runs = 20000
            cost = timeit.timeit(
                lambda: signing.verify(settings, token, video_id=video_id), number=runs
            )
            print(f"token verification: {cost / runs * 1e6:.1f} µs")
        finally:
            for proc in procs:
                nginx_front.stop(proc)
            for server in servers:
                server.stop()
            stack.close()


if __name__ == "__main__":
    main()
