"""Batch speed: the rules over a 100k-line JSONL, in-process and through the real CLI.

Measured in one run, on one generated batch (:mod:`tests.benchmarks.datagen`, data only):

* **baseline**: reading the file and ``json.loads`` of every line, the least any batch path
  must do; every other figure is also given as a multiple of its cost per application;
* parse only (``parse_application``), to separate the schema's share from the rules';
* **in-process, one core**: decoding (``onboard.intake.jsontext.loads_line``, the CLI's reader) +
  ``parse_application`` + ``evaluate`` per line;
* **the CLI end to end**: ``onboard check batch.jsonl --format json --no-ocr`` with
  ``--jobs 1`` and with one job per core, start-up and output writing included (stdout goes
  to a file, whose two versions must be identical);
* the CLI's start-up alone (a one-line file), to tell fixed cost from per-row cost.

The batch carries no ``documents``: on the command line a declared document must be a real
file beside the batch, and inspecting images costs milliseconds each (Pillow decoding, the ID
photo's quality measure), which would measure Pillow, not the rules. When a target is
missed, the in-process path is profiled with cProfile and the hot spots are listed.
"""

from __future__ import annotations

import contextlib
import cProfile
import hashlib
import json
import os
import pstats
import random
import resource
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.benchmarks import (
    Meter,
    SessionSampler,
    datagen,
    executable,
    least_disturbed,
    met,
    other_cell,
    per_second,
    table,
)

N = 100_000
QUICK_N = 300
#: Targets of issue 2, item 10 (applications per second).
TARGET_ONE_CORE = 5_000
TARGET_ALL_CORES = 8_000
#: Applications profiled when a target is missed, and hot spots listed.
PROFILE_N = 5_000
HOT_SPOTS = 12
#: Applications of the informational run with real document files.
DOCS_N = 40
QUICK_DOCS_N = 3
#: Longest wait for a quiet machine before each measure (the machine may be shared), and
#: how many times a measure that other work disturbed is tried.
SETTLE_SECONDS = 60.0
TRIES = 2


@dataclass(frozen=True, slots=True)
class Measure:
    name: str
    count: int
    seconds: float
    target: float | None = None
    #: Cores other processes took meanwhile (the machine's busy cores less ours).
    other_cores: float | None = None
    #: Seconds per application of the baseline passes run right before and after this
    #: measure (their mean), when it had its own (see :func:`with_adjacent_baseline`).
    baseline_seconds: float | None = None

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else float("inf")

    @property
    def micros(self) -> float:
        return self.seconds / self.count * 1e6

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.rate >= self.target

    def cost(self, baseline: Measure) -> float:
        """Time per application as a multiple of the baseline's: this measure's own adjacent
        baseline if it has one, else the run's."""
        per_application = self.seconds / self.count
        if self.baseline_seconds is not None:
            return per_application / self.baseline_seconds
        return per_application / (baseline.seconds / baseline.count)


DESCRIPTION = """\
One generated batch of distinct applications, measured in one run: the **baseline** reads the
file and decodes every line with `json.loads` (the least any batch path does); then the
schema alone (`parse_application`, after the CLI's decoder `jsontext.loads_line`: `json.loads`
made faster by orjson); then parse + `evaluate` in this process on one core; then
the real command line end to end (`onboard check batch.jsonl --format json --no-ocr`, start-up
and output writing included) with one job and with one job per core. The batch declares no
documents: on the command line a declared document must be a real file, and inspecting images
(Pillow decoding, the ID photo's quality measure) costs milliseconds per file, which would
measure Pillow rather than the rules; every application is therefore at best `incomplete`,
but every rule still runs."""


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# --- the measurements ----------------------------------------------------------------------


Timing = tuple[float, float | None]  # (wall seconds, CPU seconds of what was measured)


def in_process(work: Callable[[], object], passes: int = 1) -> Timing:
    """The fastest of ``passes`` runs of ``work`` here, and the CPU all of them used."""
    cpu = time.process_time()
    best = float("inf")
    for _ in range(passes):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best, time.process_time() - cpu


def read_and_load(batch: Path) -> int:
    """The baseline: every line read and decoded as JSON, nothing more."""
    count = 0
    with batch.open(encoding="utf-8") as lines:
        for line in lines:
            json.loads(line)
            count += 1
    return count


def parse_only(batch: Path) -> int:
    from onboard.errors import InputError  # noqa: PLC0415
    from onboard.intake.jsontext import loads_line  # noqa: PLC0415
    from onboard.intake.schemas import parse_application  # noqa: PLC0415

    count = 0
    with batch.open("rb") as lines:  # as the CLI reads
        for line in lines:
            with contextlib.suppress(InputError):
                parse_application(loads_line(line))
            count += 1
    return count


def parse_and_evaluate(batch: Path, verdicts: Counter[str] | None = None) -> int:
    """What a batch needs per line in one process: decode, validate, judge."""
    from onboard.eligibility.engine import evaluate  # noqa: PLC0415
    from onboard.eligibility.ruleset import default_ruleset  # noqa: PLC0415
    from onboard.errors import InputError  # noqa: PLC0415
    from onboard.intake.jsontext import loads_line  # noqa: PLC0415
    from onboard.intake.schemas import parse_application  # noqa: PLC0415

    ruleset = default_ruleset()
    tally: Counter[str] = Counter() if verdicts is None else verdicts
    count = 0
    with batch.open("rb") as lines:  # as the CLI reads
        for line in lines:
            count += 1
            try:
                application = parse_application(loads_line(line))
            except InputError:
                tally["input error"] += 1
                continue
            tally[evaluate(application, ruleset).verdict.value] += 1
    return count


def run_cli(batch: Path, output: Path, *, jobs: int) -> Timing:
    """Wall and CPU seconds (worker processes included) of ``onboard check`` on ``batch``,
    stdout to ``output``; raises unless it ran through (exit 0, 1 or 2 per CONTRACT.md) with
    one output item per input line."""
    command = [
        executable("onboard"),
        "check",
        str(batch),
        "--format",
        "json",
        "--no-ocr",
        "--no-progress",
        "--jobs",
        str(jobs),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with output.open("wb") as out, tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=errors, start_new_session=True)
        with SessionSampler(process.pid) as sampler:
            returncode = process.wait()
        seconds = time.perf_counter() - start
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The CLI process itself is waited for (exact); its pool's workers are only sampled.
    main_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    cpu = main_cpu + sampler.cpu_seconds(exclude=process.pid)
    if returncode not in (0, 1, 2):
        tail = stderr.strip().splitlines()[-3:]
        raise RuntimeError(f"onboard check --jobs {jobs} exited {returncode}: {tail}")
    expected = _count_lines(batch)
    items = _count_lines(output) - 2  # "[", one line per item, "]"
    if items != expected:
        raise RuntimeError(f"onboard check --jobs {jobs} wrote {items} items for {expected} rows")
    return seconds, cpu


#: Pixel size and format of each document kind's file; screenshots otherwise.
_DOCUMENT_SHAPES = {
    "legal_rep_id": (856, 540),
    "business_license": (1200, 850),
    "hk_incorporation_certificate": (1200, 850),
    "hk_business_registration": (1200, 850),
}
_SCREENSHOT = (1280, 800)


def documents_batch(folder: Path, n: int) -> tuple[Path, int]:
    """``n`` applications whose declared documents are real image files beside the batch, each
    drawn anew (distinct bytes); the batch and the number of files."""
    from PIL import Image, ImageDraw  # noqa: PLC0415 — only this measure draws

    rng = random.Random(datagen.SEED + 5)
    lines = []
    files = 0
    for _, data in datagen.applications(n, seed=datagen.SEED + 5, malformed_share=0):
        for kind, name in data["documents"].items():
            width, height = _DOCUMENT_SHAPES.get(kind, _SCREENSHOT)
            paper = tuple(rng.randrange(170, 256) for _ in range(3))
            image = Image.new("RGB", (width, height), paper)  # type: ignore[arg-type]
            pen = ImageDraw.Draw(image)
            for _ in range(14):
                x, y = rng.randrange(width - 40), rng.randrange(height - 20)
                ink = tuple(rng.randrange(0, 160) for _ in range(3))
                box = (x, y, x + rng.randrange(20, 300), y + rng.randrange(8, 60))
                pen.rectangle(box, fill=ink)  # type: ignore[arg-type]
                pen.text((x, y + 30), f"{rng.randrange(10**9)} {kind}", fill=(0, 0, 0))
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if name.endswith(".png"):
                image.save(path, "PNG")
            else:
                image.save(path, "JPEG", quality=rng.randrange(75, 93))
            files += 1
        lines.append(json.dumps(data, ensure_ascii=False))
    batch = folder / "batch.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return batch, files


def _count_lines(path: Path) -> int:
    with path.open("rb") as stream:
        return sum(1 for _ in stream)


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _baseline_pass(batch: Path | None) -> float | None:
    """Seconds per line of one baseline pass over ``batch`` (None without a batch)."""
    if batch is None:
        return None
    start = time.perf_counter()
    count = read_and_load(batch)
    return (time.perf_counter() - start) / max(count, 1)


HotSpot = tuple[str, int, float, float]


def hot_spots(batch: Path, limit: int = HOT_SPOTS) -> tuple[list[HotSpot], float]:
    """cProfile of :func:`parse_and_evaluate`: the ``limit`` functions with the most own time
    as (function, calls, own s, cumulative s), and the profiled run's total seconds."""
    profile = cProfile.Profile()
    profile.runcall(parse_and_evaluate, batch)
    stats = pstats.Stats(profile)
    rows = [
        (f"{_short(filename)}:{line} {name}", calls, own, cumulative)
        for (filename, line, name), (_, calls, own, cumulative, _) in stats.stats.items()  # type: ignore[attr-defined]
        if not filename.endswith("engine_bench.py")
    ]
    rows.sort(key=lambda row: row[2], reverse=True)
    return rows[:limit], stats.total_tt  # type: ignore[attr-defined]


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/onboard/", "/lib/python"):
        if marker in filename:
            head = "onboard/" if marker == "/onboard/" else ""
            return head + filename.split(marker, 1)[1]
    return filename


# --- the section ---------------------------------------------------------------------------


def measure(
    name: str,
    work: Callable[[], Timing],
    count: int,
    *,
    target: float | None = None,
    tries: int = 1,
    wait: float = 0.0,
    baseline: Path | None = None,
) -> Measure:
    """``work`` once the machine is quiet, metering what other processes took meanwhile, and
    tried again if they disturbed it (:func:`~tests.benchmarks.least_disturbed`).

    With ``baseline`` (the batch), a baseline pass over it runs right before and right after
    ``work``: the machine's speed drifts during a run (the same ``json.loads`` loop was seen
    to take 8 to 19 µs per line from one minute to the next on an idle VM), so a ratio to a
    baseline measured minutes earlier would drift with it."""

    def attempt() -> Measure:
        before = _baseline_pass(baseline)
        with Meter() as meter:
            seconds, cpu = work()
        after = _baseline_pass(baseline)
        adjacent = None if before is None or after is None else (before + after) / 2
        return Measure(name, count, seconds, target, meter.other_cores(cpu), adjacent)

    return least_disturbed(attempt, lambda m: m.other_cores, tries=tries, wait=wait)


def run(*, quick: bool = False) -> str:
    """Measure and return the Markdown section."""
    n = QUICK_N if quick else N
    wait, tries = (0.0, 1) if quick else (SETTLE_SECONDS, TRIES)
    jobs = cores()
    with tempfile.TemporaryDirectory(prefix="onboard-bench-") as tmp:
        folder = Path(tmp)
        batch = datagen.write_jsonl(folder / "batch.jsonl", n, documents=False)
        one = datagen.write_jsonl(folder / "one.jsonl", 1, seed=datagen.SEED + 1, documents=False)
        parse_and_evaluate(one)  # warm up: lazy imports, the rule set's load, first calls
        verdicts: Counter[str] = Counter()

        def judge_all() -> None:
            verdicts.clear()
            parse_and_evaluate(batch, verdicts)

        measures = [
            measure(
                "baseline: read + `json.loads` every line",
                lambda: in_process(lambda: read_and_load(batch), passes=3),
                n,
                tries=tries,
                wait=wait,
            ),
            measure(
                "parse only: + `parse_application`",
                lambda: in_process(lambda: parse_only(batch)),
                n,
                tries=tries,
                wait=wait,
                baseline=batch,
            ),
            measure(
                "in-process, one core: + `evaluate`",
                lambda: in_process(judge_all),
                n,
                target=TARGET_ONE_CORE,
                tries=tries,
                wait=wait,
                baseline=batch,
            ),
            measure(
                "CLI `onboard check --jobs 1`, end to end",
                lambda: run_cli(batch, folder / "out1.json", jobs=1),
                n,
                target=TARGET_ONE_CORE,
                tries=tries,
                wait=wait,
                baseline=batch,
            ),
            measure(
                f"CLI `onboard check --jobs {jobs}` (all cores), end to end",
                lambda: run_cli(batch, folder / "outN.json", jobs=jobs),
                n,
                target=TARGET_ALL_CORES,
                tries=tries,
                wait=wait,
                baseline=batch,
            ),
        ]
        startup = measure(
            "CLI start-up alone (1 application)",
            lambda: run_cli(one, folder / "one.json", jobs=1),
            1,
        )
        docs_n = QUICK_DOCS_N if quick else DOCS_N
        with_files, images = documents_batch(folder / "with-files", docs_n)
        documents = measure(
            "CLI `onboard check --jobs 1` with document files",
            lambda: run_cli(with_files, folder / "docs.json", jobs=1),
            docs_n,
            tries=tries,
            wait=wait,
        )
        identical = _digest(folder / "out1.json") == _digest(folder / "outN.json")
        batch_bytes = batch.stat().st_size
        spots = None
        if any(m.met is False for m in measures):
            profile_batch = batch
            if n > PROFILE_N:
                profile_batch = datagen.write_jsonl(
                    folder / "profile.jsonl", PROFILE_N, documents=False
                )
            spots = hot_spots(profile_batch)
    return _markdown(
        n=n,
        measures=measures,
        documents=documents,
        images=images,
        startup=startup,
        verdicts=verdicts,
        identical=identical,
        batch_bytes=batch_bytes,
        jobs=jobs,
        spots=spots,
        wait=wait,
    )


def _markdown(
    *,
    n: int,
    measures: list[Measure],
    documents: Measure,
    images: int,
    startup: Measure,
    verdicts: Counter[str],
    identical: bool,
    batch_bytes: int,
    jobs: int,
    spots: tuple[list[HotSpot], float] | None,
    wait: float,
) -> str:
    baseline = measures[0]
    rows = [
        [
            m.name,
            f"{m.count:,}",
            f"{m.seconds:.2f}",
            per_second(m.rate),
            f"{m.micros:.1f}",
            f"{m.cost(baseline):.1f}×",
            "–" if m.target is None else f"≥ {m.target:,.0f}/s",
            met(m.met),
            other_cell(m.other_cores),
        ]
        for m in measures
    ]
    rows += [
        [
            m.name,
            f"{m.count:,}",
            f"{m.seconds:.2f}",
            per_second(m.rate) if m.count > 1 else "–",
            f"{m.micros:,.0f}" if m.count > 1 else "–",
            f"{m.micros / baseline.micros:,.0f}×" if m.count > 1 else "–",
            "–",
            "–",
            other_cell(m.other_cores),
        ]
        for m in (documents, startup)
    ]
    headers = [
        "measure",
        "applications",
        "seconds",
        "applications/s",
        "µs per application",
        "cost vs baseline",
        "target",
        "met",
        "other work (cores)",
    ]
    cli_one, cli_all = measures[3], measures[4]
    mix = ", ".join(f"{name} {count / n:.1%}" for name, count in verdicts.most_common())
    notes = [
        f"Batch: {n:,} distinct applications, {batch_bytes / 1e6:.1f} MB of JSON lines, "
        f"generated with seed {datagen.SEED} (no `documents`, see above). Verdicts in this "
        f"run: {mix}.",
        f"Baseline: best of three passes ({measures[0].micros:.1f} µs per line). "
        '"Cost vs baseline" is time per application divided by that of a baseline pass over '
        "the same batch run right before and right after the measure (their mean: "
        + ", ".join(f"{m.baseline_seconds * 1e6:.1f} µs" for m in measures if m.baseline_seconds)
        + "), because the machine's speed drifts during a run; the rows with files and the "
        "start-up are divided by the best-of-three baseline.",
        f"`--jobs {jobs}` vs `--jobs 1`: {cli_one.seconds / cli_all.seconds:.2f}× as fast; "
        f"output of the two runs byte-identical: {'yes' if identical else '**no**'}.",
        f"With document files (informational, no target): {documents.count} other "
        f"applications whose {images} declared documents are real, distinct images beside the "
        "batch (ID photo 856×540 JPEG, licenses 1200×850 JPEG, screenshots 1280×800 PNG), "
        "checked by the CLI with `--jobs 1 --no-ocr` (its start-up, the next row, included): "
        "every file is decoded whole and the ID photo's quality measured, which is what a "
        "batch with files, or a multipart upload, costs per application.",
        "Other work: cores the rest of the machine used during the measure (all CPUs' busy "
        "time from /proc/stat, less the CPU time of the measured process and, for the CLI, of "
        "its worker processes); a ⚠ marks more than a quarter of a core, which makes the "
        "figure pessimistic."
        + (
            f" Each measure first waited up to {wait:.0f} s for a quiet machine and was tried "
            f"up to {TRIES} times while disturbed; the least disturbed try is shown."
            if wait
            else ""
        ),
    ]
    parts = [
        "## Batch pre-screening (rule engine and CLI)",
        "",
        DESCRIPTION,
        "",
        table(headers, rows),
        "",
        *[f"- {note}" for note in notes],
    ]
    if spots:
        rows_, total = spots
        parts += [
            "",
            f"A target is missed, so the in-process path was profiled (cProfile over "
            f"{min(n, PROFILE_N):,} applications, {total:.2f} s under the profiler, which slows "
            f"every call: read the shares, not the times). Functions by own time:",
            "",
            table(
                ["function", "calls", "own time", "own + callees"],
                [
                    [f"`{name}`", f"{calls:,}", f"{own / total:.1%}", f"{cum / total:.1%}"]
                    for name, calls, own, cum in rows_
                ],
            ),
        ]
    return "\n".join(parts) + "\n"


# --- trees against each other (issues 16 and 18) --------------------------------------------

#: Run in a tree's own folder (first on sys.path): CPU µs per application of ``evaluate``, and
#: of ``evaluate`` + ``Report.to_dict``, over the applications of a JSONL file, best of
#: ``passes``. Self-contained, so that it runs on trees older than this file (08f509d keeps
#: its schema in ``onboard.schemas``).
_TREE_WORKER = """
import json, sys, time
sys.path.insert(0, ".")
try:
    from onboard.intake.schemas import parse_application
except ImportError:
    from onboard.schemas import parse_application
import onboard
from onboard.eligibility.engine import evaluate
from onboard.eligibility.ruleset import default_ruleset
from onboard.errors import InputError
assert onboard.__file__.startswith(sys.argv[1]), onboard.__file__
ruleset = default_ruleset()
applications = []
for line in open(sys.argv[2], encoding="utf-8"):
    try:
        applications.append(parse_application(json.loads(line)))
    except InputError:
        pass
for application in applications[:200]:
    evaluate(application, ruleset)
judge = writing = float("inf")
for _ in range(int(sys.argv[3])):
    start = time.process_time()
    for application in applications:
        evaluate(application, ruleset)
    judge = min(judge, time.process_time() - start)
    start = time.process_time()
    for application in applications:
        evaluate(application, ruleset).to_dict()
    writing = min(writing, time.process_time() - start)
count = len(applications)
print(json.dumps({"n": count, "evaluate": judge / count * 1e6, "to_dict": writing / count * 1e6}))
"""


def compare_trees(
    trees: dict[str, Path], n: int = 10_000, rounds: int = 4, passes: int = 3
) -> dict[str, tuple[float, float]]:
    """Median over ``rounds`` interleaved rounds of each tree's best-of-``passes`` CPU µs per
    application (``evaluate``; ``evaluate`` + ``to_dict``) on the same ``n`` generated
    applications, each tree importing its own ``onboard`` (e.g. ``git archive 08f509d``
    unpacked in a folder) with this virtualenv. CPU time of the measured process and rounds
    interleaved: the machine is shared, and its speed drifts."""
    import statistics  # noqa: PLC0415 — only this comparison needs it
    import sys  # noqa: PLC0415

    results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(prefix="onboard-trees-") as tmp:
        batch = datagen.write_jsonl(Path(tmp) / "batch.jsonl", n, documents=False)
        for _ in range(rounds):
            for name, tree in trees.items():
                out = subprocess.run(
                    [sys.executable, "-c", _TREE_WORKER, str(tree), str(batch), str(passes)],
                    cwd=tree,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                results[name].append(json.loads(out.stdout))
    return {
        name: (
            statistics.median(r["evaluate"] for r in runs),
            statistics.median(r["to_dict"] for r in runs),
        )
        for name, runs in results.items()
    }


#: Run in a tree's own folder: that tree's ``onboard check`` (its own ``onboard`` imported
#: first, whatever the virtualenv has installed).
_TREE_CLI = (
    "import sys; sys.path.insert(0, '.'); import onboard; "
    "assert onboard.__file__.startswith(sys.argv[1]), onboard.__file__; "
    "sys.argv = ['onboard', *sys.argv[2:]]; from onboard.cli import main; sys.exit(main())"
)


def _become_subreaper() -> None:
    """Make this process the reaper of orphaned descendants (Linux ``PR_SET_CHILD_SUBREAPER``)
    so that a pool's workers and fork server, which outlive their parent's wait, are waited
    for here and their CPU time counts in ``RUSAGE_CHILDREN``."""
    import ctypes  # noqa: PLC0415 — only this comparison needs it

    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)


def _reap() -> None:
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def compare_cli(
    trees: dict[str, Path], batch: Path, rounds: int = 4, jobs: tuple[int, ...] = (1, 2)
) -> tuple[dict[tuple[str, int], list[float]], dict[str, set[str]]]:
    """CPU seconds of each tree's ``onboard check BATCH --format json --no-ocr --jobs N
    --as-of 2026-12-01``, the command and every process it starts (the benchmark reaps them
    all), ``rounds`` times, interleaved by tree; and the digest of what each tree wrote
    (raises when a tree writes different bytes in two runs). Trees of one rule set must
    write the same digest; 08f509d judges by another one."""
    import sys  # noqa: PLC0415

    _become_subreaper()
    seconds: dict[tuple[str, int], list[float]] = {}
    digests: dict[str, set[str]] = {name: set() for name in trees}
    for _ in range(rounds):
        for count in jobs:
            for name, tree in trees.items():
                options = ["--format", "json", "--no-ocr", "--jobs", str(count)]
                options += ["--as-of", "2026-12-01"]
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                done = subprocess.run(
                    [sys.executable, "-c", _TREE_CLI, str(tree), "check", str(batch), *options],
                    cwd=tree,
                    capture_output=True,
                    check=False,
                )
                _reap()
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                if done.returncode not in (0, 1, 2):
                    raise RuntimeError(f"{name}: exit {done.returncode}: {done.stderr[-300:]!r}")
                cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
                seconds.setdefault((name, count), []).append(cpu)
                digests[name].add(hashlib.sha256(done.stdout).hexdigest()[:12])
    for name, found in digests.items():
        if len(found) != 1:
            raise RuntimeError(f"{name}: output differs between runs: {sorted(found)}")
    return seconds, digests


def _print_comparison(arguments: list[str]) -> None:
    """``--trees [--cli] [--rows N] NAME=FOLDER ...``: the first tree is the baseline."""
    import statistics  # noqa: PLC0415

    cli = "--cli" in arguments
    rows = 10_000
    if "--rows" in arguments:
        rows = int(arguments[arguments.index("--rows") + 1])
    named = [a for a in arguments if "=" in a]
    trees = {name: Path(path).resolve() for name, path in (a.split("=", 1) for a in named)}
    found = compare_trees(trees, n=rows)
    first = next(iter(found.values()))
    for name, (judge, writing) in found.items():
        print(
            f"{name}: evaluate {judge:.1f} µs ({judge / first[0]:.2f}×), "
            f"evaluate + to_dict {writing:.1f} µs ({writing / first[1]:.2f}×)"
        )
    if not cli:
        return
    with tempfile.TemporaryDirectory(prefix="onboard-trees-") as tmp:
        batch = datagen.write_jsonl(Path(tmp) / "batch.jsonl", rows, documents=False)
        seconds, digests = compare_cli(trees, batch)
    for count in (1, 2):
        base = statistics.median(seconds[(next(iter(trees)), count)])
        for name in trees:
            runs = seconds[(name, count)]
            median = statistics.median(runs)
            print(
                f"{name}: onboard check --jobs {count}, {rows:,} rows: {median:.2f} CPU s "
                f"({median / base:.2f}×; runs {' '.join(f'{x:.2f}' for x in runs)}; "
                f"output {next(iter(digests[name]))})"
            )


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["--trees"]:  # --trees NAME=FOLDER ...: the first is the baseline
        _print_comparison(sys.argv[2:])
    else:
        print(run(quick="--quick" in sys.argv[1:]))
