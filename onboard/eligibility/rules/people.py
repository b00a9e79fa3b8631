"""The legal representative and the contact details (RULES.md §2)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

import email_validator

from onboard.eligibility import identifiers
from onboard.eligibility.model import Application, Check, Status
from onboard.eligibility.phones import read_phone
from onboard.eligibility.rules.base import (
    RuleContext,
    problem_reason,
    rule,
    unique_outcome,
    uniqueness,
)
from onboard.eligibility.vocabulary import ID_TYPES


def _text(en: str, zh: str) -> Mapping[str, str]:
    return MappingProxyType({"en": en, "zh": zh})


#: What legal_rep.id_type must be, and what its number must be, by type.
_ID_TYPES_EXPECTED = " / ".join(identifiers.ID_TYPES)
_ID_TYPES_EXPECTED_TEXT = _text(
    " / ".join(ID_TYPES[t]["en"] for t in identifiers.ID_TYPES),
    "、".join(ID_TYPES[t]["zh"] for t in identifiers.ID_TYPES),
)
_ID_NUMBER_EXPECTED = {id_type: f"a valid {id_type} number" for id_type in identifiers.ID_TYPES}
_ID_NUMBER_EXPECTED_TEXT = {
    id_type: _text(
        f"a valid {ID_TYPES[id_type]['en']} number", f"有效的{ID_TYPES[id_type]['zh']}号码"
    )
    for id_type in identifiers.ID_TYPES
}
#: Whose residence permits begin with which digits (RULES.md §2).
_PERMIT_HOLDERS = {
    "81": ("Hong Kong", "香港"),
    "82": ("Macao", "澳门"),
    "83": ("Taiwan", "台湾"),
}


@rule("legal_rep.id_number")
def id_number(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    id_type, number = app.legal_rep.id_type, app.legal_rep.id_number
    if not id_type:
        return (
            ctx.check(
                Status.MISSING,
                "missing_type",
                field="legal_rep.id_type",
                expected=_ID_TYPES_EXPECTED,
                expected_text=_ID_TYPES_EXPECTED_TEXT,
            ),
        )
    if id_type not in identifiers.ID_TYPES:
        return (
            ctx.check(
                Status.FAIL,
                "fail_type",
                field="legal_rep.id_type",
                expected=_ID_TYPES_EXPECTED,
                actual=id_type,
                expected_text=_ID_TYPES_EXPECTED_TEXT,
            ),
        )
    expected = _ID_NUMBER_EXPECTED[id_type]
    texts = _ID_NUMBER_EXPECTED_TEXT[id_type]
    type_names = ID_TYPES[id_type]
    if not number or not number.strip():
        return (ctx.check(Status.MISSING, expected=expected, expected_text=texts),)
    result = identifiers.validate_person_id(id_type, number, ctx.as_of)
    permits = ctx.spec.params.get("residence_permit_prefixes")
    if result.valid and permits and id_type == "cn_resident_id":
        prefix = result.normalized[:2]
        if prefix in permits:
            residents = _PERMIT_HOLDERS.get(prefix, ("Hong Kong, Macao or Taiwan", "港澳台"))
            return (
                ctx.check(
                    Status.FAIL,
                    "fail_permit",
                    expected=expected,
                    actual=_mask(result.normalized),
                    prefix=prefix,
                    residents_en=residents[0],
                    residents_zh=residents[1],
                    expected_text=texts,
                    evidence={"problem": "residence_permit"},
                ),
            )
    if result.valid:
        return (
            ctx.check(
                Status.PASS,
                expected=expected,
                actual=_mask(result.normalized),
                id_type_en=type_names["en"],
                id_type_zh=type_names["zh"],
                expected_text=texts,
            ),
        )
    reason = problem_reason(ctx, result)
    return (
        ctx.check(
            Status.FAIL,
            expected=expected,
            actual=_mask(result.normalized or number),
            reason_en=reason["en"],
            reason_zh=reason["zh"],
            id_type_en=type_names["en"],
            id_type_zh=type_names["zh"],
            expected_text=texts,
            evidence={"problem": result.problem},
        ),
    )


def _mask(number: str) -> str:
    """Personal numbers are shown with their middle hidden (reports travel by email)."""
    if len(number) <= 6:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


#: phonenumbers' number types as messages name them (those a mobile number is not).
_PHONE_KINDS: Mapping[str, tuple[str, str]] = {
    "FIXED_LINE": ("landline number", "固定电话号码"),
    "TOLL_FREE": ("toll-free number", "免费电话号码"),
    "PREMIUM_RATE": ("premium-rate number", "付费电话号码"),
    "SHARED_COST": ("shared-cost number", "分摊付费电话号码"),
    "VOIP": ("internet (VoIP) number", "网络电话号码"),
    "PERSONAL_NUMBER": ("personal forwarding number", "个人转接号码"),
    "PAGER": ("pager number", "寻呼号码"),
    "UAN": ("company access number", "企业统一接入号码"),
    "VOICEMAIL": ("voicemail number", "语音信箱号码"),
}
_PHONE_EXPECTED = "a valid phone number"
_PHONE_EXPECTED_TEXT = _text("a valid phone number", "有效的电话号码")
_MOBILE_EXPECTED_TEXT = _text("a valid mobile number", "有效的手机号码")


@rule("contact.phone")
def phone(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    mobile_types = ctx.spec.params.get("mobile_types")
    expected_text = _MOBILE_EXPECTED_TEXT if mobile_types else _PHONE_EXPECTED_TEXT
    text = app.contact.phone
    if not text or not text.strip():
        return (ctx.check(Status.MISSING, expected=_PHONE_EXPECTED, expected_text=expected_text),)
    reading = read_phone(text, app.entity.region)
    if reading is None:
        return (
            ctx.check(
                Status.FAIL,
                expected=_PHONE_EXPECTED,
                actual=text.strip(),
                expected_text=expected_text,
            ),
        )
    e164 = reading.e164
    # The guide's 手机号码 must receive an SMS code: phonenumbers' own types decide (the
    # first edition took any valid number).
    if mobile_types and reading.kind not in mobile_types:
        name = reading.kind
        kind_en, kind_zh = _PHONE_KINDS.get(name, ("number that is not mobile", "非手机号码"))
        return (
            ctx.check(
                Status.FAIL,
                "fail_not_mobile",
                expected=_PHONE_EXPECTED,
                actual=e164,
                kind_en=kind_en,
                kind_zh=kind_zh,
                expected_text=expected_text,
                evidence={"number_type": name},
            ),
        )
    return (
        uniqueness(
            ctx,
            "contact.phone",
            e164,
            live_outcome="fail_duplicate",
        )
        or _unique_pass(ctx, "contact.phone", _PHONE_EXPECTED, e164, expected_text),
    )


def _unique_pass(
    ctx: RuleContext, field: str, expected: str, actual: str, expected_text: Mapping[str, str]
) -> Check:
    """The passing check of a valid value that no other application was found to use; in
    edition 2 its message says where others were looked for (RULES.md §6)."""
    outcome = unique_outcome(ctx, field)
    if outcome is None and ctx.ruleset.edition >= 2:
        outcome = "pass_unchecked"
    return ctx.check(
        Status.PASS, outcome, expected=expected, actual=actual, expected_text=expected_text
    )


#: Plain ASCII addresses, the overwhelming majority: a subset of what email-validator
#: accepts, with the same normalised form (domain lower-cased), checked without its per-
#: character Unicode tables. tests/test_rules.py proves the subset property with hypothesis.
_PLAIN_EMAIL = re.compile(
    r"(?P<local>[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)
_SPECIAL_USE = frozenset(email_validator.SPECIAL_USE_DOMAIN_NAMES)


def _plain_email(text: str) -> str | None:
    match = _PLAIN_EMAIL.fullmatch(text)
    if match is None or len(text) > 254 or len(match["local"]) > 64:
        return None
    domain = match["domain"].lower()
    if "--" in domain or domain.rsplit(".", 1)[-1] in _SPECIAL_USE:
        return None  # punycode, "ab--" labels, reserved names: email-validator's rules apply
    return f"{match['local']}@{domain}"


def normalize_email(text: str) -> tuple[str | None, str]:
    """(normalised address, "") when valid, else (None, why) — syntax only, no network."""
    plain = _plain_email(text.strip())
    if plain is not None:
        return plain, ""
    try:
        result = email_validator.validate_email(text.strip(), check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        return None, str(exc).rstrip(".")
    return result.normalized, ""


#: email-validator explains in English only: the Chinese reason is read off its words.
_EMAIL_REASONS_ZH = (
    ("one @-sign", "必须有且只有一个 @ 符号"),
    ("after the @-sign", "@ 后面的域名部分无效"),
    ("before the @-sign", "@ 前面的部分无效"),
    ("too long", "地址过长"),
    ("special-use", "该域名不能用于电子邮件"),
    ("special use", "该域名不能用于电子邮件"),
    ("period", "句点的位置不正确"),
    ("character", "含有不允许的字符"),
)


def email_reason_zh(reason: str) -> str:
    """The Chinese of one of email-validator's (English) reasons, as near as its words say."""
    lowered = reason.lower()
    for words, zh in _EMAIL_REASONS_ZH:
        if words in lowered:
            return zh
    return "格式不正确"


_EMAIL_EXPECTED = "a valid email address"
_EMAIL_EXPECTED_TEXT = _text("a valid email address", "有效的邮箱地址")


@rule("contact.email")
def email(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    text = app.contact.email
    if not text or not text.strip():
        return (
            ctx.check(Status.MISSING, expected=_EMAIL_EXPECTED, expected_text=_EMAIL_EXPECTED_TEXT),
        )
    normalized, why = normalize_email(text)
    if normalized is None:
        return (
            ctx.check(
                Status.FAIL,
                expected=_EMAIL_EXPECTED,
                actual=text.strip(),
                reason=why,
                reason_en=why,
                reason_zh=email_reason_zh(why),
                expected_text=_EMAIL_EXPECTED_TEXT,
            ),
        )
    return (
        uniqueness(
            ctx,
            "contact.email",
            normalized,
            live_outcome="fail_duplicate",
        )
        or _unique_pass(ctx, "contact.email", _EMAIL_EXPECTED, normalized, _EMAIL_EXPECTED_TEXT),
    )
