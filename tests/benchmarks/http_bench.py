"""HTTP speed: JSON pre-screens against gunicorn on loopback, as the Procfile serves the app.

For each worker class tried (2 workers, as on this 2-core machine), in one run:

1. gunicorn is started on a free loopback port with a fresh data directory and OCR off
   (``ONBOARD_OCR=off``), and :func:`wait_healthy` waits for ``/healthz``;
2. **baseline**: ``GET /healthz`` at full speed (the cost of gunicorn + Flask alone);
3. **max throughput** of ``POST /api/v1/prescreen``, closed loop, each request a distinct
   application (:mod:`tests.benchmarks.datagen`; a Lua script cycles through them in wrk).

Then every class serves a **constant-rate** run at half the best max throughput: an open-loop
asyncio generator (:func:`open_loop`) sends each request at its scheduled time whether or not
earlier ones have returned, and latency counts from that scheduled time, so a stalled server
cannot hide its queue (no coordinated omission). The generator shares the 2 cores with the
server; its CPU use and its own lateness are reported beside the figures, and so is the CPU
other processes took meanwhile (the machine may be shared). :func:`choose` picks the class to
serve with.

wrk (Debian package ``wrk``) drives the full-speed runs because, written in C, it needs a
fraction of the CPU a Python client would; without it the same asyncio client runs closed
loop, which the report says. gunicorn is always stopped (SIGTERM, then SIGKILL of its own
process group after a grace period), whatever happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from tests.benchmarks import (
    REPO,
    Meter,
    datagen,
    executable,
    least_disturbed,
    met,
    other_cell,
    session_cpu,
    settle,
    table,
)

R = TypeVar("R", "Throughput", "LoadResult")

TARGET_RPS = 800
TARGET_P99_MS = 25.0
WORKERS = 2
#: (label, gunicorn options) of the worker classes compared. Only classes whose libraries the
#: project installs: gevent/eventlet would need new dependencies and help only waiting on I/O.
WORKER_CLASSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sync", ("--worker-class", "sync")),
    ("gthread, 4 threads", ("--worker-class", "gthread", "--threads", "4")),
)
PRESCREEN = "/api/v1/prescreen"
HEALTH = "/healthz"


@dataclass(frozen=True, slots=True)
class Plan:
    """Durations and sizes; ``quick`` shrinks them for the smoke test."""

    bodies: int
    warm_seconds: float
    health_seconds: float
    max_seconds: float
    rate_seconds: float
    connections: int = 8
    #: Longest wait for a quiet machine before each run (the machine may be shared), and how
    #: many times a run that other work disturbed is tried.
    settle_seconds: float = 60.0
    tries: int = 2

    @classmethod
    def for_run(cls, quick: bool) -> Plan:
        if quick:
            return cls(
                bodies=300,
                warm_seconds=0,
                health_seconds=1,
                max_seconds=1,
                rate_seconds=1,
                settle_seconds=0,
                tries=1,
            )
        return cls(bodies=40_000, warm_seconds=2, health_seconds=5, max_seconds=10, rate_seconds=15)

    @property
    def warm_bodies(self) -> int:
        return min(self.bodies, 3_000)

    @property
    def steady_bodies(self) -> int:
        """Enough for the constant-rate run at up to 2,000 requests/s without repeating."""
        return min(self.bodies, round(2_000 * self.rate_seconds))


# --- gunicorn ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A gunicorn master we started; ``pid`` is also its process group."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """CPU time used so far by the master and its live workers (its session)."""
        return sum(session_cpu(self.process.pid).values())


@contextlib.contextmanager
def gunicorn(options: Sequence[str], data_dir: Path) -> Iterator[Server]:
    """gunicorn serving ``onboard:create_app()`` on loopback, stopped on the way out."""
    port = free_port()
    env = {**os.environ, "ONBOARD_DATA_DIR": str(data_dir), "ONBOARD_OCR": "off"}
    env.pop("ONBOARD_ENV", None)
    log = data_dir / f"gunicorn-{port}.log"
    command = [
        executable("gunicorn"),
        "--config",
        "python:onboard.gunicorn_conf",  # as the Procfile serves
        "--workers",
        str(WORKERS),
        *options,
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--graceful-timeout",
        "10",
        "onboard:create_app()",
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=sink, stderr=sink, start_new_session=True
        )
    server = Server(process, port, log)
    try:
        wait_healthy(server)
        yield server
    finally:
        stop(process)


def wait_healthy(server: Server, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited {server.process.returncode}: {_tail(server.log)}")
        try:
            with urllib.request.urlopen(server.base + HEALTH, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"gunicorn did not answer {HEALTH} within {timeout:.0f} s: {_tail(server.log)}"
    )


def stop(process: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """SIGTERM to the master (it stops its workers); SIGKILL to its group if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # Workers share the master's session and group: a worker left behind by a master that
    # died is still ours to stop.
    if session_cpu(process.pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


def _tail(log: Path, lines: int = 5) -> str:
    try:
        return " | ".join(log.read_text("utf-8", "replace").strip().splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- wrk (full speed, closed loop) ---------------------------------------------------------

_WRK_SCRIPT = r"""
-- Cycles through the bodies file, one distinct body per request; counts wraps.
bodies = {}
index = 0
wraps = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  if args[1] then
    for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  end
end
function request()
  if #bodies == 0 then return wrk.format() end
  index = index + 1
  if index > #bodies then index = 1; wraps = wraps + 1 end
  return wrk.format(nil, nil, nil, bodies[index])
end
function done(summary, latency, requests)
  local w = 0
  for _, t in ipairs(threads) do w = w + (t:get("wraps") or 0) end
  local e = summary.errors
  io.write(string.format(
    '\nWRK-JSON {"requests": %d, "us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "wraps": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, w))
end
"""


@dataclass(frozen=True, slots=True)
class Throughput:
    requests: int
    seconds: float
    errors: int  # non-2xx answers, timeouts, read/write errors (connect errors excluded)
    repeated: bool  # some body was sent twice
    client_cpu: float  # seconds of CPU the load generator used
    server_cpu: float  # seconds of CPU gunicorn used
    tool: str
    busy_cores: float | None = None  # the whole machine's busy cores meanwhile

    @property
    def other_cores(self) -> float | None:
        """Cores other work took meanwhile (the machine's busy cores less ours)."""
        if self.busy_cores is None or not self.seconds:
            return None
        return max(0.0, self.busy_cores - (self.client_cpu + self.server_cpu) / self.seconds)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def full_speed(
    server: Server, path: str, seconds: float, connections: int, bodies: Path | None = None
) -> Throughput:
    """Closed-loop throughput: wrk when installed, else the asyncio client."""
    if shutil.which("wrk") is None:
        return _asyncio_full_speed(server, path, seconds, connections, bodies)
    script = server.log.parent / "bench.lua"
    script.write_text(_WRK_SCRIPT, encoding="utf-8")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", str(script)]
    command += [server.base + path]
    if bodies is not None:
        command += ["--", str(bodies)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = server.cpu_seconds()
    with Meter() as meter:
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=seconds + 60
        )
    server_cpu = server.cpu_seconds() - server_before
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = re.search(r"WRK-JSON (\{.*\})", done.stdout)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-300:]}")
    figures = json.loads(found.group(1))
    return Throughput(
        requests=figures["requests"],
        seconds=figures["us"] / 1e6,
        errors=sum(figures[k] for k in ("read", "write", "status", "timeout")),
        repeated=figures["wraps"] > 0,
        client_cpu=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        server_cpu=server_cpu,
        tool="wrk (1 thread)",
        busy_cores=meter.busy_cores,
    )


def _asyncio_full_speed(
    server: Server, path: str, seconds: float, connections: int, bodies: Path | None
) -> Throughput:
    texts = bodies.read_text("utf-8").splitlines() if bodies is not None else []
    requests = [_request(path, text) for text in texts] or [_request(path, None)]
    before = _own_cpu()
    server_before = server.cpu_seconds()
    with Meter() as meter:
        result = asyncio.run(_closed_loop(server.port, requests, seconds, connections))
    return Throughput(
        requests=result.ok,
        seconds=result.seconds,
        errors=result.errors,
        repeated=result.sent > len(requests),
        client_cpu=_own_cpu() - before,
        server_cpu=server.cpu_seconds() - server_before,
        tool="asyncio client (wrk not installed)",
        busy_cores=meter.busy_cores,
    )


# --- the asyncio client (constant rate, open loop) -----------------------------------------


def _request(path: str, body: str | None) -> bytes:
    if body is None:
        return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    data = body.encode("utf-8")
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    )
    return head.encode("ascii") + data


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.used = False
        self.written = 0.0  # loop time the last request was handed to the socket

    def close(self) -> None:
        self.writer.close()


_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)
_CLOSE = re.compile(rb"\r\nconnection:\s*close", re.IGNORECASE)
_VERDICT = re.compile(rb'"verdict":\s*"([a-z]+)"')


async def _exchange(connection: _Connection, request: bytes) -> tuple[int, bytes, bool]:
    """Send one request and read its answer: (status, body, connection reusable)."""
    connection.written = asyncio.get_running_loop().time()
    connection.writer.write(request)
    head = await connection.reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = _LENGTH.search(head)
    if length is not None:
        body = await connection.reader.readexactly(int(length.group(1)))
    else:
        body = await connection.reader.read()
    return status, body, length is not None and _CLOSE.search(head) is None


class _Pool:
    """Keep-alive connections to reuse (gthread keeps them; sync closes after each answer)."""

    #: Requests in flight at most; later ones wait their turn (their latency still counts
    #: from their scheduled time), so a stalled server cannot make the client open sockets
    #: without end.
    MAX_IN_FLIGHT = 256

    def __init__(self, port: int) -> None:
        self.port = port
        self.idle: list[_Connection] = []
        self.slots = asyncio.Semaphore(self.MAX_IN_FLIGHT)

    async def send(self, request: bytes) -> tuple[int, bytes, float]:
        """(status, body, loop time the request was written)."""
        async with self.slots:
            return await self._send(request)

    async def _send(self, request: bytes) -> tuple[int, bytes, float]:
        connection = self.idle.pop() if self.idle else await self._open()
        try:
            status, body, keep = await self._exchange(connection, request)
        except (asyncio.IncompleteReadError, ConnectionError):
            if not connection.used:
                raise
            # A kept-alive connection the server had closed meanwhile: once more, afresh.
            connection = await self._open()
            status, body, keep = await self._exchange(connection, request)
        connection.used = True
        if keep:
            self.idle.append(connection)
        else:
            connection.close()
        return status, body, connection.written

    @staticmethod
    async def _exchange(connection: _Connection, request: bytes) -> tuple[int, bytes, bool]:
        """:func:`_exchange`, closing the connection if it fails or is cancelled (timeout)."""
        try:
            return await _exchange(connection, request)
        except BaseException:
            connection.close()
            raise

    async def _open(self) -> _Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        return _Connection(reader, writer)

    def close(self) -> None:
        for connection in self.idle:
            connection.close()
        self.idle.clear()


@dataclass
class LoadResult:
    seconds: float = 0.0
    sent: int = 0
    ok: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)  # from scheduled time, seconds
    lags: list[float] = field(default_factory=list)  # scheduled -> actually written
    verdicts: Counter[str] = field(default_factory=Counter)
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    busy_cores: float | None = None

    @property
    def other_cores(self) -> float | None:
        if self.busy_cores is None or not self.seconds:
            return None
        return max(0.0, self.busy_cores - (self.client_cpu + self.server_cpu) / self.seconds)


async def _closed_loop(
    port: int, requests: list[bytes], seconds: float, connections: int
) -> LoadResult:
    result = LoadResult()
    pool = _Pool(port)
    loop = asyncio.get_running_loop()
    start = loop.time()
    deadline = start + seconds

    async def client() -> None:
        while loop.time() < deadline:
            request = requests[result.sent % len(requests)]
            result.sent += 1
            try:
                status, _, _ = await asyncio.wait_for(pool.send(request), 10)
            except (OSError, TimeoutError, asyncio.IncompleteReadError):
                result.errors += 1
                continue
            result.ok += status == 200
            result.errors += status != 200

    await asyncio.gather(*(client() for _ in range(connections)))
    result.seconds = loop.time() - start
    pool.close()
    return result


async def _open_loop(
    port: int, requests: list[bytes], rate: float, seconds: float, timeout: float = 10.0
) -> LoadResult:
    result = LoadResult()
    pool = _Pool(port)
    loop = asyncio.get_running_loop()
    total = max(1, round(rate * seconds))
    start = loop.time() + 0.05
    pending: set[asyncio.Task[None]] = set()

    async def one(request: bytes, due: float) -> None:
        try:
            status, body, written = await asyncio.wait_for(pool.send(request), timeout)
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            result.errors += 1
            return
        result.latencies.append(loop.time() - due)
        result.lags.append(written - due)
        if status != 200:
            result.errors += 1
            return
        result.ok += 1
        verdict = _VERDICT.search(body)
        result.verdicts[verdict.group(1).decode() if verdict else "?"] += 1

    for i in range(total):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(requests[i % len(requests)], due))
        pending.add(task)
        task.add_done_callback(pending.discard)
        result.sent += 1
    await asyncio.gather(*list(pending))
    result.seconds = loop.time() - start
    pool.close()
    return result


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def open_loop(server: Server, bodies: list[str], rate: float, seconds: float) -> LoadResult:
    """Requests at a constant ``rate`` for ``seconds``, each sent when due (open loop)."""
    requests = [_request(PRESCREEN, body) for body in bodies]
    gc.collect()
    gc.freeze()  # the generator's own garbage collections would show up as latency
    before, server_before = _own_cpu(), server.cpu_seconds()
    try:
        with Meter() as meter:
            result = asyncio.run(_open_loop(server.port, requests, rate, seconds))
    finally:
        gc.unfreeze()
    result.busy_cores = meter.busy_cores
    result.client_cpu = _own_cpu() - before
    result.server_cpu = server.cpu_seconds() - server_before
    return result


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of unsorted ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


# --- the section ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClassResult:
    label: str
    health: Throughput
    prescreen: Throughput
    steady: LoadResult

    @property
    def p99(self) -> float:
        return percentile(self.steady.latencies, 0.99)

    @property
    def meets_rate(self) -> bool:
        return self.prescreen.rate >= TARGET_RPS

    @property
    def meets_latency(self) -> bool:
        return self.steady.errors == 0 and self.p99 * 1000 < TARGET_P99_MS


def run(*, quick: bool = False) -> str:
    """Measure and return the Markdown section."""
    plan = Plan.for_run(quick)
    with tempfile.TemporaryDirectory(prefix="onboard-http-bench-") as tmp, ExitStack() as stack:
        folder = Path(tmp)
        bodies = Bodies(folder, "bodies", plan.bodies, seed=datagen.SEED + 1)
        warm = Bodies(folder, "warm", plan.warm_bodies, seed=datagen.SEED + 2)
        steady_bodies = Bodies(folder, "steady", plan.steady_bodies, seed=datagen.SEED + 3)
        measured: list[tuple[str, Server, Throughput, Throughput]] = []
        for label, options in WORKER_CLASSES:
            data = folder / f"data-{len(measured)}"
            data.mkdir()
            # Every server stays up (idle) until the constant-rate runs: warm, and none has
            # seen the steady runs' bodies.
            server = stack.enter_context(gunicorn(options, data))
            health, prescreen = _full_speeds(plan, server, bodies, warm)
            measured.append((label, server, health, prescreen))
        # One rate for every class, half the best maximum, so their latencies compare.
        rate = max(prescreen.rate for *_, prescreen in measured) / 2
        results = [
            ClassResult(label, health, prescreen, _steady(plan, server, steady_bodies, rate))
            for label, server, health, prescreen in measured
        ]
    return _markdown(results, rate, plan)


class Bodies:
    """Distinct, well-formed applications (every answer a 200) as JSON lines: a fresh set
    per try, so that a retried run does not send a server what it has answered already."""

    def __init__(self, folder: Path, name: str, n: int, seed: int) -> None:
        self.folder, self.name, self.n, self.seed = folder, name, n, seed
        self._made: dict[int, Path] = {}

    def path(self, attempt: int = 0) -> Path:
        if attempt not in self._made:
            path = self.folder / f"{self.name}-{attempt}.jsonl"
            datagen.write_jsonl(path, self.n, seed=self.seed + 1000 * attempt, malformed_share=0)
            self._made[attempt] = path
        return self._made[attempt]

    def lines(self, attempt: int = 0) -> list[str]:
        return self.path(attempt).read_text("utf-8").splitlines()


def _tries(plan: Plan, work: Callable[[int], R]) -> R:
    """``work(try number)`` in a quiet moment, again while other processes disturbed it."""
    attempts = itertools.count()
    return least_disturbed(
        lambda: work(next(attempts)),
        lambda result: result.other_cores,
        tries=plan.tries,
        wait=plan.settle_seconds,
    )


def _full_speeds(
    plan: Plan, server: Server, bodies: Bodies, warm: Bodies
) -> tuple[Throughput, Throughput]:
    """The baseline and the pre-screen maximum of one server."""
    if plan.warm_seconds:
        settle(plan.settle_seconds)
        full_speed(server, PRESCREEN, plan.warm_seconds, plan.connections, warm.path())
    health = _tries(
        plan, lambda _: full_speed(server, HEALTH, plan.health_seconds, plan.connections)
    )
    prescreen = _tries(
        plan,
        lambda k: full_speed(server, PRESCREEN, plan.max_seconds, plan.connections, bodies.path(k)),
    )
    return health, prescreen


def _steady(plan: Plan, server: Server, bodies: Bodies, rate: float) -> LoadResult:
    return _tries(plan, lambda k: open_loop(server, bodies.lines(k), rate, plan.rate_seconds))


def choose(results: list[ClassResult]) -> ClassResult:
    """The class to serve with: meets both targets if any does, then the most requests/s."""
    return max(results, key=lambda r: (r.meets_rate and r.meets_latency, r.prescreen.rate))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _cores(cpu: float, seconds: float) -> str:
    return f"{cpu / seconds:.2f}" if seconds else "?"


def _throughput_rows(results: list[ClassResult]) -> list[list[str]]:
    rows = []
    for result in results:
        for name, figures, target in (
            ("baseline: `GET /healthz`, full speed", result.health, None),
            ("`POST /api/v1/prescreen`, full speed", result.prescreen, TARGET_RPS),
        ):
            rows.append(
                [
                    name,
                    result.label,
                    f"{figures.rate:,.0f}",
                    f"{figures.rate / result.health.rate:.1%}" if result.health.rate else "?",
                    f"{figures.errors:,}",
                    _cores(figures.server_cpu, figures.seconds),
                    _cores(figures.client_cpu, figures.seconds),
                    other_cell(figures.other_cores),
                    "–" if target is None else f"≥ {target:,}/s",
                    met(None if target is None else figures.rate >= target),
                ]
            )
    return rows


def _latency_rows(results: list[ClassResult], rate: float) -> list[list[str]]:
    rows = []
    for result in results:
        steady = result.steady
        p50, p90 = (percentile(steady.latencies, q) for q in (0.50, 0.90))
        rows.append(
            [
                "`POST /api/v1/prescreen`, constant rate, open loop",
                result.label,
                f"{rate:,.0f}/s",
                f"{steady.ok / steady.seconds:,.0f}/s" if steady.seconds else "?",
                _ms(p50),
                _ms(p90),
                _ms(result.p99),
                _ms(max(steady.latencies, default=float("nan"))),
                f"{steady.errors:,}",
                _cores(steady.server_cpu, steady.seconds),
                _cores(steady.client_cpu, steady.seconds),
                other_cell(steady.other_cores),
                f"p99 < {TARGET_P99_MS:.0f} ms",
                met(result.meets_latency),
            ]
        )
    return rows


def _markdown(results: list[ClassResult], rate: float, plan: Plan) -> str:
    best = choose(results)
    throughput_headers = [
        "measure",
        "workers",
        "req/s",
        "vs /healthz",
        "errors",
        "server CPU (cores)",
        "generator CPU (cores)",
        "other work (cores)",
        "target",
        "met",
    ]
    latency_headers = [
        "measure",
        "workers",
        "rate asked",
        "rate done",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "errors",
        "server CPU (cores)",
        "generator CPU (cores)",
        "other work (cores)",
        "target",
        "met",
    ]
    tool = results[0].prescreen.tool
    repeated = any(r.prescreen.repeated for r in results) or any(
        r.steady.sent > plan.steady_bodies for r in results
    )
    mix = ", ".join(
        f"{name} {count / max(best.steady.ok, 1):.0%}"
        for name, count in best.steady.verdicts.most_common()
    )
    lags = ", ".join(f"{r.label} {_ms(percentile(r.steady.lags, 0.99))} ms" for r in results)
    client = ", ".join(
        f"{r.label} {r.steady.client_cpu / r.steady.seconds:.0%}"
        for r in results
        if r.steady.seconds
    )
    verdict = (
        "meets both targets"
        if best.meets_rate and best.meets_latency
        else "meets the throughput target only"
        if best.meets_rate
        else "meets neither target"
    )
    notes = [
        f"Full-speed runs: {tool}, {plan.connections} keep-alive connections, "
        f"{plan.max_seconds:.0f} s (baseline {plan.health_seconds:.0f} s)"
        + (
            f", after {plan.warm_seconds:.0f} s of warm-up with other applications. "
            if plan.warm_seconds
            else ", no warm-up. "
        )
        + f"Bodies: {plan.bodies:,} distinct applications (seed {datagen.SEED + 1}) for the "
        f"full-speed runs and {plan.steady_bodies:,} others for the constant-rate runs; "
        + ("some were sent twice in this run." if repeated else "none was sent twice."),
        f"Constant-rate runs: every class at the same rate, half the best maximum "
        f"({rate:,.0f}/s), {plan.rate_seconds:.0f} s each; each request is sent at its "
        f"scheduled time (open loop) by an asyncio client in the benchmark process, reusing "
        f"kept-alive connections where the server keeps them, and latency counts from the "
        f"scheduled time, so the client's own lateness is included (its p99: {lags}). The "
        f"client used {client} of a core; it is not pinned, because on 2 cores pinning only "
        f"chooses which worker it competes with. Verdicts served: {mix}.",
        f"Worker class to serve with: **{best.label}** ({verdict}: "
        f"{best.prescreen.rate:,.0f} req/s, p99 {_ms(best.p99)} ms). " + WHY,
        "Server CPU: user + system time of the gunicorn master and workers (from /proc) over "
        "the run; generator CPU: the same for the load generator (wrk, or this process); "
        "other work: what the rest of the machine used meanwhile (its busy cores less those "
        "two). A ⚠ marks a run during which other work took more than a quarter of a core, "
        "which makes its figures pessimistic."
        + (
            f" Each run first waited up to {plan.settle_seconds:.0f} s for a quiet machine and "
            f"was tried up to {plan.tries} times while disturbed; the least disturbed try is "
            "shown (a retried steady run sends its bodies again, to a server that has them "
            "answered already: onboard caches no pre-screen, so this repeats work, not answers)."
            if plan.settle_seconds
            else ""
        ),
    ]
    parts = [
        "## JSON API over HTTP (gunicorn, loopback)",
        "",
        DESCRIPTION,
        "",
        table(throughput_headers, _throughput_rows(results)),
        "",
        table(latency_headers, _latency_rows(results, rate)),
        "",
        *[f"- {note}" for note in notes],
    ]
    return "\n".join(parts) + "\n"


WHY = (
    "A pre-screen is CPU-bound Python (parse, rules, JSON), so on 2 cores at most 2 requests "
    "make progress at once whatever the class: extra threads or greenlets cannot add "
    "throughput, only overlap socket reads and writes with the other request's work. `sync` "
    "closes the connection after every answer, so each request pays a TCP connect and close "
    "(more client and kernel CPU) but lands on whichever worker is free. `gthread` keeps "
    "connections alive and overlaps I/O, but a kept-alive connection stays with the worker "
    "that accepted it: when few connections carry the load (a proxy's upstream pool, this "
    "client at a steady rate) one worker can hold most of them and queue requests while the "
    "other idles, which can show in the tail latency. gevent/eventlet are not tried: they would "
    "be new dependencies and only help when requests wait on I/O, which these do not."
)


DESCRIPTION = f"""\
gunicorn serves `onboard:create_app()` as in the Procfile, with {WORKERS} workers on loopback,
a fresh data directory and OCR off. For each worker class: the **baseline** is `GET /healthz`
at full speed (gunicorn + Flask with no work); then `POST /api/v1/prescreen` at full speed,
every request a distinct application. Then every class serves the same constant rate, half the
best maximum, and the latency percentiles come from those runs."""


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv[1:]))
