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

A copy of an unmarked stream (the plain ladder, or the all-A playlist of a course without
the policy) is recognised when no codeword is named (F8): its scores follow the bias of
its encode, not a codeword. Either the mark is missing (the median |score| is far below
the 1 of a marked segment: the plain ladder sits near the midpoint of A and B) or every
decision has one sign (all A, or all B), which a keyed codeword does by chance as rarely
as an accusation is allowed to be wrong.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import numpy as np

from coursevault.watermark import features
from coursevault.watermark.mark import GRID
from coursevault.watermark.reference import Reference

EDGE_FRAMES = 3  # frames near a segment boundary are left out (alignment tolerance)
MIN_SECONDS = 1.0  # a segment needs this much of the copy to be scored
MIN_ALIGNMENT = 0.5  # correlation below this: the copy is not this video
FALSE_ACCUSATION = 1e-6
CONFIDENT = 3.0  # a segment decides A or B when its statistic is this far from 0
# Unmarked copies (F8), thresholds from `bench/forensic.py` (docs/performance.md): a marked
# copy's median |score| was 0.80-0.98, the plain ladder's 0.00-0.02 (a segment's noise is
# about 0.05); 0.3 is far from both, and a named codeword is never questioned by it.
UNMARKED_STRENGTH = 0.3  # a median |score| below this: the copy carries no mark
UNMARKED_SEGMENTS = 6  # scored segments that strength needs to be believed
STRONG_MARK = 0.5  # a segment scoring beyond this carries the mark (~1 when marked)
MAX_STRONG_SHARE = 0.1  # an unmarked copy has at most this share of such segments
ENOUGH_SEGMENTS = 40  # never "too little of the video" with this many scored


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
    unmarked: bool = False  # the copy comes from an unmarked stream (F8)
    strength: float | None = None  # median |score| of the scored segments (~1 when marked)


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


def strength(scores: list[SegmentScore]) -> float | None:
    """The median |score| of SCORES: about 1 for a marked copy whatever its codeword, near 0
    for a copy of the plain ladder (None without scores)."""
    return float(np.median([abs(s.mark) for s in scores])) if scores else None


def unmarked(scores: list[SegmentScore]) -> str | None:
    """Why SCORES come from an unmarked stream, or None when they may carry a codeword."""
    found = strength(scores)
    # A copy averaged from two accounts' copies scores ~0 where their codewords differ,
    # but ~1 elsewhere: a few strong segments mean a mark is there, only not one codeword.
    strong = sum(abs(s.mark) > STRONG_MARK for s in scores)
    if (
        found is not None
        and len(scores) >= UNMARKED_SEGMENTS
        and found < UNMARKED_STRENGTH
        and strong <= MAX_STRONG_SHARE * len(scores)
    ):
        return f"no segment carries the mark: median strength {found:.2f}, a marked copy has ~1"
    sure = [s for s in scores if abs(s.statistic) >= CONFIDENT]
    ups = sum(s.mark > 0 for s in sure)
    lean = max(ups, len(sure) - ups)
    # Both constant patterns (all A: number 0's playlist; all B: the plain ladder's bias
    # in some encodes) are hypotheses, so the chance that a keyed codeword is one of them
    # by accident is doubled, and held to the bar an accusation is held to. Every
    # confident segment must agree: a mix of several accounts' copies that takes A
    # wherever any had A leans far towards A, yet keeps some B.
    if sure and lean == len(sure) and 2 * chance(len(sure), lean) <= FALSE_ACCUSATION:
        side = "A" if ups == lean else "B"
        return f"{lean} of {len(sure)} confident segments are {side}, as no codeword is"
    return None


def decide(
    scores: list[SegmentScore], numbers: Iterable[int], bits_of: Callable[[int, int], list[int]]
) -> Verdict:
    """The issued number (of NUMBERS) whose codeword (BITS_OF(number, count)) the copy's
    A/B decisions follow, or None, saying whether the copy is unmarked (`unmarked`: tried
    only when no codeword is named, so a marked copy is never called unmarked).

    Only confident segments decide. A number is named when the chance that any of the
    issued codewords agrees that well by accident is below FALSE_ACCUSATION, and no
    other number comes close: with n segments that needs about 20 + log2(issued) of
    them, whatever the statistic, since an innocent codeword equals the copy's pattern
    with probability 2^-n.
    """
    candidates = [n for n in numbers if n > 0]  # 0 is the unmarked playlist, not a codeword
    sure = [s for s in scores if abs(s.statistic) >= CONFIDENT]
    found = strength(scores)
    matched = None
    if sure and candidates:
        matched = replace(_codeword(sure, len(scores), candidates, bits_of), strength=found)
        if matched.number is not None:
            return matched  # a codeword explains the copy: it is not unmarked
    why = unmarked(scores)
    if why is not None:
        return Verdict(None, 0, len(sure), 0, 1.0, why, unmarked=True, strength=found)
    if matched is not None:
        return matched
    if len(scores) < ENOUGH_SEGMENTS:
        reason = "too little of the video to decide"
    else:
        reason = "no number was issued" if not candidates else "no segment decides A or B"
    return Verdict(None, 0, len(sure), 0, 1.0, reason, strength=found)


def _codeword(
    sure: list[SegmentScore],
    scored: int,
    candidates: list[int],
    bits_of: Callable[[int, int], list[int]],
) -> Verdict:
    """The verdict of matching the confident segments SURE (of SCORED) against the codewords
    of CANDIDATES: the best match, named only beyond an accident."""
    indexes = np.array([s.index for s in sure])
    decisions = np.sign([s.mark for s in sure])
    count = int(indexes.max()) + 1
    ranked = sorted(
        ((int((np.asarray(bits_of(n, count))[indexes] == decisions).sum()), n) for n in candidates),
        reverse=True,
    )
    agreeing, number = ranked[0]
    runner_up = ranked[1][0] if len(ranked) > 1 else 0
    bound = min(1.0, len(candidates) * chance(len(sure), agreeing))
    if bound > FALSE_ACCUSATION:
        reason = "the decisions follow no issued codeword"
        if len(candidates) * chance(len(sure), len(sure)) > FALSE_ACCUSATION:
            # Even full agreement could not name anyone: the copy is too short (or, with
            # ENOUGH_SEGMENTS scored, its mark too weak) for a codeword, whoever's it is.
            reason = (
                "too little of the video to decide"
                if scored < ENOUGH_SEGMENTS
                else f"the mark is too weak: {len(sure)} of {scored} segments decide"
            )
        return Verdict(None, agreeing, len(sure), runner_up, bound, reason)
    named: int | None = number
    reason = "mark found"
    if len(candidates) * chance(len(sure), runner_up) <= FALSE_ACCUSATION:
        named, reason = None, "two sessions match"
    return Verdict(named, agreeing, len(sure), runner_up, bound, reason)
