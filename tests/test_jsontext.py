"""Batch output: orjson's compact JSON is the standard library's, text for text."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onboard.eligibility.engine import evaluate
from onboard.eligibility.model import Report, SharedCheck
from onboard.eligibility.ruleset import default_ruleset
from onboard.intake import jsontext
from onboard.intake.jsontext import compact_report, compact_utf8
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


# --- reading: loads_line is json.loads ---------------------------------------------------------


def _outcome(read: Any, text: bytes) -> tuple[str, str]:
    """What reading ``text`` gives, exactly: the value's repr (types, -0.0, nan and key order
    included) or the exception's type and message."""
    try:
        return "value", repr(read(text))
    except (ValueError, RecursionError) as exc:
        return type(exc).__name__, str(exc)


#: Any JSON value the standard library writes: integers of any size, every float (nan and the
#: infinities, which it writes as NaN/Infinity), any text (lone surrogates included).
_any_text = st.text(st.characters())
_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_any_text, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=1500, deadline=None, database=None)
@given(_values, st.booleans(), st.sampled_from(["utf-8", "utf-16", "utf-8-sig"]))
def test_loads_line_reads_what_json_loads_reads(data: Any, ascii_only: bool, encoding: str):
    text = json.dumps(data, ensure_ascii=ascii_only)
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:  # a lone surrogate, written unescaped
        raw = text.encode("utf-8", "surrogatepass")
    assert _outcome(jsontext.loads_line, raw) == _outcome(json.loads, raw)


@settings(max_examples=1500, deadline=None, database=None)
@given(_values, st.data())
def test_loads_line_fails_as_json_loads_fails(data: Any, draw: st.DataObject):
    """Spoiled text: the same value or the same error, message and column included."""
    raw = bytearray(json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    for _ in range(draw.draw(st.integers(1, 3))):
        at = draw.draw(st.integers(0, len(raw)))
        spoil = draw.draw(st.binary(min_size=0, max_size=3) | st.sampled_from(_SPOILERS))
        cut = draw.draw(st.integers(0, 2))
        raw[at : at + cut] = spoil
    assert _outcome(jsontext.loads_line, bytes(raw)) == _outcome(json.loads, bytes(raw))


_SPOILERS = [b"NaN", b"-Infinity", b"1e400", b"\\ud800", b"\xff", b"\xef\xbb\xbf", b",", b"]"]


@pytest.mark.parametrize(
    "text",
    [
        b"9223372036854775807",
        b"9223372036854775808",
        b"-9223372036854775809",
        b"18446744073709551616",
        b'{"n": 123456789012345678901234567890}',
        b'{"id": "1234567890123456789"}',  # 19 digits in text: read by json, same value
        b"1E400",
        b"[NaN, Infinity, -Infinity]",
        b'"\\ud800"',
        b'"\xed\xa0\x80"',
        b"\xef\xbb\xbf{}",
        b'{"a": 1, "b": 2, "a": 3}',
        b"-0.0",
        b"[1.0000000000000002, 5e-324, 2.2250738585072011e-308]",
        b'{"broken": ',
        b"",
    ],
)
def test_loads_line_at_the_edges(text: bytes):
    assert _outcome(jsontext.loads_line, text) == _outcome(json.loads, text)


@pytest.mark.parametrize("text", [b"[" * 100_000, b'{"a":' * 65 + b"1" + b"}" * 65])
def test_loads_line_refuses_deep_nesting_before_parsing(text: bytes):
    """Where the standard library recurses until RecursionError (a crash, not an input
    error), loads_line refuses the nesting first, as a ValueError."""
    with pytest.raises(jsontext.TooDeep, match="nested deeper than 64 levels"):
        jsontext.loads_line(text)
    nested = b"[" * 64 + b"]" * 64  # the limit itself is fine
    assert jsontext.loads_line(nested) == json.loads(nested)
