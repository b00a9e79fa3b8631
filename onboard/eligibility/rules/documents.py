"""The uploaded documents (RULES.md §4): present, really images, small enough, readable."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from onboard.eligibility.formatting import display
from onboard.eligibility.model import Application, Check, DocumentFacts, Status
from onboard.eligibility.problems import document_problem
from onboard.eligibility.rules.base import RuleContext, rule
from onboard.eligibility.spec import DocumentKind


def _kinds_in_order(ctx: RuleContext) -> list[tuple[DocumentKind, DocumentFacts]]:
    """Every inspected file, in the rule set's document order."""
    inspected = ctx.evidence.documents
    if not inspected:  # no files (every batch line): nothing to look up
        return []
    return [
        (kind, facts)
        for kind in ctx.ruleset.document_kinds.values()
        if (facts := inspected.get(kind.kind)) is not None
    ]


def _text(en: str, zh: str) -> Mapping[str, str]:
    return MappingProxyType({"en": en, "zh": zh})


_UPLOADED = _text("uploaded", "已上传")
_DECLARED = _text("declared", "已声明")
_IMAGE_FORMATS = _text("JPEG, PNG or BMP", "JPEG、PNG 或 BMP")


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.2f} MB"


@rule("document.required")
def required(app: Application, ctx: RuleContext) -> list[Check]:
    inspected = ctx.evidence.documents
    declared = app.documents
    checks = []
    for kind in ctx.ruleset.documents_required(app.entity.region, app.store.platform):
        if kind.kind in inspected:
            checks.append(ctx.shared("pass", kind.kind, _required_check, ctx, kind, Status.PASS))
        elif declared.get(kind.kind):
            checks.append(
                ctx.check(
                    Status.PASS,
                    "pass_declared",
                    field=f"documents.{kind.kind}",
                    expected="uploaded",
                    actual="declared",
                    expected_text=_UPLOADED,
                    actual_text=_DECLARED,
                    file=declared[kind.kind],
                    name_en=kind.name["en"],
                    name_zh=kind.name["zh"],
                )
            )
        else:
            checks.append(
                ctx.shared("missing", kind.kind, _required_check, ctx, kind, Status.MISSING)
            )
    return checks


def _required_check(ctx: RuleContext, kind: DocumentKind, status: Status) -> Check:
    """A kind uploaded or missing: the same check for every application (so shared)."""
    return ctx.check(
        status,
        field=f"documents.{kind.kind}",
        expected="uploaded",
        actual="uploaded" if status is Status.PASS else None,
        expected_text=_UPLOADED,
        actual_text=_UPLOADED if status is Status.PASS else None,
        name_en=kind.name["en"],
        name_zh=kind.name["zh"],
    )


@rule("document.size")
def size(app: Application, ctx: RuleContext) -> list[Check]:
    inspected = _kinds_in_order(ctx)
    if not inspected:  # no files (every batch line): nothing to say
        return []
    limit = ctx.ruleset.max_bytes
    expected = f"< {human_size(limit)}"
    # The limit in the unit it is judged in (RULES.md §7: 5 MiB = 5,242,880 bytes).
    limit_bytes = display(limit)
    mib = limit / (1024 * 1024)
    limit_words = f"{display(int(mib)) if mib.is_integer() else f'{mib:.2f}'} MiB"
    expected_text = _text(
        f"smaller than {limit_words} ({limit_bytes} bytes)",
        f"小于 {limit_words}（{limit_bytes} 字节）",
    )
    checks = []
    for kind, facts in inspected:
        status = Status.FAIL if facts.problem == "too_large" else Status.PASS
        size_bytes = display(facts.size_bytes)
        checks.append(
            ctx.check(
                status,
                field=f"documents.{kind.kind}",
                expected=expected,
                actual=human_size(facts.size_bytes),
                expected_size=human_size(limit),
                size_bytes=size_bytes,
                max_bytes=limit_bytes,
                limit=limit_words,
                expected_text=expected_text,
                actual_text=_text(f"{size_bytes} bytes", f"{size_bytes} 字节"),
                name_en=kind.name["en"],
                name_zh=kind.name["zh"],
                evidence={"size_bytes": facts.size_bytes},
            )
        )
    return checks


@rule("document.format")
def image_format(app: Application, ctx: RuleContext) -> list[Check]:
    checks = []
    for kind, facts in _kinds_in_order(ctx):
        if facts.problem == "too_large":
            continue  # never read whole, so its format is not judged; document.size fails it
        names: dict[str, Any] = {"name_en": kind.name["en"], "name_zh": kind.name["zh"]}
        field = f"documents.{kind.kind}"
        expected = "JPEG, PNG or BMP"
        if facts.problem is None:
            checks.append(
                ctx.check(
                    Status.PASS,
                    field=field,
                    expected=expected,
                    actual=facts.format,
                    expected_text=_IMAGE_FORMATS,
                    width=facts.width or 0,
                    height=facts.height or 0,
                    **names,
                )
            )
            continue
        reason = document_problem(facts, ctx.ruleset)
        checks.append(
            ctx.check(
                Status.FAIL,
                field=field,
                expected=expected,
                actual=facts.detail or facts.problem,
                reason_en=reason["en"],
                reason_zh=reason["zh"],
                expected_text=_IMAGE_FORMATS,
                actual_text=reason,
                evidence={"problem": facts.problem, "detail": facts.detail},
                **names,
            )
        )
    return checks


@rule("document.id_quality")
def id_quality(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    facts = ctx.evidence.documents.get("legal_rep_id")
    if facts is None or facts.problem is not None or facts.quality is None:
        return ()
    quality = facts.quality
    min_sharpness = ctx.threshold("min_sharpness")
    max_border = ctx.threshold("max_border_fraction")
    evidence = {
        "sharpness": round(quality.sharpness, 1),
        "border_fraction": round(quality.border_fraction, 3),
    }
    expected = f"sharpness >= {min_sharpness}, border <= {max_border:.0%}"
    actual = f"sharpness {quality.sharpness:.0f}, border {quality.border_fraction:.0%}"
    texts: dict[str, Any] = {
        "expected_text": _text(expected, f"清晰度 ≥ {min_sharpness}，留白 ≤ {max_border:.0%}"),
        "actual_text": _text(
            actual, f"清晰度 {quality.sharpness:.0f}，留白 {quality.border_fraction:.0%}"
        ),
    }
    if quality.sharpness < min_sharpness:
        return (
            ctx.check(
                Status.REVIEW,
                "review_blur",
                expected=expected,
                actual=actual,
                sharpness=f"{quality.sharpness:.0f}",
                evidence=evidence,
                **texts,
            ),
        )
    if quality.border_fraction > max_border:
        return (
            ctx.check(
                Status.REVIEW,
                "review_border",
                expected=expected,
                actual=actual,
                border_pct=f"{quality.border_fraction * 100:.0f}",
                evidence=evidence,
                **texts,
            ),
        )
    return (ctx.check(Status.PASS, expected=expected, actual=actual, evidence=evidence, **texts),)
