"""Load: applicants and agencies together, at a steady load, against gunicorn on loopback.

    python -m tests.benchmarks.load_bench [--quick] [--seconds 180] [--users 20]

gunicorn serves the app as the Procfile does (2 sync workers, SQLite and files in a fresh data
directory, OCR off so that Tesseract's cost — measured in its own section — does not drown the
web's); locust (``load_locustfile.py``, headless, in its own process) runs
``users`` simulated people, 3 in 4 applicants filling the form (steps saved, a photo uploaded,
pages viewed) and 1 in 4 agencies screening JSON applications, for ``seconds`` after a ramp-up.
Reported: throughput, p50/p99 latency and errors per request kind and overall (from locust's
CSV), and the resident memory of every gunicorn process before and after the run.

locust shares the 2 cores with the server, so the figures are those of a loaded machine:
the share of CPU each side took is reported too.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.benchmarks import REPO, datagen, executable, table
from tests.benchmarks.http_bench import gunicorn

LOCUSTFILE = Path(__file__).with_name("load_locustfile.py")
SECONDS = int(os.environ.get("ONBOARD_LOAD_SECONDS", "180"))
USERS = int(os.environ.get("ONBOARD_LOAD_USERS", "20"))


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p99: float


def _rss_mb(pid: int) -> float | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
    return int(match[1]) / 1024 if match else None


def processes(master: int) -> dict[int, str]:
    """gunicorn's master and its workers: pid -> role."""
    found = {master: "master"}
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text(encoding="ascii")
    except OSError:
        return found
    for number, pid in enumerate(children.split(), 1):
        found[int(pid)] = f"worker {number}"
    return found


def memory(master: int) -> dict[int, tuple[str, float | None]]:
    return {pid: (role, _rss_mb(pid)) for pid, role in processes(master).items()}


def _migrate(data_dir: Path) -> None:
    """The form needs its tables: the Procfile's release step, done here."""
    env = {**os.environ, "ONBOARD_DATA_DIR": str(data_dir)}
    env.pop("ONBOARD_ENV", None)
    subprocess.run(
        [executable("flask"), "--app", "onboard:create_app()", "db", "upgrade"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
    )


def _locust(base: str, work: Path, *, users: int, seconds: int) -> tuple[list[Row], float, float]:
    """locust's rows, the wall time of the run, and the CPU seconds locust itself used."""
    bodies = work / "bodies.jsonl"
    bodies.write_text("\n".join(datagen.lines(3000, malformed_share=0)), encoding="utf-8")
    prefix = work / "locust"
    command = [
        executable("locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(max(1, users // 5)),
        "--run-time",
        f"{seconds}s",
        "--host",
        base,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--stop-timeout",
        "10",
    ]
    env = {**os.environ, "ONBOARD_LOAD_BODIES": str(bodies)}
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    _, err = process.communicate(timeout=seconds + 120)
    wall = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    locust_cpu = (children.ru_utime + children.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    if process.returncode not in (0, 1):  # 1: some requests failed, reported below
        raise RuntimeError(f"locust exited {process.returncode}: {err.decode()[-500:]}")
    rows = []
    with open(f"{prefix}_stats.csv", encoding="utf-8", newline="") as handle:
        for line in csv.DictReader(handle):
            rows.append(
                Row(
                    name=line["Name"],
                    requests=int(line["Request Count"]),
                    failures=int(line["Failure Count"]),
                    rps=float(line["Requests/s"]),
                    p50=float(line["50%"] or 0),
                    p99=float(line["99%"] or 0),
                )
            )
    return rows, wall, locust_cpu


def _failures(work: Path) -> list[list[str]]:
    path = work / "locust_failures.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            [
                line["Method"],
                line["Name"],
                " ".join(line["Error"].split())[:120],
                line["Occurrences"],
            ]
            for line in csv.DictReader(handle)
        ]


def run(*, quick: bool = False, seconds: int | None = None, users: int | None = None) -> str:
    seconds = seconds or (10 if quick else SECONDS)
    users = users or (4 if quick else USERS)
    with tempfile.TemporaryDirectory(prefix="onboard-load-") as temp:
        work = Path(temp)
        data_dir = work / "data"
        data_dir.mkdir()
        _migrate(data_dir)
        with gunicorn(("--worker-class", "sync"), data_dir) as server:
            master = server.process.pid
            before = memory(master)
            cpu_before = server.cpu_seconds()
            rows, wall, locust_cpu = _locust(server.base, work, users=users, seconds=seconds)
            server_cores = (server.cpu_seconds() - cpu_before) / wall
            after = memory(master)
        failures = _failures(work)
    cores = (server_cores, locust_cpu / wall)
    return _markdown(rows, before, after, failures, seconds, users, cores)


def _ms(value: float) -> str:
    return f"{value:,.0f} ms"


def _markdown(
    rows: list[Row],
    before: dict[int, tuple[str, float | None]],
    after: dict[int, tuple[str, float | None]],
    failures: list[list[str]],
    seconds: int,
    users: int,
    cores: tuple[float, float],
) -> str:
    total = next((row for row in rows if row.name == "Aggregated"), None)
    kinds = [row for row in rows if row.name != "Aggregated"]
    lines = [
        "## Load: applicants and agencies together (locust, gunicorn, loopback)",
        "",
        f"{users} simulated users (3 in 4 applicants filling the form and uploading a photo, "
        f"1 in 4 agencies screening JSON), steady for {seconds} s after a ramp-up; gunicorn "
        f"with 2 sync workers, SQLite, OCR off. Of the machine's 2 cores the server used "
        f"{cores[0]:.2f} and locust, on the same machine, {cores[1]:.2f}.",
        "",
    ]
    if total is not None:
        rate = total.failures / total.requests if total.requests else 0.0
        lines += [
            table(
                ["throughput", "p50", "p99", "requests", "errors"],
                [
                    [
                        f"{total.rps:,.1f}/s",
                        _ms(total.p50),
                        _ms(total.p99),
                        f"{total.requests:,}",
                        f"{total.failures:,} ({rate:.2%})",
                    ]
                ],
            ),
            "",
        ]
    lines += [
        table(
            ["request", "count", "per second", "p50", "p99", "errors"],
            [
                [
                    row.name,
                    f"{row.requests:,}",
                    f"{row.rps:,.1f}",
                    _ms(row.p50),
                    _ms(row.p99),
                    str(row.failures),
                ]
                for row in kinds
            ],
        ),
        "",
        "Resident memory of each gunicorn process:",
        "",
        table(
            ["process", "before", "after"],
            [
                [
                    role,
                    f"{rss:,.1f} MB" if rss is not None else "?",
                    _after(after, pid, role),
                ]
                for pid, (role, rss) in before.items()
            ],
        ),
    ]
    if failures:
        lines += ["", "Errors:", "", table(["method", "request", "error", "count"], failures)]
    return "\n".join(lines) + "\n"


def _after(after: dict[int, tuple[str, float | None]], pid: int, role: str) -> str:
    if pid in after and after[pid][1] is not None:
        return f"{after[pid][1]:,.1f} MB"
    return "restarted (not the same process)" if role != "master" else "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few users for 10 s")
    parser.add_argument("--seconds", type=int, default=None)
    parser.add_argument("--users", type=int, default=None)
    args = parser.parse_args(argv)
    sys.stdout.write(run(quick=args.quick, seconds=args.seconds, users=args.users))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
