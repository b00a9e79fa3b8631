"""Batch output: orjson's compact JSON is the standard library's, text for text."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onboard import jsontext
from onboard.eligibility.engine import evaluate
from onboard.eligibility.model import Report, SharedCheck
from onboard.eligibility.ruleset import default_ruleset
from onboard.jsontext import compact_report, compact_utf8
from tests.factories import AS_OF, PLATFORMS, change, eligible


def compact(data: Any) -> str:
    return compact_utf8(data).decode()


def standard(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


#: What reports are made of: text (any Unicode scalar, control characters and Chinese
#: included), 64-bit integers, booleans, None, in lists and dicts with text keys.
_text = st.text(st.characters(exclude_categories=("Cs",)))
_plain = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None, database=None)
@given(_plain)
def test_same_text_as_the_json_module(data: Any):
    assert compact_utf8(data) == standard(data).encode()


@settings(max_examples=300, deadline=None, database=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_are_the_same_number(number: float):
    # Both write the shortest text that reads back as the same float; for tiny numbers the
    # spelling may differ (orjson writes 0.00001 where json writes 1e-05).
    assert json.loads(compact({"x": number})) == {"x": number}


def test_ordinary_floats_are_spelled_alike():
    for number in (0.0, 4.5, 92.6, -1.25, 0.1, 0.012, 123456.789, 1e16):
        assert compact([number]) == standard([number])


def test_what_orjson_refuses_is_written_by_the_json_module():
    huge = {"gmv": 2**70, "rows": [-(2**64)]}
    assert (
        compact(huge)
        == standard(huge)
        == '{"gmv":1180591620717411303424,"rows":[-18446744073709551616]}'
    )
    keyed = {1: "one", "two": 2}
    assert compact(keyed) == standard(keyed) == '{"1":"one","two":2}'


def test_key_order_and_chinese_text_are_kept():
    assert compact({"z": "营业执照", "a": [1, None, True]}) == '{"z":"营业执照","a":[1,null,true]}'


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("region", ["CN", "HK"])
def test_a_report_is_written_exactly_as_before(platform: str, region: str):
    body = evaluate(eligible(platform, region), default_ruleset(), as_of=AS_OF).to_dict()
    assert compact(body) == standard(body)


# --- reports: shared checks written once -----------------------------------------------------


def _reports() -> list[Report]:
    ruleset = default_ruleset()
    reports = []
    for platform in PLATFORMS:
        for region in ("CN", "HK"):
            app = eligible(platform, region)
            reports.append(evaluate(app, ruleset, as_of=AS_OF))
            reports.append(evaluate(change(app, documents={}, store__platform=None), ruleset))
            reports.append(evaluate(change(app, contact__phone="12"), ruleset))
    return reports


def test_a_report_is_written_as_its_dict_twice_over():
    for _ in range(2):  # the second time, shared checks come from what was written first
        for report in _reports():
            assert compact_report(report) == compact_utf8(report.to_dict())
            extra = {"changes": [{"code": "x", "to": "营业执照"}]}
            assert compact_report(report, **extra) == compact_utf8(report.to_dict() | extra)


def test_shared_checks_are_written_once_and_the_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(jsontext, "_SHARED_CHECKS", {})
    monkeypatch.setattr(jsontext, "_SHARED_CHECKS_MAX", 5)
    reports = _reports()
    for report in reports:
        compact_report(report)
        assert len(jsontext._SHARED_CHECKS) <= 5
    for report in reports:
        assert compact_report(report) == compact_utf8(report.to_dict())
    held = [check for check, _ in jsontext._SHARED_CHECKS.values()]
    assert held and all(isinstance(check, SharedCheck) for check in held)


def test_a_report_orjson_refuses_is_written_by_the_json_module():
    report = _reports()[0]
    huge = {"changes": [{"gmv": 2**70}]}
    assert compact_report(report, **huge) == standard(report.to_dict() | huge).encode()
