"""The benchmark harness of ``make bench`` works, at tiny sizes: no timing is asserted here.

Speed is judged by BENCHMARKS.md (``make bench``), not by timed tests; these tests only prove
that every section runs end to end and that its input is what the benchmarks claim.
"""

from __future__ import annotations

import json
import sys
import types
from collections import Counter
from pathlib import Path

import pytest

from onboard.eligibility.engine import evaluate
from onboard.eligibility.ruleset import RuleSet, default_ruleset
from onboard.errors import InputError
from onboard.intake.schemas import parse_application
from tests.benchmarks import datagen, engine_bench
from tests.benchmarks import run as bench


def _verdicts(lines: list[str], ruleset: RuleSet) -> Counter[str]:
    found: Counter[str] = Counter()
    for line in lines:
        try:
            application = parse_application(json.loads(line))
        except InputError:
            found["input error"] += 1
            continue
        found[evaluate(application, ruleset).verdict.value] += 1
    return found


def test_generated_batches_are_deterministic_and_distinct() -> None:
    lines = datagen.lines(300)
    assert lines == datagen.lines(300)
    assert len(set(lines)) == 300
    assert lines != datagen.lines(300, seed=datagen.SEED + 1)


def test_the_mix_covers_every_verdict_and_malformed_lines_are_refused() -> None:
    ruleset = default_ruleset()
    found = _verdicts(datagen.lines(400, malformed_share=0.02), ruleset)
    assert {"eligible", "ineligible", "incomplete", "review", "input error"} <= set(found)
    assert _verdicts(datagen.lines(200, malformed_share=0), ruleset)["input error"] == 0


def test_intents_are_the_verdicts_the_engine_gives() -> None:
    """The generator spoils applications on purpose; it should mostly hit what it aims at."""
    ruleset = default_ruleset()
    hits = 0
    items = list(datagen.applications(300))
    for intent, data in items:
        try:
            verdict = evaluate(parse_application(data), ruleset).verdict.value
        except InputError:
            verdict = "malformed"
        hits += verdict == intent
    assert hits >= 0.95 * len(items)


def test_data_only_batches_declare_no_documents(tmp_path: Path) -> None:
    path = datagen.write_jsonl(tmp_path / "b.jsonl", 50, documents=False)
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert len(rows) == 50
    assert all("documents" not in row for row in rows)


def test_the_in_process_measures_count_every_line(tmp_path: Path) -> None:
    path = datagen.write_jsonl(tmp_path / "b.jsonl", 40, documents=False)
    verdicts: Counter[str] = Counter()
    assert engine_bench.read_and_load(path) == 40
    assert engine_bench.parse_only(path) == 40
    assert engine_bench.parse_and_evaluate(path, verdicts) == 40
    assert sum(verdicts.values()) == 40


def _quick_run(section: str, folder: Path) -> str:
    output = folder / "BENCHMARKS.md"
    status = bench.main(["--quick", "--only", section, "--output", str(output)])
    text = output.read_text("utf-8")
    assert status == 0, text
    assert "did not run" not in text
    assert "# onboard benchmarks" in text
    assert "| cores |" in text
    return text


@pytest.mark.slow
def test_the_engine_section_runs_at_tiny_size(tmp_path: Path) -> None:
    text = _quick_run("engine", tmp_path)
    assert "baseline: read + `json.loads` every line" in text
    assert "CLI `onboard check --jobs 1`, end to end" in text
    assert "byte-identical: yes" in text


@pytest.mark.slow
def test_the_http_section_runs_at_tiny_size(tmp_path: Path) -> None:
    text = _quick_run("http", tmp_path)
    assert "baseline: `GET /healthz`, full speed" in text
    assert "`POST /api/v1/prescreen`, constant rate, open loop" in text
    assert "Worker class to serve with" in text


def test_a_failing_section_is_written_as_an_error_and_the_others_still_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> str:
        raise RuntimeError("no server today")

    monkeypatch.setitem(sys.modules, "fake_ok", types.SimpleNamespace(run=lambda: "## Fine\n"))
    monkeypatch.setitem(sys.modules, "fake_broken", types.SimpleNamespace(run=broken))
    monkeypatch.setattr(
        bench,
        "SECTIONS",
        {"broken": ("fake_broken", "Broken section"), "ok": ("fake_ok", "Fine")},
    )
    output = tmp_path / "B.md"
    assert bench.main(["--only", "broken,ok", "--output", str(output)]) == 1
    text = output.read_text("utf-8")
    assert "## Broken section" in text
    assert "RuntimeError: no server today" in text
    assert "## Fine" in text


def test_quick_is_passed_only_to_sections_that_take_it() -> None:
    seen: list[bool] = []

    def with_quick(*, quick: bool = False) -> str:
        seen.append(quick)
        return "## A\n"

    assert bench._call(with_quick, quick=True) == "## A\n"
    assert bench._call(lambda: "## B\n", quick=True) == "## B\n"
    assert seen == [True]


def test_unknown_sections_are_refused() -> None:
    with pytest.raises(SystemExit):
        bench.parse_args(["--only", "engine,gpu"])
