"""Rule messages (:mod:`onboard.eligibility.messages`): every check's message reads as its
templates say.

The meaning of a template is ``str.format_map`` over the names ``expected``, ``actual`` and
``as_of``, then the rule's thresholds as shown, then the check's own values, a later one
winning over an earlier one of the same name (:func:`as_written`). Compiling writes the
thresholds in at load and a check's message is rendered when read: one test per behaviour
holds both to that meaning.
"""

from __future__ import annotations

import copy
import tomllib
from datetime import date
from typing import Any

import pytest

from onboard.eligibility.formatting import display
from onboard.eligibility.messages import Message
from onboard.eligibility.model import Evidence, Status
from onboard.eligibility.rules import RuleContext
from onboard.eligibility.ruleset import (
    RULESETS_DIR,
    RuleSet,
    RuleSetError,
    parse_ruleset,
    published_rulesets,
)
from tests.factories import AS_OF

#: Text a message must carry through untouched: braces, percent signs, Chinese.
TRICKY = "{x} }{ %s %(y)s 值"
#: Keyword parameters of RuleContext.check, which a message value cannot be named.
_RESERVED = {"status", "outcome", "field", "expected", "actual", "evidence", "as_of"}


def as_written(
    ctx: RuleContext, key: str, expected: Any, actual: Any, values: dict[str, Any]
) -> dict[str, str]:
    names: dict[str, Any] = {
        "expected": "" if expected is None else display(expected),
        "actual": "" if actual is None else display(actual),
        "as_of": ctx.as_of.isoformat(),
    }
    names.update(ctx.spec.shown_params)
    names.update({name: display(value) for name, value in values.items()})
    texts = ctx.spec.messages[key]
    return {lang: texts[lang].format_map(names) for lang in ("en", "zh")}


def value_sets(ctx: RuleContext, key: str) -> list[dict[str, Any]]:
    """What checks bring for the names only they fill in: text (with braces), numbers and
    dates for display(); and a value named as each threshold (which must win over it)."""
    own = set(ctx.spec.templates[key].free)
    thresholds = set(ctx.spec.shown_params) - _RESERVED
    plain = {name: f"<{name}>" for name in own}
    return [
        plain,
        {name: f"{{{name}}} }}{{ {TRICKY}" for name in own},
        dict.fromkeys(own, 1234.5),
        {name: date(2024, 2, 29) for name in own},
        {name: f"<{name}>" for name in own | thresholds},
        *({**plain, name: "{override}"} for name in sorted(thresholds)),
    ]


_CASES = [
    (ruleset, spec.code, key)
    for ruleset in published_rulesets()
    for spec in ruleset.rules
    for key in spec.messages
]


@pytest.mark.parametrize(
    ("ruleset", "code", "key"), _CASES, ids=[f"{r.version}:{c}:{k}" for r, c, k in _CASES]
)
def test_every_message_of_every_rule_set_renders_as_written(ruleset: RuleSet, code: str, key: str):
    ctx = RuleContext(ruleset.rule(code), ruleset, AS_OF, Evidence())
    for values in value_sets(ctx, key):
        for expected, actual in [(None, None), ("e{x}", f"}}a{{ {TRICKY}"), (3, date(2025, 1, 31))]:
            check = ctx.check(Status.PASS, key, expected=expected, actual=actual, **values)
            assert dict(check.message) == as_written(ctx, key, expected, actual, values), values
            assert check.to_dict()["message"] == dict(check.message)


def _with_templates(en: str, zh: str, **thresholds: Any) -> RuleSet:
    """The published rule set with store.rating's ``pass`` message (and thresholds) replaced."""
    path = sorted(RULESETS_DIR.glob("*.toml"))[-1]
    data = copy.deepcopy(tomllib.loads(path.read_text(encoding="utf-8")))
    rule = data["rules"]["store.rating"]
    rule.update(thresholds)
    rule["messages"]["pass"] = {"en": en, "zh": zh}
    return parse_ruleset(data)


def _context(ruleset: RuleSet) -> RuleContext:
    return RuleContext(ruleset.rule("store.rating"), ruleset, AS_OF, Evidence())


@pytest.mark.parametrize(
    ("en", "zh", "thresholds", "values"),
    [
        ("{actual} ≥ {min}", "{min} {{literal}} {actual}", {}, {}),
        ("{{literal}} {actual} }}{{ {min} {{{expected}}}", "{min}", {}, {}),
        ("min {min}, given {actual}, again {min}", "{min}", {"min": "a {b} }c{ %s"}, {}),
        ("{min!r} {actual!s:>12} {actual:*^9}", "{expected!r}", {}, {}),
        ("{min:>8}|{min!s:^9}|{min[0]}|{min.upper}", "{expected!s:>3}", {}, {}),
        ("{min:>6} and {width}", "{min:{width}}", {"width": 7}, {}),
        ("{min:{width}}", "{actual:{width}}", {"width": 9}, {"width": "3"}),
        ("{min} {note}", "{note}{min}", {}, {"note": "{min} stays"}),
        ("{min} {note}", "{note}", {}, {"min": "rule wins", "note": "x"}),
        ("no fields at all", "只有文字", {}, {}),
        ("only {min}", "{min:>5}", {}, {}),
        ("only {min}", "{min}", {}, {"min": "the rule's own"}),
        ("{as_of} {expected}", "{as_of}", {}, {"as_of_note": 1}),
        ("{actual}, {expected}, {as_of}, {actual}", "{actual}", {}, {}),
        ("{actual} / {as_of} / {min}", "{min}", {"actual": "threshold actual"}, {}),
        ("{actual} / {as_of} / {min}", "{min}", {}, {"as_of": date(2020, 1, 2), "min": 3.25}),
    ],
)
def test_templates_with_escapes_conversions_specs_nesting_and_precedence(
    en, zh, thresholds, values
):
    ctx = _context(_with_templates(en, zh, **thresholds))
    for expected, actual in [(None, None), ("4.0", f"4.7 {TRICKY}"), (4, 4.5)]:
        check = ctx.check(Status.PASS, expected=expected, actual=actual, **values)
        assert dict(check.message) == as_written(ctx, "pass", expected, actual, values)


def test_precedence_of_values_thresholds_and_defaults():
    ctx = _context(_with_templates("{actual} / {as_of} / {min}", "{min}", actual="threshold"))
    assert ctx.check(Status.PASS, actual="typed").message["en"] == (
        f"threshold / {AS_OF.isoformat()} / {ctx.spec.shown_params['min']}"
    )
    given = ctx.check(Status.PASS, actual="typed", as_of=date(2020, 1, 2), min=3.25)
    assert given.message["en"] == "threshold / 2020-01-02 / 3.25"


def test_a_name_nobody_gives_is_a_key_error_when_the_check_is_made():
    for template in ("{actual} {nobody}", "{actual} {nobody!s}"):
        ctx = _context(_with_templates(template, "{actual}"))
        with pytest.raises(KeyError, match="nobody"):
            ctx.check(Status.PASS, actual="4.5")
        with pytest.raises(KeyError, match="nobody"):
            ctx.check(Status.PASS, actual="4.5", somebody=1)
    with pytest.raises(KeyError, match="has no 'nonsense' message"):
        ctx.check(Status.PASS, "nonsense")


def test_a_threshold_its_format_spec_refuses_stops_the_load():
    with pytest.raises(RuleSetError, match=r"rules\.store\.rating\.messages\.pass: .*'d'"):
        _with_templates("{actual} is under {min:d}", "{min}", min="four")


def test_a_message_naming_only_thresholds_is_rendered_once_at_load():
    ctx = _context(_with_templates("at least {min}", "至少 {min}"))
    template = ctx.spec.templates["pass"]
    assert dict(template.fixed or {}) == {
        "en": f"at least {ctx.spec.shown_params['min']}",
        "zh": f"至少 {ctx.spec.shown_params['min']}",
    }
    assert ctx.check(Status.PASS, actual=4.5).message is template.fixed
    # ... unless the rule gives a value of a name it fills in (the value wins).
    assert ctx.check(Status.PASS, min="3.9 (given)").message["en"] == "at least 3.9 (given)"


def test_a_message_is_rendered_when_first_read_and_once():
    ctx = _context(_with_templates("{actual} ≥ {min}", "{actual} 不低于 {min}"))
    message = ctx.check(Status.PASS, actual=4.5).message
    assert type(message) is Message and message._texts is None
    assert message["zh"] == f"4.5 不低于 {ctx.spec.shown_params['min']}"
    rendered = message._texts
    assert message.get("en") == f"4.5 ≥ {ctx.spec.shown_params['min']}"
    assert message._texts is rendered and list(message) == ["en", "zh"] and len(message) == 2
    assert message.get("fr") is None
    assert message == {"en": message["en"], "zh": message["zh"]}
