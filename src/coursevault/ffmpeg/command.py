"""Argument lists for ffmpeg, built from typed options (never from a shell string)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coursevault.ffmpeg import storyboard as boards
from coursevault.ffmpeg.ladder import AUDIO_KBPS, Rendition

SEGMENT_SECONDS = 6
KEYFRAME_SECONDS = 2  # divides SEGMENT_SECONDS: every rendition cuts at the same frames
MASTER_PLAYLIST = "master.m3u8"
POSTER = "poster.jpg"

# Inputs are local files we wrote; no other protocol may be opened (U3).
INPUT_GUARD = ("-nostdin", "-hide_banner", "-protocol_whitelist", "file")
RAW_FRAME = ("-f", "rawvideo", "-pix_fmt", "yuv420p")


@dataclass(frozen=True)
class HlsJob:
    source: Path
    demuxer: str
    has_audio: bool
    renditions: list[Rendition]
    output_dir: Path  # the job's private scratch dir: segments are clear until packaged
    preset: str = "veryfast"
    threads: int = 0
    storyboard: boards.Storyboard | None = None  # also write the seek-preview frames
    # Seconds to hold the last picture so that it lasts as long as the sound (a picture
    # track under a second with a long talk left the storyboard and the segments empty).
    hold_picture: float = 0.0
    # Forensic variants: one raw yuv420p pattern frame per rendition (watermark/mark.py);
    # each rendition is then written twice, `<name>_a` and `<name>_b`.
    patterns: tuple[Path, ...] = ()
    # Each rung at x264's constant quality under its bitrate as a cap (ladder.py); False:
    # every rung at its fixed bitrate, the ladder before issue #26 (`LADDER=fixed`).
    adaptive: bool = True


def _hold(seconds: float) -> str:
    return f"tpad=stop_mode=clone:stop_duration={seconds:.3f}," if seconds > 0 else ""


def _variant_filters(source: str, pattern_input: str, a: str, b: str) -> str:
    """Filters that turn SOURCE into forensic variants A and B: `grainmerge` adds
    (pattern - 128) to luma, `grainextract` subtracts it; chroma is left as it is. The
    pattern frames hold 128 +- the mark (watermark/mark.py writes them)."""
    keep = "c1_mode=normal:c2_mode=normal"
    return (
        f"{source}split=2[{a}src][{b}src];{pattern_input}split=2[{a}pat][{b}pat];"
        f"[{a}src][{a}pat]blend=c0_mode=grainmerge:{keep}[{a}];"
        f"[{b}src][{b}pat]blend=c0_mode=grainextract:{keep}[{b}]"
    )


Output = tuple[str, str, Rendition]  # (filter label, variant name, its rendition)


def hls_ladder_args(job: HlsJob) -> list[str]:
    """Returns one ffmpeg invocation that decodes once and encodes every rendition.

    Keyframes are forced every KEYFRAME_SECONDS (scene cuts off) so segments of all
    renditions start on the same frames, as ABR switching needs (RFC 8216 §6.2.4).
    """
    pattern_inputs, graph, outputs = _filter_graph(job)
    args = [
        *INPUT_GUARD, "-loglevel", "error", "-f", job.demuxer, "-i", str(job.source),
        *pattern_inputs, "-filter_complex", graph,
    ]  # fmt: skip
    stream_map = []
    for i, (label, name, rendition) in enumerate(outputs):
        args += ["-map", label, *(["-map", "0:a:0"] if job.has_audio else [])]
        args += _rate_args(i, rendition, adaptive=job.adaptive, audio=job.has_audio)
        stream_map.append(f"v:{i},a:{i},name:{name}" if job.has_audio else f"v:{i},name:{name}")
    args += _encoder_args(job)
    args += _hls_output_args(job.output_dir, stream_map)
    if job.storyboard:
        args += boards.frame_output_args(job.output_dir)
    return args


def _filter_graph(job: HlsJob) -> tuple[list[str], str, list[Output]]:
    """The pattern inputs, the filter graph (one decode split into every rendition, the
    storyboard and the forensic variants) and the labelled outputs it ends in."""
    n = len(job.renditions)
    branches = n + (1 if job.storyboard else 0)
    splits = "".join(f"[s{i}]" for i in range(branches))
    scales = ";".join(
        f"[s{i}]scale={r.width}:{r.height}:flags=bicubic,setsar=1[v{i}]"
        for i, r in enumerate(job.renditions)
    )
    if job.storyboard:
        scales += f";[s{n}]{boards.filter_chain(job.storyboard)}[board]"
    pattern_inputs: list[str] = []
    outputs = [(f"[v{i}]", r.name, r) for i, r in enumerate(job.renditions)]
    if job.patterns:
        outputs = []
        for i, (rendition, pattern) in enumerate(zip(job.renditions, job.patterns, strict=True)):
            pattern_inputs += [*RAW_FRAME, "-s", f"{rendition.width}x{rendition.height}"]
            pattern_inputs += ["-i", str(pattern)]
            scales += ";" + _variant_filters(f"[v{i}]", f"[{i + 1}:v]", f"a{i}", f"b{i}")
            outputs += [(f"[a{i}]", f"{rendition.name}_a", rendition)]
            outputs += [(f"[b{i}]", f"{rendition.name}_b", rendition)]
    graph = f"[0:v:0]{_hold(job.hold_picture)}split={branches}{splits};{scales}"
    return pattern_inputs, graph, outputs


CAP_SHARE = 0.95  # of a rung's fixed rate: the adaptive ladder's cap (see _rate_args)


def _rate_args(index: int, rendition: Rendition, *, adaptive: bool, audio: bool) -> list[str]:
    """Output INDEX's rate control. ADAPTIVE (capped CRF): constant quality, never above the
    rung's rate over any two seconds (x264's VBV: `maxrate` with a buffer of twice that),
    so an easy picture takes what it needs and a hard one what the fixed ladder gave it,
    and the rung's own AAC rate. Otherwise the rate on average, capped at 7 % over it with
    a two-second buffer (and AUDIO_KBPS for every rung, in `_encoder_args`).

    The cap is CAP_SHARE of the rung's rate: a picture hard enough to fill it keeps the
    encoder at the cap the whole time (plus the buffer it starts with), where the fixed
    ladder's average-rate encode lands on its rate; at the full rate a 720p rung of
    testsrc2 came out 3.6 % larger than the fixed one, at 95 % 1.6 % smaller, with SSIM
    0.0002 apart (docs/performance.md, "Lean ladders")."""
    kbps = rendition.video_kbps
    if adaptive:
        sound = [f"-b:a:{index}", f"{rendition.audio_kbps}k"] if audio else []
        cap = int(kbps * CAP_SHARE)
        return [
            f"-crf:v:{index}", str(rendition.crf),
            f"-maxrate:v:{index}", f"{cap}k",
            f"-bufsize:v:{index}", f"{cap * 2}k",
            *sound,
        ]  # fmt: skip
    return [
        f"-b:v:{index}", f"{kbps}k",
        f"-maxrate:v:{index}", f"{int(kbps * 1.07)}k",
        f"-bufsize:v:{index}", f"{kbps * 2}k",
    ]  # fmt: skip


def _encoder_args(job: HlsJob) -> list[str]:
    args = [
        "-c:v", "libx264", "-preset", job.preset, "-profile:v", "main", "-pix_fmt", "yuv420p",
        "-sc_threshold", "0", "-force_key_frames", f"expr:gte(t,n_forced*{KEYFRAME_SECONDS})",
        "-threads", str(job.threads),
    ]  # fmt: skip
    if job.has_audio:
        args += ["-c:a", "aac", "-ac", "2", "-ar", "48000"]
        if not job.adaptive:  # the adaptive ladder sets each rung's own (`_rate_args`)
            args += ["-b:a", f"{AUDIO_KBPS}k"]
    return args


def _hls_output_args(folder: Path, stream_map: list[str]) -> list[str]:
    # EVENT: ffmpeg rewrites each variant playlist (whole, through a rename) as every
    # segment closes, which first play follows; with `vod` it writes them only at the end.
    # Our packager writes the published playlists (VOD, or EVENT for an early rendition).
    return [
        "-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "event",
        "-hls_flags", "independent_segments",
        "-hls_segment_filename", str(folder / "%v_%05d.ts"),
        "-master_pl_name", MASTER_PLAYLIST,
        "-var_stream_map", " ".join(stream_map),
        "-progress", "pipe:1", "-nostats",
        str(folder / "%v.m3u8"),
    ]  # fmt: skip


def poster_args(source: Path, demuxer: str, output: Path, at_seconds: float) -> list[str]:
    """Returns an ffmpeg invocation that writes one JPEG frame at AT_SECONDS."""
    return [
        *INPUT_GUARD,
        "-loglevel",
        "error",
        "-ss",
        f"{at_seconds:.3f}",
        "-f",
        demuxer,
        "-i",
        str(source),
        "-frames:v",
        "1",
        "-vf",
        "scale='min(1280,iw)':-2",
        "-q:v",
        "3",
        "-y",
        str(output),
    ]
