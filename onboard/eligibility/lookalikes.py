"""Look-alike characters: repairing a license number as read, and comparing it with what was typed.

The guide warns that automatic readers turn S into 5 and O into 0 (RULES.md,
``entity.license_ocr``). A Unified Social Credit Code carries enough structure to catch those
slips: its alphabet (no I, O, S, V, Z), the classes of its positions (characters 2–8 are
digits; character 1 is a digit or A, N, Y), the GB 11714 check at position 17 and the mod-31
check at position 18. This module uses that structure, and nothing cleverer, because repair
is where a reader turns a wrong number into a confident one:

* **Forced fixes** are free: a character outside the alphabet (S→5, O→0, I→1, Z→2, V→U) or
  a letter where the position must be a digit (B→8, D/Q→0, G→6, L→1) has exactly one
  look-alike that can stand there. Both checks must still pass afterwards.
* **One further substitution** from the look-alike groups (or from the reader's own
  alternatives for that character) is tried only when the forced reading fails its checks,
  and it is accepted only when exactly one candidate passes both checks and the reader was
  not confident about the character it changes. Research on this very problem measured two
  substitutions producing 21–34 wrong codes that pass both checks; so two are never tried.
* Everything else goes to a person: ``ambiguous`` with every valid candidate, or with none.

A number that fails its checks is never reported ``ok`` or ``corrected``.

Pure domain code: the standard library and :mod:`onboard.eligibility.identifiers` only.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from onboard.eligibility.identifiers import (
    USCC_ALPHABET,
    normalize_identifier,
    validate_hk_br,
    validate_uscc,
)
from onboard.eligibility.model import Correction, LicenseReading

__all__ = [
    "ALPHABET_FIXES",
    "LOOKALIKE_GROUPS",
    "CharDifference",
    "LicenseComparison",
    "are_lookalikes",
    "clean_reading",
    "compare_license_numbers",
    "lookalikes_of",
    "repair_hk_br",
    "repair_uscc",
]

#: Characters a reader (or a person copying a license) confuses, per RULES.md. A character
#: may sit in one group only; the groups are symmetric (typed O vs read 0 and the reverse).
LOOKALIKE_GROUPS: Final[tuple[frozenset[str], ...]] = (
    frozenset("S5"),
    frozenset("O0DQ"),
    frozenset("I1L"),
    frozenset("Z2"),
    frozenset("B8"),
    frozenset("G6"),
    frozenset("UV"),
)

#: The automatic fixes: each character outside the USCC alphabet has exactly one look-alike
#: inside it (V has no digit twin; U is its letter twin).
ALPHABET_FIXES: Final[Mapping[str, str]] = MappingProxyType(
    {"S": "5", "O": "0", "I": "1", "Z": "2", "V": "U"}
)

_GROUP_OF: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {char: group for group in LOOKALIKE_GROUPS for char in group}
)
_ALPHABET: Final = frozenset(USCC_ALPHABET)
_DIGITS: Final = frozenset("0123456789")
#: Character 1 is a registration authority: a digit, or A, N, Y (GB 32100-2015).
_FIRST: Final = frozenset("123456789ANY")

#: A business license (营业执照) is issued by market regulation (authority 9) to an enterprise
#: (1), an individual business (2) or a farmers' cooperative (3): a substitution never moves
#: characters 1–2 away from that, since other authorities issue other certificates.
_BUSINESS: Final[Mapping[int, frozenset[str]]] = MappingProxyType(
    {0: frozenset("9"), 1: frozenset("123")}
)

#: When the reader gives per-character confidences (0–1), a single substitution is trusted
#: only where the reader was unsure: below CONFIDENT, or among its DOUBT_RANK + 1 least
#: confident characters and below SURE. Measured on 300 hard synthetic photos: every wrong
#: unique candidate changed a character read at 0.99 that ranked 7th or worse; the right ones
#: were almost all below 0.9 or among the three least confident. A change where the reader
#: was sure is a coincidence of the checks, not a repair.
CONFIDENT: Final = 0.90
DOUBT_RANK: Final = 2
SURE: Final = 0.985


def lookalikes_of(char: str) -> frozenset[str]:
    """The characters that look like ``char`` (not including it); empty when none do."""
    return _GROUP_OF.get(char.upper(), frozenset()) - {char.upper()}


def are_lookalikes(a: str, b: str) -> bool:
    """Whether two different single characters belong to the same look-alike group."""
    a, b = a.upper(), b.upper()
    return a != b and a in _GROUP_OF and b in _GROUP_OF[a]


def _allowed(index: int) -> frozenset[str]:
    """The characters GB 32100 allows at 0-based ``index`` (a superset: the checks decide)."""
    if index == 0:
        return _FIRST
    if index < 8:
        return _DIGITS
    return _ALPHABET


def _forced(char: str, index: int) -> str | None:
    """The one character ``char`` must have been at ``index``, if it cannot stand there and
    exactly one look-alike can; else ``None`` (nothing to force, or no unique choice)."""
    allowed = _allowed(index)
    if char in allowed:
        return None
    if char in ALPHABET_FIXES and ALPHABET_FIXES[char] in allowed:
        return ALPHABET_FIXES[char]
    options = lookalikes_of(char) & allowed
    return next(iter(options)) if len(options) == 1 else None


def clean_reading(raw: str) -> str:
    """What a reader returned, as a compact upper-case string (NFKC, separators dropped).

    Punctuation a reader invents between characters (``.``, ``,``, ``'``) is dropped too: it
    is never part of a code, and keeping it would shift every later position.
    """
    text = normalize_identifier(raw)
    return "".join(c for c in text if not unicodedata.category(c).startswith("P"))


def _reading(
    status: str,
    raw: str,
    number: str | None = None,
    corrections: Sequence[Correction] = (),
    candidates: Sequence[str] = (),
    *,
    scheme: str = "uscc",
) -> LicenseReading:
    return LicenseReading(
        status=status,
        license_number=number,
        valid=number is not None,
        raw=raw,
        corrections=tuple(corrections),
        candidates=tuple(candidates),
        scheme=scheme,
    )


def _single_substitutions(
    code: str,
    read: str,
    alternatives: Sequence[Sequence[str]] | None,
    business: bool = True,
) -> dict[int, list[str]]:
    """Valid codes one look-alike (or reader-alternative) substitution away from ``code``,
    by 0-based position. ``read`` is the reading before forced fixes: the look-alikes of the
    character actually seen count as much as those of the character it was forced to."""
    found: dict[int, list[str]] = {}
    for index, current in enumerate(code):
        options = set(lookalikes_of(current) | lookalikes_of(read[index]))
        if alternatives is not None and index < len(alternatives):
            options |= {alt.upper() for alt in alternatives[index]}
        options &= _allowed(index)
        if business and index in _BUSINESS:
            options &= _BUSINESS[index]
        options.discard(current)
        for option in sorted(options):
            candidate = code[:index] + option + code[index + 1 :]
            if validate_uscc(candidate).valid:
                found.setdefault(index, []).append(candidate)
    return found


#: 0-based positions guarded by the mod-31 check alone (characters 1–8 and 18). A change
#: there can "repair" the mod-31 check of a reading whose real errors cancelled out in the
#: GB 11714 check (1 time in 11), so it needs the reader's doubt as evidence.
_MOD31_ONLY: Final = frozenset((*range(8), 17))


def _doubtful(index: int, confidences: Sequence[float] | None) -> bool:
    """Whether the evidence allows changing the character at ``index``: the reader must have
    been unsure of it (see :data:`CONFIDENT`). Without confidences (pytesseract, or typed
    text) only characters 9–17, which both checks guard, may change."""
    if confidences is None or len(confidences) != 18:
        return index not in _MOD31_ONLY
    own = confidences[index]
    if own < CONFIDENT:
        return True
    return own < SURE and sum(1 for c in confidences if c < own) <= DOUBT_RANK


def repair_uscc(
    raw: str,
    *,
    confidences: Sequence[float] | None = None,
    alternatives: Sequence[Sequence[str]] | None = None,
    business: bool = True,
) -> LicenseReading:
    """Turn a reader's output into a verdict on the USCC it shows.

    ``confidences`` (0–1 per character of the cleaned reading) and ``alternatives`` (other
    characters the reader considered, per character) are optional evidence from the reader.
    The result's ``status`` is ``ok`` (valid as read), ``corrected`` (valid after the listed
    fixes), ``ambiguous`` (several valid readings in ``candidates``, or none; a Fujian pilot
    code, which fails only the mod-31 check, is offered as the one candidate for a person to
    confirm) or ``unreadable`` (nothing that could be a code). ``confidence`` and ``seconds``
    are left at 0 for the reader to fill. ``business`` (the default: the image is a
    business license) keeps substitutions from moving characters 1–2 off ``91``/``92``/``93``;
    a reading that is valid as it stands is accepted whatever its authority.
    """
    read = clean_reading(raw)
    if not read:
        return _reading("unreadable", raw)
    if len(read) != 18:
        return _reading("ambiguous", raw)
    fixed = list(read)
    corrections: list[Correction] = []
    for index, char in enumerate(read):
        forced = _forced(char, index)
        if forced is not None:
            fixed[index] = forced
            corrections.append(Correction(index + 1, char, forced))
    code = "".join(fixed)
    check = validate_uscc(code)
    if check.valid:
        return _reading("corrected" if corrections else "ok", raw, code, corrections)

    found = _single_substitutions(code, read, alternatives, business)
    candidates = sorted(c for options in found.values() for c in options)
    if check.review:
        # A real pilot code read correctly fails the mod-31 check too: never "repair" it into
        # a look-alike that passes, let a person compare with the paper.
        return _reading("ambiguous", raw, candidates=[code, *candidates])
    if len(candidates) == 1:
        (index,) = found
        if _doubtful(index, confidences):
            number = candidates[0]
            corrections = [c for c in corrections if c.position != index + 1]
            corrections.append(Correction(index + 1, read[index], number[index]))
            corrections.sort(key=lambda c: c.position)
            return _reading("corrected", raw, number, corrections)
    return _reading("ambiguous", raw, candidates=candidates)


def repair_hk_br(raw: str) -> LicenseReading:
    """A Hong Kong BR number read from a certificate: 8 digits, or the certificate number
    ``99999999-999-99-99-X`` whose first 8 digits it is. Hong Kong publishes no check digit,
    so only the format is judged; a reading that does not fit is ``ambiguous`` for a person."""
    text = clean_reading(raw)
    if not text:
        return _reading("unreadable", raw, scheme="hk_br")
    fixed = list(text)
    corrections: list[Correction] = []
    for index, char in enumerate(text[:15]):  # BRN, branch and the dated segments are digits
        if char not in _DIGITS:
            options = lookalikes_of(char) & _DIGITS
            if len(options) == 1:
                fixed[index] = next(iter(options))
                corrections.append(Correction(index + 1, char, fixed[index]))
    check = validate_hk_br("".join(fixed))
    if not check.valid:
        return _reading("ambiguous", raw, scheme="hk_br")
    status = "corrected" if corrections else "ok"
    return _reading(status, raw, check.normalized, corrections, scheme="hk_br")


# --- comparing typed and read ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CharDifference:
    """One position (1-based) where the typed and the read number differ."""

    position: int
    typed: str
    read: str
    lookalike: bool

    def describe(self) -> str:
        return f"position {self.position}: typed {self.typed or '∅'}, read {self.read or '∅'}"


@dataclass(frozen=True, slots=True)
class LicenseComparison:
    """How a typed license number differs from the one read off the image.

    ``positions`` are 1-based; ``only_lookalikes`` is true when the two differ, have the same
    length, and every difference is within one look-alike group (S/5, O/0/D/Q, I/1/L, Z/2,
    B/8, G/6, U/V): the typical slip of a person copying, or of a reader, which a reviewer
    settles by looking, rather than a different company's number.
    """

    typed: str
    read: str
    equal: bool
    positions: tuple[int, ...]
    only_lookalikes: bool
    differences: tuple[CharDifference, ...]

    def describe(self) -> str:
        """``position 5: typed O, read 0; position 9: typed S, read 5`` (empty when equal)."""
        return "; ".join(diff.describe() for diff in self.differences)


def compare_license_numbers(typed: str, read: str) -> LicenseComparison:
    """Compare ``typed`` with ``read`` character by character, after normalising both
    (NFKC, separators removed, upper case) so that spacing and case never count."""
    a, b = normalize_identifier(typed), normalize_identifier(read)
    differences = tuple(
        CharDifference(
            index + 1,
            a[index] if index < len(a) else "",
            b[index] if index < len(b) else "",
            index < min(len(a), len(b)) and are_lookalikes(a[index], b[index]),
        )
        for index in range(max(len(a), len(b)))
        if index >= len(a) or index >= len(b) or a[index] != b[index]
    )
    return LicenseComparison(
        typed=a,
        read=b,
        equal=not differences,
        positions=tuple(diff.position for diff in differences),
        only_lookalikes=bool(differences) and all(diff.lookalike for diff in differences),
        differences=differences,
    )
