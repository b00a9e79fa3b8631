"""What every rule function shares: the registry and the context that builds checks.

A rule is a pure function ``(application, context) -> iterable of Check``, registered under
its stable code with :func:`rule`. The context carries the rule's spec from the rule set, the
as-of date and the evidence adapters gathered; :meth:`RuleContext.check` turns an outcome into
a :class:`Check` with its bilingual message rendered from the rule set's templates.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import date
from types import MappingProxyType
from typing import Any

from onboard.eligibility.formatting import display
from onboard.eligibility.model import EMPTY, Application, Check, Evidence, SharedCheck, Status
from onboard.eligibility.ruleset import RuleSet, RuleSpec

RuleFunction = Callable[[Application, "RuleContext"], Iterable[Check]]

REGISTRY: dict[str, RuleFunction] = {}


def rule(code: str) -> Callable[[RuleFunction], RuleFunction]:
    """Register ``function`` as the implementation of rule ``code``."""

    def register(function: RuleFunction) -> RuleFunction:
        if code in REGISTRY:
            raise ValueError(f"rule {code} registered twice")
        REGISTRY[code] = function
        return function

    return register


_DEFAULT_OUTCOME = {
    Status.PASS: "pass",
    Status.FAIL: "fail",
    Status.MISSING: "missing",
    Status.REVIEW: "review",
    Status.NOT_APPLICABLE: "not_applicable",
}


#: Checks determined by the rule set and a small key alone (n/a on a platform, a document kind
#: uploaded or missing), built once and shared: checks are immutable. The spec is kept in the
#: value so that its id() cannot be reused while the entry lives.
_SHARED: dict[tuple[int, str, Hashable, str | None], tuple[RuleSpec, Check]] = {}
_SHARED_MAX = 4096


class RuleContext:
    """What one rule sees while judging one application (built per rule and application, so
    kept cheap: a plain slotted class)."""

    __slots__ = ("as_of", "as_of_text", "evidence", "ruleset", "spec")

    def __init__(
        self,
        spec: RuleSpec,
        ruleset: RuleSet,
        as_of: date,
        evidence: Evidence,
        as_of_text: str | None = None,
    ) -> None:
        self.spec = spec
        self.ruleset = ruleset
        self.as_of = as_of
        self.evidence = evidence
        self.as_of_text = as_of_text or as_of.isoformat()

    def check(
        self,
        status: Status,
        outcome: str | None = None,
        *,
        field: str | None = None,
        expected: Any = None,
        actual: Any = None,
        evidence: Mapping[str, Any] | None = None,
        **values: Any,
    ) -> Check:
        """A check of this rule; ``outcome`` names the message (default: the status)."""
        spec = self.spec
        key = outcome or _DEFAULT_OUTCOME[status]
        # Most values arrive as text already: display() only for the others.
        if expected is not None and type(expected) is not str:
            expected = display(expected)
        if actual is not None and type(actual) is not str:
            actual = display(actual)
        # This runs ~26 times per application: a message naming only thresholds was rendered
        # when the rule set loaded, unless the rule passes a value of the same name.
        message = spec.fixed_messages.get(key)
        if message is None or (values and not spec.message_names[key].isdisjoint(values)):
            message = self._render(key, expected, actual, values)
        return Check(
            spec.code,
            status,
            field or spec.field,
            expected,
            actual,
            message,
            evidence or EMPTY,
        )

    def shared(self, outcome: str, key: Hashable, build: Callable[[], Check]) -> Check:
        """The check ``build`` makes with message ``outcome``, built once per rule and ``key``
        (and per as-of date when that message names the date), then shared.

        Only for checks that nothing of the application changes but what ``key`` holds.
        """
        spec = self.spec
        dated = self.as_of_text if "as_of" in spec.message_names.get(outcome, ()) else None
        cache_key = (id(spec), outcome, key, dated)
        found = _SHARED.get(cache_key)
        if found is not None:
            return found[1]
        built = build()
        message = built.message
        if not isinstance(message, MappingProxyType):  # shared, so read-only
            message = MappingProxyType(dict(message))
        check = SharedCheck(*built[:5], message, built.evidence)
        if len(_SHARED) >= _SHARED_MAX:
            _SHARED.clear()
        _SHARED[cache_key] = (spec, check)
        return check

    def _render(
        self, key: str, expected: str | None, actual: str | None, values: Mapping[str, Any]
    ) -> dict[str, str]:
        templates = self.spec.messages.get(key)
        if templates is None:
            raise KeyError(
                f"rule set {self.ruleset.version}: {self.spec.code} has no {key!r} message"
            )
        # The rule's own values win over the thresholds, which win over the defaults; a
        # template may name any of them.
        names = {"expected": expected or "", "actual": actual or "", "as_of": self.as_of_text}
        names.update(self.spec.shown_params)
        for name, value in values.items():
            names[name] = value if type(value) is str else display(value)
        return {"en": templates["en"].format_map(names), "zh": templates["zh"].format_map(names)}

    def threshold(self, name: str) -> Any:
        return self.spec.params[name]


def problem_reason(ctx: RuleContext, result: Any) -> dict[str, str]:
    """Why an identifier was refused, in both languages, from its problem code and details.

    ``result`` is an :class:`~onboard.eligibility.identifiers.IdCheck`.
    """
    texts = ctx.ruleset.identifier_problems.get(result.problem or "format")
    if texts is None:
        texts = ctx.ruleset.identifier_problems["format"]
    details = {k: display(v) for k, v in dict(result.details).items()}
    try:
        return {lang: text.format_map(details) for lang, text in texts.items()}
    except KeyError:
        # A template needs a detail this result lacks: fall back to the generic wording.
        generic = ctx.ruleset.identifier_problems["format"]
        return dict(generic)


def duplicates_of(ctx: RuleContext, field: str) -> tuple[str, ...] | None:
    """Ids of other live applications sharing ``field``'s value; None when nobody looked."""
    found = ctx.evidence.duplicates
    if found is None:
        return None
    return tuple(other.application_id for other in found.get(field, ()))
