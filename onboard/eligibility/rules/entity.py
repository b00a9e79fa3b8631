"""The applying company: its registration number, what kind of holder it is, the license
image (its number and printed names), its documents (RULES.md §2)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from onboard.eligibility import identifiers, lookalikes
from onboard.eligibility.model import Application, Check, LicenseReading, Status
from onboard.eligibility.rules.base import (
    RuleContext,
    duplicates_seen,
    problem_reason,
    rule,
    unique_outcome,
    uniqueness,
)
from onboard.eligibility.rules.store import fold_company, fold_person, same_script
from onboard.eligibility.spec import DocumentKind
from onboard.eligibility.vocabulary import REGIONS

_EXPECTED = {
    "CN": ("18-character Unified Social Credit Code", "18 位统一社会信用代码"),
    "HK": ("8-digit Business Registration number", "8 位商业登记号码"),
}
#: What the registration number is called, by region (RULES.md §7: the guide's words).
NUMBER_NAMES = {
    "CN": ("Unified Social Credit Code", "统一社会信用代码"),
    "HK": ("Business Registration number", "商业登记号码"),
}
#: The document whose image carries the registration number, per region.
LICENSE_DOCUMENT = {"CN": "business_license", "HK": "hk_business_registration"}
#: The Hong Kong document whose image carries the company's name (RULES.md
#: ``entity.license_name``: "HK: the name on the Certificate of Incorporation").
INCORPORATION_DOCUMENT = "hk_incorporation_certificate"
#: Every document whose image is read by OCR, per region.
READ_DOCUMENTS = {
    "CN": (LICENSE_DOCUMENT["CN"],),
    "HK": (LICENSE_DOCUMENT["HK"], INCORPORATION_DOCUMENT),
}


def _text(en: str, zh: str) -> Mapping[str, str]:
    return MappingProxyType({"en": en, "zh": zh})


_EXPECTED_TEXT = {region: _text(*texts) for region, texts in _EXPECTED.items()}


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
    return ctx.check(Status.MISSING, "missing_region", field="entity.region")


def _region_not_judged(ctx: RuleContext, region: str, outcome: str = "not_applicable") -> Check:
    return ctx.check(Status.NOT_APPLICABLE, outcome, actual=region)


#: The region's number and license document as messages name them (the document names are
#: the rule set's, in the guide's terms: tests/test_rulebook_2026_11_2.py holds them equal).
_LICENSE_NAMES: Mapping[str, Mapping[str, str]] = {
    "CN": MappingProxyType(
        {
            "number_en": "Unified Social Credit Code",
            "number_zh": "统一社会信用代码",
            "license_en": "business license",
            "license_zh": "营业执照",
        }
    ),
    "HK": MappingProxyType(
        {
            "number_en": "Business Registration number",
            "number_zh": "商业登记号码",
            "license_en": "Business Registration Certificate",
            "license_zh": "商业登记证",
        }
    ),
}


def _license_names(region: str) -> Mapping[str, Any]:
    return _LICENSE_NAMES[region]


#: The Hong Kong document ``entity.license_name`` reads the company's name from.
_INCORPORATION_NAMES: Mapping[str, str] = MappingProxyType(
    {
        **_LICENSE_NAMES["HK"],
        "license_en": "Certificate of Incorporation",
        "license_zh": "公司注册证明书",
    }
)


@lru_cache(maxsize=1024)
def _validate(region: str, typed: str) -> identifiers.IdCheck:
    """The registration number judged by its region's rules. Kept by value for a while:
    entity.license_number and entity.enterprise judge the same number of an application, a
    few rules apart, and a USCC's checks cost ~4 µs (half of entity.enterprise's time)."""
    return identifiers.validate_uscc(typed) if region == "CN" else identifiers.validate_hk_br(typed)


@rule("entity.license_number")
def license_number(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    region = _judged_region(app, ctx)
    if isinstance(region, Check):
        return (region,)
    expected_en, expected_zh = _EXPECTED[region]
    expected_text = _EXPECTED_TEXT[region]
    typed = app.entity.license_number
    if not typed or not typed.strip():
        return (
            ctx.check(
                Status.MISSING,
                expected=expected_en,
                expected_zh=expected_zh,
                expected_text=expected_text,
            ),
        )
    result = _validate(region, typed)
    names = _license_names(region)
    if result.valid:
        return (
            ctx.check(
                Status.PASS,
                expected=expected_en,
                actual=result.normalized,
                expected_text=expected_text,
                **names,
            ),
        )
    reason = problem_reason(ctx, result)
    status = Status.REVIEW if result.review else Status.FAIL
    return (
        ctx.check(
            status,
            expected=expected_en,
            actual=result.normalized or typed,
            reason_en=reason["en"],
            reason_zh=reason["zh"],
            evidence={"problem": result.problem, **result.details},
            expected_text=expected_text,
            **names,
        ),
    )


# --- entity.enterprise --------------------------------------------------------------------

_ENTERPRISE_TEXT = _text("an enterprise's business license", "企业营业执照")
_HK_COMPANY_TEXT = _text(
    "a company's Certificate of Incorporation number (1 to 8 digits)",
    "公司注册证明书编号（1 至 8 位数字）",
)


def _holder(ctx: RuleContext, code: str) -> Mapping[str, str]:
    holders = ctx.ruleset.uscc_holders
    found = holders.get(code[:2]) or holders.get(code[:1])
    return found or _text("a body that is not an enterprise", "非企业单位")


@rule("entity.enterprise")
def enterprise(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    """CN: what a valid USCC's first two characters say the holder is (RULES.md §2);
    HK: a company, shown by its Certificate of Incorporation's number."""
    region = app.entity.region
    if region not in _EXPECTED:
        if not region:
            return (ctx.shared("not_applicable", None, _enterprise_not_judged, ctx),)
        return (
            ctx.shared(
                "not_applicable_region",
                region,
                _region_not_judged,
                ctx,
                region,
                "not_applicable_region",
            ),
        )
    typed = app.entity.license_number
    result = _validate(region, typed) if typed and typed.strip() else None
    if result is None or not result.valid:
        return (ctx.shared("not_applicable", None, _enterprise_not_judged, ctx),)
    if region == "HK":
        return (_hk_company(app, ctx),)
    # Decided by the code's first two characters alone: one check per kind, shared.
    kind = result.normalized[:2]
    return (ctx.shared("holder", kind, _holder_check, ctx, kind),)


def _holder_check(ctx: RuleContext, kind: str) -> Check:
    if kind in ctx.threshold("enterprise"):
        outcome, status = "pass", Status.PASS
    elif kind in ctx.threshold("not_enterprise"):
        outcome, status = "fail", Status.FAIL
    else:
        outcome, status = "fail_not_business", Status.FAIL
    holder = _holder(ctx, kind)
    return ctx.check(
        status,
        outcome,
        expected="91",
        actual=kind,
        holder_en=holder["en"],
        holder_zh=holder["zh"],
        expected_text=_ENTERPRISE_TEXT,
        actual_text=holder,
        evidence={"holder_type": kind},
    )


def _enterprise_not_judged(ctx: RuleContext) -> Check:
    return ctx.check(Status.NOT_APPLICABLE)


def _hk_company(app: Application, ctx: RuleContext) -> Check:
    field = "entity.hk_ci_number"
    typed = app.entity.hk_ci_number
    if not typed or not typed.strip():
        return ctx.check(
            Status.MISSING,
            "missing_hk",
            field=field,
            expected="CI number",
            expected_text=_HK_COMPANY_TEXT,
        )
    result = identifiers.validate_hk_ci(typed)
    if result.valid:
        return ctx.check(
            Status.PASS,
            "pass_hk",
            field=field,
            expected="CI number",
            actual=result.normalized,
            expected_text=_HK_COMPANY_TEXT,
        )
    return ctx.check(
        Status.FAIL,
        "fail_hk",
        field=field,
        expected="CI number",
        actual=result.normalized or typed.strip(),
        expected_text=_HK_COMPANY_TEXT,
        evidence={"problem": result.problem},
    )


# --- the license image --------------------------------------------------------------------


def _declared(app: Application, ctx: RuleContext, kind: str) -> bool:
    return kind in app.documents or kind in ctx.evidence.documents


def _license_image_missing(ctx: RuleContext, region: str, kind: str) -> Check:
    return ctx.check(Status.MISSING, field=f"documents.{kind}", **_license_names(region))


#: What the reader's statuses mean, as the edition-2 messages say them.
_READING_WORDS = {
    "ambiguous": ("several readings fit, or none", "有多种可能的读法或无法确定"),
    "unreadable": ("no number was found", "未找到号码"),
}


@rule("entity.license_ocr")
def license_ocr(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    region = app.entity.region
    if not region:
        return ()
    if region not in LICENSE_DOCUMENT:
        return (ctx.check(Status.NOT_APPLICABLE, actual=region),)
    kind = LICENSE_DOCUMENT[region]
    if not _declared(app, ctx, kind):
        # The same for every application of the region: built once.
        return (ctx.shared("missing", region, _license_image_missing, ctx, region, kind),)
    names = _license_names(region)
    typed = identifiers.normalize_identifier(app.entity.license_number or "")
    if not typed:
        return (ctx.check(Status.MISSING, "missing_number"),)
    reading = ctx.evidence.license_reading
    if reading is None:
        # The image was declared by name only, or not read (OCR off, undecodable file: the
        # document rules report that). Like uniqueness without a registry: not judged.
        return ()
    shown = reading.to_dict()
    if reading.status not in ("ok", "corrected") or not reading.license_number:
        words = _READING_WORDS.get(reading.status, (reading.status, "无法识别"))
        if reading.shows:  # the photo's title names the other certificate: say so
            words = (
                f"the photo shows the {_INCORPORATION_NAMES['license_en']}",
                f"照片是{_INCORPORATION_NAMES['license_zh']}",
            )
        return (
            ctx.check(
                Status.REVIEW,
                "review_unread",
                actual=typed,
                reading=reading.status,
                reading_en=words[0],
                reading_zh=words[1],
                evidence={"ocr": shown},
                **names,
            ),
        )
    read = reading.license_number
    if region == "HK":
        typed = identifiers.validate_hk_br(typed).normalized or typed
    comparison = lookalikes.compare_license_numbers(typed, read)
    if comparison.equal:
        return (
            ctx.check(Status.PASS, expected=read, actual=typed, evidence={"ocr": shown}, **names),
        )
    if comparison.only_lookalikes:
        valid_en, valid_zh = _valid_reading(region, typed, read)
        return (
            ctx.check(
                Status.REVIEW,
                "review_lookalike",
                expected=read,
                actual=typed,
                positions=", ".join(str(p) for p in comparison.positions),
                typed=typed,
                read=read,
                valid=read,
                valid_en=valid_en,
                valid_zh=valid_zh,
                evidence={"ocr": shown, "positions": list(comparison.positions)},
                **names,
            ),
        )
    return (
        ctx.check(
            Status.FAIL,
            expected=read,
            actual=typed,
            typed=typed,
            read=read,
            evidence={"ocr": shown, "positions": list(comparison.positions)},
            **names,
        ),
    )


def _valid_reading(region: str, typed: str, read: str) -> tuple[str, str]:
    """Which of two look-alike readings passes the number's checks, in both languages."""
    typed_ok, read_ok = _validate(region, typed).valid, _validate(region, read).valid
    if typed_ok and not read_ok:
        valid = typed
    elif read_ok and not typed_ok:
        valid = read
    elif typed_ok:
        return (
            "Both readings pass the number's checks.",
            "两种读法都能通过号码校验。",
        )
    else:
        return (
            "Neither reading passes the number's checks.",
            "两种读法都不能通过号码校验。",
        )
    return (
        f"Only {valid} passes the number's checks: that is the valid reading.",
        f"只有 {valid} 能通过号码校验，这是有效的读法。",
    )


@rule("entity.license_name")
def license_name(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    """The company name printed on the license image is the one typed in (RULES.md §2)."""
    region = app.entity.region
    if region not in LICENSE_DOCUMENT:
        return (ctx.shared("not_applicable", None, _printed_not_judged, ctx, "not_applicable"),)
    if region == "HK":
        # The name on the Certificate of Incorporation, in the script typed when the CI
        # prints the company's name in both.
        reading = ctx.evidence.incorporation_reading
        name = "company_name"
        typed = app.entity.company_name or ""
        chinese = reading.fields.get("company_name_zh") if reading is not None else None
        if chinese is not None and chinese.value and same_script(chinese.value, typed):
            name = "company_name_zh"
        return (
            _printed_check(
                ctx,
                reading,
                _INCORPORATION_NAMES,
                typed_value=typed,
                name=name,
                fold=fold_company,
                field="entity.company_name",
            ),
        )
    return (
        _printed_check(
            ctx,
            ctx.evidence.license_reading,
            _license_names(region),
            typed_value=app.entity.company_name,
            name="company_name",
            fold=fold_company,
            field="entity.company_name",
        ),
    )


@rule("legal_rep.license_name")
def legal_rep_license_name(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    """CN: the legal representative printed on the license is the one typed in; HK
    certificates print none."""
    region = app.entity.region
    if region == "HK":
        return (
            ctx.shared("not_applicable_hk", region, _printed_not_judged, ctx, "not_applicable_hk"),
        )
    if region != "CN":
        return (ctx.shared("not_applicable", None, _printed_not_judged, ctx, "not_applicable"),)
    return (
        _printed_check(
            ctx,
            ctx.evidence.license_reading,
            _license_names(region),
            typed_value=app.legal_rep.name,
            name="legal_representative",
            fold=fold_person,
            field="legal_rep.name",
        ),
    )


def _printed_not_judged(ctx: RuleContext, outcome: str) -> Check:
    return ctx.check(Status.NOT_APPLICABLE, outcome)


_NO_VALUE = "—"


def _printed_check(
    ctx: RuleContext,
    reading: LicenseReading | None,
    names: Mapping[str, Any],
    *,
    typed_value: str | None,
    name: str,
    fold: Callable[[str], str],
    field: str,
) -> Check:
    """``reading``'s printed field ``name`` against ``typed_value``; ``names`` are the
    document's (and its number's) names the messages use."""
    printed = reading.fields.get(name) if reading is not None else None
    if printed is None:
        # No image read, or the reader did not look for this field: nothing to compare.
        return ctx.shared("not_applicable", None, _printed_not_judged, ctx, "not_applicable")
    typed = (typed_value or "").strip()
    if not typed:
        return ctx.check(Status.MISSING, field=field, **names)
    read = (printed.value or "").strip()
    values: dict[str, Any] = {"typed": typed, "read": read or _NO_VALUE, **names}
    evidence = {"printed": printed.to_dict()}
    if read and fold(read) == fold(typed):
        # Every character agrees with what was typed: even a reading the OCR was unsure of
        # confirms the name (a misread that spells out exactly the typed name is not a risk
        # worth a person's time).
        return ctx.check(Status.PASS, expected=read, actual=typed, evidence=evidence, **values)
    if printed.status != "ok" or not read:
        return ctx.check(
            Status.REVIEW, expected=read or None, actual=typed, evidence=evidence, **values
        )
    if name == "company_name" and not same_script(read, typed):
        return ctx.check(
            Status.REVIEW, "review_script", expected=read, actual=typed, evidence=evidence, **values
        )
    return ctx.check(Status.FAIL, expected=read, actual=typed, evidence=evidence, **values)


# --- duplicates and documents -------------------------------------------------------------


@rule("entity.license_duplicate")
def license_duplicate(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    field = "entity.license_number"
    typed = app.entity.license_number
    if not typed:
        return ()
    seen = duplicates_seen(ctx, field)
    if seen is None:  # a single pre-screen: checked at submission (edition 2)
        if ctx.ruleset.edition < 2:
            return ()
        return (ctx.shared("not_applicable", None, _unchecked, ctx),)
    region = app.entity.region
    names = _license_names(region if region in _EXPECTED else "CN")
    if seen is not None and seen[0] == "live" and seen[1]:
        count = len(seen[1])
        actual = f"used by {count} other application(s)"
        zh = f"已被 {count} 份其他申请使用"
        found = uniqueness(ctx, field, actual, actual_text=_text(actual, zh), **names)
    else:
        found = uniqueness(ctx, field, typed.strip(), **names)
    if found is not None:
        return (found,)
    return (
        ctx.check(
            Status.PASS,
            unique_outcome(ctx, field),
            expected="unique",
            actual="unique",
            expected_text=_UNIQUE,
            actual_text=_UNIQUE,
            **names,
        ),
    )


_UNIQUE = _text("unique", "唯一")


def _unchecked(ctx: RuleContext) -> Check:
    """A pre-screen cannot see other applications: checked at submission (RULES.md §6)."""
    return ctx.check(Status.NOT_APPLICABLE, expected="unique", expected_text=_UNIQUE)


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
    expected_text = _text(
        ", ".join(kind.name["en"] for kind in kinds), "、".join(kind.name["zh"] for kind in kinds)
    )
    region_names = REGIONS[region]
    if not absent:
        return ctx.check(
            Status.PASS,
            field="documents",
            expected=expected,
            actual=expected,
            region=region,
            region_en=region_names["en"],
            region_zh=region_names["zh"],
            expected_text=expected_text,
            actual_text=expected_text,
        )
    missing = [kind for kind in kinds if kind.kind in absent]
    present = [kind for kind in kinds if kind.kind not in absent]
    return ctx.check(
        Status.MISSING,
        field=f"documents.{absent[0]}",
        expected=expected,
        actual=", ".join(k.kind for k in present) or "none",
        missing_en=", ".join(kind.name["en"] for kind in missing),
        missing_zh="、".join(kind.name["zh"] for kind in missing),
        expected_text=expected_text,
        actual_text=_text(
            ", ".join(k.name["en"] for k in present) or "none",
            "、".join(k.name["zh"] for k in present) or "无",
        ),
    )
