"""Every message a check carries reads as its templates say, however the engine renders it.

The rule set's templates are prepared when it loads (thresholds written in, messages that
name nothing else rendered once) so that a check only fills in what it brings. These tests
hold that shortcut to the plain meaning of a template: ``str.format_map`` over the names
``expected``, ``actual`` and ``as_of``, then the rule's thresholds, then the check's own
values, a later one winning over an earlier one of the same name.
"""

from __future__ import annotations

import copy
import string
import tomllib
from datetime import date
from typing import Any

import pytest

from onboard.eligibility.formatting import display
from onboard.eligibility.model import Evidence, Status
from onboard.eligibility.rules.base import RuleContext
from onboard.eligibility.ruleset import RULESETS_DIR, RuleSet, parse_ruleset, published_rulesets
from tests.factories import AS_OF

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


def template_names(ctx: RuleContext, key: str) -> set[str]:
    return {
        name.split(".")[0].split("[")[0]
        for text in ctx.spec.messages[key].values()
        for _, name, _, _ in string.Formatter().parse(text)
        if name
    }


def value_sets(ctx: RuleContext, key: str) -> list[dict[str, Any]]:
    """What checks bring for the names only they fill in: text (with braces), numbers and
    dates for display(); and a value named as each threshold (which must win over it)."""
    own = template_names(ctx, key) - _RESERVED - set(ctx.spec.shown_params)
    thresholds = set(ctx.spec.shown_params) - _RESERVED
    plain = {name: f"<{name}>" for name in own}
    return [
        plain,
        {name: f"{{{name}}} }}{{" for name in own},
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


@pytest.mark.parametrize(("ruleset", "code", "key"), _CASES, ids=lambda v: getattr(v, "version", v))
def test_every_message_of_every_rule_set_renders_as_written(ruleset: RuleSet, code: str, key: str):
    spec = next(spec for spec in ruleset.rules if spec.code == code)
    ctx = RuleContext(spec, ruleset, AS_OF, Evidence())
    for values in value_sets(ctx, key):
        for expected, actual in [(None, None), ("e{x}", "}a{"), (3, date(2025, 1, 31))]:
            check = ctx.check(Status.PASS, key, expected=expected, actual=actual, **values)
            assert dict(check.message) == as_written(ctx, key, expected, actual, values), values


def _with_templates(en: str, zh: str, **thresholds: Any) -> RuleSet:
    """The published rule set with store.rating's ``pass`` message (and thresholds) replaced."""
    path = sorted(RULESETS_DIR.glob("*.toml"))[-1]
    data = copy.deepcopy(tomllib.loads(path.read_text(encoding="utf-8")))
    rule = data["rules"]["store.rating"]
    rule.update(thresholds)
    rule["messages"]["pass"] = {"en": en, "zh": zh}
    return parse_ruleset(data)


@pytest.mark.parametrize(
    ("en", "zh", "thresholds", "values"),
    [
        ("{actual} ≥ {min}", "{min} {{literal}} {actual}", {}, {}),
        ("{min!r} {actual!s:>12} {actual:*^9}", "{expected!r}", {}, {}),
        ("{min:>6} and {width}", "{min:{width}}", {"width": 7}, {}),
        ("{min:{width}}", "{actual:{width}}", {"width": 9}, {"width": "3"}),
        ("{min} {note}", "{note}{min}", {}, {"note": "{min} stays"}),
        ("{min} {note}", "{note}", {}, {"min": "rule wins", "note": "x"}),
        ("no fields at all", "只有文字", {}, {}),
        ("only {min}", "{min:>5}", {}, {}),
        ("only {min}", "{min}", {}, {"min": "the rule's own"}),
        ("{as_of} {expected}", "{as_of}", {}, {"as_of_note": 1}),
        ("{min[0]} {actual}", "{min}", {}, {}),
    ],
)
def test_templates_with_conversions_specs_and_nesting(en, zh, thresholds, values):
    ruleset = _with_templates(en, zh, **thresholds)
    spec = next(spec for spec in ruleset.rules if spec.code == "store.rating")
    ctx = RuleContext(spec, ruleset, AS_OF, Evidence())
    for expected, actual in [(None, None), ("4.0", "4.7"), (4, 4.5)]:
        check = ctx.check(Status.PASS, expected=expected, actual=actual, **values)
        assert dict(check.message) == as_written(ctx, "pass", expected, actual, values)


def test_a_template_naming_what_nobody_gives_fails_loudly():
    ruleset = _with_templates("{actual} {nobody}", "{actual}")
    spec = next(spec for spec in ruleset.rules if spec.code == "store.rating")
    with pytest.raises(KeyError):
        RuleContext(spec, ruleset, AS_OF, Evidence()).check(Status.PASS, actual="4.5")
