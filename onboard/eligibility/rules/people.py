"""The legal representative and the contact details (RULES.md §2)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import email_validator
import phonenumbers

from onboard.eligibility import identifiers
from onboard.eligibility.model import Application, Check, Status
from onboard.eligibility.rules.base import RuleContext, duplicates_of, problem_reason, rule


@rule("legal_rep.id_number")
def id_number(app: Application, ctx: RuleContext) -> Iterator[Check]:
    id_type, number = app.legal_rep.id_type, app.legal_rep.id_number
    expected = " / ".join(identifiers.ID_TYPES)
    if not id_type:
        yield ctx.check(
            Status.MISSING, "missing_type", field="legal_rep.id_type", expected=expected
        )
        return
    if id_type not in identifiers.ID_TYPES:
        yield ctx.check(
            Status.FAIL, "fail_type", field="legal_rep.id_type", expected=expected, actual=id_type
        )
        return
    if not number or not number.strip():
        yield ctx.check(Status.MISSING, expected=f"a valid {id_type} number")
        return
    result = identifiers.validate_person_id(id_type, number, ctx.as_of)
    if result.valid:
        yield ctx.check(
            Status.PASS, expected=f"a valid {id_type} number", actual=_mask(result.normalized)
        )
        return
    reason = problem_reason(ctx, result)
    yield ctx.check(
        Status.FAIL,
        expected=f"a valid {id_type} number",
        actual=_mask(result.normalized or number),
        reason_en=reason["en"],
        reason_zh=reason["zh"],
        evidence={"problem": result.problem},
    )


def _mask(number: str) -> str:
    """Personal numbers are shown with their middle hidden (reports travel by email)."""
    if len(number) <= 6:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


#: Where a number without a country code is read as local.
_DEFAULT_PHONE_REGION = {"CN": "CN", "HK": "HK"}


def normalize_phone(text: str, region: str | None) -> str | None:
    """The number in E.164, or None when it is not a valid phone number."""
    try:
        parsed = phonenumbers.parse(text, _DEFAULT_PHONE_REGION.get(region or ""))
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _duplicate_check(ctx: RuleContext, field: str, actual: str) -> Check | None:
    others = duplicates_of(ctx, field)
    if not others:
        return None
    return ctx.check(
        Status.FAIL,
        "fail_duplicate",
        expected="unique",
        actual=actual,
        others=", ".join(others),
        evidence={"duplicates": list(others)},
    )


@rule("contact.phone")
def phone(app: Application, ctx: RuleContext) -> Iterator[Check]:
    text = app.contact.phone
    if not text or not text.strip():
        yield ctx.check(Status.MISSING, expected="a valid phone number")
        return
    e164 = normalize_phone(text, app.entity.region)
    if e164 is None:
        yield ctx.check(Status.FAIL, expected="a valid phone number", actual=text.strip())
        return
    yield _duplicate_check(ctx, "contact.phone", e164) or ctx.check(
        Status.PASS, expected="a valid phone number", actual=e164
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


@rule("contact.email")
def email(app: Application, ctx: RuleContext) -> Iterator[Check]:
    text = app.contact.email
    if not text or not text.strip():
        yield ctx.check(Status.MISSING, expected="a valid email address")
        return
    normalized, why = normalize_email(text)
    if normalized is None:
        yield ctx.check(
            Status.FAIL, expected="a valid email address", actual=text.strip(), reason=why
        )
        return
    yield _duplicate_check(ctx, "contact.email", normalized) or ctx.check(
        Status.PASS, expected="a valid email address", actual=normalized
    )
