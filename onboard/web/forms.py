"""The applicant form's steps, and the glue between posted form fields and the application.

A step is a list of fields named by their dotted path in the application JSON
(``store.rating``), so the form is validated by the one schema of :mod:`onboard.schemas` and
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

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage, MultiDict

from onboard import repository
from onboard.eligibility.identifiers import normalize_identifier
from onboard.eligibility.lookalikes import compare_license_numbers
from onboard.eligibility.model import Check, DocumentFacts, Status
from onboard.eligibility.rules.entity import LICENSE_DOCUMENT
from onboard.eligibility.ruleset import DocumentKind, RuleSet
from onboard.errors import InputError
from onboard.i18n import lang, pick
from onboard.models import ApplicationRecord, DocumentRecord

Choices = Callable[[RuleSet], list[tuple[str, str]]]

#: Accepted upload types, for the browser (the server judges by bytes).
ACCEPT = "image/jpeg,image/png,image/bmp"


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
                    hints=(Hint(_l("Exactly as on the license.")),),
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
                store("opened_on", _l("Store opened on"), "date"),
                store("main_category", _l("Store's main category"), "select", choices=_categories),
                store("rating", _l("Store rating (out of 5)"), "number"),
                store("positive_feedback_pct", _l("Positive feedback (%)"), "number"),
                store("gmv_12m_usd", _l("GMV over the last 12 months (US$)"), "number"),
                store("account_health", _l("Account Health Rating"), "integer"),
                store("last_supply_date", _l("Date of the last supply record"), "date"),
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
                "Photos or scans: JPEG, PNG or BMP, each smaller than 5 MB. Screenshots must "
                "show the system date and time, the store link and the store name."
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

_MESSAGES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"Not a valid (number|float)"), lambda m: _("Enter a number.")),
    (re.compile(r"Not a valid integer"), lambda m: _("Enter a whole number.")),
    (
        re.compile(r"Must be greater than or equal to (\S+) and less than or equal to (\S+?)\.?$"),
        lambda m: _("Enter a value from %(low)s to %(high)s.", low=m[1], high=m[2]),
    ),
    (
        re.compile(r"Longer than maximum length (\d+)"),
        lambda m: _("Use at most %(count)s characters.", count=m[1]),
    ),
    (
        re.compile(r"Not a valid date|Not a real calendar date|The year must be between"),
        lambda m: _("Enter a real date as YYYY-MM-DD, e.g. 2026-03-01."),
    ),
    (
        re.compile(r"Must be one of|Unknown category|Unknown platform|two-letter"),
        lambda m: _("Choose one of the options offered."),
    ),
    (re.compile(r"Not valid Unicode"), lambda m: _("This text contains invalid characters.")),
)


def localize(message: str) -> str:
    for pattern, render in _MESSAGES:
        match = pattern.search(message)
        if match:
            return render(match)
    return message


def field_errors(error: InputError) -> dict[str, list[str]]:
    return {name: [localize(text) for text in texts] for name, texts in error.errors.items()}


def document_problem(ruleset: RuleSet, facts: DocumentFacts) -> str:
    """Why an upload was refused, in the applicant's language, from the rule set's texts."""
    texts = ruleset.document_problems.get(facts.problem or "", {})
    values = {
        "detail": facts.detail or "?",
        "pixels": (facts.width or 0) * (facts.height or 0),
        "max_pixels": ruleset.max_pixels,
    }
    try:
        reason = pick(texts).format(**values)
    except (KeyError, IndexError, ValueError):
        reason = pick(texts)
    if facts.problem == "too_large":
        return _("%(reason)s: files must be smaller than 5 MB.", reason=reason)
    return _("%(reason)s. Upload a JPEG, PNG or BMP image.", reason=reason)


# --- rule feedback per step ---------------------------------------------------------------


def notes_for(step: Step, checks: Iterable[Check]) -> dict[str, list[Check]]:
    """The failing or doubtful checks on this step's fields, by field: shown next to them."""
    notes: dict[str, list[Check]] = {}
    for check in checks:
        if check.field in step.names and check.status in (Status.FAIL, Status.REVIEW):
            notes.setdefault(check.field, []).append(check)
    return notes


def message(check: Check) -> str:
    return check.message.get(lang()) or check.message.get("en", "")


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


def upload(
    record: ApplicationRecord, kind: str, file: FileStorage, *, read_license: bool
) -> DocumentRecord:
    """Store an upload (raises ``DocumentRejected``) and, for a license read by OCR, fill
    the registration number from the reading when none was typed."""
    stream = cast(BinaryIO, file.stream)
    document = repository.attach_document(
        record, kind, stream, file.filename or kind, read_license=read_license
    )
    reading = document.reading or {}
    typed = (record.data.get("entity") or {}).get("license_number")
    if kind == license_kind(record) and not typed and reading.get("license_number"):
        repository.save_sections(record, {"entity": {"license_number": reading["license_number"]}})
    return document


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
    )


# --- the per-rule summary -----------------------------------------------------------------

#: How the summary orders results: what blocks first.
STATUS_ORDER = ("fail", "missing", "review", "pass", "n/a")


@dataclass
class Result:
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
    groups: list[tuple[Step, list[Result]]]
    counts: dict[str, int]
    not_applicable: list[Result]


def _title(ruleset: RuleSet, code: str) -> str:
    try:
        return pick(ruleset.rule(code).title)
    except KeyError:
        return code


def summarize(rows: Iterable[Result], steps: Sequence[Step]) -> Summary:
    by_step: dict[str, list[Result]] = {}
    counts = dict.fromkeys(STATUS_ORDER, 0)
    skipped = []
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
        if row.status == "n/a":
            skipped.append(row)
        else:
            by_step.setdefault(row.step, []).append(row)
    groups = [
        (step, sorted(by_step[step.name], key=lambda r: STATUS_ORDER.index(r.status)))
        for step in steps
        if step.name in by_step
    ]
    return Summary(groups, counts, skipped)


def group_checks(checks: Iterable[Check], steps: Sequence[Step], ruleset: RuleSet) -> Summary:
    """The engine's checks as the review page lists them: by step, what blocks first."""
    return summarize(
        (
            Result(
                c.code,
                _title(ruleset, c.code),
                c.status.value,
                message(c),
                c.text("expected", lang()),  # in the reader's language (RULES.md §7)
                c.text("actual", lang()),
                c.field,
                step_of_field(c.field, steps),
            )
            for c in checks
        ),
        steps,
    )


def group_results(results: Iterable[Any], steps: Sequence[Step], ruleset: RuleSet) -> Summary:
    """The same for stored check results (``CheckResult`` rows of a submission)."""
    return summarize(
        (
            Result(
                r.code,
                _title(ruleset, r.code),
                r.status,
                pick({"en": r.message_en, "zh": r.message_zh}),
                # Stored with the evidence (repository.save_evaluation) by 2026.11.2's rules.
                pick((r.evidence or {}).get("expected_text")) or r.expected,
                pick((r.evidence or {}).get("actual_text")) or r.actual,
                r.field,
                step_of_field(r.field, steps),
            )
            for r in results
        ),
        steps,
    )


def verdict_name(verdict: str) -> str:
    return {
        "eligible": _("eligible"),
        "ineligible": _("not eligible yet"),
        "incomplete": _("incomplete"),
        "review": _("to be reviewed"),
    }.get(verdict, verdict)
