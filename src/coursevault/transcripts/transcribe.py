"""Speech to timed words, framework-free (like ffmpeg/): PyAV decodes the audio to 16 kHz
mono float32, faster-whisper (CTranslate2) transcribes it.

The job runs this module as its own process (`python -m coursevault.transcripts.transcribe`)
so the model's memory and threads, and a crash inside CTranslate2, stay out of the server.
It prints one JSON object per line: `model` once loaded, `progress`, `words` per window,
then `done`, or `error` with a `kind` (`model`, `no_audio`, `audio`) and exit status 2.

faster-whisper 1.2.1 opens files with an argument PyAV 19 no longer takes, so the audio
is decoded here and handed over as samples. Memory stays flat for long videos: audio is
decoded and transcribed in windows of WINDOW_SECONDS, each cut at the quietest moment
near its end so no word is split between two windows.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from coursevault.transcripts import model_dir

RATE = 16_000
WINDOW_SECONDS = 240.0
CUT_SEARCH_SECONDS = 5.0  # where in a window's tail the quietest cut is looked for
CUT_FRAME = 1_600  # 0.1 s: the unit of loudness when looking for that cut
# Whisper's own guards against hallucinating over silence or music: a segment whose text is
# this repetitive, or that the model itself doubts is speech, is dropped.
MAX_COMPRESSION_RATIO = 2.4
NO_SPEECH_PROBABILITY = 0.6
MIN_AVG_LOGPROB = -1.0
# Beam search over 5 hypotheses: on speech with noise at 20 dB SNR tiny.en made 17 % word
# errors instead of greedy decoding's 24 %, for about a third more time (bench/transcribe.py).
BEAM_SIZE = 5

Samples = npt.NDArray[np.float32]


class NoAudio(Exception):
    """The file has no audio stream."""


def emit(event: str, **values: Any) -> None:
    print(json.dumps({"event": event, **values}), flush=True)


def audio_windows(source: Path, window: float = WINDOW_SECONDS) -> Iterator[tuple[float, Samples]]:
    """(offset in seconds, samples) per window of SOURCE's first audio stream, resampled to
    16 kHz mono float32; each window but the last ends at a quiet moment."""
    with av.open(str(source)) as container:
        if not container.streams.audio:
            raise NoAudio("the video has no audio track")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        size = int(window * RATE)
        pending: list[Samples] = []
        held, offset = 0, 0
        for frame in _frames(container, stream):
            for out in resampler.resample(frame):
                samples = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                pending.append(samples)
                held += samples.size
            if held >= size:
                buffer = np.concatenate(pending)
                cut = quiet_cut(buffer, size)
                yield offset / RATE, buffer[:cut]
                offset += cut
                pending, held = [buffer[cut:]], buffer.size - cut
        pending += [
            out.to_ndarray().reshape(-1).astype(np.float32) for out in resampler.resample(None)
        ]
        rest = np.concatenate(pending) if pending else np.zeros(0, np.float32)
        if rest.size:
            yield offset / RATE, rest


def _frames(container: Any, stream: Any) -> Iterator[Any]:
    try:
        yield from container.decode(stream)
    except av.error.InvalidDataError:
        return  # a damaged tail: what decoded so far is transcribed


def quiet_cut(buffer: Samples, size: int) -> int:
    """The index near SIZE (within the last CUT_SEARCH_SECONDS) where BUFFER is quietest."""
    start = max(0, size - int(CUT_SEARCH_SECONDS * RATE))
    tail = buffer[start:size]
    frames = tail.size // CUT_FRAME
    if frames < 2:
        return size
    energy = np.square(tail[: frames * CUT_FRAME].reshape(frames, CUT_FRAME)).mean(axis=1)
    return start + int(np.argmin(energy)) * CUT_FRAME + CUT_FRAME // 2


def choose_device(device: str) -> tuple[str, str]:
    """(device, compute type): a CUDA GPU when asked for or present, else int8 on the CPU."""
    if device == "cpu":
        return "cpu", "int8"
    import ctranslate2

    if device == "cuda" or ctranslate2.get_cuda_device_count() > 0:
        return "cuda", "float16"
    return "cpu", "int8"


def load(model: model_dir.ModelDir, device: str, threads: int) -> Any:
    """The WhisperModel in MODEL's directory; ModelUnavailable when it cannot be loaded."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub: the path is local
    from faster_whisper import WhisperModel

    model_dir.verify(model)
    where, compute = choose_device(device)
    try:
        return WhisperModel(
            str(model.path), device=where, compute_type=compute, cpu_threads=threads, num_workers=1
        )
    except (RuntimeError, ValueError, OSError) as exc:
        raise model_dir.ModelUnavailable(
            f"The speech model in {model.path} cannot be loaded ({exc}); "
            "it must be a CTranslate2 Whisper model."
        ) from None


def transcribe_window(
    whisper: Any, samples: Samples, language: str | None
) -> tuple[str, list[list[Any]]]:
    """The language and the words ([start, end, text, probability]) of one window."""
    segments, info = whisper.transcribe(
        samples,
        language=language,
        beam_size=BEAM_SIZE,
        word_timestamps=True,
        vad_filter=True,
        condition_on_previous_text=False,
    )
    words: list[list[Any]] = []
    for segment in segments:
        if segment.compression_ratio > MAX_COMPRESSION_RATIO:
            continue
        if segment.no_speech_prob > NO_SPEECH_PROBABILITY and segment.avg_logprob < MIN_AVG_LOGPROB:
            continue
        for word in segment.words or []:
            words.append(
                [round(word.start, 3), round(word.end, 3), word.word, round(word.probability, 3)]
            )
    return str(info.language), words


def run(
    source: Path, model: model_dir.ModelDir, *, device: str, threads: int, language: str | None
) -> None:
    """Transcribes SOURCE window by window, printing the events described above."""
    with av.open(str(source)) as probe:
        if not probe.streams.audio:
            raise NoAudio("the video has no audio track")
        duration = float(probe.duration or 0) / av.time_base
    whisper = load(model, device, threads)
    multilingual = bool(whisper.model.is_multilingual)
    # An English-only model is told so; a multilingual one detects the language once, on
    # the first window, and keeps it: one track has one language.
    language = language or (None if multilingual else "en")
    emit("model", name=model.name, multilingual=multilingual)
    for offset, samples in audio_windows(source):
        found, words = transcribe_window(whisper, samples, language)
        language = language or found
        for word in words:
            word[0] = round(word[0] + offset, 3)
            word[1] = round(word[1] + offset, 3)
        emit("words", language=language, words=words)
        emit("progress", seconds=round(offset + samples.size / RATE, 3), duration=duration)
    emit("done", language=language or "en", duration=duration)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Transcribe a file's speech to timed words.")
    parser.add_argument("source", type=Path)
    parser.add_argument("--model", default=model_dir.BUNDLED)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--language", default=None)
    args = parser.parse_args(argv)
    try:
        model = model_dir.locate(args.model)
        run(args.source, model, device=args.device, threads=args.threads, language=args.language)
    except model_dir.ModelUnavailable as exc:
        emit("error", kind="model", message=str(exc))
        return 2
    except NoAudio as exc:
        emit("error", kind="no_audio", message=str(exc))
        return 2
    except (av.error.FFmpegError, OSError) as exc:
        emit("error", kind="audio", message=f"the audio cannot be decoded: {exc}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
