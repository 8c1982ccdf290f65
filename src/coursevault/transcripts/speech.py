"""Runs `transcribe.py` as a child process and reads its events: the words, the language,
progress, or why it could not transcribe.

A child process keeps the model's few hundred MB and its threads out of the server, gives
the memory back when it ends, and turns a crash inside CTranslate2 into an exit status.
It is started with exec and no Python in between (D1), killed on timeout or cancel.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from coursevault.transcripts.cues import Word

ProgressCallback = Callable[[float], Awaitable[None]]
STDERR_TAIL = 2_000
LINE_LIMIT = 8 * 1024 * 1024  # one `words` event holds a window's words (about 30 KB)


class SpeechFailed(Exception):
    """The child could not transcribe. KIND: `model` (no usable model: retrying cannot
    help), `no_audio` (nothing to transcribe), `audio` (undecodable), `crash`, `timeout`."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Speech:
    language: str = "en"
    words: list[Word] = field(default_factory=list)


async def transcribe(
    source: Path,
    *,
    model: str,
    device: str,
    threads: int,
    language: str | None,
    timeout: float,  # noqa: ASYNC109 - on expiry the child must be killed, not left
    on_progress: ProgressCallback | None = None,
) -> Speech:
    """The timed words spoken in SOURCE (SpeechFailed when there are none to be had)."""
    args = [sys.executable, "-m", "coursevault.transcripts.transcribe", str(source)]
    args += ["--model", model, "--device", device, "--threads", str(threads or os.cpu_count() or 1)]
    if language:
        args += ["--language", language]
    process = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"},
        limit=LINE_LIMIT,
    )
    assert process.stdout is not None and process.stderr is not None
    errors = asyncio.ensure_future(process.stderr.read())
    speech, loaded, failure = Speech(), False, None
    try:
        async with asyncio.timeout(timeout):
            async for line in process.stdout:
                event = json.loads(line)
                kind = event.pop("event")
                if kind == "model":
                    loaded = True
                elif kind == "words":
                    speech.language = event["language"]
                    speech.words += [Word(start=w[0], end=w[1], text=w[2]) for w in event["words"]]
                elif kind == "progress" and on_progress is not None and event["duration"]:
                    await on_progress(min(0.99, event["seconds"] / event["duration"]))
                elif kind == "done":
                    speech.language = event["language"]
                elif kind == "error":
                    failure = SpeechFailed(event["kind"], event["message"])
            status = await process.wait()
    except TimeoutError:
        raise SpeechFailed("timeout", f"transcription took longer than {timeout:.0f} s") from None
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        stderr = (await errors)[-STDERR_TAIL:].decode(errors="replace").strip()
    if failure is not None:
        raise failure
    if status != 0:
        # Dying before the model was loaded is the model's fault (a damaged file can crash
        # CTranslate2 outright); later it may be the input, or memory: worth a retry.
        kind = "crash" if loaded else "model"
        raise SpeechFailed(kind, f"the transcriber stopped (status {status}): {stderr[-300:]}")
    return speech
