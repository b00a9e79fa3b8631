"""``2026.11.1`` keeps giving its old answers now that ``2026.11.2`` supersedes it.

``tests/data/reports-2026.11.1.jsonl.gz`` holds 357 reports written by the engine before rule
set 2026.11.2 existed (a broad generated sample, plus the cases 2026.11.2 corrects: a
landline, a 400 number, a residence permit, a 92 code in traditional Chinese, the invitation
route, the Douyin option; some with a live duplicate). Judged again by name, every report is
the same, field for field; the only difference allowed is the two fields added since
(``expected_text`` / ``actual_text``: CONTRACT.md extends, never breaks).
"""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

from onboard.eligibility.engine import evaluate
from onboard.eligibility.model import Duplicate, Evidence
from onboard.eligibility.ruleset import ruleset_by_version, ruleset_in_force
from onboard.intake.schemas import parse_application

SNAPSHOT = Path(__file__).parent / "data" / "reports-2026.11.1.jsonl.gz"
AS_OF = date(2026, 11, 22)


def test_every_old_report_is_reproduced_by_name() -> None:
    ruleset = ruleset_by_version("2026.11.1")
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8") as snapshot:
        lines = snapshot.read().splitlines()
    assert len(lines) == 357
    for line in lines:
        item = json.loads(line)
        application = parse_application(item["application"], ruleset=ruleset)
        evidence = (
            Evidence(duplicates={"contact.phone": (Duplicate("a1"),)})
            if item["with_duplicates"]
            else None
        )
        report = evaluate(application, ruleset, evidence=evidence, as_of=AS_OF).to_dict()
        for check in report["checks"]:
            check.pop("expected_text", None)
            check.pop("actual_text", None)
        assert report == item["report"]


def test_2026_11_2_supersedes_2026_11_1_for_every_date() -> None:
    old, new = ruleset_by_version("2026.11.1"), ruleset_by_version("2026.11.2")
    assert new.effective_from == old.effective_from
    assert new.supersedes == old.version
    for day in (old.effective_from, AS_OF, date(2030, 1, 1)):
        assert ruleset_in_force(day).version == "2026.11.2"
