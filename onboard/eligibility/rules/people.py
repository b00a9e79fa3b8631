"""The legal representative and the contact details (RULES.md §2)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import email_validator
import phonenumbers

from onboard.eligibility import identifiers
from onboard.eligibility.model import Application, Check
from onboard.eligibility.rules.base import (
    FAIL,
    MISSING,
    PASS,
    RuleContext,
    duplicates_of,
    problem_reason,
    rule,
)

#: What legal_rep.id_type must be, and what its number must be, by type.
_ID_TYPES_EXPECTED = " / ".join(identifiers.ID_TYPES)
_ID_NUMBER_EXPECTED = {id_type: f"a valid {id_type} number" for id_type in identifiers.ID_TYPES}


@rule("legal_rep.id_number")
def id_number(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    id_type, number = app.legal_rep.id_type, app.legal_rep.id_number
    if not id_type:
        return (
            ctx.check(
                MISSING,
                "missing_type",
                field="legal_rep.id_type",
                expected=_ID_TYPES_EXPECTED,
            ),
        )
    if id_type not in identifiers.ID_TYPES:
        return (
            ctx.check(
                FAIL,
                "fail_type",
                field="legal_rep.id_type",
                expected=_ID_TYPES_EXPECTED,
                actual=id_type,
            ),
        )
    expected = _ID_NUMBER_EXPECTED[id_type]
    if not number or not number.strip():
        return (ctx.check(MISSING, expected=expected),)
    result = identifiers.validate_person_id(id_type, number, ctx.as_of)
    if result.valid:
        return (ctx.check(PASS, expected=expected, actual=_mask(result.normalized)),)
    reason = problem_reason(ctx, result)
    return (
        ctx.check(
            FAIL,
            expected=expected,
            actual=_mask(result.normalized or number),
            reason_en=reason["en"],
            reason_zh=reason["zh"],
            evidence={"problem": result.problem},
        ),
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
    plain = _plain_phone(text, region)
    if plain is not None:
        return plain
    return _phonenumbers_e164(text, region)


def _phonenumbers_e164(text: str, region: str | None) -> str | None:
    """phonenumbers' own reading: the reference the fast path has to agree with."""
    try:
        parsed = phonenumbers.parse(text, _DEFAULT_PHONE_REGION.get(region or ""))
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# Plain CN and HK numbers, the overwhelming majority ("+86 158 7725 4633", "+852 9123-4567",
# "13834247646" from a CN seller): digit groups joined by single spaces or hyphens, perhaps
# after "+<country code>". For these, phonenumbers' parse takes its simplest path (the digits
# are the national number as written) and its validity test is two pattern matches, which
# _PlainNumbering repeats from phonenumbers' own metadata, so an upgrade moves both paths
# alike. The fast path only ever answers with a number; anything unusual (other punctuation,
# surrounding spaces, full-width digits, extensions, trunk and "00" prefixes) and anything
# it cannot vouch for goes to phonenumbers. tests/test_phone_fast_path.py proves with
# hypothesis that whenever it answers, phonenumbers answers the same.


@dataclass(frozen=True)
class _NumberDesc:
    """One of phonenumbers' number descriptions (general, mobile, fixed line), tested as
    phonenumbers tests it: a possible length, if any are listed, and the whole pattern."""

    lengths: frozenset[int]
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, desc: phonenumbers.PhoneNumberDesc | None) -> _NumberDesc | None:
        if desc is None or not desc.national_number_pattern:
            return None  # phonenumbers matches nothing against a missing pattern
        return cls(frozenset(desc.possible_length), re.compile(desc.national_number_pattern))

    def fits(self, national: str) -> bool:
        if self.lengths and len(national) not in self.lengths:
            return False
        return self.pattern.fullmatch(national) is not None


@dataclass(frozen=True)
class _PlainNumbering:
    """What phonenumbers would make of plain digits for one region, read off its metadata."""

    code: str  # the country calling code, "86"
    international_prefix: re.Pattern[str] | None  # "00…" dialled out: a foreign number follows
    national_prefix: re.Pattern[str] | None  # trunk prefix or carrier code phonenumbers strips
    general: _NumberDesc
    kinds: tuple[_NumberDesc, ...]  # mobile, fixed line: matching one makes a number valid

    def e164(self, national: str, *, with_code: bool) -> str | None:
        """``national`` (ASCII digits, no leading 0) in E.164 when phonenumbers would read it
        unchanged and find it valid, else None."""
        if self.national_prefix is not None and self.national_prefix.match(national):
            return None  # phonenumbers might strip a prefix and read a shorter number
        if not with_code and (
            national.startswith(self.code)
            or (self.international_prefix is not None and self.international_prefix.match(national))
        ):
            return None  # phonenumbers might read a country code in the digits
        if not self.general.fits(national):
            return None
        for kind in self.kinds:  # is_valid_number: the general description and one kind
            if kind.fits(national):
                return f"+{self.code}{national}"
        return None


def _compiled(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern) if pattern else None


def _plain_numbering(region: str) -> _PlainNumbering | None:
    """``region``'s numbering, or None when its plain numbers are not that simple to read
    (then all of them go to phonenumbers)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.country_code is None:
        return None
    code = str(metadata.country_code)
    if phonenumbers.region_codes_for_country_code(metadata.country_code) != (region,):
        return None  # a shared code (+1): which region, hence which patterns, is a question
    if any(int(code[:n]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE for n in range(1, len(code))):
        return None  # "+<code>…" would be read as a shorter country code
    general = _NumberDesc.of(metadata.general_desc)
    kinds = tuple(d for d in map(_NumberDesc.of, (metadata.mobile, metadata.fixed_line)) if d)
    if general is None or not kinds:
        return None
    return _PlainNumbering(
        code=code,
        international_prefix=_compiled(metadata.international_prefix),
        national_prefix=_compiled(metadata.national_prefix_for_parsing),
        general=general,
        kinds=kinds,
    )


_PLAIN_NUMBERING_BY_REGION = {
    region: numbering
    for region in sorted(set(_DEFAULT_PHONE_REGION.values()))
    if (numbering := _plain_numbering(region)) is not None
}
_PLAIN_NUMBERING_BY_CODE = {n.code: n for n in _PLAIN_NUMBERING_BY_REGION.values()}
#: ASCII digits only ([0-9], not \d); the national number cannot start with 0 (trunk and
#: international prefixes, Italian-style leading zeros).
_PLAIN_PHONE = re.compile(
    rf"(?:\+(?P<code>{'|'.join(_PLAIN_NUMBERING_BY_CODE)})[ -]?)?"
    r"(?P<national>[1-9][0-9]*(?:[ -][0-9]+)*)"
)


def _plain_phone(text: str, region: str | None) -> str | None:
    """The E.164 form of a plainly written CN or HK number, or None: phonenumbers decides."""
    match = _PLAIN_PHONE.fullmatch(text)
    if match is None:
        return None
    if match["code"] is not None:
        numbering = _PLAIN_NUMBERING_BY_CODE.get(match["code"])
    else:
        numbering = _PLAIN_NUMBERING_BY_REGION.get(_DEFAULT_PHONE_REGION.get(region or "", ""))
    if numbering is None:
        return None
    national = match["national"].replace(" ", "").replace("-", "")
    return numbering.e164(national, with_code=match["code"] is not None)


def _duplicate_check(ctx: RuleContext, field: str, actual: str) -> Check | None:
    others = duplicates_of(ctx, field)
    if not others:
        return None
    return ctx.check(
        FAIL,
        "fail_duplicate",
        expected="unique",
        actual=actual,
        others=", ".join(others),
        evidence={"duplicates": list(others)},
    )


@rule("contact.phone")
def phone(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    text = app.contact.phone
    if not text or not text.strip():
        return (ctx.check(MISSING, expected="a valid phone number"),)
    e164 = normalize_phone(text, app.entity.region)
    if e164 is None:
        return (ctx.check(FAIL, expected="a valid phone number", actual=text.strip()),)
    return (
        _duplicate_check(ctx, "contact.phone", e164)
        or ctx.check(PASS, expected="a valid phone number", actual=e164),
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
def email(app: Application, ctx: RuleContext) -> tuple[Check, ...]:
    text = app.contact.email
    if not text or not text.strip():
        return (ctx.check(MISSING, expected="a valid email address"),)
    normalized, why = normalize_email(text)
    if normalized is None:
        return (ctx.check(FAIL, expected="a valid email address", actual=text.strip(), reason=why),)
    return (
        _duplicate_check(ctx, "contact.email", normalized)
        or ctx.check(PASS, expected="a valid email address", actual=normalized),
    )
