"""CPU figures from /proc, so a bench can say which process was the limit."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Collection
from pathlib import Path


def cpu_seconds(pid: int, skip: Collection[int] = ()) -> float:
    """User + system CPU seconds a process and its live descendants used so far (granian
    serves from worker processes under `coursevault serve`), but for the descendants in
    SKIP and theirs (`coursevault serve` also starts the embedded database)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    own = sum(int(x) for x in fields[11:13]) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return own + sum(cpu_seconds(int(c), skip) for c in children if int(c) not in skip)


def machine_cpu_seconds() -> float:
    """CPU seconds all processes of the machine used so far (its busy time, /proc/stat)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class Sampler:
    """Samples the CPU seconds of named processes (and their descendants), and of the whole
    machine as "machine", every INTERVAL seconds in a thread, so a bench can say who was
    busy in the run's busiest moment and not only on average: a 5 s burst of arrivals
    vanishes in a minute's mean."""

    def __init__(self, pids: dict[str, int], interval: float = 0.5) -> None:
        self.pids = pids
        self.interval = interval
        self.samples: list[tuple[float, dict[str, float]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        # A process that has ended reads 0: it keeps what it had used (k6 at the end).
        before = self.samples[-1][1] if self.samples else {}
        pids = set(self.pids.values())  # each counted once: the database is the app's child
        used = {
            name: max(cpu_seconds(pid, pids - {pid}), before.get(name, 0.0))
            for name, pid in self.pids.items()
        }
        used["machine"] = machine_cpu_seconds()
        self.samples.append((time.monotonic(), used))

    def _run(self) -> None:
        self._sample()
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def busiest(self, seconds: float, of: Collection[str] = ()) -> dict[str, float]:
        """Each process's share of a core (1.0 = one full core), and the machine's, over
        the SECONDS-long window in which the processes named in OF (all by default)
        together used the most CPU (the whole run if shorter)."""
        best: dict[str, float] = {}
        chosen = list(of or self.pids)

        def ours(shares: dict[str, float]) -> float:
            return sum(shares[name] for name in chosen)

        for i, (start, first) in enumerate(self.samples):
            # the first sample at least SECONDS later, else the last one
            end, last = next(
                ((t, u) for t, u in self.samples[i + 1 :] if t - start >= seconds),
                self.samples[-1],
            )
            if end <= start:
                break
            shares = {name: (last[name] - first[name]) / (end - start) for name in last}
            if not best or ours(shares) > ours(best):
                best = shares
            if end - start < seconds:
                break  # every later window is shorter still
        return best or dict.fromkeys([*self.pids, "machine"], 0.0)
