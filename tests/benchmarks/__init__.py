"""Benchmarks behind ``make bench``: ``python -m tests.benchmarks.run`` writes BENCHMARKS.md.

Each section module (``engine_bench``, ``http_bench``, ``ocr_bench``) has ``run() -> str``
returning a Markdown section; the helpers here keep their tables alike. Figures are always
shown beside a baseline measured in the same run, so that a slower machine moves both and the
ratio stays meaningful.

The machine may be shared (other developers' test runs): every measure records how much CPU
other processes took while it ran (:class:`Meter` for the whole machine, less what the
measured processes used), waits for a quiet moment first (:func:`settle`), and is tried again
when other work disturbed it (:func:`least_disturbed`).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parent.parent.parent
VENV_BIN = REPO / ".venv" / "bin"
#: Other work taking more than this many cores during a measure marks it as disturbed.
DISTURBED = 0.25

T = TypeVar("T")


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table; cells are already formatted text."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


def per_second(value: float) -> str:
    return f"{value:,.0f}/s"


def met(ok: bool | None) -> str:
    """The "target met" cell: yes, **no**, or a dash where no target applies."""
    if ok is None:
        return "–"
    return "yes" if ok else "**no**"


def other_cell(cores: float | None) -> str:
    """The "other work (cores)" cell, with ⚠ when it disturbed the measure."""
    if cores is None:
        return "?"
    return f"{cores:.2f}" + (" ⚠" if cores > DISTURBED else "")


def executable(name: str) -> str:
    """A program of the project's virtualenv, or of the one running this (``python -m``)."""
    for folder in (VENV_BIN, Path(sys.executable).parent):
        candidate = folder / name
        if candidate.exists():
            return str(candidate)
    raise FileNotFoundError(f"{name} is not installed in {VENV_BIN} (run make setup)")


# --- how busy the machine is -----------------------------------------------------------------


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


class Meter:
    """How many cores the whole machine kept busy while the ``with`` block ran (all
    processes, the measured ones included); ``busy_cores`` is None without /proc/stat."""

    def __init__(self) -> None:
        self.busy_cores: float | None = None
        self.seconds = 0.0
        self._start: tuple[int, int] | None = None
        self._clock = 0.0

    def __enter__(self) -> Meter:
        with contextlib.suppress(OSError, ValueError, IndexError):
            self._start = _cpu_times()
        self._clock = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._clock
        if self._start is None:
            return
        with contextlib.suppress(OSError, ValueError, IndexError):
            busy, total = _cpu_times()
            busy0, total0 = self._start
            self.busy_cores = (busy - busy0) / max(total - total0, 1) * (os.cpu_count() or 1)

    def other_cores(self, own_cpu_seconds: float | None) -> float | None:
        """Cores the rest of the machine used, given the CPU seconds of what was measured."""
        if self.busy_cores is None or own_cpu_seconds is None or self.seconds <= 0:
            return None
        return max(0.0, self.busy_cores - own_cpu_seconds / self.seconds)


def machine_busy(seconds: float = 1.0) -> float | None:
    """Share of all CPUs busy over ``seconds`` (0..1)."""
    with Meter() as meter:
        time.sleep(seconds)
    return None if meter.busy_cores is None else meter.busy_cores / (os.cpu_count() or 1)


def settle(max_wait: float, threshold: float = 0.12) -> float | None:
    """Wait (at most ``max_wait`` seconds) until less than ``threshold`` of the machine's CPUs
    are busy over one second; the last share seen."""
    deadline = time.monotonic() + max_wait
    busy = None
    while max_wait > 0:
        busy = machine_busy(1.0)
        if busy is None or busy < threshold or time.monotonic() >= deadline:
            break
    return busy


def least_disturbed(
    work: Callable[[], T], other: Callable[[T], float | None], *, tries: int, wait: float
) -> T:
    """``work()`` after :func:`settle`, tried again (up to ``tries`` times) while other work
    took more than :data:`DISTURBED` cores meanwhile; the least disturbed result."""
    best: T | None = None
    best_other = float("inf")
    for _ in range(max(1, tries)):
        settle(wait)
        result = work()
        cores = other(result)
        if best is None or (cores is not None and cores < best_other):
            best, best_other = result, float("inf") if cores is None else cores
        if cores is None or cores <= DISTURBED:
            break
    assert best is not None
    return best


# --- CPU used by a process tree ----------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int | str) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (field 3, state, is index 0)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a live process (0 if it is gone)."""
    fields = _stat_fields(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / _TICK


def session_cpu(session: int) -> dict[int, float]:
    """CPU seconds of every live process of ``session`` (a process started with
    ``start_new_session=True`` leads a session of its own, its descendants included)."""
    found: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(entry)
        if fields is not None and int(fields[3]) == session:
            found[int(entry)] = (int(fields[11]) + int(fields[12])) / _TICK
    return found


class SessionSampler:
    """Samples the CPU of a session's processes in a thread, so that descendants nobody waits
    for (a multiprocessing pool's workers) are counted too; ``cpu_seconds`` is the last
    figure seen per process, summed (it misses at most one interval of a process's end)."""

    def __init__(self, session: int, interval: float = 0.25) -> None:
        self.session = session
        self.interval = interval
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SessionSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with contextlib.suppress(OSError, ValueError):
                self.seen.update(session_cpu(self.session))
            if self._stop.wait(self.interval):
                return

    def cpu_seconds(self, exclude: int | None = None) -> float:
        return sum(cpu for pid, cpu in self.seen.items() if pid != exclude)


def busy_note(busy: float | None) -> str:
    """A sentence on how busy the machine was (a share of all CPUs, as from :func:`settle`)."""
    if busy is None:
        return "Machine load before this section: unknown (no /proc/stat)."
    cores = os.cpu_count() or 1
    text = f"Before this section the machine was {busy:.0%} busy ({busy * cores:.1f} of {cores} "
    text += "cores)"
    if busy > 0.10:
        return text + " with other work: the figures below are lower than on an idle machine."
    return text + " (idle enough)."
