"""nginx for the benches: the project's templates under docs/deploy/ filled in, and nginx
started on them in the foreground (Debian's nginx-light: apt-get install nginx-light)."""

from __future__ import annotations

import getpass
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx

DEPLOY = Path(__file__).resolve().parents[1] / "docs" / "deploy"


def binary() -> str | None:
    """The nginx executable, or None when it is not installed."""
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    return found if Path(found).exists() else None


def render(template: str, prefix: Path, **values: str) -> str:
    """The text of docs/deploy/TEMPLATE with its {{PLACEHOLDERS}} filled: USER (this user)
    and PREFIX (a writable dir) by default, the rest from VALUES. Values a template does not
    name are ignored; a placeholder left unfilled is an error."""
    text = (DEPLOY / template).read_text()
    for name, value in {"USER": getpass.getuser(), "PREFIX": str(prefix), **values}.items():
        text = text.replace("{{" + name + "}}", value)
    left = sorted(set(re.findall(r"\{\{[A-Z0-9_]+\}\}", text)))
    if left:
        raise ValueError(f"{template}: no value for {', '.join(left)}")
    return text


def start(conf: Path, prefix: Path) -> subprocess.Popen[bytes]:
    """nginx in the foreground on CONF (its master's children are the workers)."""
    nginx = binary()
    if nginx is None:
        raise RuntimeError("nginx is not installed: apt-get install nginx-light")
    return subprocess.Popen([nginx, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"])


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(10)


def wait_up(url: str, process: subprocess.Popen[bytes] | None = None) -> None:
    """Returns once URL answers at all (any status); fails if PROCESS exits first."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode} before {url} answered")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def accel_conf(prefix: Path, port: int, app_port: int, media_root: Path) -> Path:
    """Writes PREFIX/accel.conf: docs/deploy/nginx.conf (X-Accel-Redirect) listening on
    PORT, in front of the app on APP_PORT, sending segments from MEDIA_ROOT."""
    text = render(
        "nginx.conf", prefix, LISTEN=f"127.0.0.1:{port}", APP=f"127.0.0.1:{app_port}",
        MEDIA_ROOT=f"{media_root.resolve()}/",
    )  # fmt: skip
    conf = prefix / "accel.conf"
    conf.write_text(text)
    return conf
