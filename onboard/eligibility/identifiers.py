"""Validators for the numbers an application carries (RULES.md §2).

Company numbers: the mainland Unified Social Credit Code (USCC, GB 32100-2015) and the Hong
Kong Business Registration number. Personal numbers of the legal representative: the mainland
Resident Identity Card (GB 11643-1999), the Hong Kong Identity Card and passports.

Every validator takes whatever the applicant typed and returns an :class:`IdCheck`; none of
them raises on any ``str``, because typed input is untrusted and a validator that crashes
would turn a bad number into a server error. A refusal carries a short, stable ``problem``
code that the rule set turns into a bilingual message, plus ``details`` whose keys those
messages may interpolate (``length``/``required`` for ``length``, ``position``/``char`` for
``alphabet``).

The check characters of the USCC (GB 32100, mod 31) and of the resident ID (ISO 7064
MOD 11-2) are computed as python-stdnum computes them (the tests prove they agree), each in
one weighted sum; stdnum's policy is not used: its USCC check rejects first characters
the standard allows (``A``, ``N``, ``Y``) and skips the organisation-code check, and its RIC
check raises ``KeyError`` on some inputs and judges county codes, which change over time. So
the policy lives here, with what stdnum lacks: the GB 11714 organisation-code check, the HKID
check digit and the HK BR format.

The USCC and resident-ID validators first try one regular expression for the well-formed case;
only when it does not match do the character-by-character checks run, to name the problem and
its position.

Pure domain code: the standard library and python-stdnum only.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Final

__all__ = [
    "ID_TYPES",
    "USCC_ALPHABET",
    "IdCheck",
    "normalize_identifier",
    "org_code_check_char",
    "uscc_check_char",
    "validate_cn_resident_id",
    "validate_hk_br",
    "validate_hk_ci",
    "validate_hkid",
    "validate_passport",
    "validate_person_id",
    "validate_uscc",
]

#: The 31 characters a USCC may contain, in value order 0-30 (GB 32100-2015 Table 1): digits
#: and upper-case letters without I, O, S, V and Z.
USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"

#: The accepted ``id_type`` values of the legal representative, in display order.
ID_TYPES: Final[tuple[str, ...]] = ("cn_resident_id", "hk_id", "passport")

_NO_DETAILS: Final[Mapping[str, str]] = MappingProxyType({})


def _no_details() -> Mapping[str, str]:
    return _NO_DETAILS


@dataclass(frozen=True, slots=True)
class IdCheck:
    """The verdict on one identifier.

    ``valid``: the number passes every check. ``normalized``: the number as it should be
    stored and compared (see :func:`normalize_identifier`; the HK BR long form becomes its
    first 8 digits and an HKID loses its brackets). ``problem``: ``None`` when valid, else the
    first failed check as a stable machine code. ``review``: not valid, but plausibly real, so
    a person must look instead of the application being refused (the Fujian pilot USCCs).
    ``details``: string facts about the problem (positions are 1-based), read-only.
    """

    valid: bool
    normalized: str
    problem: str | None = None
    review: bool = False
    # Left out of the hash: a read-only mapping is not hashable, the verdict still is.
    details: Mapping[str, str] = field(default_factory=_no_details, hash=False)


def _id_check(
    valid: bool, normalized: str, problem: str | None, review: bool, details: dict[str, str]
) -> IdCheck:
    return IdCheck(
        valid, normalized, problem, review, MappingProxyType(details) if details else _NO_DETAILS
    )


def _ok(normalized: str, **details: str) -> IdCheck:
    return _id_check(True, normalized, None, False, details)


def _refuse(normalized: str, problem: str, *, review: bool = False, **details: str) -> IdCheck:
    return _id_check(False, normalized, problem, review, details)


# --- normalisation ---------------------------------------------------------------------------

# U+2212 MINUS SIGN is a maths symbol (Sm), not a dash (Pd), yet people type it as one.
_EXTRA_SEPARATORS: Final = frozenset("\u2212")


def _is_separator(char: str) -> bool:
    """Whitespace, any dash, and invisible format characters (zero-width space, soft hyphen,
    byte-order mark) that copying from a web page or PDF leaves inside a number."""
    return char.isspace() or char in _EXTRA_SEPARATORS or unicodedata.category(char) in ("Pd", "Cf")


#: The ASCII characters :func:`_is_separator` accepts (whitespace and the hyphen-minus), as bytes
#: for ``bytes.translate`` to delete.
_ASCII_SEPARATORS: Final = bytes(code for code in range(128) if _is_separator(chr(code)))


def _encodable(text: str) -> str:
    """``text`` with lone surrogates (which ``json.loads`` lets through) replaced by U+FFFD, so
    that no result carries a string that cannot be written out as UTF-8."""
    return "".join("\ufffd" if "\ud800" <= char <= "\udfff" else char for char in text)


def normalize_identifier(text: str) -> str:
    """``text`` as a compact upper-case identifier: NFKC, then separators removed, then upper.

    NFKC first, so that full-width digits and letters (``９１３５``), the ideographic space and
    the full-width hyphen typed on a Chinese keyboard become their ASCII forms. Separators are
    whitespace, every Unicode dash (hyphen, en/em dash, minus sign …) and invisible format
    characters. Nothing else is touched: a look-alike such as ``O`` for ``0`` is left for the
    validators to refuse, since guessing is the OCR module's job and the applicant's to confirm.
    Lone surrogates become U+FFFD (see :func:`_encodable`).
    """
    if text.isascii():  # the common case
        if text.isalnum():  # already normal
            return text.upper()
        # NFKC leaves ASCII as it is and ASCII holds no surrogate, so only the separators go:
        # one pass of bytes.translate instead of a Python test per character.
        return text.encode("ascii").translate(None, _ASCII_SEPARATORS).decode("ascii").upper()
    return _normalize_unicode(text)


def _normalize_unicode(text: str) -> str:
    """:func:`normalize_identifier` for any text, character by character."""
    compatible = _encodable(unicodedata.normalize("NFKC", text))
    return "".join(char for char in compatible if not _is_separator(char)).upper()


def _first_outside(text: str, allowed: str | frozenset[str], start: int = 0) -> int | None:
    """The 0-based index of the first character of ``text[start:]`` not in ``allowed``."""
    for index in range(start, len(text)):
        if text[index] not in allowed:
            return index
    return None


_DIGITS: Final = frozenset("0123456789")
_LATIN36: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_USCC_CHARS: Final = frozenset(USCC_ALPHABET)

#: ``bytes.translate`` tables from a character to its value: digits and letters over the full
#: Latin alphabet (A=10 … Z=35), and the USCC alphabet in its own order (0-30).
_LATIN36_VALUES: Final = bytes.maketrans(_LATIN36.encode("ascii"), bytes(range(36)))


def _weighted_sum(text: str, values: bytes, weights: tuple[int, ...]) -> int:
    """The sum of value × weight over the characters of ``text``, valued by the
    ``bytes.translate`` table ``values``. ``text`` must be ASCII, every character in the table,
    and as long as ``weights``: callers check that first. Translating and multiplying in C is
    what makes this several times faster than a lookup per character."""
    return sum(map(operator.mul, text.encode("ascii").translate(values), weights))


# --- Unified Social Credit Code (GB 32100-2015) -----------------------------------------------

#: Position 1 (registration authority) → the position-2 entity types it may register, per
#: GB 32100-2015 with its amendment (as restated by osuse.cn, ddrv.cn and the research notes):
#: 1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政, 6 旅游, 7 宗教, 8 工会, 9 工商 (市场监管),
#: A 中央军委改革和编制办公室, N 农业 (农村集体经济组织), Y 其他 (always type 1).
#: python-stdnum requires the first 8 characters to be digits and so rejects A, N and Y.
_USCC_ENTITY_TYPES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "1": "1239",
        "2": "19",
        "3": "123459",
        "4": "19",
        "5": "1239",
        "6": "129",
        "7": "129",
        "8": "19",
        "9": "123",
        "A": "19",
        "N": "1239",
        "Y": "1",
    }
)

#: Province-level codes of GB/T 2260: the mainland provinces, autonomous regions and
#: municipalities, plus Taiwan (71), Hong Kong (81) and Macao (82).
_GB2260_PROVINCES: Final = frozenset(
    {
        *("11", "12", "13", "14", "15"),  # 华北
        *("21", "22", "23"),  # 东北
        *("31", "32", "33", "34", "35", "36", "37"),  # 华东
        *("41", "42", "43", "44", "45", "46"),  # 中南
        *("50", "51", "52", "53", "54"),  # 西南
        *("61", "62", "63", "64", "65"),  # 西北
        *("71", "81", "82"),  # 台湾, 香港, 澳门
    }
)

#: The division code of national-level registration authorities (e.g. 民政部 registers
#: national social organisations as ``51100000…``); not a province, but a real registrar.
_USCC_NATIONAL_DIVISION: Final = "100000"

_ORG_CODE_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)
#: The GB 11714 check character by the weighted sum mod 11: 11 - r, with 10 → X and 11 → 0.
_ORG_CODE_CHECK_CHARS: Final = "0X987654321"
_ORG_CODE_BODY: Final = re.compile("[0-9A-Z]{8}")

#: GB 32100's weights of characters 1-17: 3^(i-1) mod 31.
_USCC_FIRST17: Final = re.compile(f"[{USCC_ALPHABET}]{{17}}")

#: What passes the ``empty``, ``length``, ``alphabet`` and ``format`` checks of
#: :func:`validate_uscc` (see :func:`_uscc_malformed`): a registration authority and one of its
#: entity types, six digits, then ten characters of the alphabet.
_USCC_AUTHORITY_AND_TYPE: Final = "|".join(
    f"{authority}[{types}]" for authority, types in _USCC_ENTITY_TYPES.items()
)
_USCC_WELL_FORMED: Final = re.compile(
    f"(?:{_USCC_AUTHORITY_AND_TYPE})[0-9]{{6}}[{USCC_ALPHABET}]{{10}}"
)


def uscc_check_char(first17: str) -> str:
    """The mod-31 check character (position 18) for the first 17 characters of a USCC.

    GB 32100 / GB/T 17710: weights 3^(i-1) mod 31, check value (31 - sum mod 31) mod 31, the
    same as ``stdnum.cn.uscc.calc_check_digit``. Unlike stdnum's validator this accepts
    every first character of the alphabet. ``first17`` must
    already be normalised (17 characters of :data:`USCC_ALPHABET`); anything else gives
    ``""``, which equals no character, so a comparison with it fails safely instead of raising.
    """
    if _USCC_FIRST17.fullmatch(first17) is None:
        return ""
    return _uscc_check_char(first17)


#: GB 32100's weights of characters 1-17 (3^(i-1) mod 31), and the USCC alphabet's values
#: (0-30 in its own order) as a ``bytes.translate`` table.
_USCC_WEIGHTS: Final = tuple(pow(3, index, 31) for index in range(17))
_USCC_VALUES: Final = bytes.maketrans(USCC_ALPHABET.encode("ascii"), bytes(range(31)))


def _uscc_check_char(first17: str) -> str:
    """:func:`uscc_check_char` of 17 characters known to be of the alphabet: what
    ``stdnum.cn.uscc.calc_check_digit`` computes (tests/test_identifiers.py proves it over
    random codes), in one translate and one weighted sum where stdnum takes ~13 µs in Python
    loops; every application's number is checked twice (its validity, and whose it is)."""
    remainder = _weighted_sum(first17, _USCC_VALUES, _USCC_WEIGHTS) % 31
    return USCC_ALPHABET[(31 - remainder) % 31]


def org_code_check_char(code8: str) -> str:
    """The GB 11714-1997 check character for an 8-character organisation-code body.

    Weights 3,7,9,10,5,8,4,2; digits count as themselves and letters over the full Latin
    alphabet (A=10 … Z=35, not the USCC table's values); check = 11 - sum mod 11 with 10 → X
    and 11 → 0. In a USCC the body is characters 9–16 and this check is character 17.
    ``code8`` must already be normalised (8 characters of 0-9, A-Z); anything else gives ``""``.
    python-stdnum has no GB 11714 module, hence the arithmetic here.
    """
    if _ORG_CODE_BODY.fullmatch(code8) is None:
        return ""
    return _org_code_check_char(code8)


def _org_code_check_char(code8: str) -> str:
    """:func:`org_code_check_char` of 8 characters known to be 0-9, A-Z."""
    return _ORG_CODE_CHECK_CHARS[_weighted_sum(code8, _LATIN36_VALUES, _ORG_CODE_WEIGHTS) % 11]


def _uscc_format_problem(code: str) -> tuple[int, str] | None:
    """Where characters 1–8 break GB 32100's structure, as (0-based index, part name).

    Character 1 must be a registration authority, character 2 an entity type that authority
    registers (always a digit), characters 3–8 the registrar's division code (digits). So
    "characters 1–8 are digits" holds except for the A, N and Y authorities.
    """
    types = _USCC_ENTITY_TYPES.get(code[0])
    if types is None:
        return 0, "authority"
    if code[1] not in types:
        return 1, "entity_type"
    index = _first_outside(code[:8], _DIGITS, start=2)
    if index is not None:
        return index, "division"
    return None


def _is_uscc_region(division: str) -> bool:
    return division == _USCC_NATIONAL_DIVISION or division[:2] in _GB2260_PROVINCES


def _is_fujian_pilot(code: str) -> bool:
    """Early Fujian pilot codes were issued before the mod-31 rule was enforced; some fail
    only that check yet are real (RULES.md §2). They are ``9135…`` codes whose organisation
    code is ``M`` followed by digits: every known one starts ``M000`` (``91350100M0001TGQXM``,
    ``91350211M0000XUF46``, ``91350203M0001FUE2P``, ``91350211M00013FA1N``). The codes that
    registrars have assigned since the national roll-out put a letter after the ``M``
    (``MA…``, ``MB…``) and follow the standard, so one of those failing the check is a slip,
    not a pilot code."""
    return code.startswith("9135") and code[8] == "M" and code[9].isdigit()


def _uscc_malformed(code: str) -> IdCheck | None:
    """The ``empty``, ``length``, ``alphabet`` or ``format`` refusal of the normalised ``code``
    (see :func:`validate_uscc`), or ``None`` when it is 18 characters of the alphabet in
    GB 32100's structure."""
    if not code:
        return _refuse(code, "empty")
    if len(code) != 18:
        return _refuse(code, "length", length=str(len(code)), required="18")
    bad = [index for index, char in enumerate(code) if char not in _USCC_CHARS]
    if bad:
        return _refuse(
            code,
            "alphabet",
            position=str(bad[0] + 1),
            char=code[bad[0]],
            positions=",".join(str(index + 1) for index in bad),
        )
    broken = _uscc_format_problem(code)
    if broken is not None:
        index, part = broken
        return _refuse(code, "format", position=str(index + 1), char=code[index], part=part)
    return None


def validate_uscc(text: str) -> IdCheck:
    """Judge a typed USCC. Checks, in order, each giving its problem code when it fails:

    ``empty``; ``length`` (not 18); ``alphabet`` (a character outside :data:`USCC_ALPHABET`;
    ``position``/``char`` of the first, ``positions`` of all); ``format`` (character 1 not a
    registration authority, character 2 not an entity type of it, or characters 3–8 not
    digits); ``region`` (characters 3–8 neither ``100000``, the national registrars, nor in a
    GB/T 2260 province: only the first two digits are judged, since prefecture and county
    codes change); ``org_check`` (character 17); ``check_char`` (character 18).

    A Fujian pilot code that fails only the mod-31 check gets ``pilot_check_char`` with
    ``review=True``: it is not valid, but a person confirms it rather than the service
    refusing a real company.
    """
    code = normalize_identifier(text)
    # The pattern accepts exactly what _uscc_malformed passes (the tests check it): the
    # character-by-character checks run only to name the problem of a malformed code.
    if _USCC_WELL_FORMED.fullmatch(code) is None:
        malformed = _uscc_malformed(code)
        if malformed is not None:
            return malformed
    if not _is_uscc_region(code[2:8]):
        return _refuse(code, "region", region=code[2:8])
    org_expected = _org_code_check_char(code[8:16])
    if code[16] != org_expected:
        return _refuse(code, "org_check", position="17", expected=org_expected, actual=code[16])
    expected = _uscc_check_char(code[:17])
    if code[17] != expected:
        problem, review = (
            ("pilot_check_char", True) if _is_fujian_pilot(code) else ("check_char", False)
        )
        return _refuse(
            code, problem, review=review, position="18", expected=expected, actual=code[17]
        )
    return _ok(code)


# --- Hong Kong Business Registration number ---------------------------------------------------

# The printed certificate number: 8-digit BRN, 3-digit branch, then segments whose meaning is
# not officially documented (the last is seen as a digit or a letter), so they are not judged.
_HK_BR_CERTIFICATE: Final = re.compile(r"([0-9]{8})[0-9]{7}[0-9A-Z]")
_HK_BRN: Final = re.compile("[0-9]{8}")


def validate_hk_br(text: str) -> IdCheck:
    """Judge a Hong Kong Business Registration number: 8 digits, format only.

    Hong Kong publishes no BR check digit, so none is judged. The printed certificate number
    ``99999999-999-99-99-9`` (with spaces, hyphens or no separators) is accepted and
    normalised to its first 8 digits, which are the BRN. Problems: ``empty``, ``format``.
    Dummy BRNs (a letter and 7 digits, for bodies without a BR) are refused: RULES.md asks
    for a BR number.
    """
    number = normalize_identifier(text)
    if not number:
        return _refuse(number, "empty")
    if _HK_BRN.fullmatch(number) is not None:
        return _ok(number)
    certificate = _HK_BR_CERTIFICATE.fullmatch(number)
    if certificate is not None:
        return _ok(certificate.group(1), certificate_number=number)
    return _refuse(number, "format", length=str(len(number)))


# --- Hong Kong Certificate of Incorporation number -------------------------------------------

_HK_CI: Final = re.compile("[0-9]{1,8}")


def validate_hk_ci(text: str) -> IdCheck:
    """Judge the number of a Hong Kong Certificate of Incorporation, format only.

    The Companies Registry numbers companies with up to 7 digits (its search pads them to 8:
    ``2837074`` is ``02837074``); certificates issued since 27 December 2023 print the
    8-digit Business Registration number instead (the Unique Business Identifier). Either
    way 1 to 8 digits, normalised to 8 with leading zeros. No check digit is published.
    Problems: ``empty``, ``format`` (with the normalised ``length``).
    """
    number = normalize_identifier(text)
    if not number:
        return _refuse(number, "empty")
    if _HK_CI.fullmatch(number) is None:
        return _refuse(number, "format", length=str(len(number)))
    return _ok(number.rjust(8, "0"))


# --- mainland Resident Identity Card (GB 11643-1999) ------------------------------------------

#: First two digits of a resident ID: GB/T 2260 provinces, plus 83, which with 81 and 82
#: begins the GB 11643-format numbers of the residence permits for Hong Kong, Macao and Taiwan
#: residents (2018).
_RIC_PROVINCES: Final = _GB2260_PROVINCES | {"83"}

#: Earliest birth date accepted. Nobody born before about 1870 was alive when 18-digit cards
#: were issued (1999 onwards); 1850 leaves room for registration quirks, keeps GB 11643's own
#: example (born 1880-01-01) valid for good, and still refuses typos such as 1090 or 0199.
_EARLIEST_BIRTH: Final = date(1850, 1, 1)

_RIC_LAST: Final = frozenset("0123456789X")

#: What passes the ``empty``, ``length`` and ``format`` checks of
#: :func:`validate_cn_resident_id` (see :func:`_ric_malformed`).
_RIC_WELL_FORMED: Final = re.compile("[0-9]{17}[0-9X]")

#: ISO 7064 MOD 11-2 over 17 digits as GB 11643 writes it: weights 2^(18-i) mod 11, and the
#: check character by the weighted sum mod 11.


def _read_birth_date(digits: str, today: date) -> date | str:
    """The birth date in ``digits`` (YYYYMMDD, ASCII digits), or why it is refused."""
    try:
        # Reads YYYYMMDD since Python 3.11, in C: the same dates as date(int(…), …) would
        # make (the tests check it), several times faster.
        born = date.fromisoformat(digits)
    except ValueError:
        return "not_a_date"
    if born > today:
        return "in_future"
    if born < _EARLIEST_BIRTH:
        return "too_early"
    return born


#: ISO 7064 MOD 11-2 over 17 digits as GB 11643 writes it: weights 2^(18-i) mod 11.
_RIC_WEIGHTS: Final = tuple(pow(2, 17 - index, 11) for index in range(17))
_DIGIT_VALUES: Final = bytes.maketrans(b"0123456789", bytes(range(10)))


def _ric_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of 17 ASCII digits: what
    ``stdnum.iso7064.mod_11_2.calc_check_digit`` gives (tests/test_identifiers.py proves it),
    in one weighted sum."""
    remainder = _weighted_sum(first17, _DIGIT_VALUES, _RIC_WEIGHTS) % 11
    return "0123456789X"[(12 - remainder) % 11]


def _ric_malformed(number: str) -> IdCheck | None:
    """The ``empty``, ``length`` or ``format`` refusal of the normalised ``number`` (see
    :func:`validate_cn_resident_id`), or ``None`` when it is 17 digits and a digit or X."""
    if not number:
        return _refuse(number, "empty")
    if len(number) != 18:
        return _refuse(number, "length", length=str(len(number)), required="18")
    index = _first_outside(number[:17], _DIGITS)
    if index is None and number[17] not in _RIC_LAST:
        index = 17
    if index is not None:
        return _refuse(number, "format", position=str(index + 1), char=number[index])
    return None


def validate_cn_resident_id(text: str, today: date) -> IdCheck:
    """Judge a mainland Resident Identity Card number as of ``today``.

    Checks, in order: ``empty``; ``length`` (not 18); ``format`` (characters 1–17 digits,
    18 a digit or X; lower-case x is normalised); ``province`` (first two digits); ``birth_date``
    (characters 7–14 a real date, not after ``today``, not before 1850-01-01; ``reason`` says
    ``not_a_date``, ``in_future`` or ``too_early``); ``check_digit`` (ISO 7064 MOD 11-2, by
    ``stdnum.iso7064.mod_11_2``).

    County codes are deliberately not judged: they are renamed and retired over time, and a
    card keeps the code of where its holder was registered. That is why this does not use
    ``stdnum.cn.ric.validate``, which rejects GB 11643's own example ``440524188001010014``
    and raises ``KeyError`` on unknown counties.
    """
    number = normalize_identifier(text)
    # As in validate_uscc: the pattern accepts exactly what _ric_malformed passes.
    if _RIC_WELL_FORMED.fullmatch(number) is None:
        malformed = _ric_malformed(number)
        if malformed is not None:
            return malformed
    if number[:2] not in _RIC_PROVINCES:
        return _refuse(number, "province", province=number[:2])
    born = _read_birth_date(number[6:14], today)
    if isinstance(born, str):
        return _refuse(number, "birth_date", birth_date=number[6:14], reason=born)
    expected = _ric_check_char(number[:17])
    if number[17] != expected:
        return _refuse(number, "check_digit", position="18", expected=expected, actual=number[17])
    return _ok(number, birth_date=born.isoformat(), province=number[:2])


# --- Hong Kong Identity Card ------------------------------------------------------------------

_HKID: Final = re.compile(r"([A-Z]{1,2})([0-9]{6})(?:\(([0-9A])\)|([0-9A]))")
_HKID_WEIGHTS: Final = (9, 8, 7, 6, 5, 4, 3, 2)
_HKID_SPACE: Final = 36  # the value of the blank that pads a one-letter prefix
#: Characters valued as in :data:`_LATIN36_VALUES`, plus the padding blank.
_HKID_VALUES: Final = bytes.maketrans(
    b" " + _LATIN36.encode("ascii"), bytes([_HKID_SPACE, *range(36)])
)


def _hkid_check_char(prefix: str, digits: str) -> str:
    """Mod 11 over the padded prefix and six digits, weights 9…2 (letters A=10 … Z=35, the
    padding blank 36); remainder 0 → 0, 1 → A, r → 11 - r."""
    remainder = _weighted_sum(prefix.rjust(2) + digits, _HKID_VALUES, _HKID_WEIGHTS) % 11
    return "0123456789A"[(11 - remainder) % 11]


def validate_hkid(text: str) -> IdCheck:
    """Judge a Hong Kong Identity Card number: ``A123456(3)`` or ``AB123456(9)``.

    One or two letters, six digits, then the check character 0–9 or A, in brackets or not
    (full-width brackets work too). ``normalized`` is the compact form without brackets, as
    in the OECD TIN format, when the shape is right. Problems: ``empty``, ``format``,
    ``check_digit``. The check cannot tell apart prefix letters 11 apart (D/O/Z, A/L/W …), so
    a passing number may still carry such a slip; the reviewer compares it with the card.
    """
    number = normalize_identifier(text)
    if not number:
        return _refuse(number, "empty")
    match = _HKID.fullmatch(number)
    if match is None:
        return _refuse(number, "format")
    prefix, digits, bracketed, bare = match.groups()
    given = bracketed or bare
    compact = prefix + digits + given
    expected = _hkid_check_char(prefix, digits)
    if given != expected:
        return _refuse(compact, "check_digit", expected=expected, actual=given)
    return _ok(compact)


# --- passports --------------------------------------------------------------------------------

_PASSPORT: Final = re.compile(r"[0-9A-Z]{5,20}")


def validate_passport(text: str) -> IdCheck:
    """Judge a passport number: 5–20 ASCII letters and digits once normalised.

    Passport numbers carry no check digit of their own (the MRZ does, but the applicant types
    only the number), so the shape is all that can be judged. Problems: ``empty``,
    ``format`` (with the normalised ``length``).
    """
    number = normalize_identifier(text)
    if not number:
        return _refuse(number, "empty")
    if _PASSPORT.fullmatch(number) is None:
        return _refuse(number, "format", length=str(len(number)))
    return _ok(number)


# --- dispatch ---------------------------------------------------------------------------------

_PERSON_VALIDATORS: Final[Mapping[str, Callable[[str, date], IdCheck]]] = MappingProxyType(
    {
        "cn_resident_id": validate_cn_resident_id,
        "hk_id": lambda number, _today: validate_hkid(number),
        "passport": lambda number, _today: validate_passport(number),
    }
)


def validate_person_id(id_type: str, number: str, today: date) -> IdCheck:
    """Judge a legal representative's ID ``number`` of type ``id_type`` (one of
    :data:`ID_TYPES`, matched exactly) as of ``today``.

    An unknown type gives problem ``id_type`` (detail ``id_type``): without a type there is
    no rule to judge the number by.
    """
    validator = _PERSON_VALIDATORS.get(id_type)
    if validator is None:
        return _refuse(normalize_identifier(number), "id_type", id_type=_encodable(id_type))
    return validator(number, today)
