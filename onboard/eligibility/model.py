"""The plain data the rules judge, and what they say about it.

Everything here is a frozen dataclass, a named tuple or an enum: no Flask, no Pillow, no
database. Adapters (the web form, the API, the CLI, the batch worker) build an
:class:`Application` from their input and gather :class:`Evidence` (document facts, OCR
readings, duplicates) before asking the engine for a :class:`Report`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple

from onboard.eligibility.messages import Message

EMPTY: Mapping[str, Any] = MappingProxyType({})


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    MISSING = "missing"
    REVIEW = "review"
    NOT_APPLICABLE = "n/a"


class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    INCOMPLETE = "incomplete"
    REVIEW = "review"


# --- the application -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entity:
    region: str | None = None
    company_name: str | None = None
    license_number: str | None = None
    hk_ci_number: str | None = None


@dataclass(frozen=True, slots=True)
class LegalRep:
    name: str | None = None
    id_type: str | None = None
    id_number: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Store:
    platform: str | None = None
    url: str | None = None
    registered_entity: str | None = None
    opened_on: date | None = None
    rating: float | None = None
    positive_feedback_pct: float | None = None
    gmv_12m_usd: float | None = None
    account_health: int | None = None
    trustpilot_rating: float | None = None
    social_followers: int | None = None
    last_supply_date: date | None = None
    main_category: str | None = None


@dataclass(frozen=True, slots=True)
class Shop:
    name: str | None = None
    main_category: str | None = None


@dataclass(frozen=True, slots=True)
class Fulfillment:
    method: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    mode: str | None = None
    invitation_code: str | None = None
    douyin_gmv_180d_cny: float | None = None


@dataclass(frozen=True, slots=True)
class Application:
    """One seller's application as typed in; every field may be empty (a draft)."""

    as_of: date | None = None
    entity: Entity = field(default_factory=Entity)
    legal_rep: LegalRep = field(default_factory=LegalRep)
    contact: Contact = field(default_factory=Contact)
    store: Store = field(default_factory=Store)
    shop: Shop = field(default_factory=Shop)
    fulfillment: Fulfillment = field(default_factory=Fulfillment)
    entry: Entry = field(default_factory=Entry)
    #: document kind -> the file's name or reference, as the applicant declared it.
    documents: Mapping[str, str] = field(default_factory=dict)


# --- evidence gathered by adapters --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImageQuality:
    """Measurements of an ID photo, made by ``onboard.documents``.

    ``sharpness`` is the variance of the Laplacian of the photo scaled to a fixed width
    (higher is sharper); ``border_fraction`` is the share of the picture's area taken by a
    plain margin around the card (0 when the card fills the frame).
    """

    sharpness: float
    border_fraction: float


@dataclass(frozen=True, slots=True)
class DocumentFacts:
    """What inspecting one uploaded file found, judged from its bytes alone.

    ``problem`` is ``None`` when the file is a JPEG, PNG or BMP that decoded whole within the
    pixel budget; otherwise one of ``empty``, ``too_large``, ``unsupported_format``,
    ``not_an_image``, ``truncated``, ``corrupt``, ``too_many_pixels``. ``detail`` names the real
    format found (``GIF``, ``PDF``, ``HTML`` …) or the decoder's complaint.
    """

    kind: str
    size_bytes: int
    format: str | None = None
    problem: str | None = None
    detail: str | None = None
    width: int | None = None
    height: int | None = None
    quality: ImageQuality | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DocumentFacts:
        values = dict(data)
        quality = values.pop("quality", None)
        return cls(**values, quality=ImageQuality(**quality) if quality else None)


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Another application that shares a value with this one: a live application (its id,
    for the desk; never named in a message), or another row of the same batch (``row``,
    1-based, which messages do name)."""

    application_id: str
    submitted_on: date | None = None
    row: int | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    """Facts the pure rules cannot find out for themselves.

    ``documents`` holds the inspection of every uploaded file (kinds only declared by name
    have none). ``duplicates`` maps a field (``entity.license_number``, ``contact.phone``,
    ``contact.email``, ``shop.name``) to the other live applications that use the same value;
    ``None`` means nobody looked (a single pre-screen cannot see other applicants): rule sets
    of RULES.md's 2026-12-06 edition then report the uniqueness checks as made at submission,
    older ones leave them out. ``duplicates_scope`` says where ``duplicates`` looked: ``live``
    (the registry of live applications) or ``batch`` (the other rows of one batch, which is
    all a batch can see). ``license_reading`` is the OCR of the license image (HK: the BR
    certificate), ``incorporation_reading`` that of a Hong Kong Certificate of Incorporation.
    """

    documents: Mapping[str, DocumentFacts] = field(default_factory=dict)
    duplicates: Mapping[str, tuple[Duplicate, ...]] | None = None
    license_reading: LicenseReading | None = None
    duplicates_scope: str = "live"
    incorporation_reading: LicenseReading | None = None


#: The evidence of a batch row that shares no value with another row (and has no files):
#: most rows of a batch, so the engine plans their judging once (see engine.evaluate).
NO_DUPLICATES_IN_BATCH = Evidence(duplicates=MappingProxyType({}), duplicates_scope="batch")


@dataclass(frozen=True, slots=True)
class Correction:
    """One look-alike character changed while reading a license number (1-based position)."""

    position: int
    read: str
    as_: str

    def to_dict(self) -> dict[str, Any]:
        return {"position": self.position, "read": self.read, "as": self.as_}


@dataclass(frozen=True, slots=True)
class FieldReading:
    """One printed field of a license besides its number (CONTRACT.md ``fields``).

    ``status``: ``ok`` every character read with confidence; ``uncertain`` a value to
    confirm; ``unreadable`` nothing usable (``value`` is ``None``). A value is never ``ok``
    unless the reader was confident of every character.
    """

    value: str | None
    status: str
    confidence: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "status": self.status, "confidence": self.confidence}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FieldReading:
        return cls(
            value=data.get("value"),
            status=data.get("status", "unreadable"),
            confidence=float(data.get("confidence", 0.0)),
        )


#: The names of :attr:`LicenseReading.fields`: ``company_name`` (名称; HK: the name on the
#: Certificate of Incorporation or the BR certificate's business name), ``legal_representative``
#: (法定代表人; mainland only) and ``established_on`` (成立日期, ISO ``YYYY-MM-DD``). A Hong Kong
#: Certificate of Incorporation that prints a Chinese name adds ``company_name_zh``.
LICENSE_FIELDS = ("company_name", "legal_representative", "established_on")


@dataclass(frozen=True, slots=True)
class LicenseReading:
    """The license number as read from an image (the JSON of ``onboard ocr`` in CONTRACT.md).

    ``status``: ``ok`` read cleanly and valid; ``corrected`` valid only after the listed
    look-alike fixes; ``ambiguous`` several valid readings (all in ``candidates``) or none;
    ``unreadable`` no number found. A number that fails its checks is never ``ok`` or
    ``corrected``. ``scheme`` is ``uscc`` (mainland), ``hk_br`` (Hong Kong BR number) or
    ``hk_ci`` (the number of a Hong Kong Certificate of Incorporation, as
    ``identifiers.validate_hk_ci`` normalises it). ``document`` is the document kind read
    (RULES.md §4) when the region has more than one (Hong Kong): the JSON then carries it
    and ``scheme``.
    """

    status: str
    license_number: str | None
    valid: bool
    raw: str
    corrections: tuple[Correction, ...] = ()
    candidates: tuple[str, ...] = ()
    confidence: float = 0.0
    seconds: float = 0.0
    scheme: str = "uscc"
    #: The license's other printed fields (names in :data:`LICENSE_FIELDS`); empty when
    #: the reader did not look for them.
    fields: Mapping[str, FieldReading] = field(default_factory=dict)
    #: Clockwise degrees the image was turned to read it (0, 90, 180, 270), after EXIF.
    orientation: int = 0
    #: The document kind read: ``hk_business_registration`` or ``hk_incorporation_certificate``
    #: for Hong Kong; empty for the mainland license (the region's only one).
    document: str = ""
    #: Hong Kong: the other document, when the caller named ``document`` and the photo's
    #: title names the other one (a CI sent as the BR certificate, or the reverse); empty
    #: otherwise. The applicant is then told which document the photo shows.
    shows: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "license_number": self.license_number,
            "valid": self.valid,
            "status": self.status,
            "raw": self.raw,
            "corrections": [c.to_dict() for c in self.corrections],
            "candidates": list(self.candidates),
            "confidence": self.confidence,
            "seconds": self.seconds,
        }
        if self.fields:
            out["fields"] = {name: reading.to_dict() for name, reading in self.fields.items()}
        if self.fields or self.orientation:
            out["orientation"] = self.orientation
        if self.document:
            out["document"] = self.document
            out["scheme"] = self.scheme
        if self.shows:
            out["shows"] = self.shows
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], scheme: str = "uscc") -> LicenseReading:
        """The inverse of :meth:`to_dict` (readings are stored as that JSON)."""
        return cls(
            status=data["status"],
            license_number=data.get("license_number"),
            valid=bool(data.get("valid")),
            raw=data.get("raw", ""),
            corrections=tuple(
                Correction(c["position"], c["read"], c["as"]) for c in data.get("corrections", ())
            ),
            candidates=tuple(data.get("candidates", ())),
            confidence=float(data.get("confidence", 0.0)),
            seconds=float(data.get("seconds", 0.0)),
            scheme=data.get("scheme", scheme),
            fields={
                name: FieldReading.from_dict(value)
                for name, value in (data.get("fields") or {}).items()
            },
            orientation=int(data.get("orientation", 0)),
            document=str(data.get("document", "")),
            shows=str(data.get("shows", "")),
        )


# --- what the engine says -----------------------------------------------------------------


def _copy(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """``dict(mapping)``. Most mappings a check holds are read-only views (``MappingProxyType``:
    every shared check's message, the messages fixed at load, the texts of ids), which
    ``dict()`` reads key by key; their own ``copy`` clones the dict behind them whole, three
    times as fast (0.19 against 0.58 µs; ~25 of them an application)."""
    if type(mapping) is MappingProxyType:
        copied = mapping.copy()
        if type(copied) is dict:
            return copied
    return dict(mapping)


class Check(NamedTuple):
    """One rule's result for one application (one per document kind for document rules).

    A named tuple rather than a frozen dataclass: as immutable, and built several times
    faster, which counts at ~26 checks per application in a batch of a hundred thousand.
    """

    code: str
    status: Status
    field: str
    expected: str | None
    actual: str | None
    message: Mapping[str, str]
    evidence: Mapping[str, Any] = EMPTY
    #: ``expected`` and ``actual`` as people read them, ``{"en": …, "zh": …}`` (ids named in
    #: each language, RULES.md §7). ``None`` where the value reads the same in every language
    #: (the applicant's own values: names, numbers, links) or is absent.
    expected_text: Mapping[str, str] | None = None
    actual_text: Mapping[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        code, status, field, expected, actual, message, evidence, expected_text, actual_text = self
        out: dict[str, Any] = {
            "code": code,
            "status": status._value_,  # not .value: a property, measurably slower
            "field": field,
            "expected": expected,
            "actual": actual,
            "message": message.texts() if type(message) is Message else _copy(message),
        }
        if evidence:
            out["evidence"] = _copy(evidence)
        if expected is not None:
            out["expected_text"] = (
                _copy(expected_text) if expected_text else {"en": expected, "zh": expected}
            )
        if actual is not None:
            out["actual_text"] = _copy(actual_text) if actual_text else {"en": actual, "zh": actual}
        return out

    def text(self, name: str, lang: str) -> str | None:
        """``expected`` or ``actual`` (``name``) in ``lang``: what pages show."""
        texts = self.expected_text if name == "expected" else self.actual_text
        if texts and lang in texts:
            return texts[lang]
        return self.expected if name == "expected" else self.actual


class SharedCheck(Check):
    """A check the engine built once and hands to every application it fits (n/a on a
    platform, a document kind missing …): its message is read-only, and serialisers may
    write it once for all the reports that hold it."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Report:
    verdict: Verdict
    route: str
    rules_version: str
    as_of: date
    checks: tuple[Check, ...]

    def to_dict(self, checks: list[Any] | None = None) -> dict[str, Any]:
        """The report as JSON data; ``checks`` stands in for the checks' own (a serialiser
        may pass them already written)."""
        return {
            "verdict": self.verdict._value_,
            "route": self.route,
            "rules_version": self.rules_version,
            "as_of": self.as_of.isoformat(),
            "checks": [check.to_dict() for check in self.checks] if checks is None else checks,
        }

    def by_code(self, code: str) -> list[Check]:
        return [check for check in self.checks if check.code == code]
