"""Tests for onboard.eligibility.identifiers: real numbers, every problem code, every boundary.

Reference arithmetic is written out here independently of the module (from the standards'
formulas), so that a bug shared by the module and python-stdnum would still show.
"""

from __future__ import annotations

import ast
import dataclasses
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from onboard.eligibility import identifiers
from onboard.eligibility.identifiers import (
    ID_TYPES,
    USCC_ALPHABET,
    IdCheck,
    normalize_identifier,
    org_code_check_char,
    uscc_check_char,
    validate_cn_resident_id,
    validate_hk_br,
    validate_hkid,
    validate_passport,
    validate_person_id,
    validate_uscc,
)

TODAY = date(2026, 11, 22)

# --- reference arithmetic (from the standards, not from the module) ----------------------------

LATIN36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def ref_uscc_check(first17: str) -> str:
    """GB 32100: W_i = 3^(i-1) mod 31; C18 = ALPHABET[(31 - sum mod 31) mod 31]."""
    total = sum(USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def ref_org_check(body8: str) -> str:
    """GB 11714: weights 3,7,9,10,5,8,4,2; 11 - sum mod 11; 10 -> X, 11 -> 0."""
    total = sum(LATIN36.index(c) * w for c, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    return {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))


def ref_ric_check(body17: str) -> str:
    """GB 11643: W_i = 2^(18-i) mod 11; check = "10X98765432"[sum mod 11]."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body17))
    return "10X98765432"[total % 11]


def make_uscc(first8: str, body8: str) -> str:
    """A USCC with both check characters right (the reference ones)."""
    first16 = first8 + body8
    first17 = first16 + ref_org_check(body8)
    return first17 + ref_uscc_check(first17)


def with_char(code: str, position: int, char: str) -> str:
    """``code`` with its 1-based ``position`` replaced by ``char``."""
    return code[: position - 1] + char + code[position:]


def make_ric(first6: str, birth: str, sequence: str = "001") -> str:
    body = first6 + birth + sequence
    return body + ref_ric_check(body)


# --- real numbers ----------------------------------------------------------------------------

#: Real USCCs that pass both checks (public: stdnum's doctest, GB 32100's worked example, large
#: companies' published codes, the research notes' vectors).
REAL_USCCS = [
    "91110000600037341L",  # stdnum doctest
    "91350100M000100Y43",  # GB 32100-2015 worked example
    "9144030071526726XG",  # 腾讯科技(深圳)有限公司 (org check X)
    "91330100716105852F",  # 阿里巴巴(中国)有限公司
    "914403001922038216",  # 华为技术有限公司
    "91110108558521630L",  # 小米科技有限责任公司 (org check 0)
    "91230184MA1BUFLT44",  # letters U, F, L, T in the body
    "92371000MA3MXH0E3W",  # 个体工商户 (type 2)
    "91152201078395188Q",  # research vector (Inner Mongolia)
    "91340602MA2UJY3J9W",  # research vector (J in the body)
    "51100000500009247D",  # national social organisation: division 100000
    "51100000500002862F",
    "51100000500012681T",
]

#: Early Fujian pilot codes: real, org check right, mod-31 check wrong (RULES.md §2).
FUJIAN_PILOT = [
    ("91350100M0001TGQXM", "1"),
    ("91350211M0000XUF46", "R"),
    ("91350203M0001FUE2P", "J"),
    ("91350211M00013FA1N", "3"),
]

REAL_HKIDS = [
    "A123456(3)",
    "AB123456(9)",
    "E364912(5)",
    "AB987654(3)",
    "D288754(2)",
    "CA182361(1)",
    "TP149025(8)",
    "D360546(A)",
    "P131609(9)",
    "C668668(9)",
    "P103265(1)",
    "G123456(A)",
    "A555555(0)",
    "C567890(9)",
    "WX123456(9)",
]

GB11643_EXAMPLE = "440524188001010014"


# --- constants and the result type -----------------------------------------------------------


def test_uscc_alphabet_is_gb32100_table() -> None:
    assert len(USCC_ALPHABET) == 31
    assert stdnum_uscc._alphabet == USCC_ALPHABET
    assert not set("IOSVZ") & set(USCC_ALPHABET)
    assert sorted(USCC_ALPHABET) == list(USCC_ALPHABET)


def test_id_types() -> None:
    assert ID_TYPES == ("cn_resident_id", "hk_id", "passport")


def test_id_check_defaults_frozen_and_hashable() -> None:
    check = IdCheck(valid=True, normalized="X")
    assert check.problem is None
    assert check.review is False
    assert dict(check.details) == {}
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.valid = False  # type: ignore[misc]
    refused = validate_uscc("1")
    assert hash(refused) == hash(validate_uscc("1"))
    assert refused == validate_uscc("1")
    with pytest.raises(TypeError):
        refused.details["length"] = "18"  # type: ignore[index]


def test_module_imports_only_stdlib_and_stdnum() -> None:
    tree = ast.parse(Path(identifiers.__file__).read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    assert roots - sys.stdlib_module_names <= {"stdnum"}


# --- normalize_identifier --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("   ", ""),
        ("91350100m000100y43", "91350100M000100Y43"),
        (" 9135 0100 M000 100Y 43 ", "91350100M000100Y43"),
        ("9135-0100-M000-100Y-43", "91350100M000100Y43"),
        ("\t9135\n0100\u00a0M000100Y43", "91350100M000100Y43"),  # tab, newline, no-break space
        ("９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43"),  # full-width
        ("ｍ０００", "M000"),  # full-width lower case
        ("9135\u30000100", "91350100"),  # ideographic space
        ("9135\uff0d0100", "91350100"),  # full-width hyphen-minus
        ("9135\u2010\u2011\u2013\u2014\u22120100", "91350100"),  # hyphen, dashes, minus sign
        ("9135\u200b0100\ufeff", "91350100"),  # zero-width space, byte-order mark
        ("9135\u00ad0100", "91350100"),  # soft hyphen
        ("A123456（3）", "A123456(3)"),  # full-width brackets become ASCII, are kept
        ("9144O300", "9144O300"),  # look-alikes are not guessed
        ("a.b/c_d", "A.B/C_D"),  # other punctuation is kept
    ],
)
def test_normalize_identifier(text: str, expected: str) -> None:
    assert normalize_identifier(text) == expected


# --- check characters ------------------------------------------------------------------------


@pytest.mark.parametrize("code", [*REAL_USCCS, "911502010783951880"])
def test_uscc_check_char_of_real_codes(code: str) -> None:
    assert uscc_check_char(code[:17]) == code[17]


def test_uscc_check_char_gb32100_worked_example() -> None:
    # The standard: sum 1640, 1640 mod 31 = 28, check value 31 - 28 = 3.
    assert uscc_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize(("code", "expected"), FUJIAN_PILOT)
def test_uscc_check_char_of_pilot_codes_differs_from_printed(code: str, expected: str) -> None:
    assert uscc_check_char(code[:17]) == expected != code[17]


@pytest.mark.parametrize("first", ["A", "N", "Y"])
def test_uscc_check_char_accepts_first_characters_stdnum_rejects(first: str) -> None:
    code = make_uscc(first + "1110000", "60003734")
    assert not stdnum_uscc.is_valid(code)
    assert uscc_check_char(code[:17]) == code[17]


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "91350100M000100Y",  # 16
        "91350100M000100Y43",  # 18
        "91350100m000100Y4",  # lower case: must be normalised first
        "91350100M000100O4",  # O is not in the alphabet
        "9135 0100M000100Y4",
        "９1350100M000100Y4",
    ],
)
def test_uscc_check_char_refuses_unnormalised_input_without_raising(bad: str) -> None:
    assert uscc_check_char(bad) == ""


@settings(database=None, max_examples=300)
@given(
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)
def test_uscc_check_char_agrees_with_stdnum(first8: str, rest9: str) -> None:
    first17 = first8 + rest9
    char = uscc_check_char(first17)
    assert char == ref_uscc_check(first17)
    assert stdnum_uscc.is_valid(first17 + char)
    assert stdnum_uscc.calc_check_digit(first17) == char


@settings(database=None, max_examples=300)
@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_check_char_matches_reference_for_any_first_characters(first17: str) -> None:
    assert uscc_check_char(first17) == ref_uscc_check(first17)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("60003734", "1"),
        ("M000100Y", "4"),
        ("71526726", "X"),  # 11 - r == 10
        ("55852163", "0"),  # 11 - r == 11
        ("MA1BUFLT", "4"),  # letters valued A=10 ... Z=35, not by the USCC table
        ("MA2UJY3J", "9"),
        ("M0001TGQ", "X"),  # Fujian pilot: the org check holds
        ("M0000XUF", "4"),
        ("00000000", "0"),
    ],
)
def test_org_code_check_char(body: str, expected: str) -> None:
    assert org_code_check_char(body) == expected == ref_org_check(body)


def test_org_code_check_char_values_letters_over_the_full_latin_alphabet() -> None:
    # J is 19 over A=10..Z=35: 11 - (19*3 mod 11) = 9. Valued 18 by the USCC table (as one blog
    # does, wrongly) it would give 11 - (18*3 mod 11) = 1.
    assert org_code_check_char("J0000000") == "9"
    # Letters outside the USCC alphabet are still valued (GB 11714 predates GB 32100): Z = 35.
    assert org_code_check_char("Z0000000") == str(11 - 35 * 3 % 11)


@pytest.mark.parametrize("bad", ["", "6000373", "600037341", "6000373a", "6000373-", "６0003734"])
def test_org_code_check_char_refuses_bad_input_without_raising(bad: str) -> None:
    assert org_code_check_char(bad) == ""


@settings(database=None, max_examples=300)
@given(st.text(alphabet=LATIN36, min_size=8, max_size=8))
def test_org_code_check_char_matches_reference(body: str) -> None:
    assert org_code_check_char(body) == ref_org_check(body)


# --- validate_uscc ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", REAL_USCCS)
def test_real_usccs_are_valid(code: str) -> None:
    assert validate_uscc(code) == IdCheck(valid=True, normalized=code)


@pytest.mark.parametrize(
    "typed",
    [
        "91350100m000100y43",
        "9135 0100 M000 100Y 43",
        "9135-0100-M000-100Y-43",
        " 91350100M000100Y43\n",
        "９１３５０１００Ｍ０００１００Ｙ４３",
        "９１３５\u3000０１００\uff0dｍ０００１００ｙ４３",
    ],
)
def test_uscc_typing_is_normalised(typed: str) -> None:
    assert validate_uscc(typed) == IdCheck(valid=True, normalized="91350100M000100Y43")


@pytest.mark.parametrize(
    "first2",
    # Every authority/type pair of GB 32100 (with its amendment).
    [
        *("11", "12", "13", "19", "21", "29", "31", "32", "33", "34", "35", "39", "41", "49"),
        *("51", "52", "53", "59", "61", "62", "69", "71", "72", "79", "81", "89", "91", "92"),
        *("93", "A1", "A9", "N1", "N2", "N3", "N9", "Y1"),
    ],
)
def test_every_authority_and_entity_type_pair_is_accepted(first2: str) -> None:
    code = make_uscc(first2 + "440300", "MA5FX0X1")
    assert validate_uscc(code).valid, code


@pytest.mark.parametrize("text", ["", "   ", "-", " - \u3000\uff0d", "\u200b"])
def test_uscc_empty(text: str) -> None:
    assert validate_uscc(text) == IdCheck(valid=False, normalized="", problem="empty")


@pytest.mark.parametrize(
    ("typed", "length"),
    [
        ("91350100M000100Y4", 17),
        ("91350100M000100Y431", 19),
        ("9", 1),
        ("91350100M000100Y43" * 2, 36),
        ("9135 0100 M000 100Y 4", 17),  # separators do not count
        ("91350100M000100Y4ǅ", 19),  # NFKC turns ǅ into two letters
    ],
)
def test_uscc_length(typed: str, length: int) -> None:
    result = validate_uscc(typed)
    assert (result.valid, result.problem, result.review) == (False, "length", False)
    assert result.details == {"length": str(length), "required": "18"}


def test_uscc_length_boundaries() -> None:
    code = "91350100M000100Y43"
    assert validate_uscc(code[:17]).details == {"length": "17", "required": "18"}
    assert validate_uscc(code).valid
    assert validate_uscc(code + "3").details == {"length": "19", "required": "18"}


@pytest.mark.parametrize("char", ["I", "O", "S", "V", "Z", "i", "o", "É", "一", "_", ".", "("])
@pytest.mark.parametrize("position", [1, 2, 5, 9, 17, 18])
def test_uscc_alphabet(char: str, position: int) -> None:
    typed = with_char("91350100M000100Y43", position, char)
    result = validate_uscc(typed)
    assert (result.valid, result.problem) == (False, "alphabet")
    assert result.details == {
        "position": str(position),
        "char": char.upper(),
        "positions": str(position),
    }


def test_uscc_combining_accents_compose_or_are_refused() -> None:
    # NFKC composes Y + U+0301 into Ý (one character, not in the alphabet) …
    result = validate_uscc("91350100M000100Y\u030143")
    assert (result.problem, result.details["position"], result.details["char"]) == (
        "alphabet",
        "16",
        "\u00dd",
    )
    # … and leaves an accent on a digit as a character of its own.
    assert validate_uscc("91350100M000100Y4\u0301").details["position"] == "18"


def test_uscc_superscript_digit_is_a_digit_after_nfkc() -> None:
    assert validate_uscc("9135010²M000100Y43").normalized == "91350102M000100Y43"


def test_uscc_alphabet_names_every_bad_position_and_the_first() -> None:
    result = validate_uscc("9144O300MA5FXXXXSV")
    assert result.problem == "alphabet"
    assert result.details == {"position": "5", "char": "O", "positions": "5,17,18"}


def test_uscc_lower_case_letters_outside_the_alphabet_are_named_upper_case() -> None:
    result = validate_uscc("9144o30071526726XG")
    assert (result.problem, result.details["char"]) == ("alphabet", "O")


@pytest.mark.parametrize(
    ("first8", "position", "part"),
    [
        ("B1440300", 1, "authority"),  # B-G, H … are no registration authority
        ("G1440300", 1, "authority"),
        ("01440300", 1, "authority"),
        ("X1440300", 1, "authority"),
        ("90440300", 2, "entity_type"),
        ("94440300", 2, "entity_type"),  # 工商 registers types 1, 2, 3 only
        ("99440300", 2, "entity_type"),
        ("18440300", 2, "entity_type"),
        ("23440300", 2, "entity_type"),
        ("Y2440300", 2, "entity_type"),  # 其他 is always type 1
        ("Y9440300", 2, "entity_type"),
        ("A2440300", 2, "entity_type"),
        ("N4440300", 2, "entity_type"),
        ("9A440300", 2, "entity_type"),  # a letter is never an entity type
        ("91A40300", 3, "division"),  # characters 3-8 are digits
        ("9144030M", 8, "division"),
        ("914403Y0", 7, "division"),
    ],
)
def test_uscc_format(first8: str, position: int, part: str) -> None:
    code = make_uscc(first8, "MA5FX0X1")
    result = validate_uscc(code)
    assert result.problem == "format", code
    assert result.details == {
        "position": str(position),
        "char": code[position - 1],
        "part": part,
    }
    assert not result.valid and not result.review


@pytest.mark.parametrize(
    ("division", "ok"),
    [
        ("110000", True),
        ("110101", True),
        ("150000", True),
        ("210000", True),
        ("230000", True),
        ("310000", True),
        ("370000", True),
        ("410000", True),
        ("460000", True),
        ("500000", True),
        ("540000", True),
        ("610000", True),
        ("650000", True),
        ("710000", True),
        ("810000", True),
        ("820000", True),
        ("100000", True),  # national-level registrars
        ("100001", False),
        ("000000", False),
        ("160000", False),
        ("200000", False),
        ("240000", False),
        ("380000", False),
        ("470000", False),
        ("550000", False),
        ("660000", False),
        ("700000", False),
        ("830000", False),  # residence-permit prefix, never a registrar
        ("990000", False),
    ],
)
def test_uscc_region(division: str, ok: bool) -> None:
    code = make_uscc("91" + division, "MA5FX0X1")
    result = validate_uscc(code)
    if ok:
        assert result.valid, code
    else:
        assert result.problem == "region"
        assert result.details == {"region": division}


def test_uscc_org_check() -> None:
    code = "91110000600037341L"
    wrong17 = with_char(code, 17, "2")
    wrong = wrong17[:17] + ref_uscc_check(wrong17[:17])  # mod-31 right, position 17 wrong
    result = validate_uscc(wrong)
    assert result == IdCheck(
        valid=False,
        normalized=wrong,
        problem="org_check",
        details={"position": "17", "expected": "1", "actual": "2"},
    )


@pytest.mark.parametrize("code", REAL_USCCS)
def test_uscc_check_char(code: str) -> None:
    # A Fujian-pilot-shaped code (9135…, M and a digit) asks for review instead; tested below.
    fujian = code.startswith("9135") and code[8] == "M" and code[9].isdigit()
    for char in USCC_ALPHABET.replace(code[17], ""):
        result = validate_uscc(code[:17] + char)
        assert result.problem == ("pilot_check_char" if fujian else "check_char")
        assert not result.valid and result.review == fujian
        assert result.details == {"position": "18", "expected": code[17], "actual": char}


@pytest.mark.parametrize(("code", "expected"), FUJIAN_PILOT)
def test_fujian_pilot_goes_to_review(code: str, expected: str) -> None:
    assert validate_uscc(code) == IdCheck(
        valid=False,
        normalized=code,
        problem="pilot_check_char",
        review=True,
        details={"position": "18", "expected": expected, "actual": code[17]},
    )


def test_fujian_pilot_typed_loosely_still_goes_to_review() -> None:
    assert validate_uscc("9135 0100 m000 1tgq xm").problem == "pilot_check_char"


def test_fujian_shape_failing_position_17_too_is_a_plain_fail() -> None:
    pilot = "91350100M0001TGQXM"
    both_wrong = with_char(pilot, 17, "1")  # org check X -> 1; mod-31 still wrong
    assert uscc_check_char(both_wrong[:17]) != both_wrong[17]
    result = validate_uscc(both_wrong)
    assert result.problem == "org_check"
    assert result.review is False


@pytest.mark.parametrize(
    "first8_body",
    [
        ("91440300", "M0001TGQ"),  # not Fujian
        ("92350100", "M0001TGQ"),  # Fujian, but an individual business
        ("91350100", "A0001TGQ"),  # Fujian, organisation code not M…
        ("91350200", "MA2UJY3J"),  # Fujian, but a registrar's MA… code of the national scheme
        ("91350211", "MB0001TG"),  # likewise MB…: a letter after the M
        ("51350100", "M0001TGQ"),  # Fujian, not 工商
    ],
)
def test_only_the_fujian_pilot_shape_goes_to_review(first8_body: tuple[str, str]) -> None:
    first8, body = first8_body
    good = make_uscc(first8, body)
    wrong_last = good[:17] + ("1" if good[17] != "1" else "2")
    result = validate_uscc(wrong_last)
    assert (result.problem, result.review) == ("check_char", False)


def test_fujian_pilot_with_right_check_char_is_plainly_valid() -> None:
    assert validate_uscc("91350100M000100Y43").valid


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("9144O300MA5FXXXXX", "length"),  # length before alphabet
        ("B144O300MA5FXXXXXX", "alphabet"),  # alphabet before format
        ("B1990000600037341L", "format"),  # format before region
        ("91990000600037342L", "region"),  # region before org check
        ("91110000600037342M", "org_check"),  # org check before check character
    ],
)
def test_uscc_problems_are_reported_in_order(typed: str, problem: str) -> None:
    assert validate_uscc(typed).problem == problem


@settings(database=None, max_examples=200)
@given(
    st.sampled_from(["11", "12", "51", "53", "91", "92", "93", "A1", "N2", "Y1"]),
    st.sampled_from(["110000", "350100", "440300", "650102", "100000"]),
    st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8),
    st.integers(min_value=1, max_value=18),
    st.sampled_from(USCC_ALPHABET),
)
def test_generated_codes_are_valid_and_any_single_substitution_is_caught(
    first2: str, division: str, body: str, position: int, char: str
) -> None:
    code = make_uscc(first2 + division, body)
    assert validate_uscc(code).valid
    changed = with_char(code, position, char)
    if changed != code:
        # mod 31 catches every single substitution; the Fujian shape may only ask for review.
        assert not validate_uscc(changed).valid


# --- validate_hk_br --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("66820292", "66820292"),
        ("31130878", "31130878"),
        ("17674094", "17674094"),
        ("3113 0878", "31130878"),
        ("３１１３０８７８", "31130878"),
        ("12345678-000-01-11-1", "12345678"),
        ("12345678 000 01 11 1", "12345678"),
        ("1234567800001111", "12345678"),
        ("12345678－000－01－11－A", "12345678"),  # full-width hyphens, letter at the end
        ("12345678-000-01-11-a", "12345678"),
        ("00000000", "00000000"),
    ],
)
def test_hk_br_valid(typed: str, normalized: str) -> None:
    result = validate_hk_br(typed)
    assert result.valid and result.problem is None
    assert result.normalized == normalized


def test_hk_br_long_form_keeps_the_certificate_number_in_details() -> None:
    result = validate_hk_br("12345678-000-01-11-1")
    assert result.details == {"certificate_number": "1234567800001111"}


@pytest.mark.parametrize("text", ["", "  ", "--"])
def test_hk_br_empty(text: str) -> None:
    assert validate_hk_br(text).problem == "empty"


@pytest.mark.parametrize(
    "typed",
    [
        "1234567",  # 7 digits
        "123456789",  # 9 digits
        "C0012345",  # dummy BRN: not a BR number
        "1234567A",
        "12345678-000-01-11",  # long form cut short
        "12345678-000-01-11-12",  # long form too long
        "12345678-0A0-01-11-1",  # letters only in the last segment
        "A2345678-000-01-11-1",
        "12345678/000/01/11/1",  # only spaces and hyphens separate
        "١٢٣٤٥٦٧٨",  # Arabic-Indic digits are not ASCII digits
    ],
)
def test_hk_br_format(typed: str) -> None:
    result = validate_hk_br(typed)
    assert (result.valid, result.problem) == (False, "format")
    assert result.details["length"] == str(len(result.normalized))


# --- validate_cn_resident_id -----------------------------------------------------------------


def test_gb11643_example_is_valid_although_stdnum_rejects_it() -> None:
    assert not stdnum_ric.is_valid(GB11643_EXAMPLE)
    result = validate_cn_resident_id(GB11643_EXAMPLE, TODAY)
    assert result.valid
    assert result.details == {"birth_date": "1880-01-01", "province": "44"}


@pytest.mark.parametrize(
    "number",
    ["354133198209290022", "338720197801060214", "341617198002120424", "45883019880120031X"],
)
def test_unknown_counties_are_not_judged_where_stdnum_raises(number: str) -> None:
    with pytest.raises(KeyError):
        stdnum_ric.is_valid(number)
    assert validate_cn_resident_id(number, TODAY).valid


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("440524198301010015", "440524198301010015"),
        ("440524197501010015", "440524197501010015"),  # county check stdnum applies: not ours
        ("440301199001011234", "440301199001011234"),
        ("45883019880120031x", "45883019880120031X"),  # lower-case x
        ("440524 19830101 0015", "440524198301010015"),
        ("440524-19830101-0015", "440524198301010015"),
        ("４４０５２４１９８３０１０１００１５", "440524198301010015"),
        ("４５８８３０１９８８０１２００３１ｘ", "45883019880120031X"),
    ],
)
def test_resident_id_valid(typed: str, normalized: str) -> None:
    result = validate_cn_resident_id(typed, TODAY)
    assert result.valid, result
    assert result.normalized == normalized


@pytest.mark.parametrize("text", ["", " ", "-\u3000"])
def test_resident_id_empty(text: str) -> None:
    assert validate_cn_resident_id(text, TODAY).problem == "empty"


@pytest.mark.parametrize("cut", [GB11643_EXAMPLE[:17], GB11643_EXAMPLE + "0", "44052418800101"])
def test_resident_id_length(cut: str) -> None:
    result = validate_cn_resident_id(cut, TODAY)
    assert result.problem == "length"
    assert result.details == {"length": str(len(cut)), "required": "18"}


@pytest.mark.parametrize(
    ("number", "position"),
    [
        ("44052418800101001A", 18),  # only X may end it
        ("44052418800101001Y", 18),
        ("X40524188001010014", 1),
        ("44052418800101X014", 15),  # X only at the end
        ("4405241880O1010014", 11),  # letter O for zero
        ("44052418800101.014", 15),
        ("٤40524188001010014", 1),  # Arabic-Indic digit
    ],
)
def test_resident_id_format(number: str, position: int) -> None:
    result = validate_cn_resident_id(number, TODAY)
    assert result.problem == "format"
    assert result.details["position"] == str(position)


@pytest.mark.parametrize(
    ("province", "ok"),
    [
        ("11", True),
        ("15", True),
        ("35", True),
        ("44", True),
        ("54", True),
        ("65", True),
        ("71", True),
        ("81", True),  # residence permits for Hong Kong, Macao and Taiwan residents
        ("82", True),
        ("83", True),
        ("00", False),
        ("10", False),  # national code of USCCs; no person is registered there
        ("16", False),
        ("20", False),
        ("38", False),
        ("47", False),
        ("55", False),
        ("66", False),
        ("72", False),
        ("84", False),
        ("99", False),
    ],
)
def test_resident_id_province(province: str, ok: bool) -> None:
    number = make_ric(province + "0524", "19830101")
    result = validate_cn_resident_id(number, TODAY)
    if ok:
        assert result.valid, number
    else:
        assert result.problem == "province"
        assert result.details == {"province": province}


@pytest.mark.parametrize(
    ("birth", "reason"),
    [
        ("19830101", None),
        ("20000229", None),  # leap year (divisible by 400)
        ("19960229", None),
        ("19000229", "not_a_date"),  # 1900 is not a leap year
        ("20230229", "not_a_date"),
        ("19831301", "not_a_date"),
        ("19830001", "not_a_date"),
        ("19830100", "not_a_date"),
        ("19830431", "not_a_date"),
        ("00000101", "not_a_date"),
        ("18500101", None),  # the earliest accepted
        ("18491231", "too_early"),
        ("10900101", "too_early"),
        ("18800101", None),  # GB 11643's example year
        ("20261122", None),  # born today
        ("20261123", "in_future"),  # born tomorrow
        ("20300101", "in_future"),
    ],
)
def test_resident_id_birth_date(birth: str, reason: str | None) -> None:
    number = make_ric("440524", birth)
    result = validate_cn_resident_id(number, TODAY)
    if reason is None:
        assert result.valid, number
        assert result.details["birth_date"] == f"{birth[:4]}-{birth[4:6]}-{birth[6:]}"
    else:
        assert result.problem == "birth_date"
        assert result.details == {"birth_date": birth, "reason": reason}


def test_resident_id_birth_date_is_judged_as_of_the_date_given() -> None:
    number = make_ric("440524", "20261123")
    assert validate_cn_resident_id(number, TODAY).problem == "birth_date"
    assert validate_cn_resident_id(number, TODAY + timedelta(days=1)).valid


def test_resident_id_feb_29_is_a_real_date_only_in_leap_years() -> None:
    assert validate_cn_resident_id(make_ric("110101", "20240229"), TODAY).valid
    assert validate_cn_resident_id(make_ric("110101", "20250229"), TODAY).problem == "birth_date"


@pytest.mark.parametrize("number", [GB11643_EXAMPLE, "45883019880120031X", "440524198301010015"])
def test_resident_id_check_digit(number: str) -> None:
    for char in "0123456789X".replace(number[17], ""):
        result = validate_cn_resident_id(number[:17] + char, TODAY)
        assert result.problem == "check_digit"
        assert result.details == {"position": "18", "expected": number[17], "actual": char}


def test_resident_id_check_digit_x() -> None:
    body = next(
        body
        for body in (f"11010119900307{sequence:03d}" for sequence in range(1000))
        if ref_ric_check(body) == "X"
    )
    assert validate_cn_resident_id(body + "X", TODAY).valid
    assert validate_cn_resident_id(body + "0", TODAY).details["expected"] == "X"


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("X405241880010100141", "length"),  # length before format
        ("99052418800101001A", "format"),  # format before province
        ("99052420991301001X", "province"),  # province before birth date
        ("44052420991301001X", "birth_date"),  # birth date before check digit
        ("440524188001010015", "check_digit"),
    ],
)
def test_resident_id_problems_are_reported_in_order(number: str, problem: str) -> None:
    assert validate_cn_resident_id(number, TODAY).problem == problem


@settings(database=None, max_examples=500)
@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_ric_check_char_is_stdnum_s_mod_11_2(first17: str) -> None:
    from stdnum.iso7064 import mod_11_2  # noqa: PLC0415

    from onboard.eligibility.identifiers import _ric_check_char  # noqa: PLC0415

    assert _ric_check_char(first17) == mod_11_2.calc_check_digit(first17)


@settings(database=None, max_examples=200)
@given(
    st.sampled_from(["110101", "440524", "350203", "654321", "810000"]),
    st.dates(min_value=date(1850, 1, 1), max_value=TODAY),
    st.integers(min_value=0, max_value=999),
)
def test_generated_resident_ids_are_valid_and_agree_with_mod_11_2(
    first6: str, born: date, sequence: int
) -> None:
    number = make_ric(first6, born.strftime("%Y%m%d"), f"{sequence:03d}")
    result = validate_cn_resident_id(number, TODAY)
    assert result.valid
    assert result.details["birth_date"] == born.isoformat()


# --- validate_hkid ---------------------------------------------------------------------------


@pytest.mark.parametrize("typed", REAL_HKIDS)
def test_real_hkids_are_valid_with_and_without_brackets(typed: str) -> None:
    compact = typed.replace("(", "").replace(")", "")
    for form in (typed, compact, typed.lower(), typed.replace("(", "（").replace(")", "）")):
        result = validate_hkid(form)
        assert result == IdCheck(valid=True, normalized=compact), form


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("A123456(3)", "A1234563"),  # one letter, brackets
        ("A1234563", "A1234563"),  # one letter, no brackets
        ("AB123456(9)", "AB1234569"),  # two letters, brackets
        ("AB1234569", "AB1234569"),  # two letters, no brackets
        ("D360546(A)", "D360546A"),  # check A, one letter
        ("G123456A", "G123456A"),
        ("a 123456 (3)", "A1234563"),
        ("A-123456-3", "A1234563"),
        ("Ａ１２３４５６（３）", "A1234563"),  # full width throughout
        ("d360546(a)", "D360546A"),
    ],
)
def test_hkid_forms(typed: str, normalized: str) -> None:
    assert validate_hkid(typed) == IdCheck(valid=True, normalized=normalized)


def ref_hkid_check(body: str) -> str:
    """Mod 11, weights 9..2, A=10..Z=35, a one-letter prefix padded with a blank worth 36."""
    values = [36] * (8 - len(body)) + [LATIN36.index(c) for c in body]
    remainder = sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True)) % 11
    return "0A987654321"[remainder]


@pytest.mark.parametrize("typed", REAL_HKIDS)
def test_hkid_reference_agrees_with_published_examples(typed: str) -> None:
    assert ref_hkid_check(typed[:-3]) == typed[-2]


def test_hkid_check_digit_a_for_two_letters() -> None:
    body = next(
        body
        for body in (f"XA123{digits:03d}" for digits in range(1000))
        if ref_hkid_check(body) == "A"
    )
    assert validate_hkid(body + "(A)").valid
    assert validate_hkid(body + "(0)").details == {"expected": "A", "actual": "0"}


@pytest.mark.parametrize(
    ("typed", "expected", "actual"),
    [
        ("TP1490253", "8", "3"),
        ("C5678908", "9", "8"),
        ("Z123456(7)", "1", "7"),  # printed as an example on an SEO page; it is wrong
        ("A123456(A)", "3", "A"),
        ("D360546(0)", "A", "0"),
        ("AB123456(8)", "9", "8"),
    ],
)
def test_hkid_check_digit(typed: str, expected: str, actual: str) -> None:
    result = validate_hkid(typed)
    assert result.problem == "check_digit"
    assert result.details == {"expected": expected, "actual": actual}
    assert result.normalized == typed.replace("(", "").replace(")", "")


def test_hkid_single_digit_errors_are_caught_but_prefix_d_o_z_are_not() -> None:
    for position in range(1, 7):
        for digit in "0123456789":
            changed = "A" + with_char("123456", position, digit) + "3"
            if changed != "A1234563":
                assert validate_hkid(changed).problem == "check_digit"
    # A known blind spot of the algorithm (letters 11 apart), documented, not a bug.
    assert all(validate_hkid(p + "360546(A)").valid for p in "DOZ")


@pytest.mark.parametrize("text", ["", "  ", "\u3000"])
def test_hkid_empty(text: str) -> None:
    assert validate_hkid(text).problem == "empty"


@pytest.mark.parametrize(
    "typed",
    [
        "LL2557369A",  # seven digits
        "1234567",  # no letter
        "ABC123456(7)",  # three letters
        "A12345(6)",  # five digits
        "A1234567(8)",  # seven digits
        "A123456(B)",  # check is 0-9 or A only
        "A123456(3",  # unbalanced brackets
        "A1234563)",
        "A123456[3]",
        "A123456",  # no check digit
        "A123456()",
        "Ä123456(3)",
        "１２３４５６７",
        "A123456(3)(3)",
    ],
)
def test_hkid_format(typed: str) -> None:
    result = validate_hkid(typed)
    assert (result.valid, result.problem) == (False, "format")


# --- validate_passport -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("E12345678", "E12345678"),
        ("EF1260892", "EF1260892"),
        ("K12345678", "K12345678"),
        ("MA1234567", "MA1234567"),
        ("ef1260892", "EF1260892"),
        ("EF 126 0892", "EF1260892"),
        ("EF-1260892", "EF1260892"),
        ("ＥＦ１２６０８９２", "EF1260892"),
        ("12345", "12345"),  # 5: the shortest
        ("A" * 20, "A" * 20),  # 20: the longest
    ],
)
def test_passport_valid(typed: str, normalized: str) -> None:
    assert validate_passport(typed) == IdCheck(valid=True, normalized=normalized)


@pytest.mark.parametrize("text", ["", " ", "--"])
def test_passport_empty(text: str) -> None:
    assert validate_passport(text).problem == "empty"


@pytest.mark.parametrize(
    "typed",
    [
        "1234",  # 4
        "A" * 21,  # 21
        "E1234567!",
        "E1234/5678",
        "É12345678",
        "护照12345678",
        "E12345678(1)",
    ],
)
def test_passport_format(typed: str) -> None:
    result = validate_passport(typed)
    assert (result.valid, result.problem) == (False, "format")
    assert result.details == {"length": str(len(result.normalized))}


# --- validate_person_id ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("id_type", "number"),
    [
        ("cn_resident_id", GB11643_EXAMPLE),
        ("cn_resident_id", "440524188001010015"),
        ("cn_resident_id", ""),
        ("hk_id", "A123456(3)"),
        ("hk_id", "A123456(4)"),
        ("hk_id", "A1234563"),
        ("passport", "EF1260892"),
        ("passport", "E1"),
    ],
)
def test_person_id_dispatches(id_type: str, number: str) -> None:
    direct = {
        "cn_resident_id": lambda n: validate_cn_resident_id(n, TODAY),
        "hk_id": validate_hkid,
        "passport": validate_passport,
    }[id_type]
    assert validate_person_id(id_type, number, TODAY) == direct(number)


def test_person_id_passes_the_date_on() -> None:
    number = make_ric("440524", "20261123")
    assert validate_person_id("cn_resident_id", number, TODAY).problem == "birth_date"
    assert validate_person_id("cn_resident_id", number, date(2026, 11, 23)).valid


@pytest.mark.parametrize("id_type", ["", "hkid", "HK_ID", "cn_resident_id ", "ric", "unknown"])
def test_person_id_unknown_type(id_type: str) -> None:
    result = validate_person_id(id_type, " a123456(3) ", TODAY)
    assert result == IdCheck(
        valid=False, normalized="A123456(3)", problem="id_type", details={"id_type": id_type}
    )


# --- no validator ever raises ----------------------------------------------------------------

ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=40)
SHAPED_TEXT = st.text(alphabet="0123456789AXMOSZ()-（） \u3000ｘ9", max_size=24)
TEXTS = ANY_TEXT | SHAPED_TEXT


ODD_TEXTS = [
    "\ud800",  # a lone surrogate, as json.loads lets through
    "\ud83d\ude00" * 9,  # a surrogate pair that was never joined
    "\x00" * 18,
    "\u202e91350100M000100Y43",  # right-to-left override
    "9" * 100_000,
    "٩١٣٥٠١٠٠",  # Arabic-Indic digits: digits to str.isdigit, not to us
    "¹²³⁴⁵⁶⁷⁸⁹⁰¹²³⁴⁵⁶⁷⁸",  # superscripts: digits after NFKC
    "ß" * 9,  # upper-cases to SS: length changes
    "ﬀ" * 9,
    "(" * 10,
    ")",
    "A123456((3))",
]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_odd_text_is_judged_without_raising(text: str) -> None:
    for result in (
        validate_uscc(text),
        validate_hk_br(text),
        validate_cn_resident_id(text, TODAY),
        validate_hkid(text),
        validate_passport(text),
        validate_person_id(text, text, TODAY),
    ):
        check_invariants(result)


def check_invariants(result: IdCheck) -> None:
    assert isinstance(result, IdCheck)
    assert isinstance(result.normalized, str)
    assert result.valid == (result.problem is None)
    assert not (result.valid and result.review)
    assert result.review == (result.problem == "pilot_check_char")
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.details.items())
    assert "problem" not in result.details  # the rules spread details beside the problem code
    hash(result)
    # Reports are written out as UTF-8: nothing unencodable may come back.
    for value in (result.normalized, *result.details.values()):
        value.encode("utf-8")


@settings(database=None, max_examples=400)
@given(TEXTS, st.dates(), st.sampled_from([*ID_TYPES, "", "other"]))
def test_no_validator_raises_on_any_text(text: str, today: date, id_type: str) -> None:
    assert isinstance(normalize_identifier(text), str)
    assert isinstance(uscc_check_char(text), str)
    assert isinstance(org_code_check_char(text), str)
    for result in (
        validate_uscc(text),
        validate_hk_br(text),
        validate_cn_resident_id(text, today),
        validate_hkid(text),
        validate_passport(text),
        validate_person_id(id_type, text, today),
        validate_person_id(text, text, today),
    ):
        check_invariants(result)


@settings(database=None, max_examples=200)
@given(st.text(alphabet="0123456789X", min_size=18, max_size=18), st.dates())
def test_resident_id_never_raises_on_digit_strings(text: str, today: date) -> None:
    check_invariants(validate_cn_resident_id(text, today))


@settings(database=None, max_examples=200)
@given(st.text(alphabet=USCC_ALPHABET + "IOSVZ", min_size=16, max_size=20))
def test_uscc_never_raises_on_code_like_strings(text: str) -> None:
    check_invariants(validate_uscc(text))
