"""Judge an application against a rule set: run every rule in force, then decide a verdict."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import partial

from onboard.eligibility.memo import Memo
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

#: Plans for the evidences many applications share (none at all, every JSON pre-screen; a
#: batch row sharing nothing with another), by rule set, as-of date, platform and evidence: a
#: batch judges many applications on few such keys.
_PLANS: Memo[Plan] = Memo(4096)


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


def verdict_of(checks: Iterable[Check]) -> Verdict:
    """RULES.md: ineligible if any fails; else incomplete if any missing; else review if any
    needs review; else eligible."""
    statuses = {check.status for check in checks}
    if Status.FAIL in statuses:
        return Verdict.INELIGIBLE
    if Status.MISSING in statuses:
        return Verdict.INCOMPLETE
    if Status.REVIEW in statuses:
        return Verdict.REVIEW
    return Verdict.ELIGIBLE


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
    if evidence is None or evidence is NO_DUPLICATES_IN_BATCH:
        shared = evidence or _NO_EVIDENCE
        steps = _PLANS.get(
            (ruleset, when, platform, evidence is None), plan, ruleset, when, platform, shared
        )
    else:
        steps = plan(ruleset, when, platform, evidence)
    checks: list[Check] = []
    for function, context in steps:
        checks.extend(function(application, context))
    invitation = ruleset.invitation_route
    if invitation is not None and invitation_granted(application):
        checks = [_on_invitation_route(check, invitation, ruleset) for check in checks]
    return Report(verdict_of(checks), route_of(application), ruleset.version, when, tuple(checks))


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
    if status not in (Status.MISSING, Status.FAIL) or not _store_requirement(check, route):
        return check
    check = Check._make(check)  # a shared check's copy is this application's own
    if status is Status.MISSING:
        return check._replace(
            status=Status.NOT_APPLICABLE, message=route.messages["not_applicable"]
        )
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
    return check._replace(status=Status.REVIEW, message=message, evidence=evidence)
