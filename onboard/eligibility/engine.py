"""Judge an application against a rule set: run every rule in force, then decide a verdict."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date
from functools import partial

from onboard.eligibility.model import (
    NO_DUPLICATES_IN_BATCH,
    Application,
    Check,
    Evidence,
    Report,
    Status,
    Verdict,
)
from onboard.eligibility.rules import REGISTRY, RuleContext, RuleFunction
from onboard.eligibility.rules.entry import invitation_granted, route_of
from onboard.eligibility.ruleset import InvitationRoute, RuleSet

_NO_EVIDENCE = Evidence()

#: A plan: each rule in force to run, with its context (built once per plan).
Plan = tuple[tuple[RuleFunction, RuleContext], ...]

#: Plans for applications without evidence (every batch line, every JSON pre-screen), by
#: rule set, as-of date and platform: a batch judges many applications on few such triples.
#: The rule set is kept in the value so that its id() cannot be reused while the entry lives.
_PLANS: dict[tuple[int, date, str | None, str], tuple[RuleSet, Plan]] = {}
_PLANS_MAX = 4096


def _not_applicable(context: RuleContext, platform: str) -> Check:
    """n/a depends only on the rule and the platform (and the date, if the message names it)."""
    return context.shared(
        "not_applicable",
        platform,
        partial(
            context.check,
            Status.NOT_APPLICABLE,
            actual=platform,
            actual_text=context.ruleset.platforms.get(platform),
        ),
    )


def _always(check: Check) -> RuleFunction:
    """A rule whose answer is known in advance (n/a on this platform)."""
    answer = (check,)
    return lambda application, context: answer


def plan(ruleset: RuleSet, when: date, platform: str | None, evidence: Evidence) -> Plan:
    """What judging an application on ``platform`` takes, in rule-set order: each rule in
    force with its context, or its n/a check where the rule is limited to other platforms.
    Store rules limited to some platforms are left out while the platform is unknown."""
    when_text = when.isoformat()
    steps: list[tuple[RuleFunction, RuleContext]] = []
    for spec in ruleset.rules_in_force(when):
        context = RuleContext(spec, ruleset, when, evidence, when_text)
        if spec.platforms is not None:
            if platform is None:
                continue
            if platform not in spec.platforms:
                steps.append((_always(_not_applicable(context, platform)), context))
                continue
        steps.append((REGISTRY[spec.code], context))
    return tuple(steps)


def _plan_shared(
    ruleset: RuleSet, when: date, platform: str | None, evidence: Evidence, scope: str
) -> Plan:
    """The plan for one of the few evidences many applications share (none at all; a batch
    row sharing nothing with another), ``scope`` naming which."""
    key = (id(ruleset), when, platform, scope)
    found = _PLANS.get(key)
    if found is not None:
        return found[1]
    steps = plan(ruleset, when, platform, evidence)
    if len(_PLANS) >= _PLANS_MAX:
        _PLANS.clear()
    _PLANS[key] = (ruleset, steps)
    return steps


# Enum members as module globals: Python 3.11 finds ``Status.FAIL`` on a slow path (see
# onboard.eligibility.rules.base), and every report asks for several.
_FAIL, _MISSING, _REVIEW = Status.FAIL, Status.MISSING, Status.REVIEW
_NOT_APPLICABLE = Status.NOT_APPLICABLE
_INELIGIBLE, _INCOMPLETE = Verdict.INELIGIBLE, Verdict.INCOMPLETE
_TO_REVIEW, _ELIGIBLE = Verdict.REVIEW, Verdict.ELIGIBLE


def verdict_of(checks: Iterable[Check]) -> Verdict:
    """RULES.md: ineligible if any fails; else incomplete if any missing; else review if any
    needs review; else eligible."""
    statuses = {check.status for check in checks}
    if _FAIL in statuses:
        return _INELIGIBLE
    if _MISSING in statuses:
        return _INCOMPLETE
    if _REVIEW in statuses:
        return _TO_REVIEW
    return _ELIGIBLE


# Report(...) sets each field of the frozen dataclass through object.__setattr__, which is
# a sixth of the engine's own work per application; a report is filled through its slots
# instead, which is safe for a plain slotted dataclass without __post_init__ (checked here).
_REPORT_FIELDS = ("verdict", "route", "rules_version", "as_of", "checks")
if (
    not hasattr(Report, "__slots__")
    or hasattr(Report, "__post_init__")
    or tuple(field.name for field in dataclasses.fields(Report)) != _REPORT_FIELDS
):
    raise TypeError("Report must be a plain slotted dataclass of the fields _new_report fills")
_REPORT_SLOT_SETTERS = tuple(getattr(Report, name).__set__ for name in _REPORT_FIELDS)


def _new_report(
    verdict: Verdict, route: str, rules_version: str, as_of: date, checks: tuple[Check, ...]
) -> Report:
    """``Report(verdict, route, rules_version, as_of, checks)``."""
    report: Report = object.__new__(Report)
    set_verdict, set_route, set_rules_version, set_as_of, set_checks = _REPORT_SLOT_SETTERS
    set_verdict(report, verdict)
    set_route(report, route)
    set_rules_version(report, rules_version)
    set_as_of(report, as_of)
    set_checks(report, checks)
    return report


def evaluate(
    application: Application,
    ruleset: RuleSet,
    *,
    as_of: date | None = None,
    evidence: Evidence | None = None,
) -> Report:
    """The report for ``application``.

    The as-of date is the application's own ``as_of``; ``as_of`` here stands in for "today"
    when the application gives none (the CLI's ``--as-of``), and the real today otherwise.
    ``evidence`` brings what the pure rules cannot see (files, OCR, other applications).
    Rules whose own effective dates exclude the as-of date are not run; store rules limited to
    some platforms answer ``n/a`` on the others and are left out while the platform is unknown.
    """
    when = application.as_of or as_of or date.today()
    platform = application.store.platform
    if evidence is None:
        steps = _plan_shared(ruleset, when, platform, _NO_EVIDENCE, "none")
    elif evidence is NO_DUPLICATES_IN_BATCH:
        steps = _plan_shared(ruleset, when, platform, evidence, "batch")
    else:
        steps = plan(ruleset, when, platform, evidence)
    checks: list[Check] = []
    for function, context in steps:
        checks.extend(function(application, context))
    invitation = ruleset.invitation_route
    if invitation is not None and invitation_granted(application):
        checks = [_on_invitation_route(check, invitation, ruleset) for check in checks]
    return _new_report(
        verdict_of(checks), route_of(application), ruleset.version, when, tuple(checks)
    )


def _store_requirement(check: Check, route: InvitationRoute) -> bool:
    if check.code in route.store_rules:
        return True
    return check.code == "document.required" and (
        check.field.removeprefix("documents.") in route.store_documents
    )


def _on_invitation_route(check: Check, route: InvitationRoute, ruleset: RuleSet) -> Check:
    """RULES.md §1 (edition of 2026-12-06): with an invitation code, the standard route's
    store requirements are not prerequisites. What they miss is ``n/a``; what would fail
    them goes to ``review``, the message saying what the standard route would need."""
    status = check.status
    if (status is not _MISSING and status is not _FAIL) or not _store_requirement(check, route):
        return check
    check = Check._make(check)  # a shared check's copy is this application's own
    if status is _MISSING:
        return check._replace(status=_NOT_APPLICABLE, message=route.messages["not_applicable"])
    title = ruleset.rule(check.code).title
    shown = check.actual_text or {"en": check.actual or "—", "zh": check.actual or "—"}
    names = {
        "title_en": title["en"],
        "title_zh": title["zh"],
        "actual_en": shown["en"],
        "actual_zh": shown["zh"],
    }
    message = {lang: text.format_map(names) for lang, text in route.messages["review"].items()}
    evidence = {
        **check.evidence,
        "standard_route": {"status": "fail", "message": dict(check.message)},
    }
    return check._replace(status=_REVIEW, message=message, evidence=evidence)
