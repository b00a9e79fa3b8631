"""Judge an application against a rule set: run every rule in force, then decide a verdict."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import partial

from onboard.eligibility.model import Application, Check, Evidence, Report, Status, Verdict
from onboard.eligibility.rules import REGISTRY, RuleContext
from onboard.eligibility.rules.entry import route_of
from onboard.eligibility.ruleset import RuleSet

_NO_EVIDENCE = Evidence()


def _not_applicable(context: RuleContext, platform: str) -> Check:
    """n/a depends only on the rule and the platform (and the date, if the message names it)."""
    return context.shared(
        "not_applicable", platform, partial(context.check, Status.NOT_APPLICABLE, actual=platform)
    )


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
    facts = evidence or _NO_EVIDENCE
    platform = application.store.platform
    when_text = when.isoformat()
    checks: list[Check] = []
    for spec in ruleset.rules_in_force(when):
        context = RuleContext(spec, ruleset, when, facts, when_text)
        if spec.platforms is not None:
            if platform is None:
                continue
            if platform not in spec.platforms:
                checks.append(_not_applicable(context, platform))
                continue
        checks.extend(REGISTRY[spec.code](application, context))
    return Report(
        verdict=verdict_of(checks),
        route=route_of(application),
        rules_version=ruleset.version,
        as_of=when,
        checks=tuple(checks),
    )
