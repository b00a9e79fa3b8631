"""The applicant form's steps, and the glue between posted form fields and the application.

A step is a list of fields named by their dotted path in the application JSON
(``store.rating``), so the form is validated by the one schema of :mod:`onboard.intake.schemas` and
its errors (keyed by the same dotted names) land next to the inputs. Form text becomes typed
values here only: numbers are parsed (commas, currency signs and full-width digits allowed),
empty inputs clear the field. Which fields a step shows depends on other answers (platform,
region, entry mode), and that comes from the rule set where the rule set says it: a store
field is shown for exactly the platforms whose rules read it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO, cast

import phonenumbers
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage, MultiDict

from onboard import repository
from onboard.eligibility import problems, vocabulary
from onboard.eligibility.identifiers import normalize_identifier, validate_hk_br, validate_uscc
from onboard.eligibility.lookalikes import compare_license_numbers, repair_hk_br, repair_uscc
from onboard.eligibility.model import Check, DocumentFacts, Status
from onboard.eligibility.rules.entity import LICENSE_DOCUMENT, READ_DOCUMENTS
from onboard.eligibility.rules.people import normalize_email
from onboard.eligibility.ruleset import DocumentKind, RuleSet, default_ruleset
from onboard.errors import InputError
from onboard.i18n import lang, pick
from onboard.models import ApplicationRecord, DocumentRecord
from onboard.usecases import applications
from onboard.web import texts

Choices = Callable[[RuleSet], list[tuple[str, str]]]

#: Accepted upload types, for the browser (the server judges by bytes).
ACCEPT = "image/jpeg,image/png,image/bmp"
#: Documents a phone photographs: their file control opens the camera (``capture``).
CAPTURE_KINDS = frozenset(
    {"business_license", "hk_incorporation_certificate", "hk_business_registration", "legal_rep_id"}
)
#: The guide's §3.1 entry page, where an approved seller registers (the link as it gives it).
REGISTRATION_URL = "https://seller.tiktokglobalshop.com/account/register?channel=us_partner_yuguo"


@dataclass(frozen=True)
class Show:
    """Show a field only while ``field`` has one of ``values``."""

    field: str
    values: frozenset[str]


@dataclass(frozen=True)
class Hint:
    text: Any
    show: Show | None = None


@dataclass(frozen=True)
class FormField:
    name: str
    label: Any
    kind: str = "text"  # text number integer date email tel url select radio
    hints: tuple[Hint, ...] = ()
    choices: Choices | None = None
    show: Show | None = None
    autocomplete: str | None = None

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("_", "-")

    @property
    def section(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def leaf(self) -> str:
        return self.name.split(".", 1)[1]

    def value(self, data: Mapping[str, Any]) -> Any:
        return (data.get(self.section) or {}).get(self.leaf)

    def visible(self, data: Mapping[str, Any]) -> bool:
        if self.show is None:
            return True
        section, _dot, leaf = self.show.field.partition(".")
        return (data.get(section) or {}).get(leaf) in self.show.values


@dataclass(frozen=True)
class Step:
    name: str
    title: Any
    intro: Any = ""
    fields: tuple[FormField, ...] = ()

    @property
    def names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)


# --- choices -------------------------------------------------------------------------------


def _regions(_ruleset: RuleSet) -> list[tuple[str, str]]:
    return [("CN", _("Mainland China")), ("HK", _("Hong Kong, China"))]


def _modes(_ruleset: RuleSet) -> list[tuple[str, str]]:
    return [
        ("standard", _("Standard entry")),
        ("invitation", _("Entry with an invitation code")),
    ]


def _id_types(_ruleset: RuleSet) -> list[tuple[str, str]]:
    return [
        ("cn_resident_id", _("Mainland resident ID card")),
        ("hk_id", _("Hong Kong permanent identity card")),
        ("passport", _("Passport")),
    ]


def _fulfillment(_ruleset: RuleSet) -> list[tuple[str, str]]:
    return [
        ("us_warehouse", _("US overseas warehouse")),
        ("fba_mcf", _("Amazon FBA multi-channel fulfilment")),
        ("none", _("Neither yet")),
    ]


def _platforms(ruleset: RuleSet) -> list[tuple[str, str]]:
    return [(key, pick(names)) for key, names in ruleset.platforms.items()]


def _categories(ruleset: RuleSet) -> list[tuple[str, str]]:
    return [(key, pick(names)) for key, names in ruleset.categories.items()]


# --- the steps -----------------------------------------------------------------------------

_CN = Show("entity.region", frozenset({"CN"}))
_DATE_HINT = _l("Year-month-day, e.g. 2025-03-01.")
_HK = Show("entity.region", frozenset({"HK"}))


def _store_show(ruleset: RuleSet, name: str) -> Show | None:
    """The platforms whose rules read store field ``name`` (None: every platform)."""
    platforms = {
        platform
        for spec in ruleset.rules
        if spec.field == name and spec.platforms is not None
        for platform in spec.platforms
    }
    return Show("store.platform", frozenset(platforms)) if platforms else None


def build_steps(ruleset: RuleSet) -> tuple[Step, ...]:
    def store(
        name: str, label: Any, kind: str, *hints: Any, choices: Choices | None = None
    ) -> FormField:
        dotted = f"store.{name}"
        return FormField(
            dotted,
            label,
            kind,
            tuple(Hint(h) for h in hints),
            choices=choices,
            show=_store_show(ruleset, dotted),
        )

    return (
        Step(
            "company",
            _l("Company and license"),
            _l(
                "The company that applies, as written on its business license, and how it "
                "enters TikTok Shop US."
            ),
            (
                FormField(
                    "entity.region",
                    _l("Where is the company registered?"),
                    "radio",
                    choices=_regions,
                ),
                FormField(
                    "entity.company_name",
                    _l("Company name"),
                    autocomplete="organization",
                    hints=(
                        Hint(_l("Exactly as on the business license."), _CN),
                        Hint(_l("Exactly as on the Certificate of Incorporation."), _HK),
                    ),
                ),
                FormField(
                    "entity.license_number",
                    _l("Registration number"),
                    hints=(
                        Hint(
                            _l(
                                "The 18-character Unified Social Credit Code on the business "
                                "license."
                            ),
                            _CN,
                        ),
                        Hint(_l("The 8-digit Business Registration (BR) number."), _HK),
                    ),
                ),
                FormField(
                    "entity.hk_ci_number", _l("Certificate of Incorporation (CI) number"), show=_HK
                ),
                FormField(
                    "entry.mode",
                    _l("Entry route"),
                    "radio",
                    choices=_modes,
                    hints=(
                        Hint(_l("Sellers whose main category is jewelry need an invitation code.")),
                    ),
                ),
                FormField(
                    "entry.invitation_code",
                    _l("Invitation code"),
                    show=Show("entry.mode", frozenset({"invitation"})),
                ),
                FormField(
                    "entry.douyin_gmv_180d_cny",
                    _l("Douyin GMV over the last 180 days (CNY)"),
                    "number",
                    hints=(
                        Hint(
                            _l(
                                "Optional. Well-known Douyin brands above "
                                "¥6,000,000 may also enter by invitation."
                            )
                        ),
                    ),
                ),
            ),
        ),
        Step(
            "legal_rep",
            _l("Legal representative"),
            _l("The company's legal representative, as on their identity document."),
            (
                FormField("legal_rep.name", _l("Full name"), autocomplete="name"),
                FormField("legal_rep.id_type", _l("ID type"), "select", choices=_id_types),
                FormField("legal_rep.id_number", _l("ID number")),
            ),
        ),
        Step(
            "contact",
            _l("Contact"),
            _l(
                "A phone number and an email address used by no other TikTok Shop account. "
                "We send your private link to this address."
            ),
            (
                FormField(
                    "contact.phone",
                    _l("Mobile phone"),
                    "tel",
                    autocomplete="tel",
                    hints=(Hint(_l("With the country code, e.g. +86 138 0013 8000.")),),
                ),
                FormField("contact.email", _l("Email"), "email", autocomplete="email"),
            ),
        ),
        Step(
            "store",
            _l("Your US store"),
            _l(
                "The store you already run on a leading US marketplace or your own brand site. "
                "It must be registered to the company that applies."
            ),
            (
                FormField("store.platform", _l("Platform"), "select", choices=_platforms),
                store(
                    "url",
                    _l("Store link (US site)"),
                    "url",
                    _l("e.g. https://www.amazon.com/sp?seller=A2EXAMPLE12345"),
                ),
                store(
                    "registered_entity",
                    _l("Company registered on the platform"),
                    "text",
                    _l("As on the store's seller information page."),
                ),
                store("opened_on", _l("Store opened on"), "date", _DATE_HINT),
                store("main_category", _l("Store's main category"), "select", choices=_categories),
                store("rating", _l("Store rating (out of 5)"), "number"),
                store("positive_feedback_pct", _l("Positive feedback (%)"), "number"),
                store("gmv_12m_usd", _l("GMV over the last 12 months (US$)"), "number"),
                store("account_health", _l("Account Health Rating"), "integer"),
                store("last_supply_date", _l("Date of the last supply record"), "date", _DATE_HINT),
                store("trustpilot_rating", _l("Trustpilot score"), "number"),
                store("social_followers", _l("Overseas social-media followers"), "integer"),
            ),
        ),
        Step(
            "shop",
            _l("New shop"),
            _l("Your TikTok Shop: its name, its main category and how orders ship."),
            (
                FormField(
                    "shop.name",
                    _l("Shop name (in English)"),
                    hints=(
                        Hint(
                            _l(
                                "Latin letters, digits and ordinary punctuation; "
                                "unique on TikTok Shop."
                            )
                        ),
                    ),
                ),
                FormField(
                    "shop.main_category",
                    _l("Main category"),
                    "select",
                    choices=_categories,
                    hints=(Hint(_l("The same main category as your existing store.")),),
                ),
                FormField(
                    "fulfillment.method",
                    _l("How will orders ship?"),
                    "radio",
                    choices=_fulfillment,
                    hints=(Hint(_l("Orders must ship from inside the US.")),),
                ),
            ),
        ),
        Step(
            "documents",
            _l("Documents"),
            _l(
                "Photos or scans: JPEG, PNG or BMP, each smaller than %(limit)s. Screenshots "
                "must show the system date and time, the store link and the store name.",
                limit=problems.size_limit(ruleset),
            ),
        ),
        Step("review", _l("Review and submit")),
    )


STEP_NAMES = ("company", "legal_rep", "contact", "store", "shop", "documents", "review")
FORM_STEPS = STEP_NAMES[:5]


def neighbours(step: str) -> tuple[str | None, str | None]:
    index = STEP_NAMES.index(step)
    before = STEP_NAMES[index - 1] if index > 0 else None
    after = STEP_NAMES[index + 1] if index + 1 < len(STEP_NAMES) else None
    return before, after


def step_of_field(dotted: str, steps: Sequence[Step]) -> str:
    """The step where the field a check or error names can be fixed."""
    if dotted.startswith("documents"):
        return "documents"
    for step in steps:
        if dotted in step.names or any(dotted == f.section for f in step.fields):
            return step.name
    return "review"


# --- posted form -> application sections ---------------------------------------------------

_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _number(text: str) -> Any:
    """A number typed by a person (``820,000``, ``US$ 820000``, ``98.5%``, full-width
    digits); anything else is returned as typed, for the schema to refuse by name."""
    clean = unicodedata.normalize("NFKC", text)
    clean = re.sub(r"[\s,_]|^(US)?\$|^¥|%$", "", clean)
    if len(clean) > 40 or not _NUMBER.fullmatch(clean):
        return text
    if clean.lstrip("+-").isdigit():
        return int(clean)
    return float(clean)


def coerce(form_field: FormField, raw: str | None) -> Any:
    text = (raw or "").strip()
    if not text:
        return None
    if form_field.kind in ("number", "integer"):
        return _number(text)
    return text


def posted_data(step: Step, form: MultiDict[str, str], saved: Mapping[str, Any]) -> dict[str, Any]:
    """The saved application overlaid with the step's posted values (for visibility)."""
    data = {name: dict(value) for name, value in saved.items() if isinstance(value, Mapping)}
    for form_field in step.fields:
        if form_field.name in form:
            data.setdefault(form_field.section, {})[form_field.leaf] = coerce(
                form_field, form.get(form_field.name)
            )
    return data


def read_sections(
    step: Step, form: MultiDict[str, str], saved: Mapping[str, Any]
) -> dict[str, Any]:
    """The sections to save from a posted step: every visible field, ``None`` when emptied.

    Fields hidden by the other answers (another platform's fields) keep what was saved.
    """
    overlay = posted_data(step, form, saved)
    sections: dict[str, dict[str, Any]] = {}
    for form_field in step.fields:
        if form_field.visible(overlay) and form_field.name in form:
            value = coerce(form_field, form.get(form_field.name))
            sections.setdefault(form_field.section, {})[form_field.leaf] = value
    return sections


# --- errors in the applicant's language ---------------------------------------------------


def field_errors(error: InputError) -> dict[str, list[str]]:
    """The schema's errors by field, each in the applicant's language: every message the
    schema gives is declared in both languages where it is raised (``intake.schemas``)."""
    return {
        name: [texts.message(text, name) for text in messages]
        for name, messages in error.errors.items()
    }


def document_problem(ruleset: RuleSet, facts: DocumentFacts) -> str:
    """Why an upload was refused, in the applicant's language, from the rule set's texts."""
    reason = pick(problems.document_problem(facts, ruleset))
    if facts.problem == "too_large":
        return _(
            "%(reason)s: files must be smaller than %(limit)s.",
            reason=reason,
            limit=problems.size_limit(ruleset),
        )
    return _("%(reason)s. Upload a JPEG, PNG or BMP image.", reason=reason)


# --- rule feedback per step ---------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """A rule's word on one field of a step, as the applicant reads it."""

    status: str
    text: str


def notes_for(step: Step, checks: Iterable[Check]) -> dict[str, list[Note]]:
    """The failing or doubtful checks on this step's fields, by field: shown next to them."""
    notes: dict[str, list[Note]] = {}
    for check in checks:
        if check.field in step.names and check.status in (Status.FAIL, Status.REVIEW):
            notes.setdefault(check.field, []).append(Note(check.status.value, message(check)))
    return notes


def value_text(item: Any, which: str) -> str | None:
    """A check's ``expected`` or ``actual`` value as the applicant reads it: the check's own
    display text in the page's language (``expected_text``/``actual_text``, ``{"en", "zh"}``)
    when it has one, else the value as the engine wrote it. Checks and stored results alike."""
    texts = getattr(item, f"{which}_text", None)
    if isinstance(texts, Mapping):
        text = texts.get(lang())
        if text:
            return str(text)
    value = getattr(item, which, None)
    return None if value is None else str(value)


def message(check: Check) -> str:
    """The check's message in the page's language; a contact value that a library refused is
    explained in our own words instead (the library's reason is English)."""
    return contact_problem(check) or pick(check.message)


def contact_problem(check: Check) -> str | None:
    if check.status != Status.FAIL or not check.actual or (check.evidence or {}).get("duplicates"):
        return None
    if check.code == "contact.email":
        return email_problem(check.actual)
    if check.code == "contact.phone":
        return phone_problem(check.actual)
    return None


#: email-validator's reasons (English) -> ours, by the words they contain; first match wins.
_EMAIL_REASONS: tuple[tuple[tuple[str, ...], Callable[[], str]], ...] = (
    (("must have an @-sign",), lambda: _("The address needs an @ sign, as in name@example.com.")),
    (("special-use", "reserved"), lambda: _("This domain cannot receive email: use a real one.")),
    (("too long",), lambda: _("This address is too long.")),
    (
        ("should have a period", "after the @-sign is not valid", "after the @-sign contains"),
        lambda: _("Check the part after the @ sign: a full domain such as example.com."),
    ),
    (("period",), lambda: _("Check the dots: none at the start or end, and never two together.")),
    (
        ("before the @-sign",),
        lambda: _("Check the part before the @ sign: letters, digits and . _ % + - only."),
    ),
    (
        ("after the @-sign", "domain"),
        lambda: _("Check the part after the @ sign: a full domain such as example.com."),
    ),
)


def email_problem(address: str) -> str | None:
    """Why ``address`` is not a valid email address, in the page's language (None if it is)."""
    normalized, why = normalize_email(address)
    if normalized is not None:
        return None
    reason = next(
        (render() for words, render in _EMAIL_REASONS if any(w in why for w in words)),
        _("Enter an address such as name@example.com."),
    )
    return _(
        "The email address %(address)s is not valid. %(reason)s", address=address, reason=reason
    )


_PHONE_PARSE = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: lambda: _(
        "Start with a valid country code, e.g. +86 or +852."
    ),
    phonenumbers.NumberParseException.NOT_A_NUMBER: lambda: _(
        "Use digits only, e.g. +86 138 0013 8000."
    ),
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: lambda: _("The number is too short."),
    phonenumbers.NumberParseException.TOO_SHORT_NSN: lambda: _("The number is too short."),
    phonenumbers.NumberParseException.TOO_LONG: lambda: _("The number is too long."),
}
_PHONE_LENGTH = {
    phonenumbers.ValidationResult.TOO_SHORT: lambda: _("The number is too short."),
    phonenumbers.ValidationResult.TOO_LONG: lambda: _("The number is too long."),
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: lambda: _(
        "Start with a valid country code, e.g. +86 or +852."
    ),
    phonenumbers.ValidationResult.INVALID_LENGTH: lambda: _(
        "The number has the wrong number of digits for its country."
    ),
}


def phone_problem(text: str, region: str | None = None) -> str | None:
    """What phonenumbers finds wrong with ``text``, in the page's language (None: nothing;
    the rule's own message stands)."""
    try:
        number = phonenumbers.parse(text, region or "CN")
    except phonenumbers.NumberParseException as exc:
        reason = _PHONE_PARSE.get(exc.error_type, lambda: "")()
    else:
        possible = phonenumbers.is_possible_number_with_reason(number)
        if possible in _PHONE_LENGTH:
            reason = _PHONE_LENGTH[possible]()
        elif not phonenumbers.is_valid_number(number):
            reason = _("No such number exists in that country's numbering plan.")
        elif phonenumbers.number_type(number) not in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            reason = _("This is not a mobile number: TikTok Shop sends a code by SMS to it.")
        else:
            return None
    if not reason:
        return None
    return _(
        "The phone number %(number)s is not valid. %(reason)s Include the country code, e.g. "
        "+86 138 0013 8000.",
        number=text,
        reason=reason,
    )


# --- documents ----------------------------------------------------------------------------


@dataclass
class DocumentSlot:
    kind: DocumentKind
    record: DocumentRecord | None
    required: bool | None


def document_slots(ruleset: RuleSet, record: ApplicationRecord) -> list[DocumentSlot]:
    """Required kinds for the region and platform, then other kinds already uploaded."""
    region = (record.data.get("entity") or {}).get("region")
    platform = (record.data.get("store") or {}).get("platform")
    uploaded = {doc.kind: doc for doc in record.documents}
    slots = []
    for kind in ruleset.document_kinds.values():
        required = kind.required_for(region, platform)
        if required or kind.kind in uploaded:
            slots.append(DocumentSlot(kind, uploaded.get(kind.kind), required))
    return slots


def license_kind(record: ApplicationRecord) -> str | None:
    return LICENSE_DOCUMENT.get((record.data.get("entity") or {}).get("region") or "")


#: What a license reading may fill in: the application field -> where the reading holds it.
READ_FIELDS = {
    "entity.license_number": "license_number",
    "entity.company_name": "company_name",
    "legal_rep.name": "legal_representative",
    "entity.hk_ci_number": "license_number",
}
#: Which of :data:`READ_FIELDS` each read document fills. Hong Kong: the BR certificate its
#: number; the Certificate of Incorporation the company's name (RULES.md
#: ``entity.license_name`` judges it against the CI) and the CI number. HK certificates
#: print no legal representative.
FILLS = {
    "business_license": ("entity.license_number", "entity.company_name", "legal_rep.name"),
    "hk_business_registration": ("entity.license_number",),
    "hk_incorporation_certificate": ("entity.company_name", "entity.hk_ci_number"),
}


def field_label(name: str) -> str | None:
    """The applicant form's label of field ``name`` (dotted), in the page's language; None
    for a name no step asks."""
    for step in build_steps(default_ruleset()):
        for item in step.fields:
            if item.name == name:
                return str(item.label)
    return None


def read_kinds(record: ApplicationRecord) -> tuple[str, ...]:
    """The document kinds read by OCR for the record's region (HK: both certificates)."""
    return READ_DOCUMENTS.get((record.data.get("entity") or {}).get("region") or "", ())


def _read_values(reading: Mapping[str, Any], kind: str) -> dict[str, str]:
    """The values a reading of a ``kind`` document offers (:data:`FILLS`): the number when
    valid, and the printed fields read with confidence or as a value to confirm
    (``ok``/``uncertain``)."""
    values: dict[str, str] = {}
    printed = reading.get("fields") or {}
    for name in FILLS.get(kind, ()):
        key = READ_FIELDS[name]
        if key == "license_number":
            if reading.get("license_number"):
                values[name] = str(reading["license_number"])
            continue
        item = printed.get(key) or {}
        if item.get("value") and item.get("status") in ("ok", "uncertain"):
            values[name] = str(item["value"]).strip()
    return values


def _value(data: Mapping[str, Any], dotted: str) -> Any:
    section, _dot, leaf = dotted.partition(".")
    return (data.get(section) or {}).get(leaf)


def upload(
    record: ApplicationRecord, kind: str, file: FileStorage, *, read_license: bool
) -> DocumentRecord:
    """Store an upload (raises ``DocumentRejected``); for the license, fill in what the
    photo reads.

    A field is filled only where the applicant left it empty, or where it still holds what
    an earlier photo filled in: a new photo replaces the old photo's values (and clears
    those it cannot read) but never a value the applicant typed. What was filled is kept
    with the reading (``filled``), so the form can mark it for the applicant to confirm.
    """
    is_license = kind in read_kinds(record)
    before = repository.document(record, kind) if is_license else None
    earlier = dict(((before.reading or {}).get("filled") or {}) if before is not None else {})
    stream = cast(BinaryIO, file.stream)
    document = applications.attach_document(
        record, kind, stream, file.filename or kind, read_license=read_license
    )
    if not is_license or document is before or document.reading is None:
        return document
    offered = _read_values(document.reading, kind)
    changes: dict[str, dict[str, Any]] = {}
    filled: dict[str, str] = {}
    for name in FILLS.get(kind, ()):
        current = _value(record.data, name)
        ours = bool(current) and earlier.get(name) == current
        if current and not ours:
            continue  # the applicant's own value
        section, _dot, leaf = name.partition(".")
        if name in offered:
            changes.setdefault(section, {})[leaf] = offered[name]
            filled[name] = offered[name]
        elif ours:
            changes.setdefault(section, {})[leaf] = None
    if changes:
        try:
            repository.save_sections(record, changes)
        except InputError:  # a reading the schema refuses (too long …) fills in nothing
            filled = {}
    document.reading = {**document.reading, "filled": filled}
    return document


def filled_from_license(record: ApplicationRecord) -> dict[str, tuple[str, str]]:
    """Fields that still hold what a license photo (HK: either certificate) filled in:
    field -> (``ok``/``uncertain`` (how sure the reading was), the document kind read), for
    the form to mark them as read from that document, to confirm."""
    marks: dict[str, tuple[str, str]] = {}
    for kind in read_kinds(record):
        document = repository.document(record, kind)
        reading = (document.reading or {}) if document is not None else {}
        for name, value in (reading.get("filled") or {}).items():
            if name not in READ_FIELDS or _value(record.data, name) != value:
                continue
            key = READ_FIELDS[name]
            item = (reading.get("fields") or {}).get(key) or {}
            status = reading.get("status") if key == "license_number" else item.get("status")
            marks[name] = ("ok" if status in ("ok", "corrected") else "uncertain", kind)
    return marks


# --- the license reading, for people ------------------------------------------------------


@dataclass
class Cell:
    char: str
    position: int
    flagged: bool


@dataclass
class LicenseView:
    """The OCR reading beside the license photo, with the positions a person must check."""

    status: str
    read: str
    typed: str
    cells: list[Cell]
    typed_cells: list[Cell]
    notes: list[tuple[int, str]] = field(default_factory=list)
    confirmed: bool = False
    #: What the photo shows instead, when it is the wrong document (see :func:`wrong_document`).
    wrong_document: str | None = None

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.notes) and not self.confirmed


def _flags(reading: Mapping[str, Any], read: str, typed: str) -> dict[int, str]:
    flags: dict[int, str] = {}
    for fix in reading.get("corrections") or ():
        flags[int(fix["position"])] = _(
            "read as “%(read)s”, taken as “%(taken)s”", read=fix["read"], taken=fix["as"]
        )
    candidates = [c for c in reading.get("candidates") or () if c]
    if len(candidates) > 1:
        for index in range(min(len(c) for c in candidates)):
            options = sorted({c[index] for c in candidates})
            if len(options) > 1:
                flags[index + 1] = _("could be %(options)s", options=" / ".join(options))
    if typed and read and typed != read:
        for diff in compare_license_numbers(typed, read).differences:
            flags[diff.position] = _(
                "you typed “%(typed)s”, the photo shows “%(read)s”",
                typed=diff.typed or "∅",
                read=diff.read or "∅",
            )
    return flags


def license_view(record: ApplicationRecord) -> LicenseView | None:
    kind = license_kind(record)
    document = repository.document(record, kind) if kind else None
    if document is None or not document.reading:
        return None
    reading = document.reading
    candidates = list(reading.get("candidates") or ())
    read = reading.get("license_number") or (candidates[0] if candidates else "") or ""
    read = normalize_identifier(read) if read else normalize_identifier(reading.get("raw") or "")
    typed = normalize_identifier((record.data.get("entity") or {}).get("license_number") or "")
    flags = _flags(reading, read, typed)
    return LicenseView(
        status=str(reading.get("status", "unreadable")),
        read=read,
        typed=typed,
        cells=[Cell(ch, i, i in flags) for i, ch in enumerate(read, 1)],
        typed_cells=[Cell(ch, i, i in flags) for i, ch in enumerate(typed, 1)],
        notes=sorted(flags.items()),
        confirmed=bool(typed) and reading.get("confirmed_number") == typed,
        wrong_document=wrong_document(reading, kind or ""),
    )


def wrong_document(reading: Mapping[str, Any] | None, kind: str) -> str | None:
    """When the photo sent as ``kind`` shows another document (a Hong Kong CI sent as the BR
    certificate, or the reverse: its title says so), the applicant's words for the mismatch,
    in the page's language; else None."""
    shows = (reading or {}).get("shows")
    kinds = default_ruleset().document_kinds
    if not shows or shows not in kinds or kind not in kinds:
        return None
    return _(
        "This photo shows the %(shown)s, not the %(wanted)s. Upload the %(wanted)s here; "
        "the %(shown)s has its own place in the form.",
        shown=pick(kinds[shows].name),
        wanted=pick(kinds[kind].name),
    )


def _valid_number(region: str | None, number: str) -> bool:
    if region == "HK":
        return validate_hk_br(number).valid
    return validate_uscc(number).valid


def license_suggestion(record: ApplicationRecord) -> str | None:
    """The valid reading of a typed registration number that differs only by look-alike
    characters (S/5, O/0 …), for the applicant to take with one click; None otherwise.

    Against a license photo: the photo's valid reading when the typed number differs from it
    only by look-alikes. Without one (or when the photo settles nothing): the one valid
    number the typed text becomes after the look-alike repairs a reader would make, for a
    mainland USCC and an HK BR number alike.
    """
    entity = record.data.get("entity") or {}
    region = entity.get("region")
    typed = normalize_identifier(entity.get("license_number") or "")
    if not typed or region not in ("CN", "HK"):
        return None
    kind = license_kind(record)
    document = repository.document(record, kind) if kind else None
    reading = (document.reading or {}) if document is not None else {}
    read = normalize_identifier(reading.get("license_number") or "")
    if (
        read
        and read != typed
        and _valid_number(region, read)
        and compare_license_numbers(typed, read).only_lookalikes
    ):
        return read
    if _valid_number(region, typed):
        return None
    repaired = repair_hk_br(typed) if region == "HK" else repair_uscc(typed)
    if repaired.status == "corrected" and repaired.license_number:
        return normalize_identifier(repaired.license_number)
    return None


# --- the per-rule summary -----------------------------------------------------------------

#: How the summary orders results: what blocks first.
STATUS_ORDER = ("fail", "missing", "review", "pass", "n/a")
#: The statuses that stop an application, in the order the applicant deals with them.
BLOCKING = ("fail", "missing", "review")


@dataclass
class Result:
    """One check as the applicant reads it: its title (never its code), what to do, and
    the values in the page's language."""

    code: str
    title: str
    status: str
    message: str
    expected: str | None
    actual: str | None
    field: str
    step: str


@dataclass
class Summary:
    """What stops the application first (failures, then what is missing, then what a person
    will check), then the passing checks, to be folded away under their count."""

    blocking: list[tuple[str, list[Result]]]
    passing: list[Result]
    not_applicable: list[Result]
    counts: dict[str, int]

    @property
    def blocked(self) -> int:
        return sum(len(rows) for _status, rows in self.blocking)


def _title(ruleset: RuleSet, code: str) -> str:
    try:
        return pick(ruleset.rule(code).title)
    except KeyError:
        return code


def summarize(checks: Iterable[Check], steps: Sequence[Step], ruleset: RuleSet) -> Summary:
    """The engine's checks as the applicant's pages list them. Within a status, results
    follow the form's steps (what to fix on the first step first), then rule order."""
    order = {step.name: index for index, step in enumerate(steps)}
    by_status: dict[str, list[Result]] = {status: [] for status in STATUS_ORDER}
    for c in checks:
        step = step_of_field(c.field, steps)
        by_status.setdefault(c.status.value, []).append(
            Result(
                c.code,
                _title(ruleset, c.code),
                c.status.value,
                message(c),
                value_text(c, "expected"),
                value_text(c, "actual"),
                c.field,
                step,
            )
        )
    for rows in by_status.values():
        rows.sort(key=lambda r: order.get(r.step, len(order)))
    return Summary(
        blocking=[(status, by_status[status]) for status in BLOCKING if by_status[status]],
        passing=by_status["pass"],
        not_applicable=by_status["n/a"],
        counts={status: len(rows) for status, rows in by_status.items()},
    )


# --- after approval: registering on TikTok Shop (the guide's §3.1–3.3) ---------------------


def _named(ruleset: RuleSet, name: vocabulary.Vocabulary, value: Any) -> str:
    if not value:
        return ""
    return vocabulary.label(ruleset, name, str(value), cast(vocabulary.Lang, lang()))


def approved_details(record: ApplicationRecord, ruleset: RuleSet) -> list[tuple[str, str]]:
    """The approved answers the seller types again when registering, in the page's language
    (values named, never ids), each ready to copy."""
    data = record.data
    entry = data.get("entry") or {}
    rows = [
        (_("Company name"), _value(data, "entity.company_name")),
        (_("Registration number"), _value(data, "entity.license_number")),
        (
            _("Where the company is registered"),
            _named(ruleset, "regions", _value(data, "entity.region")),
        ),
        (_("Legal representative"), _value(data, "legal_rep.name")),
        (_("Mobile phone"), _value(data, "contact.phone")),
        (_("Email"), _value(data, "contact.email")),
        (_("Entry route"), _named(ruleset, "entry_modes", entry.get("mode") or "standard")),
        (_("Invitation code"), entry.get("invitation_code")),
        (_("Shop name (in English)"), _value(data, "shop.name")),
        (_("Main category"), _named(ruleset, "categories", _value(data, "shop.main_category"))),
        (_("Store link (US site)"), _value(data, "store.url")),
    ]
    return [(label, str(value)) for label, value in rows if value]


def approval_steps(record: ApplicationRecord, ruleset: RuleSet) -> list[str]:
    """What an approved seller does next, step by step, as the guide's §3.1–3.3 say: the entry
    page, an account with the same mobile number and email, the North America market, the
    entry route and the company's location. The status page and the approval email both
    read it from here."""
    data = record.data
    mode = (data.get("entry") or {}).get("mode") or "standard"
    return [
        _(
            "Open TikTok Shop's seller registration page and choose Register: %(url)s",
            url=REGISTRATION_URL,
        ),
        _(
            "Register with the same mobile number (%(phone)s) and email address (%(email)s) as "
            "in this application: send a verification code to each and type it in, then set a "
            "password and submit.",
            phone=_value(data, "contact.phone") or "—",
            email=_value(data, "contact.email") or "—",
        ),
        _("Choose the market: North America."),
        _(
            "Choose the entry route: %(route)s.",
            route=_named(ruleset, "entry_modes", mode),
        ),
        _(
            "Choose where the company is registered, as on its license: %(region)s.",
            region=_named(ruleset, "regions", _value(data, "entity.region")) or "—",
        ),
        _(
            "Then upload the license and the legal representative's ID, and fill in your store "
            "and new shop with the approved details below."
        ),
    ]


def verdict_name(verdict: str) -> str:
    return {
        "eligible": _("eligible"),
        "ineligible": _("not eligible yet"),
        "incomplete": _("incomplete"),
        "review": _("to be reviewed"),
    }.get(verdict, verdict)
