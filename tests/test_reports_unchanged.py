"""The engine's reports stay what they were, field for field, while its insides change.

``tests/data/reports-2026.11.2.jsonl.gz`` holds reports written by the engine as it stood
before issue 18 restructured message rendering, plans and caches (main at 0f13bf0): a broad
generated sample (:mod:`tests.benchmarks.datagen`, 1,500 applications with and without
declared documents, judged on their own as-of dates and on another, under both published
rule sets, with each kind of evidence a caller gives: none, a batch row sharing nothing, a
batch row and a live application sharing a value, the registry consulted), and every case of
:mod:`tests.rulebook_cases` (which reach every message of 2026.11.2). Every report judged
again here must be the same JSON, key order included (CONTRACT.md's output is that JSON).

Regenerate only for an intended change of answers, and say so in the commit:
``python -m tests.test_reports_unchanged --write``.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from onboard.eligibility.engine import evaluate
from onboard.eligibility.model import NO_DUPLICATES_IN_BATCH, Duplicate, Evidence, Report
from onboard.eligibility.ruleset import RuleSet, ruleset_by_version
from onboard.intake.jsontext import compact_report, compact_utf8
from onboard.intake.schemas import parse_application
from tests import rulebook_cases
from tests.benchmarks import datagen

SNAPSHOT = Path(__file__).parent / "data" / "reports-2026.11.2.jsonl.gz"
SAMPLE = 1_500
SEED = datagen.SEED + 18
OTHER_DAY = date(2027, 3, 31)

#: The kinds of evidence callers give, by the name the snapshot records.
EVIDENCE: dict[str, Evidence | None] = {
    "none": None,
    "batch unique": NO_DUPLICATES_IN_BATCH,
    "batch shared": Evidence(
        duplicates={
            "contact.phone": (Duplicate("row-3", row=3), Duplicate("row-9", row=9)),
            "shop.name": (Duplicate("row-12", row=12),),
        },
        duplicates_scope="batch",
    ),
    "live unique": Evidence(duplicates={}),
    "live shared": Evidence(
        duplicates={
            "contact.email": (Duplicate("a1b2c3"),),
            "entity.license_number": (Duplicate("d4e5f6", submitted_on=date(2026, 10, 1)),),
        }
    ),
}


def _sample() -> Iterator[dict[str, Any]]:
    """The generated half: (application JSON, rule set, as-of, evidence name) items."""
    kinds = list(EVIDENCE)
    with_documents = datagen.applications(SAMPLE // 2, seed=SEED, malformed_share=0)
    without = datagen.applications(SAMPLE // 2, seed=SEED + 1, malformed_share=0, documents=False)
    for number, (_, data) in enumerate([*with_documents, *without]):
        version = "2026.11.1" if number % 7 == 3 else "2026.11.2"
        own_date = number % 3 != 2
        yield {
            "application": {k: v for k, v in data.items() if own_date or k != "as_of"},
            "rules_version": version,
            "as_of": OTHER_DAY.isoformat(),
            "evidence": kinds[number % len(kinds)],
        }


def _judge(item: dict[str, Any], ruleset: RuleSet) -> Report:
    return evaluate(
        parse_application(item["application"], ruleset=ruleset),
        ruleset,
        as_of=date.fromisoformat(item["as_of"]),
        evidence=EVIDENCE[item["evidence"]],
    )


def _cases() -> dict[str, dict[str, Any]]:
    ruleset = ruleset_by_version("2026.11.2")
    return {
        name: evaluate(
            application, ruleset, evidence=evidence, as_of=rulebook_cases.AS_OF
        ).to_dict()
        for name, application, evidence in rulebook_cases.cases()
    }


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def _snapshot() -> list[dict[str, Any]]:
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def test_generated_sample_reports_are_unchanged() -> None:
    items = [item for item in _snapshot() if "application" in item]
    assert len(items) == SAMPLE
    rulesets = {v: ruleset_by_version(v) for v in ("2026.11.1", "2026.11.2")}
    for item in items:
        report = _judge(item, rulesets[item["rules_version"]])
        assert _dump(report.to_dict()) == _dump(item["report"]), item
        # The batch writer's JSON (checks shared between reports written once) too.
        assert compact_report(report) == compact_utf8(item["report"]), item


def test_rulebook_cases_reports_are_unchanged() -> None:
    recorded = {item["case"]: item["report"] for item in _snapshot() if "case" in item}
    judged = _cases()
    assert recorded.keys() <= judged.keys()
    for name, report in recorded.items():
        assert _dump(judged[name]) == _dump(report), name


def _write() -> None:
    rulesets = {v: ruleset_by_version(v) for v in ("2026.11.1", "2026.11.2")}
    lines = []
    for item in _sample():
        item["report"] = _judge(item, rulesets[item["rules_version"]]).to_dict()
        lines.append(_dump(item))
    lines += [_dump({"case": name, "report": report}) for name, report in _cases().items()]
    with gzip.open(SNAPSHOT, "wt", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    _write()
