"""What every rule function shares: the registry and the context that builds checks.

A rule is a pure function ``(application, context) -> its checks``, registered under its
stable code with :func:`rule`. It returns a tuple (of one check, mostly; empty when the rule
has nothing to say about the application), or a list when it judges several documents: the
engine runs ~27 rules per application, and returning beats a generator's setup and resumes.
The context carries the rule's spec from the rule set, the as-of date and the evidence
adapters gathered; :meth:`RuleContext.check` turns an outcome into a :class:`Check` with its
bilingual message rendered from the rule set's templates.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import Any

from onboard.eligibility.formatting import display
from onboard.eligibility.memo import Memo
from onboard.eligibility.model import (
    EMPTY,
    Application,
    Check,
    Duplicate,
    Evidence,
    SharedCheck,
    Status,
)
from onboard.eligibility.spec import RuleSet, RuleSpec

RuleFunction = Callable[[Application, "RuleContext"], Sequence[Check]]

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


#: Checks determined by the rule and a small key alone (n/a on a platform, a document kind
#: uploaded or missing), built once and shared: checks are immutable.
_SHARED: Memo[Check] = Memo(4096)


class RuleContext:
    """What one rule sees while judging one application: its spec from the rule set, the
    as-of date and the evidence adapters gathered (built once per plan, see the engine)."""

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
        expected_text: Mapping[str, str] | None = None,
        actual_text: Mapping[str, str] | None = None,
        **values: Any,
    ) -> Check:
        """A check of this rule; ``outcome`` names the message (default: the status).

        ``expected_text`` / ``actual_text`` are ``expected`` / ``actual`` in each language
        (see :class:`Check`); leave them out where the value reads the same in every one.
        The message may name ``expected``, ``actual``, ``as_of``, the rule's thresholds and
        the keyword ``values`` given here (see :mod:`onboard.eligibility.messages`).
        """
        key = outcome or _DEFAULT_OUTCOME[status]
        try:
            template = self.spec.templates[key]
        except KeyError:
            raise KeyError(
                f"rule set {self.ruleset.version}: {self.spec.code} has no {key!r} message"
            ) from None
        if expected is not None and type(expected) is not str:
            expected = display(expected)
        if actual is not None and type(actual) is not str:
            actual = display(actual)
        return Check(
            self.spec.code,
            status,
            field or self.spec.field,
            expected,
            actual,
            template.message(expected, actual, self.as_of_text, values),
            evidence or EMPTY,
            expected_text,
            actual_text,
        )

    def shared(self, outcome: str, key: Hashable, build: Callable[..., Check], *args: Any) -> Check:
        """The check ``build(*args)`` makes with message ``outcome``, built once per rule and
        ``key`` (and per as-of date when that message names the date), then shared.

        Only for checks that nothing of the application changes but what ``key`` holds.
        """
        template = self.spec.templates.get(outcome)
        dated = self.as_of_text if template is not None and template.dated else None
        return _SHARED.get((self.spec, outcome, key, dated), _share, build, args)

    def threshold(self, name: str) -> Any:
        return self.spec.params[name]


def _share(build: Callable[..., Check], args: tuple[Any, ...]) -> Check:
    """``build(*args)`` as a :class:`SharedCheck`, its message read-only."""
    built = build(*args)
    message = built.message
    if not isinstance(message, MappingProxyType):
        message = MappingProxyType(dict(message))
    return SharedCheck(*built[:5], message, *built[6:])


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


#: Other rows of a batch a message names at most (duplicates.NAMED_ROWS).
BATCH_ROWS_NAMED = 10

#: "unique", as the uniqueness checks expect it.
UNIQUE_TEXT: Mapping[str, str] = MappingProxyType({"en": "unique", "zh": "唯一"})


def duplicates_seen(ctx: RuleContext, field: str) -> tuple[str, tuple[Duplicate, ...]] | None:
    """(where they were looked for, the other applications sharing ``field``'s value), or
    None when nobody looked. ``live`` is the registry of live applications, ``batch`` the
    other rows of one batch, which rule sets of the first edition did not judge."""
    found = ctx.evidence.duplicates
    if found is None:
        return None
    scope = ctx.evidence.duplicates_scope
    if scope == "batch" and ctx.ruleset.edition < 2:
        return None
    return scope, found.get(field, ())


def uniqueness(
    ctx: RuleContext,
    field: str,
    actual: str,
    *,
    live_outcome: str = "fail",
    **values: Any,
) -> Check | None:
    """The failing check when another application shares ``field``'s value, else None.

    Another live application is never named in the message (its id stays in the evidence,
    for the desk); other rows of a batch are (``{rows}``)."""
    seen = duplicates_seen(ctx, field)
    if seen is None or not seen[1]:
        return None
    scope, others = seen
    if scope == "batch":
        rows = [other.row for other in others if other.row is not None]
        shown = ", ".join(map(str, rows[:BATCH_ROWS_NAMED]))
        if len(rows) > BATCH_ROWS_NAMED:
            shown += " …"  # and more rows: the evidence of a batch names the first few
        return ctx.check(
            Status.FAIL,
            "fail_batch",
            expected="unique",
            actual=actual,
            rows=shown,
            expected_text=UNIQUE_TEXT,
            evidence={"rows": rows},
            **values,
        )
    ids = [other.application_id for other in others]
    return ctx.check(
        Status.FAIL,
        live_outcome,
        expected="unique",
        actual=actual,
        others=", ".join(ids),  # named by first-edition messages only
        expected_text=UNIQUE_TEXT,
        evidence={"duplicates": ids},
        **values,
    )


def unique_outcome(ctx: RuleContext, field: str, live: str = "pass") -> str | None:
    """The message of a value nobody else uses: ``live`` after looking among live
    applications, ``pass_batch`` among a batch's rows, ``None`` when nobody looked."""
    seen = duplicates_seen(ctx, field)
    if seen is None:
        return None
    return "pass_batch" if seen[0] == "batch" else live
