"""The applying company: its registration number, the license image, its documents (§2)."""

from __future__ import annotations

from onboard.eligibility import identifiers, lookalikes
from onboard.eligibility.model import Application, Check
from onboard.eligibility.rules.base import (
    FAIL,
    MISSING,
    NOT_APPLICABLE,
    PASS,
    REVIEW,
    RuleContext,
    duplicates_of,
    problem_reason,
    rule,
)
from onboard.eligibility.ruleset import DocumentKind

_EXPECTED = {
    "CN": ("18-character Unified Social Credit Code", "18 位统一社会信用代码"),
    "HK": ("8-digit Business Registration number", "8 位商业登记号码"),
}
#: The document whose image carries the registration number, per region.
LICENSE_DOCUMENT = {"CN": "business_license", "HK": "hk_business_registration"}


def _judged_region(app: Application, ctx: RuleContext) -> str | Check:
    """The region when its papers are judged (CN, HK); otherwise the check to report
    instead: missing while no region is given, n/a for any other region."""
    region = app.entity.region
    if not region:
        return ctx.shared("missing_region", None, _region_missing, ctx)
    if region not in _EXPECTED:
        return ctx.shared("not_applicable", region, _region_not_judged, ctx, region)
    return region


def _region_missing(ctx: RuleContext) -> Check:
    return ctx.check(MISSING, "missing_region", field="entity.region")


def _region_not_judged(ctx: RuleContext, region: str) -> Check:
    return ctx.check(NOT_APPLICABLE, actual=region)


@rule("entity.license_number")
def license_number(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    region = _judged_region(app, ctx)
    if isinstance(region, Check):
        return (region,)
    expected_en, expected_zh = _EXPECTED[region]
    typed = app.entity.license_number
    if not typed or not typed.strip():
        return (ctx.check(MISSING, expected=expected_en, expected_zh=expected_zh),)
    result = (
        identifiers.validate_uscc(typed) if region == "CN" else identifiers.validate_hk_br(typed)
    )
    if result.valid:
        return (ctx.check(PASS, expected=expected_en, actual=result.normalized),)
    reason = problem_reason(ctx, result)
    status = REVIEW if result.review else FAIL
    return (
        ctx.check(
            status,
            expected=expected_en,
            actual=result.normalized or typed,
            reason_en=reason["en"],
            reason_zh=reason["zh"],
            evidence={"problem": result.problem, **result.details},
        ),
    )


def _declared(app: Application, ctx: RuleContext, kind: str) -> bool:
    return kind in app.documents or kind in ctx.evidence.documents


@rule("entity.license_ocr")
def license_ocr(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    region = app.entity.region
    if not region:
        return ()
    if region not in LICENSE_DOCUMENT:
        return (ctx.check(NOT_APPLICABLE, actual=region),)
    kind = LICENSE_DOCUMENT[region]
    if not _declared(app, ctx, kind):
        return (ctx.check(MISSING, field=f"documents.{kind}"),)
    typed = identifiers.normalize_identifier(app.entity.license_number or "")
    if not typed:
        return (ctx.check(MISSING, "missing_number"),)
    reading = ctx.evidence.license_reading
    if reading is None:
        # The image was declared by name only, or not read (OCR off, undecodable file: the
        # document rules report that). Like uniqueness without a registry: not judged.
        return ()
    shown = reading.to_dict()
    if reading.status not in ("ok", "corrected") or not reading.license_number:
        return (
            ctx.check(
                REVIEW,
                "review_unread",
                actual=typed,
                reading=reading.status,
                evidence={"ocr": shown},
            ),
        )
    read = reading.license_number
    if region == "HK":
        typed = identifiers.validate_hk_br(typed).normalized or typed
    comparison = lookalikes.compare_license_numbers(typed, read)
    if comparison.equal:
        return (ctx.check(PASS, expected=read, actual=typed, evidence={"ocr": shown}),)
    if comparison.only_lookalikes:
        return (
            ctx.check(
                REVIEW,
                "review_lookalike",
                expected=read,
                actual=typed,
                positions=", ".join(str(p) for p in comparison.positions),
                typed=typed,
                read=read,
                valid=read,
                evidence={"ocr": shown, "positions": list(comparison.positions)},
            ),
        )
    return (
        ctx.check(
            FAIL,
            expected=read,
            actual=typed,
            typed=typed,
            read=read,
            evidence={"ocr": shown, "positions": list(comparison.positions)},
        ),
    )


@rule("entity.license_duplicate")
def license_duplicate(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    others = duplicates_of(ctx, "entity.license_number")
    if others is None or not app.entity.license_number:
        return ()
    if others:
        return (
            ctx.check(
                FAIL,
                expected="unique",
                actual=f"used by {len(others)} other application(s)",
                others=", ".join(others),
                evidence={"duplicates": list(others)},
            ),
        )
    return (ctx.check(PASS, expected="unique", actual="unique"),)


@rule("entity.hk_documents")
def registration_documents(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    region = _judged_region(app, ctx)
    if isinstance(region, Check):
        return (region,)
    kinds = ctx.ruleset.documents_of_region(region)
    declared, inspected = app.documents, ctx.evidence.documents
    absent = tuple(
        kind.kind for kind in kinds if kind.kind not in declared and kind.kind not in inspected
    )
    # Decided by the region and which of its few kinds are absent: built once per such pair.
    outcome = "missing" if absent else "pass"
    return (ctx.shared(outcome, (region, absent), _documents_check, ctx, region, kinds, absent),)


def _documents_check(
    ctx: RuleContext,
    region: str,
    kinds: tuple[DocumentKind, ...],
    absent: tuple[str, ...],
) -> Check:
    """The check of ``region``'s registration ``kinds`` when those named ``absent`` are."""
    expected = ", ".join(kind.kind for kind in kinds)
    if not absent:
        return ctx.check(PASS, field="documents", expected=expected, actual=expected, region=region)
    missing = [kind for kind in kinds if kind.kind in absent]
    return ctx.check(
        MISSING,
        field=f"documents.{absent[0]}",
        expected=expected,
        actual=", ".join(k.kind for k in kinds if k.kind not in absent) or "none",
        missing_en=", ".join(kind.name["en"] for kind in missing),
        missing_zh="、".join(kind.name["zh"] for kind in missing),
    )
