"""Phone numbers are read by phonenumbers itself (``people.read_phone``): the E.164 form of
the shapes sellers type, None for what is not a valid number where it is read."""

from __future__ import annotations

import phonenumbers
import pytest

from onboard.eligibility.rules import people


@pytest.mark.parametrize(
    ("text", "region", "e164"),
    [
        ("+86 158 7725 4633", "CN", "+8615877254633"),
        ("+86 138-3424-7646", "CN", "+8613834247646"),
        ("+86-138-3424-7646", "HK", "+8613834247646"),
        ("+8613834247646", None, "+8613834247646"),
        ("+86 13834247646", "US", "+8613834247646"),
        ("13834247646", "CN", "+8613834247646"),
        ("138 3424 7646", "CN", "+8613834247646"),
        ("+852 9123 4567", "HK", "+85291234567"),
        ("+852 9123-4567", "CN", "+85291234567"),
        ("91234567", "HK", "+85291234567"),
        ("2123 4567", "HK", "+85221234567"),
        # trunk and international prefixes, spaces around, full-width digits
        ("0138 3424 7646", "CN", "+8613834247646"),
        ("0086 138 3424 7646", "CN", "+8613834247646"),
        (" +852 9123 4567 ", "HK", "+85291234567"),
        ("＋８６ １３８ ３４２４ ７６４６", "CN", "+8613834247646"),
        # not valid where read: one digit short or long, the wrong region, nowhere, junk
        ("+86 158 7725 463", "CN", None),
        ("+86 158 7725 46331", "CN", None),
        ("+852 9123 456", "HK", None),
        ("91234567", "CN", None),
        ("13834247646", "HK", None),
        ("13834247646", None, None),
        ("phone", "CN", None),
        ("", "CN", None),
    ],
)
def test_numbers_normalise_to_e164(text, region, e164):
    assert people.normalize_phone(text, region) == e164
    try:
        parsed = phonenumbers.parse(text, region if region in ("CN", "HK") else None)
    except phonenumbers.NumberParseException:
        return
    assert phonenumbers.is_valid_number(parsed) is (e164 is not None)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("+86 138 0013 8000", "MOBILE"),
        ("+86 10 6552 9988", "FIXED_LINE"),
        ("+86 400 810 8888", "SHARED_COST"),
        ("+852 9123 4567", "MOBILE"),
        ("+852 2123-4567", "FIXED_LINE"),
    ],
)
def test_a_number_is_typed_as_phonenumbers_types_it(text, kind):
    reading = people.read_phone(text, "CN")
    assert reading is not None and reading.kind == kind
