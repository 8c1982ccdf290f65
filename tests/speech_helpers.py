"""Speech fixtures made with espeak-ng from a known text, and the word error rate."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from coursevault.ffmpeg.binary import ffmpeg_path

LESSON_TEXT = (
    "Welcome to the course. In this lesson we look at how video encryption works, "
    "and why every segment gets its own key."
)


def espeak() -> str:
    found = shutil.which("espeak-ng")
    assert found, "espeak-ng is needed (scripts/system-deps.sh installs it)"
    return found


def speak(text: str, path: Path, *, words_per_minute: int = 160) -> Path:
    """Writes TEXT read by espeak-ng's default English voice as a WAV file."""
    subprocess.run(
        [espeak(), "-s", str(words_per_minute), "-w", str(path), text], check=True, timeout=60
    )
    return path


def speech_clip(speech: Path, path: Path, *, noise: float = 0.0) -> Path:
    """A small video (test pattern) whose sound is SPEECH, with white noise at amplitude
    NOISE mixed in when given."""
    args = [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    args += ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-i", str(speech)]
    audio = "[1:a]anull[a]"
    if noise:
        args += ["-f", "lavfi", "-i", f"anoisesrc=color=white:amplitude={noise}:sample_rate=22050"]
        audio = "[1:a][2:a]amix=inputs=2:duration=first:normalize=0[a]"
    args += ["-filter_complex", audio, "-map", "0:v", "-map", "[a]", "-shortest"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]
    subprocess.run([*args, str(path)], check=True, timeout=120)
    return path


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: (substitutions + deletions + insertions) / reference words."""
    ref, hyp = words_of(reference), words_of(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, start=1):
        current = [i]
        for j, other in enumerate(hyp, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other))
            )
        previous = current
    return previous[-1] / max(1, len(ref))
