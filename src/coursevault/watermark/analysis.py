"""Tracing a copy: align it to the video's frames, score each segment A or B, and find the
issued number whose codeword explains the scores (F3 in docs/security.md).

Alignment cross-correlates the frame-to-frame changes of the copy's 8 x 8 luma means with
the reference's (FFT, every offset at once): changes, not levels, so a copy with other
levels still aligns; a still picture cannot be aligned. Equal frame rates are assumed.

A segment's score is the projection of (copy - midpoint), averaged over the segment's
frames away from its edges, on the mark the encoder left there ((A - B) / 2): about +1
for A and -1 for B. Its noise is estimated from what the projection leaves over in the
16 blocks, so each score becomes a t-like statistic that is near 0 +- 1 when the segment
holds no mark. The confident segments' A/B decisions are matched against the codewords of
the numbers issued for the video; a number is named only when an accidental match of
that quality, by any issued codeword, has a chance below one in a million (`decide`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from coursevault.watermark import features
from coursevault.watermark.mark import GRID
from coursevault.watermark.reference import Reference

EDGE_FRAMES = 3  # frames near a segment boundary are left out (alignment tolerance)
MIN_SECONDS = 1.0  # a segment needs this much of the copy to be scored
MIN_ALIGNMENT = 0.5  # correlation below this: the copy is not this video
FALSE_ACCUSATION = 1e-6
CONFIDENT = 3.0  # a segment decides A or B when its statistic is this far from 0


@dataclass(frozen=True)
class Alignment:
    offset: int  # reference frame of the copy's first frame
    correlation: float


@dataclass(frozen=True)
class SegmentScore:
    index: int
    mark: float  # ~ +1 for A, -1 for B
    statistic: float  # MARK over its estimated noise


@dataclass(frozen=True)
class Verdict:
    number: int | None  # None: no mark found
    agreeing: int  # confident segments whose A/B decision matches the best codeword
    segments: int  # confident segments
    runner_up: int  # agreements of the next best codeword
    chance: float  # bound on the probability that the match is an accident
    reason: str


def align(copy: features.Floats, reference: features.Floats) -> Alignment | None:
    c = np.diff(copy.reshape(len(copy), -1), axis=0).astype(np.float64)
    r = np.diff(reference.reshape(len(reference), -1), axis=0).astype(np.float64)
    n, m = len(r), len(c)
    if m < 2 or m > n:
        return None
    size = 1 << (n + m).bit_length()
    product = np.fft.rfft(r, size, axis=0) * np.conj(np.fft.rfft(c, size, axis=0))
    correlation = np.fft.irfft(product, size, axis=0).sum(axis=1)[: n - m + 1]
    energy = np.concatenate([[0.0], np.cumsum((r**2).sum(axis=1))])
    window = energy[m:] - energy[: n - m + 1]
    score = correlation / (np.sqrt(window * (c**2).sum()) + 1e-9)
    offset = int(np.argmax(score))
    return Alignment(offset=offset, correlation=float(score[offset]))


def segment_scores(copy: features.Floats, reference: Reference, offset: int) -> list[SegmentScore]:
    copy_blocks = features.coarse(copy)
    mid_blocks = features.coarse(reference.mid)
    bounds = [*reference.starts, len(reference.mid)]
    least = max(3, round(MIN_SECONDS * reference.rate))
    found = []
    for index, (start, end) in enumerate(itertools.pairwise(bounds)):
        low = max(start + EDGE_FRAMES, offset)
        high = min(end - EDGE_FRAMES, offset + len(copy))
        if high - low < least:
            continue
        residual = (copy_blocks[low - offset : high - offset] - mid_blocks[low:high]).mean(axis=0)
        r = residual.ravel().astype(np.float64)
        r -= r.mean()  # a level shift of the whole copy is not a mark
        w = reference.expected[index].ravel().astype(np.float64)
        strength = float(w @ w)
        if strength < 1e-6:
            continue
        mark = float(w @ r) / strength
        left = r - mark * w
        noise = math.sqrt(float(left @ left) / (GRID * GRID - 2) / strength)
        found.append(SegmentScore(index, mark, mark / max(noise, 1e-3)))
    return found


def chance(segments: int, agreeing: int) -> float:
    """The probability that a codeword unrelated to the copy agrees with at least AGREEING
    of SEGMENTS decisions (codewords are keyed random bits, so this is exact)."""
    tail = sum(math.comb(segments, k) for k in range(agreeing, segments + 1))
    return float(tail / 2**segments)


def decide(
    scores: list[SegmentScore], numbers: Iterable[int], bits_of: Callable[[int, int], list[int]]
) -> Verdict:
    """The issued number (of NUMBERS) whose codeword (BITS_OF(number, count)) the copy's
    A/B decisions follow, or None.

    Only confident segments decide. A number is named when the chance that any of the
    issued codewords agrees that well by accident is below FALSE_ACCUSATION, and no
    other number comes close: with n segments that needs about 20 + log2(issued) of
    them, whatever the statistic, since an innocent codeword equals the copy's pattern
    with probability 2^-n.
    """
    candidates = list(numbers)
    sure = [s for s in scores if abs(s.statistic) >= CONFIDENT]
    if not sure or not candidates:
        return Verdict(None, 0, len(sure), 0, 1.0, "too little of the video to decide")
    indexes = np.array([s.index for s in sure])
    decisions = np.sign([s.mark for s in sure])
    if np.all(decisions > 0):
        return Verdict(None, 0, len(sure), 0, 1.0, "every segment is A: an unmarked playlist")
    count = int(indexes.max()) + 1
    ranked = sorted(
        ((int((np.asarray(bits_of(n, count))[indexes] == decisions).sum()), n) for n in candidates),
        reverse=True,
    )
    agreeing, number = ranked[0]
    runner_up = ranked[1][0] if len(ranked) > 1 else 0
    bound = min(1.0, len(candidates) * chance(len(sure), agreeing))
    if bound > FALSE_ACCUSATION:
        return Verdict(None, agreeing, len(sure), runner_up, bound, "no mark found")
    if len(candidates) * chance(len(sure), runner_up) <= FALSE_ACCUSATION:
        return Verdict(None, agreeing, len(sure), runner_up, bound, "two sessions match")
    return Verdict(number, agreeing, len(sure), runner_up, bound, "mark found")
