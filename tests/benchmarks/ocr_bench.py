"""License OCR benchmark: onboard (both backends) against the naive full-page reader.

Everything is measured in one run on one generated corpus (``tests.licensefactory``, fixed
seeds), one image at a time on one core (``OMP_THREAD_LIMIT=1``), so the figures are
comparable with each other and with the issue's targets: ≥ 99 % exact on ordinary photos,
≥ 90 % on hard ones, no wrong number ever reported ``ok``/``corrected``, median ≤ 0.5 s per
image, ≥ 15× faster than the naive baseline.

The baseline is what one writes first: pytesseract over the whole page with
``chi_sim+eng`` and the first 18-character token of the text. It is slow (seconds per page),
so it runs on every ``BASELINE_EVERY``-th image of the same corpus.

``run()`` returns a Markdown section for BENCHMARKS.md; ``python -m tests.benchmarks.ocr_bench``
prints it.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import platform
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytesseract
from PIL import Image

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from onboard.ocr import clear_cache, read_license
from tests.licensefactory import LEVELS, Sample, corpus

PER_LEVEL = int(os.environ.get("ONBOARD_BENCH_IMAGES", "100"))
BASELINE_EVERY = int(os.environ.get("ONBOARD_BENCH_BASELINE_EVERY", "5"))
#: Seeds of the benchmark corpus start here, away from the test corpus's (0…).
SEED = 1000

_TOKEN = re.compile(r"[0-9A-Z]{18}")


@dataclass(frozen=True)
class Outcome:
    exact: bool
    wrong: bool  # a number presented as right that is not the printed one
    seconds: float


@dataclass(frozen=True)
class Row:
    reader: str
    level: str
    outcomes: tuple[Outcome, ...]

    @property
    def exact(self) -> float:
        return sum(o.exact for o in self.outcomes) / len(self.outcomes)

    @property
    def wrong(self) -> int:
        return sum(o.wrong for o in self.outcomes)

    def seconds(self, q: float) -> float:
        values = sorted(o.seconds for o in self.outcomes)
        return values[min(len(values) - 1, int(q * len(values)))]

    @property
    def median(self) -> float:
        return statistics.median(o.seconds for o in self.outcomes)


def onboard_reader(backend: str) -> Callable[[Sample], Outcome]:
    def read(sample: Sample) -> Outcome:
        clear_cache()
        started = time.perf_counter()
        reading = read_license(sample.image, backend=backend)
        seconds = time.perf_counter() - started
        claimed = reading.status in ("ok", "corrected")
        exact = claimed and reading.license_number == sample.code
        return Outcome(exact, claimed and not exact, seconds)

    return read


def baseline_reader(sample: Sample) -> Outcome:
    """Full-page Chinese + English recognition, first 18-character token: the naive way."""
    started = time.perf_counter()
    with Image.open(io.BytesIO(sample.image)) as image:
        text = pytesseract.image_to_string(image, lang="chi_sim+eng")
    tokens = [re.sub(r"[^0-9A-Za-z]", "", token).upper() for token in text.split()]
    found = next((t for t in tokens if _TOKEN.fullmatch(t)), None)
    seconds = time.perf_counter() - started
    # The naive reader reports whatever it found as the number: every wrong token is silent.
    return Outcome(found == sample.code, found is not None and found != sample.code, seconds)


def _measure(
    name: str, reader: Callable[[Sample], Outcome], sets: dict[str, Sequence[Sample]]
) -> list[Row]:
    return [Row(name, level, tuple(reader(s) for s in samples)) for level, samples in sets.items()]


def measure(per_level: int = PER_LEVEL, baseline_every: int = BASELINE_EVERY) -> list[Row]:
    sets = {level: corpus(per_level, level, start=SEED) for level in LEVELS}
    rows = []
    for backend in ("tesserocr", "pytesseract"):
        rows += _measure(f"onboard ({backend})", onboard_reader(backend), sets)
    thin = {level: samples[::baseline_every] for level, samples in sets.items()}
    rows += _measure("naive baseline (pytesseract chi_sim+eng, full page)", baseline_reader, thin)
    return rows


def render(rows: Sequence[Row]) -> str:
    baseline = {row.level: row for row in rows if row.reader.startswith("naive")}
    lines = [
        "## License OCR (issue 3)",
        "",
        f"Measured {dt.date.today().isoformat()} on {os.cpu_count()} cores "
        f"({platform.machine()}, Python {platform.python_version()}), one image at a time, "
        "`OMP_THREAD_LIMIT=1`. Corpus: `tests/licensefactory.py`, seeds "
        f"{SEED}–{SEED + len(rows[0].outcomes) - 1} per level; ordinary = digits 18–30 px, "
        "JPEG 70–92; hard = digits 14–18 px, blur 0.9–1.4 px, JPEG 30–50; all with "
        "±3° rotation, uneven light and noise. *Silently wrong*: a number reported "
        "`ok`/`corrected` that is not the printed one (for the baseline: any wrong "
        "18-character token). Targets: ≥ 99 % ordinary, ≥ 90 % hard, 0 silently wrong, "
        "median ≤ 0.5 s, ≥ 15× faster than the baseline.",
        "",
        "| reader | set | images | exact | silently wrong | median s | p90 s "
        "| speed-up vs baseline |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        base = baseline.get(row.level)
        ratio = f"{base.median / row.median:.0f}×" if base and row is not base else "—"
        lines.append(
            f"| {row.reader} | {row.level} | {len(row.outcomes)} | {row.exact:.1%} | {row.wrong} "
            f"| {row.median:.3f} | {row.seconds(0.9):.3f} | {ratio} |"
        )
    return "\n".join(lines) + "\n"


def run(quick: bool = False) -> str:
    """The Markdown section for BENCHMARKS.md, measured now (``quick``: 10 images a level)."""
    return render(measure(10, 5) if quick else measure())


if __name__ == "__main__":
    print(run())
