"""Proof that the fast paths of onboard.eligibility.identifiers change no result.

The validators judge a well-formed number with one regular expression, and run the
character-by-character checks only to name a problem; the check characters stdnum lacks (GB
11714, HKID) are table arithmetic. Each shortcut is compared here with what it stands for: the
patterns with the detailed checks they skip, the arithmetic with the per-character formula it
replaced, the ASCII normalisation with the Unicode one.
"""

from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from onboard.eligibility import identifiers
from onboard.eligibility.identifiers import (
    USCC_ALPHABET,
    normalize_identifier,
    org_code_check_char,
    validate_uscc,
)

LATIN36 = string.digits + string.ascii_uppercase

#: Characters a typed number may hold besides its own: look-alikes outside the USCC alphabet,
#: lower case, separators, brackets, full-width and other non-ASCII forms, a lone surrogate.
ODD_CHARS = "IOSVZiosvzx-_.()/ \t\u3000\uff0d\u2212\u200b\u00ad（）０９ＸÉß一٣²\ud800"

#: First two characters of a USCC: every letter or digit pair, registered or not.
ANY_PAIR = st.text(alphabet=LATIN36, min_size=2, max_size=2)

REGISTERED_PAIRS = [
    authority + entity_type
    for authority, types in identifiers._USCC_ENTITY_TYPES.items()
    for entity_type in types
]


def joined(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*parts).map("".join)


def uscc_is_well_formed(code: str) -> bool:
    return identifiers._USCC_WELL_FORMED.fullmatch(code) is not None


def ric_is_well_formed(number: str) -> bool:
    return identifiers._RIC_WELL_FORMED.fullmatch(number) is not None


@st.composite
def well_formed_usccs(draw: st.DrawFn) -> str:
    """Codes GB 32100's structure allows, check characters right or wrong."""
    return (
        draw(st.sampled_from(REGISTERED_PAIRS))
        + draw(st.text(alphabet=string.digits, min_size=6, max_size=6))
        + draw(st.text(alphabet=USCC_ALPHABET, min_size=10, max_size=10))
    )


@st.composite
def one_char_changed(draw: st.DrawFn, codes: st.SearchStrategy[str]) -> str:
    code = draw(codes)
    index = draw(st.integers(min_value=0, max_value=len(code) - 1))
    char = draw(st.sampled_from(LATIN36 + ODD_CHARS) | st.characters())
    return code[:index] + char + code[index + 1 :]


# --- normalize_identifier --------------------------------------------------------------------


@pytest.mark.parametrize("code", range(128))
def test_ascii_normalisation_equals_unicode_normalisation_for_every_ascii_char(code: int) -> None:
    for text in (chr(code), f"a{chr(code)}1", f"{chr(code)}-9 1{chr(code)}"):
        assert normalize_identifier(text) == identifiers._normalize_unicode(text), repr(text)


@settings(database=None, max_examples=1000)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=30) | st.text())
def test_normalize_identifier_equals_unicode_normalisation(text: str) -> None:
    assert normalize_identifier(text) == identifiers._normalize_unicode(text)


# --- the USCC pattern stands for the detailed checks -----------------------------------------

USCC_SHAPED = st.text(alphabet=USCC_ALPHABET + ODD_CHARS, min_size=16, max_size=20)


@settings(database=None, max_examples=1000)
@given(
    st.text()
    | USCC_SHAPED
    | joined(ANY_PAIR, st.text(alphabet=USCC_ALPHABET + "IOSVZ-", min_size=16, max_size=16))
    | well_formed_usccs()
    | one_char_changed(well_formed_usccs())
)
@example("")
@example("91310115267735460H")
def test_uscc_pattern_accepts_exactly_what_the_detailed_checks_pass(text: str) -> None:
    code = normalize_identifier(text)
    assert uscc_is_well_formed(code) == (identifiers._uscc_malformed(code) is None), repr(code)


def test_uscc_pattern_every_first_pair_and_every_char_at_every_position() -> None:
    rest = "310115267735460H"
    for first in LATIN36 + ODD_CHARS:
        for second in LATIN36 + ODD_CHARS:
            code = normalize_identifier(first + second + rest)
            assert uscc_is_well_formed(code) == (identifiers._uscc_malformed(code) is None), code
    valid = "91310115267735460H"
    for index in range(18):
        for char in LATIN36 + ODD_CHARS:
            code = normalize_identifier(valid[:index] + char + valid[index + 1 :])
            assert uscc_is_well_formed(code) == (identifiers._uscc_malformed(code) is None), code


@settings(database=None, max_examples=500)
@given(well_formed_usccs() | one_char_changed(well_formed_usccs()) | USCC_SHAPED)
def test_validate_uscc_equals_its_detailed_path(text: str) -> None:
    """The whole verdict, when the detailed checks always run first (the shortcut off)."""
    code = normalize_identifier(text)
    malformed = identifiers._uscc_malformed(code)
    detailed = malformed if malformed is not None else validate_uscc(code)
    assert validate_uscc(text) == detailed


# --- the resident-ID pattern -----------------------------------------------------------------

RIC_SHAPED = st.text(alphabet="0123456789Xx" + ODD_CHARS, min_size=16, max_size=20)
WELL_FORMED_RICS = joined(
    st.text(alphabet=string.digits, min_size=17, max_size=17), st.sampled_from("0123456789X")
)


@settings(database=None, max_examples=1000)
@given(st.text() | RIC_SHAPED | WELL_FORMED_RICS | one_char_changed(WELL_FORMED_RICS))
@example("")
@example("310115197309249627")
def test_ric_pattern_accepts_exactly_what_the_detailed_checks_pass(text: str) -> None:
    number = normalize_identifier(text)
    assert ric_is_well_formed(number) == (identifiers._ric_malformed(number) is None), number


def test_ric_pattern_every_char_at_every_position() -> None:
    valid = "310115197309249627"
    for index in range(18):
        for char in LATIN36 + ODD_CHARS:
            number = normalize_identifier(valid[:index] + char + valid[index + 1 :])
            assert ric_is_well_formed(number) == (identifiers._ric_malformed(number) is None)


# --- the arithmetic equals the formula it replaced -------------------------------


def old_org_code_check_char(code8: str) -> str:
    """The per-character formula the table arithmetic replaced."""
    total = sum(
        LATIN36.index(char) * weight
        for char, weight in zip(code8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)
    )
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def test_org_code_check_char_equals_the_old_formula_for_every_char_at_every_position() -> None:
    for index in range(8):
        for char in LATIN36:
            body = "0" * index + char + "0" * (7 - index)
            assert org_code_check_char(body) == old_org_code_check_char(body), body


@settings(database=None, max_examples=1000)
@given(st.text(alphabet=LATIN36, min_size=8, max_size=8))
def test_org_code_check_char_equals_the_old_formula(body: str) -> None:
    assert org_code_check_char(body) == old_org_code_check_char(body)


def old_hkid_check_char(prefix: str, digits: str) -> str:
    """The per-character formula the table arithmetic replaced."""
    values = [36] * (2 - len(prefix)) + [LATIN36.index(char) for char in prefix + digits]
    remainder = sum(v * w for v, w in zip(values, (9, 8, 7, 6, 5, 4, 3, 2), strict=True)) % 11
    return "0123456789A"[(11 - remainder) % 11]


@settings(database=None, max_examples=1000)
@given(
    st.text(alphabet=string.ascii_uppercase, min_size=1, max_size=2),
    st.text(alphabet=string.digits, min_size=6, max_size=6),
)
def test_hkid_check_char_equals_the_old_formula(prefix: str, digits: str) -> None:
    assert identifiers._hkid_check_char(prefix, digits) == old_hkid_check_char(prefix, digits)


def test_hkid_check_char_equals_the_old_formula_for_every_prefix() -> None:
    for first in ["", *string.ascii_uppercase]:
        for second in string.ascii_uppercase:
            for digits in ("000000", "123456", "987654"):
                prefix = first + second
                assert identifiers._hkid_check_char(prefix, digits) == old_hkid_check_char(
                    prefix, digits
                )


# --- the birth date --------------------------------------------------------------------------


def old_read_birth_date(digits: str, today: date) -> date | str:
    """``_read_birth_date`` as it was before ``date.fromisoformat``."""
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return "not_a_date"
    if born > today:
        return "in_future"
    if born < date(1850, 1, 1):
        return "too_early"
    return born


TODAYS = (date(2026, 11, 22), date.max)


def test_birth_date_reading_equals_int_parsing_for_every_month_and_day() -> None:
    # Every month and day 00-99 in common, leap and edge years; every year on a few days.
    digit_strings = [
        f"{year:04d}{month:02d}{day:02d}"
        for year in (0, 1, 4, 100, 1900, 1999, 2000, 2024, 2025, 9999)
        for month in range(100)
        for day in range(100)
    ]
    digit_strings += [
        f"{year:04d}{month_day}"
        for year in range(10_000)
        for month_day in ("0101", "0229", "1231", "0431", "0000", "1301")
    ]
    for digits in digit_strings:
        for today in TODAYS:
            assert identifiers._read_birth_date(digits, today) == old_read_birth_date(
                digits, today
            ), digits


@settings(database=None, max_examples=1000)
@given(st.text(alphabet=string.digits, min_size=8, max_size=8), st.sampled_from(TODAYS))
def test_birth_date_reading_equals_int_parsing(digits: str, today: date) -> None:
    assert identifiers._read_birth_date(digits, today) == old_read_birth_date(digits, today)
