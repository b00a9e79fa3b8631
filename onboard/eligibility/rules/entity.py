"""The applying company: its registration number, the license image, its documents (§2)."""

from __future__ import annotations

from collections.abc import Iterator

from onboard.eligibility import identifiers, lookalikes
from onboard.eligibility.model import Application, Check, Status
from onboard.eligibility.rules.base import RuleContext, duplicates_of, problem_reason, rule
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
        return ctx.shared(
            "missing_region",
            None,
            lambda: ctx.check(Status.MISSING, "missing_region", field="entity.region"),
        )
    if region not in _EXPECTED:
        return ctx.shared(
            "not_applicable",
            region,
            lambda: ctx.check(Status.NOT_APPLICABLE, actual=region),
        )
    return region


@rule("entity.license_number")
def license_number(app: Application, ctx: RuleContext) -> Iterator[Check]:
    region = _judged_region(app, ctx)
    if isinstance(region, Check):
        yield region
        return
    expected_en, expected_zh = _EXPECTED[region]
    typed = app.entity.license_number
    if not typed or not typed.strip():
        yield ctx.check(Status.MISSING, expected=expected_en, expected_zh=expected_zh)
        return
    result = (
        identifiers.validate_uscc(typed) if region == "CN" else identifiers.validate_hk_br(typed)
    )
    if result.valid:
        yield ctx.check(Status.PASS, expected=expected_en, actual=result.normalized)
        return
    reason = problem_reason(ctx, result)
    status = Status.REVIEW if result.review else Status.FAIL
    yield ctx.check(
        status,
        expected=expected_en,
        actual=result.normalized or typed,
        reason_en=reason["en"],
        reason_zh=reason["zh"],
        evidence={"problem": result.problem, **result.details},
    )


def _declared(app: Application, ctx: RuleContext, kind: str) -> bool:
    return kind in app.documents or kind in ctx.evidence.documents


@rule("entity.license_ocr")
def license_ocr(app: Application, ctx: RuleContext) -> Iterator[Check]:
    region = app.entity.region
    if not region:
        return
    if region not in LICENSE_DOCUMENT:
        yield ctx.check(Status.NOT_APPLICABLE, actual=region)
        return
    kind = LICENSE_DOCUMENT[region]
    if not _declared(app, ctx, kind):
        yield ctx.check(Status.MISSING, field=f"documents.{kind}")
        return
    typed = identifiers.normalize_identifier(app.entity.license_number or "")
    if not typed:
        yield ctx.check(Status.MISSING, "missing_number")
        return
    reading = ctx.evidence.license_reading
    if reading is None:
        # The image was declared by name only, or not read (OCR off, undecodable file: the
        # document rules report that). Like uniqueness without a registry: not judged.
        return
    shown = reading.to_dict()
    if reading.status not in ("ok", "corrected") or not reading.license_number:
        yield ctx.check(
            Status.REVIEW,
            "review_unread",
            actual=typed,
            reading=reading.status,
            evidence={"ocr": shown},
        )
        return
    read = reading.license_number
    if region == "HK":
        typed = identifiers.validate_hk_br(typed).normalized or typed
    comparison = lookalikes.compare_license_numbers(typed, read)
    if comparison.equal:
        yield ctx.check(Status.PASS, expected=read, actual=typed, evidence={"ocr": shown})
    elif comparison.only_lookalikes:
        yield ctx.check(
            Status.REVIEW,
            "review_lookalike",
            expected=read,
            actual=typed,
            positions=", ".join(str(p) for p in comparison.positions),
            typed=typed,
            read=read,
            valid=read,
            evidence={"ocr": shown, "positions": list(comparison.positions)},
        )
    else:
        yield ctx.check(
            Status.FAIL,
            expected=read,
            actual=typed,
            typed=typed,
            read=read,
            evidence={"ocr": shown, "positions": list(comparison.positions)},
        )


@rule("entity.license_duplicate")
def license_duplicate(app: Application, ctx: RuleContext) -> Iterator[Check]:
    others = duplicates_of(ctx, "entity.license_number")
    if others is None or not app.entity.license_number:
        return
    if others:
        yield ctx.check(
            Status.FAIL,
            expected="unique",
            actual=f"used by {len(others)} other application(s)",
            others=", ".join(others),
            evidence={"duplicates": list(others)},
        )
    else:
        yield ctx.check(Status.PASS, expected="unique", actual="unique")


@rule("entity.hk_documents")
def registration_documents(app: Application, ctx: RuleContext) -> Iterator[Check]:
    region = _judged_region(app, ctx)
    if isinstance(region, Check):
        yield region
        return
    kinds = tuple(
        kind
        for kind in ctx.ruleset.document_kinds.values()
        if kind.regions is not None and region in kind.regions
    )
    absent = tuple(kind for kind in kinds if not _declared(app, ctx, kind.kind))
    # Decided by the region and which of its few kinds are absent: built once per such pair.
    yield ctx.shared(
        "missing" if absent else "pass",
        (region, tuple(kind.kind for kind in absent)),
        lambda: _documents_check(ctx, region, kinds, absent),
    )


def _documents_check(
    ctx: RuleContext,
    region: str,
    kinds: tuple[DocumentKind, ...],
    absent: tuple[DocumentKind, ...],
) -> Check:
    expected = ", ".join(kind.kind for kind in kinds)
    if not absent:
        return ctx.check(
            Status.PASS, field="documents", expected=expected, actual=expected, region=region
        )
    return ctx.check(
        Status.MISSING,
        field=f"documents.{absent[0].kind}",
        expected=expected,
        actual=", ".join(k.kind for k in kinds if k not in absent) or "none",
        missing_en=", ".join(kind.name["en"] for kind in absent),
        missing_zh="、".join(kind.name["zh"] for kind in absent),
    )
