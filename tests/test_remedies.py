"""What must change: the smallest list of changes, and that making them makes the
application pass (the core, no Flask)."""

from __future__ import annotations

import ast
import dataclasses
from datetime import date
from pathlib import Path

import pytest

from onboard.eligibility import remedies
from onboard.eligibility.engine import evaluate
from onboard.eligibility.model import Verdict
from onboard.eligibility.remedies import changes_for
from tests.factories import AS_OF, change, eligible


def texts(app, ruleset):
    report = evaluate(app, ruleset)
    return [c.text["en"] for c in changes_for(report, app, ruleset)]


def test_eligible_and_review_need_no_change(ruleset):
    assert texts(eligible(), ruleset) == []
    review = change(eligible(), store__registered_entity="Shenzhen Starriver E-commerce Co Ltd")
    report = evaluate(review, ruleset)
    assert report.verdict is Verdict.REVIEW
    assert changes_for(report, review, ruleset) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"store__rating": 3.8}, "rating 3.8 → ≥ 4.0"),
        ({"store__account_health": 249}, "account health 249 → ≥ 250"),
        (
            {"store__opened_on": date(2026, 10, 15)},
            "apply on or after 2027-01-15, when the store has been open long enough",
        ),
        (
            {"fulfillment__method": "none"},
            "the fulfilment method no shipping from inside the US → "
            "a US overseas warehouse or Amazon FBA multi-channel fulfilment",
        ),
    ],
)
def test_one_failure_one_change(ruleset, changes, expected):
    assert texts(change(eligible(), **changes), ruleset) == [expected]


def test_missing_document_is_one_upload_whatever_rules_want_it(ruleset):
    documents = dict(eligible().documents)
    del documents["business_license"], documents["account_health_screenshot"]
    app = change(eligible(), documents=documents)
    changes = changes_for(evaluate(app, ruleset), app, ruleset)
    assert [c.text["en"] for c in changes] == [
        "upload the business license",
        "upload the account health screenshot",
    ]
    license_change = changes[0]
    assert (
        {"document.required", "entity.license_ocr", "entity.hk_documents"}
        >= set(license_change.codes)
        >= {"document.required"}
    )
    assert changes[1].text["zh"] == "上传账户健康截图"


def test_blockers_come_first_and_are_not_fixable(ruleset):
    app = change(eligible(), entity__region="US", store__rating=3.0)
    changes = changes_for(evaluate(app, ruleset), app, ruleset)
    assert changes[0].action == "blocker" and changes[0].fixable is False
    assert changes[0].to_dict()["text"]["zh"]
    assert all(c.fixable for c in changes[1:])


def apply_changes(app, changes):
    """Make every numeric, date and choice change the way it says."""
    for item in changes:
        section, _, leaf = item.field.partition(".")
        target = item.target or ""
        if item.action == "raise":
            value = float(target.removeprefix(">= "))
            if isinstance(getattr(getattr(app, section), leaf), int):
                value = int(value)
        elif item.action == "wait":
            app = dataclasses.replace(app, as_of=date.fromisoformat(target))
            continue
        elif item.field == "fulfillment.method":
            value = target.split(" or ")[0]
        elif item.field == "shop.main_category":
            value = target
        else:
            raise AssertionError(f"not applied in this test: {item}")
        app = change(app, **{f"{section}__{leaf}": value})
    return app


@pytest.mark.parametrize("platform", ["amazon", "walmart", "ebay", "independent"])
def test_making_the_changes_makes_it_eligible(ruleset, platform):
    base = eligible(platform)
    worse = {
        "amazon": {"store__rating": 3.2, "store__account_health": 120},
        "walmart": {"store__rating": 3.9, "store__gmv_12m_usd": 12_000.0},
        "ebay": {"store__positive_feedback_pct": 80.0, "store__gmv_12m_usd": 499_999.0},
        "independent": {"store__trustpilot_rating": 2.5, "store__social_followers": 9_999},
    }[platform]
    app = change(
        base,
        **worse,
        fulfillment__method="none",
        shop__main_category="toys",
        store__opened_on=date(2026, 9, 30),
    )
    report = evaluate(app, ruleset)
    assert report.verdict is Verdict.INELIGIBLE
    changes = changes_for(report, app, ruleset)
    assert len(changes) == len(worse) + 3  # one per broken field, nothing more
    fixed = apply_changes(app, changes)
    assert evaluate(fixed, ruleset).verdict is Verdict.ELIGIBLE
    assert fixed.as_of == date(2026, 12, 30) and fixed.as_of > AS_OF


def test_the_core_stays_pure():
    tree = ast.parse(Path(remedies.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    } | {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported <= {"__future__", "collections", "dataclasses", "typing", "onboard"}
