"""Tracing a copy: align it to the video's frames, score each segment A or B, and find the
issued number whose codeword explains the scores (F3 in docs/security.md).

Alignment cross-correlates the frame-to-frame changes of the copy's 8 x 8 luma means with
the reference's (FFT, every offset at once): changes, not levels, so a copy with other
levels still aligns; a still picture cannot be aligned. Equal frame rates are assumed.

A segment's score is the projection of (copy - midpoint), averaged over the segment's
frames away from its edges, on the mark the encoder left there ((A - B) / 2): about +1
for A and -1 for B. Its noise is estimated from what the projection leaves over in the
16 blocks, so each score becomes a t-like statistic that is near 0 +- 1 when the segment
holds no mark. A copy is attributed to number n when the scores (centred, so a copy that
is all A, an unmarked playlist, accuses nobody) correlate with n's codeword above a
threshold that grows with the number of candidates: the chance that a copy with no mark
(or another session's) reaches it is below one in a million.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from coursevault.forensic import features
from coursevault.forensic.mark import GRID
from coursevault.forensic.reference import Reference

EDGE_FRAMES = 3  # frames near a segment boundary are left out (alignment tolerance)
MIN_SECONDS = 1.0  # a segment needs this much of the copy to be scored
MIN_ALIGNMENT = 0.5  # correlation below this: the copy is not this video
FALSE_ACCUSATION = 1e-6
TAIL_MARGIN = 1.25  # room for scores with heavier tails than a normal distribution


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
    z: float  # the best candidate's score
    runner_up: float
    threshold: float
    agreeing: int  # segments whose A/B decision matches the named codeword
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


def threshold(candidates: int) -> float:
    return TAIL_MARGIN * math.sqrt(2 * math.log(max(candidates, 1) / FALSE_ACCUSATION))


def decide(
    scores: list[SegmentScore], numbers: Iterable[int], bits_of: Callable[[int, int], list[int]]
) -> Verdict:
    """The issued number (of NUMBERS) whose codeword (BITS_OF(number, count)) the scores
    name, or None."""
    candidates = list(numbers)
    limit = threshold(len(candidates))
    if len(scores) < 2 or not candidates:
        return Verdict(None, 0.0, 0.0, limit, 0, "too little of the video to decide")
    indexes = np.array([s.index for s in scores])
    statistic = np.array([s.statistic for s in scores])
    centred = statistic - statistic.mean()
    count = int(indexes.max()) + 1
    ranked = sorted(
        (
            (float(np.asarray(bits_of(n, count))[indexes] @ centred) / math.sqrt(len(scores)), n)
            for n in candidates
        ),
        reverse=True,
    )
    best, number = ranked[0]
    runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
    agreeing = int(
        (np.sign([s.mark for s in scores]) == np.asarray(bits_of(number, count))[indexes]).sum()
    )
    if np.all(statistic > 0):
        return Verdict(
            None, best, runner_up, limit, agreeing, "every segment is A: an unmarked playlist"
        )
    if best < limit:
        return Verdict(None, best, runner_up, limit, agreeing, "no mark found")
    return Verdict(number, best, runner_up, limit, agreeing, "mark found")
