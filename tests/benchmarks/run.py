"""``make bench``: run the benchmark sections and write BENCHMARKS.md at the repository root.

    python -m tests.benchmarks.run [--quick] [--only engine,http,ocr,batch,load] [--output PATH]

Each section is a module with ``run() -> str`` (a Markdown section; ``run(quick=True)`` where
the module accepts it). A section that fails is written as an error line and the others still
run; the exit status is then 1, after the file is written.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tests.benchmarks import REPO, table

#: Section name -> (module, title used when the section fails before giving its own).
SECTIONS: dict[str, tuple[str, str]] = {
    "engine": ("tests.benchmarks.engine_bench", "Batch pre-screening (rule engine and CLI)"),
    "http": ("tests.benchmarks.http_bench", "JSON API over HTTP (gunicorn, loopback)"),
    "ocr": ("tests.benchmarks.ocr_bench", "License OCR"),
    "batch": ("tests.benchmarks.batch_bench", "Agency batches end to end"),
    "load": ("tests.benchmarks.load_bench", "Load: applicants and agencies"),
}
OUTPUT = REPO / "BENCHMARKS.md"


@dataclass(frozen=True, slots=True)
class Outcome:
    name: str
    markdown: str
    seconds: float
    failed: bool


def run_section(name: str, *, quick: bool) -> Outcome:
    """One section's Markdown, or an error line in its place; never raises."""
    module_name, title = SECTIONS[name]
    start = time.perf_counter()
    try:
        module = importlib.import_module(module_name)
        markdown = _call(module.run, quick=quick)
        if not isinstance(markdown, str):
            raise TypeError(f"{module_name}.run() returned {type(markdown).__name__}, not str")
        failed = False
    except Exception as exc:  # one section's failure must not stop the others
        traceback.print_exc(file=sys.stderr)
        message = " ".join(f"{type(exc).__name__}: {exc}".split())[:500]
        markdown = f"## {title}\n\n**Error: this section did not run.** `{message}`\n"
        failed = True
    return Outcome(name, markdown.rstrip() + "\n", time.perf_counter() - start, failed)


def _call(function: Callable[..., object], *, quick: bool) -> object:
    """``function(quick=quick)`` if it takes ``quick``, else ``function()``."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        parameters = {}  # type: ignore[assignment]
    if "quick" in parameters:
        return function(quick=quick)
    return function()


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory() -> str:
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            kib = int(info.readline().split()[1])
    except (OSError, ValueError, IndexError):
        return "unknown"
    return f"{kib / 1024**2:.0f} GiB"


def machine() -> list[tuple[str, str]]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    cores = f"{os.cpu_count()}" + (
        f" ({usable} usable)" if usable not in (None, os.cpu_count()) else ""
    )
    return [
        ("CPU", cpu_model()),
        ("cores", cores),
        ("memory", memory()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("system", f"{platform.system()} {platform.release()} ({platform.machine()})"),
    ]


def render(outcomes: Sequence[Outcome], *, quick: bool, started: datetime) -> str:
    title = "# onboard benchmarks"
    lines = [title, ""]
    if quick:
        lines += [
            "**Quick run (`--quick`): tiny sizes to prove the harness works; the figures "
            "mean nothing.**",
            "",
        ]
    lines += [
        f"Measured {started:%Y-%m-%d %H:%M} UTC on this machine:",
        "",
        table(["", ""], [[name, value] for name, value in machine()]),
        "",
        "Reproduce with `make bench` (all sections; their run times close this file), or "
        f"`.venv/bin/python -m tests.benchmarks.run --only {','.join(SECTIONS)}` for some of "
        "them. "
        "Every figure sits beside a baseline measured in the same run (its ratio is the "
        "figure to compare between machines); targets are those of the issues (2, item 10; "
        "3, item 5).",
        "",
    ]
    for outcome in outcomes:
        lines += [outcome.markdown]
    timings = ", ".join(f"{o.name} {o.seconds:.0f} s" for o in outcomes)
    lines += [f"_Sections ran in: {timings}._", ""]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (the smoke test)")
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections among {', '.join(SECTIONS)} (default: all)",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help="default: BENCHMARKS.md")
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in names if name not in SECTIONS]
    if unknown or not names:
        parser.error(f"--only: unknown section {unknown[0]!r}" if unknown else "--only: none")
    args.sections = list(dict.fromkeys(names))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = datetime.now(UTC)
    outcomes = []
    for name in args.sections:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        outcome = run_section(name, quick=args.quick)
        state = "FAILED" if outcome.failed else "done"
        print(f"bench: {name} {state} in {outcome.seconds:.0f} s", file=sys.stderr, flush=True)
        outcomes.append(outcome)
    args.output.write_text(render(outcomes, quick=args.quick, started=started), encoding="utf-8")
    print(f"bench: wrote {args.output}", file=sys.stderr)
    return 1 if any(outcome.failed for outcome in outcomes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
