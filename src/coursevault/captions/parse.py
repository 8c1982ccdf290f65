"""Caption files in, one clean WebVTT out (framework-free: bytes in, cues or an error out).

Instructors bring SubRip (.srt) or WebVTT (.vtt) files from many tools. Both become the
same list of cues, and every cue's text is reduced to plain text: tags (`<b>`, `<v Bob>`,
`<c.yellow>`, SubRip's `<font>`, ASS overrides such as `{\\an8}`) are dropped and HTML
entities decoded. What we write back escapes `&`, `<` and `>`, so a viewer's browser
shows exactly the characters the instructor typed and never interprets markup (C1).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from coursevault.ffmpeg.webvtt import stamp
from coursevault.i18n import Msg, msg

MAX_BYTES = 512 * 1024
MAX_CUES = 20_000
MAX_CUE_CHARS = 1_000

_TIME = re.compile(r"^(?:(\d{1,3}):)?([0-5]\d):([0-5]\d)[.,](\d{3})$")
_TIMING = re.compile(r"^(\S+)[ \t]+-->[ \t]+(\S+)(?:[ \t].*)?$")
_TAG = re.compile(r"<[^>\n]*>")
_ASS_OVERRIDE = re.compile(r"\{\\[^}]*\}")
_SPACES = re.compile(r"[ \t]+")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


class CaptionError(ValueError):
    """A file we cannot take, with the line (1-based) where it went wrong when known."""

    def __init__(self, text: Msg, line: int | None = None, cue: int | None = None) -> None:
        reason = str(text)  # English, for logs and the answer's `detail`
        where = (
            f"line {line}: " if line is not None else f"cue {cue + 1}: " if cue is not None else ""
        )
        super().__init__(where + reason)
        self.text = text
        self.reason = reason
        self.line = line
        self.cue = cue  # 0-based, for cues sent as JSON by the caption editor


def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark) or UTF-16 with its mark."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise CaptionError(msg("the file is not valid UTF-16")) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = msg("the file is not UTF-8; save it as UTF-8 and upload it again")
        raise CaptionError(message, line) from None


def seconds(stamp: str, line: int) -> float:
    match = _TIME.fullmatch(stamp)
    if match is None:
        raise CaptionError(
            msg("{stamp!r} is not a time (use 00:01:02.500 or 00:01:02,500)", stamp=stamp), line
        )
    hours, minutes, secs, millis = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(secs) + int(millis) / 1000


def plain(text: str) -> str:
    """A cue's payload as the plain text a viewer reads."""
    text = _ASS_OVERRIDE.sub("", _TAG.sub("", text))
    lines = (_SPACES.sub(" ", html.unescape(line)).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def parse(data: bytes, *, duration: float | None = None) -> list[Cue]:
    """The cues of an SRT or WebVTT file, ordered by start time.

    Refused (CaptionError): not UTF-8, no cue, a malformed timing line, a cue that ends
    before it starts or starts after the video ends (DURATION, when known), too many cues,
    a cue longer than MAX_CUE_CHARS. Cues without text are dropped.
    """
    if len(data) > MAX_BYTES:
        raise CaptionError(msg("the file is larger than {kib} KiB", kib=MAX_BYTES // 1024))
    text = decode(data).replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise CaptionError(msg("the file holds NUL characters; it is not a caption file"))
    vtt = text.lstrip().startswith("WEBVTT")
    cues: list[Cue] = []
    for first_line, block in _blocks(text):
        if vtt and first_line == 1:
            if not re.match(r"WEBVTT([ \t].*)?$", block[0]):
                raise CaptionError(msg("a WebVTT file starts with the line WEBVTT"), 1)
            continue  # the header block
        if vtt and block[0].split(" ", 1)[0] in ("NOTE", "STYLE", "REGION"):
            continue
        cue = _cue(block, first_line, duration)
        if cue is not None:
            cues.append(cue)
            if len(cues) > MAX_CUES:
                raise CaptionError(msg("more than {limit:,} cues", limit=MAX_CUES))
    if not cues:
        raise CaptionError(
            msg("no cue found (expected lines such as 00:00:01,000 --> 00:00:04,000)")
        )
    cues.sort(key=lambda c: (c.start, c.end))
    return cues


def checked(cues: list[Cue], *, duration: float | None = None) -> list[Cue]:
    """Cues typed in the caption editor, under the same rules as a file's: each ends after
    it starts and starts before the video ends, at most MAX_CUES and MAX_CUE_CHARS; the
    text is kept as typed (plain text, escaped when written), cues without text dropped."""
    if len(cues) > MAX_CUES:
        raise CaptionError(msg("more than {limit:,} cues", limit=MAX_CUES))
    kept: list[Cue] = []
    for index, cue in enumerate(cues):
        lines = (_SPACES.sub(" ", line).strip() for line in cue.text.replace("\r", "").split("\n"))
        text = "\n".join(line for line in lines if line)
        if cue.end <= cue.start:
            raise CaptionError(msg("the cue ends before it starts"), cue=index)
        if duration is not None and cue.start >= duration:
            raise CaptionError(_after_end(cue.start, duration), cue=index)
        if len(text) > MAX_CUE_CHARS:
            raise CaptionError(_too_long(), cue=index)
        if text:
            kept.append(Cue(start=cue.start, end=cue.end, text=text))
    if not kept:
        raise CaptionError(msg("no cue with text; delete the track instead"))
    kept.sort(key=lambda c: (c.start, c.end))
    return kept


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks with the line number each starts at."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 1
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _cue(block: list[str], first_line: int, duration: float | None) -> Cue | None:
    # An identifier (SubRip's counter, WebVTT's optional id) may precede the timing line.
    timing_at = 0 if "-->" in block[0] else 1
    if timing_at >= len(block) or "-->" not in block[timing_at]:
        where = first_line + min(timing_at, len(block) - 1)
        raise CaptionError(
            msg("expected a timing line such as 00:00:01,000 --> 00:00:04,000"), where
        )
    line = first_line + timing_at
    match = _TIMING.match(block[timing_at].strip())
    if match is None:
        raise CaptionError(msg("malformed timing line"), line)
    start, end = seconds(match.group(1), line), seconds(match.group(2), line)
    if end <= start:
        raise CaptionError(msg("the cue ends before it starts"), line)
    if duration is not None and start >= duration:
        raise CaptionError(_after_end(start, duration), line)
    body = plain("\n".join(block[timing_at + 1 :]))
    if len(body) > MAX_CUE_CHARS:
        raise CaptionError(_too_long(), line)
    return Cue(start=start, end=end, text=body) if body else None


def _too_long() -> Msg:
    return msg("the cue is longer than {limit:,} characters", limit=MAX_CUE_CHARS)


def _after_end(start: float, duration: float) -> Msg:
    return msg(
        "the cue starts at {start}, after the video ends ({end})",
        start=_clock(start),
        end=_clock(duration),
    )


def _clock(value: float) -> str:
    whole = int(value)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_webvtt(cues: list[Cue], *, header: str = "") -> str:
    """Writes CUES as WebVTT; HEADER lines (e.g. HLS's X-TIMESTAMP-MAP) follow `WEBVTT`."""
    parts = ["WEBVTT" + (f"\n{header}" if header else "")]
    parts += [f"{stamp(c.start)} --> {stamp(c.end)}\n{escape(c.text)}" for c in cues]
    return "\n\n".join(parts) + "\n"
