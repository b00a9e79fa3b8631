"""Phone numbers as phonenumbers reads them: :func:`read_phone`, the one way in.

Plain CN and HK numbers, the overwhelming majority ("+86 158 7725 4633", "+852 9123-4567",
"13834247646" from a CN seller), are digit groups joined by single spaces or hyphens, perhaps
after "+<country code>". For these, phonenumbers' ``parse`` takes its simplest path (the digits
are the national number as written) and its validity test is pattern matches against its own
metadata, which :class:`_PlainNumbering` reads at import, so an upgrade of phonenumbers moves
both paths alike. The plain path only ever answers with a number; anything unusual (other
punctuation, surrounding spaces, full-width digits, extensions, trunk and "00" prefixes) and
anything it cannot vouch for goes to ``phonenumbers.parse``. tests/test_phone_numbers.py
proves with hypothesis that whenever the plain path answers, phonenumbers answers the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import phonenumbers

#: Where a number without a country code is read as local.
DEFAULT_REGION = {"CN": "CN", "HK": "HK"}

_TYPE_NAMES = {
    value: name
    for name, value in vars(phonenumbers.PhoneNumberType).items()
    if name.isupper() and isinstance(value, int)
}


class PhoneReading(NamedTuple):
    """A valid phone number: in E.164, and its type as phonenumbers names it (``MOBILE``,
    ``FIXED_LINE``, ``FIXED_LINE_OR_MOBILE``, ``TOLL_FREE`` …)."""

    e164: str
    kind: str


@lru_cache(maxsize=8192)
def read_phone(text: str, region: str | None) -> PhoneReading | None:
    """``text`` as phonenumbers reads it (a number without a country code as one of
    ``region``'s), or None when it is not a valid phone number.

    Measured (CPU time, the phone numbers of 10,000 generated applications, 98 % of them
    plainly written; the machine shared): 8.7 µs a number this way against 24.9 µs through
    ``phonenumbers.parse`` + ``format_number`` + ``number_type`` (both include ``number_type``,
    ≈5 µs, which the rule needs for the mobile test): ≈16 µs, ≈10 % of ``evaluate``.

    Kept by value (8,192 entries): a submission reads its number three times (the form, the
    rule, the stored record) and a batch twice (the pass that finds rows sharing one, then
    the rule): 5,000 distinct numbers read twice cost 8.7 µs a number cached, 16.4 µs not. A
    batch of more distinct numbers than the cache holds gains nothing (10,000 read twice:
    17.4 µs cached, 17.5 µs not), and loses nothing measurable either."""
    parsed = _plain_number(text, region)
    if parsed is not None:  # "+<code><national>": what format_number writes for E.164
        e164 = f"+{parsed.country_code}{parsed.national_number}"
    else:
        try:
            parsed = phonenumbers.parse(text, DEFAULT_REGION.get(region or ""))
        except phonenumbers.NumberParseException:
            return None
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    # number_type is UNKNOWN exactly when is_valid_number is false (phonenumbers' own
    # definition: both match the number against its region's descriptions): one pass.
    kind = phonenumbers.number_type(parsed)
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        return None
    return PhoneReading(e164, _TYPE_NAMES.get(kind, str(kind)))


def normalize_phone(text: str, region: str | None) -> str | None:
    """The number in E.164, or None when it is not a valid phone number."""
    reading = read_phone(text, region)
    return None if reading is None else reading.e164


@dataclass(frozen=True)
class _PlainNumbering:
    """What phonenumbers' parse makes of plain digits for one region, read off its metadata:
    the national number as written, unless a prefix it strips or a country code it reads
    could be in the digits."""

    code: str  # the country calling code, "86"
    international_prefix: re.Pattern[str] | None  # "00…" dialled out: a foreign number follows
    national_prefix: re.Pattern[str] | None  # trunk prefix or carrier code phonenumbers strips

    @classmethod
    def of(cls, region: str) -> _PlainNumbering | None:
        """``region``'s numbering, or None when its plain numbers are not that simple to read
        (then all of them go to phonenumbers)."""
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        if metadata is None or metadata.country_code is None:
            return None
        code = str(metadata.country_code)
        if phonenumbers.region_codes_for_country_code(metadata.country_code) != (region,):
            return None  # a shared code (+1): which region, hence which patterns, is a question
        shorter = (int(code[:n]) for n in range(1, len(code)))
        if any(c in phonenumbers.COUNTRY_CODE_TO_REGION_CODE for c in shorter):
            return None  # "+<code>…" would be read as a shorter country code
        return cls(
            code,
            _compiled(metadata.international_prefix),
            _compiled(metadata.national_prefix_for_parsing),
        )

    def national(self, digits: str, *, with_code: bool) -> int | None:
        """``digits`` (ASCII, no leading 0) as the national number phonenumbers would read,
        or None when it might read them otherwise."""
        if self.national_prefix is not None and self.national_prefix.match(digits):
            return None  # phonenumbers might strip a prefix and read a shorter number
        if not with_code and (
            digits.startswith(self.code)
            or (self.international_prefix is not None and self.international_prefix.match(digits))
        ):
            return None  # phonenumbers might read a country code in the digits
        if len(digits) > 17:
            return None  # phonenumbers' longest national number: it says "too long"
        return int(digits)


def _compiled(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern) if pattern else None


_BY_REGION = {
    region: numbering
    for region in sorted(set(DEFAULT_REGION.values()))
    if (numbering := _PlainNumbering.of(region)) is not None
}
_BY_CODE = {numbering.code: numbering for numbering in _BY_REGION.values()}
#: ASCII digits only ([0-9], not \d); the national number cannot start with 0 (trunk and
#: international prefixes, Italian-style leading zeros).
_PLAIN = re.compile(
    rf"(?:\+(?P<code>{'|'.join(_BY_CODE)})[ -]?)?(?P<national>[1-9][0-9]*(?:[ -][0-9]+)*)"
)


def _plain_number(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    """A plainly written CN or HK number as phonenumbers' parse would hold it, or None:
    phonenumbers reads it."""
    match = _PLAIN.fullmatch(text)
    if match is None:
        return None
    code = match["code"]
    if code is not None:
        numbering = _BY_CODE.get(code)
    else:
        numbering = _BY_REGION.get(DEFAULT_REGION.get(region or "", ""))
    if numbering is None:
        return None
    digits = match["national"].replace(" ", "").replace("-", "")
    national = numbering.national(digits, with_code=code is not None)
    if national is None:
        return None
    return phonenumbers.PhoneNumber(country_code=int(numbering.code), national_number=national)
