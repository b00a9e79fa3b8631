"""Messages made ready when the rule set loads render exactly as their templates as written.

``RuleContext.check`` renders a message without ``str.format_map``: the rule set split each
template at load (:class:`~onboard.eligibility.ruleset.Template`), writing in the thresholds
it names, and a check concatenates the rest. These tests hold that fast path to the general
one (``format_map`` of the template with every name, a rule's own value winning over a
threshold of the same name, which wins over ``expected``, ``actual`` and ``as_of``): over
every message of every published rule set, and over templates with escaped braces, format
specs, conversions and names the fast path leaves to the general one.
"""

from __future__ import annotations

import copy
import tomllib
from datetime import date
from typing import Any

import pytest

from onboard.eligibility.formatting import display
from onboard.eligibility.model import Evidence, Status
from onboard.eligibility.rules import RuleContext
from onboard.eligibility.ruleset import (
    RULESETS_DIR,
    RuleSet,
    RuleSpec,
    Template,
    parse_ruleset,
    published_rulesets,
)
from tests.factories import AS_OF

#: Text that a template must carry through untouched: braces, percent signs, Chinese.
TRICKY = "{x} }{ %s %(y)s 值"
AS_OF_TEXT = AS_OF.isoformat()


def reference(
    spec: RuleSpec, key: str, expected: Any, actual: Any, as_of: str, values: dict[str, Any]
) -> dict[str, str]:
    """The message as the general path renders it: every name at once, by precedence."""
    names = {
        "expected": display(expected) if expected is not None else "",
        "actual": display(actual) if actual is not None else "",
        "as_of": as_of,
    }
    names.update(spec.shown_params)
    names.update({name: display(value) for name, value in values.items()})
    return {lang: spec.messages[key][lang].format_map(names) for lang in ("en", "zh")}


def context(ruleset: RuleSet, code: str) -> RuleContext:
    return RuleContext(ruleset.rule(code), ruleset, AS_OF, Evidence())


def own_values(spec: RuleSpec, key: str) -> dict[str, Any]:
    """A value for every name the message leaves to the rule (not a threshold or a default)."""
    left = spec.message_names[key] - spec.shown_params.keys() - {"expected", "actual", "as_of"}
    return {name: f"{name}:{TRICKY}" for name in sorted(left)}


@pytest.fixture
def raw() -> dict:
    path = sorted(RULESETS_DIR.glob("*.toml"))[0]
    return tomllib.loads(path.read_text(encoding="utf-8"))


def with_message(raw: dict, en: str, zh: str | None = None, **params: Any) -> RuleSet:
    """The rule set with store.rating's ``missing`` message (and thresholds) replaced."""
    changed = copy.deepcopy(raw)
    rule = changed["rules"]["store.rating"]
    rule["messages"]["missing"] = {"en": en, "zh": en if zh is None else zh}
    rule.update(params)
    return parse_ruleset(changed)


# --- every published message ------------------------------------------------------------------


def published_messages() -> list[tuple[RuleSet, str, str]]:
    return [
        (ruleset, spec.code, key)
        for ruleset in published_rulesets()
        for spec in ruleset.rules
        for key in spec.messages
    ]


@pytest.mark.parametrize(
    ("ruleset", "code", "key"),
    published_messages(),
    ids=[f"{r.version}:{c}:{k}" for r, c, k in published_messages()],
)
def test_every_published_message_renders_as_its_templates(ruleset, code, key):
    ctx = context(ruleset, code)
    spec = ctx.spec
    compiled = spec.compiled_messages[key]
    # Every published template takes the fast path: a template that falls back to
    # format_map is correct but slow, so a new one should be written as plain {names}.
    assert compiled.fixed is not None or (compiled.en and compiled.zh), "not compiled"
    values = own_values(spec, key)
    for expected, actual in [("18-character code", f"A {TRICKY}"), (None, None), (4.5, 820000.0)]:
        check = ctx.check(Status.PASS, key, expected=expected, actual=actual, **values)
        assert dict(check.message) == reference(spec, key, expected, actual, ctx.as_of_text, values)
        # Non-text values of the rule's own are shown as display() shows them.
        numbers = dict.fromkeys(values, 1234.0)
        check = ctx.check(Status.PASS, key, expected=expected, actual=actual, **numbers)
        assert dict(check.message) == reference(
            spec, key, expected, actual, ctx.as_of_text, numbers
        )


@pytest.mark.parametrize(
    ("ruleset", "code", "key"),
    [(r, c, k) for r, c, k in published_messages() if r.rule(c).shown_params],
)
def test_a_value_named_as_a_threshold_wins_in_every_published_message(ruleset, code, key):
    ctx = context(ruleset, code)
    spec = ctx.spec
    values = own_values(spec, key) | dict.fromkeys(spec.shown_params, f"given {TRICKY}")
    check = ctx.check(Status.FAIL, key, expected="e", actual="a", **values)
    assert dict(check.message) == reference(spec, key, "e", "a", ctx.as_of_text, values)


def test_a_fixed_message_is_the_read_only_one_rendered_at_load(ruleset):
    ctx = context(ruleset, "store.rating")
    check = ctx.check(Status.MISSING)
    assert check.message is ctx.spec.fixed_messages["missing"]
    assert type(ctx.check(Status.PASS, actual=4.5).message) is dict


# --- templates the published rule set does not (yet) use ----------------------------------------


@pytest.mark.parametrize(
    ("en", "params"),
    [
        ("{{literal}} {actual} }}{{ {min} {{{expected}}}", {}),  # escaped braces
        (
            "min {min}, given {actual}, min again {min}",
            {"min": "a {b} }c{ %s"},
        ),  # braces in a threshold
        ("{min:>8}|{min!r}|{min!s:^9}|{min[0]}|{min.upper}", {}),  # specs on a threshold
        ("{actual}", {}),
        ("{actual}{expected}", {}),
        ("{actual} and {expected} on {as_of}", {}),
        ("{actual}, {expected}, {as_of}, {actual}", {}),  # four fields: the general loop
        ("plain text, no field at all", {}),
        ("only a threshold: {min}", {}),
    ],
)
def test_the_fast_path_renders_as_format_map(raw, en, params):
    ruleset = with_message(raw, en, f"中文 {en} 。", **params)
    ctx = context(ruleset, "store.rating")
    for values in ({}, {"extra": 1}):
        check = ctx.check(Status.MISSING, expected="e {x}", actual=f"a {TRICKY}", **values)
        assert dict(check.message) == reference(
            ctx.spec, "missing", "e {x}", f"a {TRICKY}", ctx.as_of_text, values
        )


@pytest.mark.parametrize(
    "en",
    [
        "{actual!r} is given",  # a conversion on a name a check brings
        "{actual:>30} is given",  # a format spec on it
        "{actual[0]} is given",  # an index
        "{min:{width}} is the minimum",  # a nested field
    ],
)
def test_templates_beyond_plain_names_render_in_general(raw, en):
    ruleset = with_message(raw, en, width=12)
    ctx = context(ruleset, "store.rating")
    compiled = ctx.spec.compiled_messages["missing"]
    assert compiled.en is None and compiled.zh is None
    check = ctx.check(Status.MISSING, actual="given")
    assert dict(check.message) == reference(ctx.spec, "missing", None, "given", AS_OF_TEXT, {})


def test_precedence_of_values_thresholds_and_defaults(raw):
    # A threshold named like a default wins over it; a value of the rule wins over both.
    ruleset = with_message(raw, "{actual} / {as_of} / {min}", actual="threshold actual")
    ctx = context(ruleset, "store.rating")
    assert ctx.check(Status.MISSING, actual="typed").message["en"] == (
        f"threshold actual / {AS_OF_TEXT} / {ctx.spec.shown_params['min']}"
    )
    given = ctx.check(Status.MISSING, actual="typed", as_of=date(2020, 1, 2), min=3.25)
    assert given.message["en"] == "threshold actual / 2020-01-02 / 3.25"
    values = {"as_of": date(2020, 1, 2), "min": 3.25}
    assert dict(given.message) == reference(ctx.spec, "missing", None, "typed", AS_OF_TEXT, values)


def test_a_threshold_its_format_spec_refuses_fails_when_rendered_as_before(raw):
    ruleset = with_message(raw, "{actual} is under {min:d}")  # min is shown as text
    ctx = context(ruleset, "store.rating")
    assert ctx.spec.compiled_messages["missing"].en is None
    with pytest.raises(ValueError, match="Unknown format code 'd'"):
        ctx.check(Status.MISSING, actual="3")


def test_a_missing_name_raises_key_error_on_both_paths(raw):
    fast = context(with_message(raw, "{actual} {reason}"), "store.rating")
    general = context(with_message(raw, "{actual} {reason!s}"), "store.rating")
    assert fast.spec.compiled_messages["missing"].en is not None
    assert general.spec.compiled_messages["missing"].en is None
    for ctx in (fast, general):
        with pytest.raises(KeyError, match="reason"):
            ctx.check(Status.MISSING, actual="a")
    with pytest.raises(KeyError, match="has no 'nonsense' message"):
        fast.check(Status.MISSING, "nonsense")


@pytest.mark.parametrize("count", [0, 1, 2, 3, 5])
def test_a_template_fills_as_format_map_whatever_its_field_count(count):
    names = {f"n{i}": f"<{i} {TRICKY}>" for i in range(count)}
    fields = tuple((f"n{i}", f" after {i} 值 ") for i in range(count))
    template = Template("head {x} ", fields)
    written = "head {{x}} " + "".join(f"{{n{i}}} after {i} 值 " for i in range(count))
    assert template.filler()(names) == written.format_map(names)
    if count:
        with pytest.raises(KeyError):
            template.filler()({})
