"""Run ffmpeg as an async subprocess: progress from `-progress`, timeout, kill, classify."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import shutil
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from coursevault.ffmpeg.binary import ffmpeg_path

STDERR_TAIL = 4000

# Failures that no retry will fix: the input or the options are at fault.
_PERMANENT_MARKERS = (
    "Invalid data found",
    "could not find codec",
    "Decoder (codec",
    "does not contain any stream",
    "Protocol not on whitelist",
    "Unsupported codec",
    "moov atom not found",
    "Invalid argument",
)


log = logging.getLogger(__name__)


class FFmpegFailed(Exception):
    """ffmpeg exited with an error; `permanent` says whether retrying can help."""

    def __init__(self, message: str, *, permanent: bool, stderr: str = "") -> None:
        super().__init__(message)
        self.permanent = permanent
        self.stderr = stderr


def classify(returncode: int, stderr: str) -> FFmpegFailed:
    """Returns the failure for an ffmpeg exit: permanent for bad input, transient otherwise."""
    # The message reaches the instructor: a reason in words, never ffmpeg's own text (it
    # names memory addresses and internals); the raw tail goes to the log in `run`.
    if returncode < 0:  # killed by a signal (OOM killer, operator): worth another try
        return FFmpegFailed(
            "The converter was stopped before it finished", permanent=False, stderr=stderr
        )
    if "No space left on device" in stderr:
        return FFmpegFailed("The disk is full", permanent=False, stderr=stderr)
    if any(marker in stderr for marker in _PERMANENT_MARKERS):
        return FFmpegFailed(
            "The video could not be decoded: it may be damaged or in an unusual format; "
            "try exporting it again as MP4 (H.264 video, AAC audio)",
            permanent=True,
            stderr=stderr,
        )
    return FFmpegFailed("The converter stopped with an error", permanent=False, stderr=stderr)


@functools.cache
def _with_parent_death() -> tuple[str, ...]:
    """The prefix that makes the kernel kill ffmpeg when its worker dies (U3, D1)."""
    # No Python may run between fork and exec (D1): a `preexec_fn` once froze the server,
    # because the forked child freed another thread's PyAV scaler whose condition variable
    # still had waiters. util-linux's setpriv sets PR_SET_PDEATHSIG and then execs ffmpeg,
    # so the same process (and pid) becomes ffmpeg with the guarantee in place.
    setpriv = shutil.which("setpriv")
    prefix = (setpriv, "--pdeathsig", "KILL", "--") if setpriv else ()
    # BusyBox's setpriv and util-linux before 2.33 lack --pdeathsig: asked once whether it
    # works, so that no ffmpeg run fails for it.
    works = bool(prefix) and (
        subprocess.run(  # noqa: S603 - a fixed command, no input
            [*prefix, "true"], stdin=subprocess.DEVNULL, capture_output=True, check=False
        ).returncode
        == 0
    )
    if not works:
        log.warning("setpriv --pdeathsig is not available: ffmpeg may outlive a killed worker")
        return ()
    return prefix


@dataclass
class Progress:
    out_time_seconds: float
    speed: float | None


ProgressCallback = Callable[[Progress], Awaitable[None]]


async def _read_progress(
    stream: asyncio.StreamReader, on_progress: ProgressCallback | None, every: float
) -> None:
    fields: dict[str, str] = {}
    last_sent = 0.0
    while line := await stream.readline():
        key, _, value = line.decode(errors="replace").strip().partition("=")
        fields[key] = value
        if key != "progress" or on_progress is None:
            continue
        now = time.monotonic()
        if value != "end" and now - last_sent < every:
            continue
        last_sent = now
        micros = fields.get("out_time_us") or fields.get("out_time_ms") or "0"
        speed = fields.get("speed", "").rstrip("x")
        await on_progress(
            Progress(
                out_time_seconds=max(0, int(micros)) / 1_000_000 if micros.isdigit() else 0.0,
                speed=float(speed) if speed.replace(".", "", 1).isdigit() else None,
            )
        )


async def run(
    args: list[str],
    *,
    timeout: float,  # noqa: ASYNC109 - on expiry the process must be killed, not just left
    on_progress: ProgressCallback | None = None,
    progress_every: float = 1.0,
) -> None:
    """Runs ffmpeg with ARGS; kills it on timeout or cancellation; raises FFmpegFailed."""
    process = await asyncio.create_subprocess_exec(
        *_with_parent_death(),
        ffmpeg_path(),
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    stderr_task = asyncio.create_task(process.stderr.read())
    try:
        async with asyncio.timeout(timeout):
            await _read_progress(process.stdout, on_progress, progress_every)
            returncode = await process.wait()
            stderr = (await stderr_task).decode(errors="replace")[-STDERR_TAIL:]
    except TimeoutError:
        stderr_task.cancel()
        await _kill(process)
        raise FFmpegFailed(
            f"Processing took longer than the limit of {timeout:.0f} seconds", permanent=True
        ) from None
    except BaseException:
        stderr_task.cancel()
        await _kill(process)
        raise
    if returncode != 0:
        tail = stderr.strip().splitlines()[-3:]
        log.warning("ffmpeg exited with %s: %s", returncode, " | ".join(tail))
        raise classify(returncode, stderr)


async def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
