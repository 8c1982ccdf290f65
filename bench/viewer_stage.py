"""One stage of bench/viewers.py: N k6 viewers arriving over a window, the figures k6 and
/proc give for it, and its line in the table (with what limited it)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections import Counter
from pathlib import Path

from bench.procstat import Sampler

SCRIPT = Path(__file__).resolve().parent / "k6" / "viewer.js"
P99_TARGET_MS = 250.0
BUSIEST_SECONDS = 5.0  # the window of the CPU peak a "limited by" line reads
LABELS = {"server": "app", "database": "db", "nginx": "nginx", "k6": "k6"}
FAILURES = ("start", "master", "variant", "key", "segment", "heartbeat", "timeout")


def run_stage(
    k6: str, url: str, viewers_file: Path, n: int, seconds: int, arrival: float,
    pids: dict[str, int], work: Path,
) -> dict[str, float]:  # fmt: skip
    """Runs N k6 viewers arriving over ARRIVAL seconds; returns the figures of the stage."""
    tag = f"{n}-{arrival:g}s"
    summary, log = work / f"summary-{tag}.json", work / f"k6-{tag}.log"
    started = time.monotonic()
    with log.open("wb") as stderr:  # a file, not a pipe: k6 warns once per failed request
        process = subprocess.Popen(
            [k6, "run", "--quiet", "--no-usage-report", "--summary-export", str(summary),
             str(SCRIPT)],
            env={
                **os.environ, "BASE_URL": url, "VIEWERS_FILE": str(viewers_file),
                "VUS": str(n), "WATCH_SECONDS": str(seconds), "ARRIVALS_SECONDS": f"{arrival:g}",
                "K6_NO_COLOR": "1",
            },
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )  # fmt: skip
    with Sampler({**pids, "k6": process.pid}) as sampler:
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - started
    if process.returncode != 0 or not summary.exists():
        raise RuntimeError(f"k6 exited with {process.returncode}: {log.read_text()[-3000:]}")
    first, last = sampler.samples[0][1], sampler.samples[-1][1]
    used = {name: last[name] - first[name] for name in pids}
    metrics = json.loads(summary.read_text())["metrics"]

    def value(name: str, key: str = "count") -> float:
        return float(metrics.get(name, {}).get(key, 0.0))

    figures = {
        "segments_per_s": value("segment_ms") / seconds,
        "mb_per_s": value("segment_bytes") / seconds / 1e6,
        "p50": value("segment_ms", "p(50)"),
        "p99": value("segment_ms", "p(99)"),
        "p99_wait": value("segment_wait_ms", "p(99)"),
        "p50_start": value("start_ms", "p(50)"),
        "p99_start": value("start_ms", "p(99)"),
        "p99_key": value("key_ms", "p(99)"),
        "cpu_k6": (usage.ru_utime + usage.ru_stime) / elapsed,
        # What serving costs (app, database, nginx); k6 is the audience.
        "cpu_s_per_viewer_minute": sum(used.values()) / (n * seconds / 60),
    }
    figures |= {f"cpu_{name}": cpu / elapsed for name, cpu in used.items()}
    # The window in which serving (not k6, the audience) was busiest: k6 starting its
    # viewers is busy before any request is made.
    busiest = sampler.busiest(BUSIEST_SECONDS, of=pids)
    figures |= {f"peak_{name}": s for name, s in busiest.items()}
    for kind in FAILURES:
        figures[f"failed_{kind}"] = value(f"failed_{kind}")
    return figures


def reasons(work: Path, n: int, arrival: float, top: int = 4) -> str:
    """The stage's most frequent failures from k6's log (request kind, HTTP status, k6's
    error code, the server's error code), e.g. "start 503 0 database_unavailable ×97"."""
    log = work / f"k6-{n}-{arrival:g}s.log"
    found = Counter(
        match.group(1)
        for match in re.finditer(r'msg="failure ([^"]+)"', log.read_text() if log.exists() else "")
    )
    return ", ".join(f"{reason} ×{count}" for reason, count in found.most_common(top))


def failures(r: dict[str, float]) -> dict[str, float]:
    return {kind: r[f"failed_{kind}"] for kind in FAILURES if r[f"failed_{kind}"]}


def held(r: dict[str, float]) -> bool:
    """A stage holds when no request failed and p99 segment latency stayed under target."""
    return not failures(r) and r["p99"] < P99_TARGET_MS and r["segments_per_s"] > 0


def ms(value: float) -> str:
    if value >= 10_000:
        return f"{value / 1000:.1f} s"
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


def header(cpu_names: list[str], ratios: bool) -> str:
    cpu = "CPU " + "/".join(LABELS[name] for name in cpu_names)
    return (
        f"{'viewers':>7} {'arrival':>7}  {'start p50':>9} {'p99':>9}  {'segment p50':>11}"
        f" {'p99':>9} {'(first byte)':>12}  {'key p99':>8}  {'seg/s':>6} {'MB/s':>6}"
        f"  {cpu:>19}  {'CPU-s/viewer-min':>16}"
        + ("  vs first arrival: start p99, seg p99" if ratios else "")
    )


def row(
    n: int,
    arrival: float,
    r: dict[str, float],
    cpu_names: list[str],
    base: dict[str, float] | None,
    ratios: bool,
) -> str:
    """The stage's line; BASE: the same N's first arrival window, for the ratios."""
    cpu = "/".join(f"{r[f'cpu_{name}']:.0%}".rstrip("%") for name in cpu_names) + " %"
    vs = ""
    if ratios:
        vs = "  (base)" if base is None else (
            f"  ×{r['p99_start'] / max(base['p99_start'], 0.1):.2f},"
            f" ×{r['p99'] / max(base['p99'], 0.1):.2f}"
        )  # fmt: skip
    return (
        f"{n:7} {arrival:5g} s  {ms(r['p50_start']):>9} {ms(r['p99_start']):>9}"
        f"  {ms(r['p50']):>11} {ms(r['p99']):>9} {'(' + ms(r['p99_wait']) + ')':>12}"
        f"  {ms(r['p99_key']):>8}  {r['segments_per_s']:6.1f} {r['mb_per_s']:6.1f}"
        f"  {cpu:>19}  {r['cpu_s_per_viewer_minute']:16.3f}{vs}"
        f"  {'held' if held(r) else 'over target'}"
        + "".join(f"  {kind} failed ×{count:.0f}" for kind, count in failures(r).items())
    )


def limited_by(r: dict[str, float], ceilings: dict[str, float], refused: int) -> str:
    """What limited the stage: a process at 90 % or more of the cores it can use (CEILINGS)
    in the stage's busiest 5 s, else the machine's cores all busy; nginx refusing
    connections (REFUSED: its error log's "worker_connections are not enough") first."""
    cores = os.cpu_count() or 1
    peak = {name: r[f"peak_{name}"] for name in ceilings}
    machine = r["peak_machine"] / cores
    others = max(0.0, r["peak_machine"] - sum(peak.values()))  # not ours: a shared machine
    found = [f"nginx's worker_connections (short {refused}× in its error log)"] if refused else []
    found += [
        f"{LABELS[name]} at {peak[name]:.0%} of its {ceiling:g} core(s)"
        for name, ceiling in ceilings.items()
        if peak[name] >= 0.9 * ceiling
    ]
    if machine >= 0.9 and not found:
        whose = "mostly with other processes" if others > sum(peak.values()) else "all"
        found.append(f"the machine's {cores} cores, busy {whose}")
    what = ", ".join(found) or (
        "nothing yet (no process at its CPU ceiling)"
        if held(r)
        else "not CPU (no process at its ceiling)"
    )
    split = ", ".join(f"{LABELS[name]} {peak[name]:.0%}" for name in ceilings)
    return (
        f"limited by: {what}; busiest {BUSIEST_SECONDS:g} s: {split}, other processes"
        f" {others:.0%} of a core; machine {machine:.0%} of its {cores} cores"
    )
