"""What the reviewer reads on one application's page, in the reviewer's language: a summary
first (what fails, what is missing, what needs a person, duplicates, what changed), then the
documents beside what each should prove, then every check.

Nothing here decides anything (that is :mod:`onboard.usecases.review`); it turns stored values into
words: labels instead of keys (:func:`onboard.eligibility.vocabulary.label`), evidence as
sentences instead of a Python dict, dates in the reviewer's locale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from onboard.eligibility import vocabulary
from onboard.eligibility.rules.store import fold_company
from onboard.eligibility.ruleset import RuleSet
from onboard.i18n import day, lang, pick
from onboard.models import ApplicationRecord, ChecklistMark, CheckResult
from onboard.usecases import review
from onboard.web import forms

#: Answers whose values come from a closed vocabulary, shown by name.
VOCABULARY_OF: Mapping[str, vocabulary.Vocabulary] = {
    "entity.region": "regions",
    "store.platform": "platforms",
    "store.main_category": "categories",
    "shop.main_category": "categories",
    "fulfillment.method": "fulfillment_methods",
    "legal_rep.id_type": "id_types",
    "entry.mode": "entry_modes",
}

#: What a duplicate matched on, in words.
CLAIMED_NAMES = {
    "entity.license_number": _l("license number"),
    "contact.phone": _l("phone number"),
    "contact.email": _l("email address"),
    "shop.name": _l("shop name"),
}

#: The license's printed fields beside the answer each should agree with.
LICENSE_FIELD_ANSWERS = {
    "company_name": ("entity.company_name", _l("Company name")),
    "company_name_zh": ("entity.company_name", _l("Company name in Chinese")),
    "legal_representative": ("legal_rep.name", _l("Legal representative")),
    "established_on": (None, _l("Established on")),
}

SECTION_NAMES = {
    "entity": _l("Company"),
    "legal_rep": _l("Legal representative"),
    "contact": _l("Contact"),
    "store": _l("Third-party store"),
    "shop": _l("New TikTok shop"),
    "fulfillment": _l("Fulfilment"),
    "entry": _l("Entry route"),
    "as_of": _l("As of"),
}


# --- values and labels ---------------------------------------------------------------------


#: rule-set version -> dotted field -> its (lazy, translated when shown) form label.
_LABELS: dict[str, dict[str, Any]] = {}


def _form_labels(ruleset: RuleSet) -> dict[str, Any]:
    labels = _LABELS.get(ruleset.version)
    if labels is None:
        labels = {f.name: f.label for step in forms.build_steps(ruleset) for f in step.fields}
        _LABELS[ruleset.version] = labels
    return labels


def field_label(name: str, ruleset: RuleSet) -> str:
    """The words for a dotted field (``store.rating``) or ``documents.<kind>``."""
    if name.startswith("documents."):
        kind = name.split(".", 1)[1]
        return vocabulary.label(ruleset, "documents", kind, lang())  # type: ignore[arg-type]
    label = _form_labels(ruleset).get(name)
    if label is not None:
        return str(label)
    if name in SECTION_NAMES:
        return str(SECTION_NAMES[name])
    return name.rsplit(".", 1)[-1].replace("_", " ").capitalize()


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def show_value(name: str, value: Any, ruleset: RuleSet) -> str:
    """An answer as a reviewer reads it: a vocabulary value by its name, a date in the
    locale, a yes/no in words, a number with its separators; the applicant's text as is."""
    if value is None or value == "":
        return "–"
    if name in VOCABULARY_OF and isinstance(value, str):
        return vocabulary.label(ruleset, VOCABULARY_OF[name], value, lang())  # type: ignore[arg-type]
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return f"{value:,}"
    if isinstance(value, str) and _is_day(value):
        return day(date.fromisoformat(value))
    if isinstance(value, list | tuple):
        return ", ".join(show_value(name, item, ruleset) for item in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {show_value(name, v, ruleset)}" for k, v in value.items())
    return str(value)


def check_text(check: Any, which: str) -> str:
    """A check's expected or actual value for people: ``expected_text[lang]`` when the rule
    gives one (issue 16's bilingual display texts), else the stored ``expected``/``actual``.
    The one helper every desk page uses for these two columns."""
    texts = getattr(check, f"{which}_text", None)
    if texts is None and isinstance(getattr(check, "evidence", None), Mapping):
        texts = check.evidence.get(f"{which}_text")
    if isinstance(texts, Mapping):
        shown = texts.get(lang()) or texts.get("en")
        if shown:
            return str(shown)
    value = getattr(check, which, None)
    return "" if value is None else str(value)


# --- evidence in words ---------------------------------------------------------------------

_OCR_STATUS = {
    "ok": _l("read cleanly"),
    "corrected": _l("read after look-alike corrections"),
    "ambiguous": _l("more than one possible reading"),
    "unreadable": _l("no number found"),
}
_FIELD_STATUS = {
    "ok": _l("read with confidence"),
    "uncertain": _l("to confirm"),
    "unreadable": _l("unreadable"),
}


def ocr_status(status: str) -> str:
    return str(_OCR_STATUS.get(status, status))


def _ocr_words(reading: Mapping[str, Any]) -> list[tuple[str, str]]:
    words = [
        (
            _("Number read from the photo"),
            str(reading.get("license_number") or reading.get("raw") or "–"),
        ),
        (
            _("Reading"),
            str(_OCR_STATUS.get(str(reading.get("status")), reading.get("status") or "–")),
        ),
    ]
    if reading.get("confidence") is not None:
        words.append((_("Confidence"), f"{float(reading['confidence']):.0%}"))
    fixes = [
        _(
            "position %(n)s read as “%(read)s”, taken as “%(taken)s”",
            n=c["position"],
            read=c["read"],
            taken=c["as"],
        )
        for c in reading.get("corrections") or ()
    ]
    if fixes:
        words.append((_("Look-alike corrections"), "; ".join(fixes)))
    if reading.get("candidates"):
        words.append((_("Possible readings"), ", ".join(map(str, reading["candidates"]))))
    return words


#: Evidence keys shown under a label of their own (the others are handled one by one below).
_EVIDENCE_LABELS = {
    "holder_type": _l("Holder type code"),
    "rows": _l("Rows of this batch that hold it"),
    "category": _l("Main category"),
    "where": _l("Category given for"),
    "earliest": _l("Earliest date that passes"),
    "printed": _l("Printed on the license"),
    "standard_route": _l("On the standard route"),
}
_WHERE = {
    "store": _l("the existing store"),
    "shop": _l("the new shop"),
    "both": _l("the existing store and the new shop"),
}
#: Facts the check's message states already, in words: an identifier problem's details
#: (they fill its text, shown under "Problem"), a refused file's detail, the phone number's
#: type (phonenumbers' own id).
_SAID_BY_MESSAGE = frozenset(
    {"actual", "expected", "char", "length", "part", "position", "required", "number_type"}
)


def evidence_words(evidence: Mapping[str, Any] | None, ruleset: RuleSet) -> list[tuple[str, str]]:
    """A check's evidence as (label, words) pairs, in the reviewer's language: never a raw
    dict, a key name or an internal id."""
    if not evidence:
        return []
    words: list[tuple[str, str]] = []
    for key, value in evidence.items():
        if key in ("expected_text", "actual_text") or key in _SAID_BY_MESSAGE:
            continue
        if key == "ocr" and isinstance(value, Mapping):
            words.extend(_ocr_words(value))
        elif key == "duplicates":
            words.append((_("Held by"), ", ".join(map(str, value or ())) or "–"))
        elif key == "positions":
            words.append((_("Positions that differ"), _listed(value)))
        elif key == "size_bytes":
            words.append((_("File size"), _("%(n)s bytes", n=f"{int(value):,}")))
        elif key in ("opened_on", "eligible_from"):
            label = _("Store opened on") if key == "opened_on" else _("Passes from")
            words.append((label, show_value("", value, ruleset)))
        elif key == "sharpness":
            words.append((_("Sharpness"), f"{value}"))
        elif key == "border_fraction":
            words.append((_("Border around the card"), f"{float(value):.0%}"))
        elif key == "options":
            shown = [vocabulary.label(ruleset, "entry_modes", str(v), lang()) for v in value or ()]  # type: ignore[arg-type]
            words.append((_("Also possible"), ", ".join(shown)))
        elif key == "offending":
            words.append((_("Characters not allowed"), " ".join(map(str, value or ()))))
        elif key == "problem":
            problem = _problem_words(evidence, ruleset)
            if problem:
                words.append((_("Problem"), problem))
        elif key == "detail":
            if value and "problem" not in evidence:  # a file's detail fills its problem
                words.append((_("Detail"), str(value)))
        elif key in _EVIDENCE_LABELS:
            words.append((str(_EVIDENCE_LABELS[key]), _evidence_value(key, value, ruleset)))
        else:  # a fact no label was written for: named by its key in English only
            label = _("Other evidence") if lang() == "zh" else key.replace("_", " ").capitalize()
            words.append((label, show_value(key, value, ruleset)))
    return words


def _listed(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or "–"
    return str(value) if value else "–"


def _evidence_value(key: str, value: Any, ruleset: RuleSet) -> str:
    if key == "category":
        return vocabulary.label(ruleset, "categories", str(value), lang())  # type: ignore[arg-type]
    if key == "where":
        return str(_WHERE.get(str(value), value))
    if key == "printed" and isinstance(value, Mapping):
        shown = str(value.get("value") or "–")
        status = _FIELD_STATUS.get(str(value.get("status")))
        if status is not None:
            shown += f" ({status})"
        return shown
    if key == "standard_route" and isinstance(value, Mapping):
        return pick(value.get("message") or {}) or "–"
    if key == "rows":
        return _listed(value)
    return show_value(key, value, ruleset)


def _problem_words(evidence: Mapping[str, Any], ruleset: RuleSet) -> str | None:
    """An identifier's or a file's problem (``check_char``, ``unsupported_format``) in the
    rule set's words, filled with the evidence's details. One it has no words for, or whose
    words need a fact the evidence lacks, is left to the check's message (on an English page,
    a problem without words is named by its id)."""
    problem = str(evidence.get("problem") or "")
    texts = ruleset.identifier_problems.get(problem) or ruleset.document_problems.get(problem)
    if texts is None:
        return None if lang() == "zh" or not problem else problem.replace("_", " ")
    values = {key: str(value) for key, value in evidence.items() if value is not None}
    try:
        return pick(texts).format_map(values)
    except (KeyError, IndexError, ValueError):  # a fact the evidence does not carry: the
        return None  # check's message, written with every fact, says it already


# --- the summary ---------------------------------------------------------------------------


@dataclass
class CheckLine:
    code: str
    title: str
    status: str
    field: str
    field_label: str
    message: str
    expected: str
    actual: str
    evidence: list[tuple[str, str]]
    changed: bool

    @property
    def anchor(self) -> str:
        """The id of this check's row in the table of every check."""
        suffix = (
            "-" + self.field[len("documents.") :] if self.field.startswith("documents.") else ""
        )
        return "check-" + self.code.replace(".", "-") + suffix


def check_lines(
    checks: Iterable[CheckResult], ruleset: RuleSet, changed: set[str]
) -> list[CheckLine]:
    lines = []
    for check in checks:
        try:
            title = pick(ruleset.rule(check.code).title)
        except KeyError:
            title = check.code
        lines.append(
            CheckLine(
                code=check.code,
                title=title,
                status=check.status,
                field=check.field,
                field_label=field_label(check.field, ruleset),
                message=pick({"en": check.message_en, "zh": check.message_zh}),
                expected=check_text(check, "expected"),
                actual=check_text(check, "actual"),
                evidence=evidence_words(check.evidence, ruleset),
                changed=check.field in changed,
            )
        )
    return lines


@dataclass
class Shown:
    """One changed field since the last version, in words."""

    field: str
    label: str
    before: str
    after: str


@dataclass
class Summary:
    fails: list[CheckLine]
    missing: list[CheckLine]
    needs_person: list[CheckLine]
    duplicates: list[review.Linked]
    changes: list[Shown]
    version: int


def summary(
    lines: Sequence[CheckLine],
    duplicates: list[review.Linked],
    history: list[review.VersionView],
    ruleset: RuleSet,
) -> Summary:
    latest = history[0] if history else None
    changes = [
        Shown(
            c.field,
            field_label(c.field, ruleset),
            _document_state(c.before)
            if c.field.startswith("documents.")
            else show_value(c.field, c.before, ruleset),
            _document_state(c.after)
            if c.field.startswith("documents.")
            else show_value(c.field, c.after, ruleset),
        )
        for c in (latest.changes if latest else [])
    ]
    return Summary(
        fails=[line for line in lines if line.status == "fail"],
        missing=[line for line in lines if line.status == "missing"],
        needs_person=[line for line in lines if line.status == "review"],
        duplicates=duplicates,
        changes=changes,
        version=latest.number if latest else 0,
    )


def _document_state(value: Any) -> str:
    return _("a new file") if value else _("none")


def history_lines(
    history: list[review.VersionView], ruleset: RuleSet
) -> list[tuple[Any, list[Shown]]]:
    return [
        (
            version,
            [
                Shown(
                    c.field,
                    field_label(c.field, ruleset),
                    _document_state(c.before)
                    if c.field.startswith("documents.")
                    else show_value(c.field, c.before, ruleset),
                    _document_state(c.after)
                    if c.field.startswith("documents.")
                    else show_value(c.field, c.after, ruleset),
                )
                for c in version.changes
            ],
        )
        for version in history
    ]


# --- documents beside what they should prove -----------------------------------------------


@dataclass
class DocumentPanel:
    kind: str
    name: str
    present: bool
    changed: bool
    size: str
    pixels: str
    checks: list[CheckLine]
    #: The document's own checks (uploaded, format, size, ID quality) that do not pass.
    file_problems: list[CheckLine]
    checklist: list[review.ChecklistItem]


def document_panels(
    record: ApplicationRecord,
    ruleset: RuleSet,
    lines: Sequence[CheckLine],
    checklist: Sequence[review.ChecklistItem],
    changed: set[str],
) -> list[DocumentPanel]:
    """Every required or uploaded document, with the rules whose evidence it is, its own
    checks that do not pass, and the checklist items the reviewer judges on it."""
    required = [kind.kind for kind in ruleset.documents_required(record.region, record.platform)]
    uploaded = {doc.kind: doc for doc in record.documents}
    kinds = required + [kind for kind in uploaded if kind not in required]
    panels = []
    for kind in kinds:
        doc = uploaded.get(kind)
        own = [line for line in lines if line.field == f"documents.{kind}"]
        proves = [
            line
            for line in lines
            if line.code in _DOCUMENT_RULES.get(kind, ()) and line.status != "n/a"
        ]
        panels.append(
            DocumentPanel(
                kind=kind,
                name=vocabulary.label(ruleset, "documents", kind, lang()),  # type: ignore[arg-type]
                present=doc is not None,
                changed=f"documents.{kind}" in changed,
                size=_("%(n)s bytes", n=f"{doc.size_bytes:,}") if doc else "",
                pixels=(
                    f"{doc.facts.get('width')} × {doc.facts.get('height')}"
                    if doc and doc.facts.get("width")
                    else ""
                ),
                checks=proves,
                file_problems=[line for line in own if line.status not in ("pass", "n/a")],
                checklist=[item for item in checklist if kind in item.documents],
            )
        )
    return panels


#: Rules whose facts a document is the evidence for (besides the document's own checks).
_DOCUMENT_RULES: Mapping[str, tuple[str, ...]] = {
    "business_license": (
        "entity.license_ocr",
        "entity.license_name",
        "legal_rep.license_name",
        "entity.enterprise",
    ),
    # Hong Kong's company name is judged from the Certificate of Incorporation (RULES.md §2).
    "hk_business_registration": ("entity.license_ocr",),
    "hk_incorporation_certificate": ("entity.license_name", "entity.enterprise"),
    "legal_rep_id": ("legal_rep.id_number",),
    "gmv_screenshot": ("store.gmv",),
    "supply_record": ("store.supply_recency",),
    "seller_info_screenshot": ("store.entity_match",),
    "account_health_screenshot": ("store.account_health",),
    "trustpilot_screenshot": ("store.trustpilot",),
    "social_followers_screenshot": ("store.social_followers",),
}


@dataclass
class FieldComparison:
    name: str
    label: str
    read: str
    status: str
    status_text: str
    typed: str
    agrees: bool | None
    #: The document the value was read from, by name, where the region has two (HK).
    document: str = ""


def license_fields(record: ApplicationRecord, ruleset: RuleSet) -> list[FieldComparison]:
    """The printed fields read off the license (``LicenseReading.fields``; Hong Kong: off
    both certificates, the company name the rules judge being the Certificate of
    Incorporation's), each beside the answer it should agree with; empty when the reader
    produced none."""
    kinds = forms.read_kinds(record)
    uploaded = {doc.kind: doc for doc in record.documents}
    out = []
    for kind in kinds:
        doc = uploaded.get(kind)
        fields = (doc.reading or {}).get("fields") if doc is not None else None
        if not fields:
            continue
        named = (
            vocabulary.label(ruleset, "documents", kind, lang())  # type: ignore[arg-type]
            if len(kinds) > 1
            else ""
        )
        out += [
            _field_comparison(record, name, fields[name], str(named))
            for name in LICENSE_FIELD_ANSWERS
            if name in fields
        ]
    return out


def _field_comparison(
    record: ApplicationRecord, name: str, reading: Mapping[str, Any], document: str
) -> FieldComparison:
    answer, label = LICENSE_FIELD_ANSWERS[name]
    typed = ""
    if answer:
        section, leaf = answer.split(".", 1)
        typed = str((record.data.get(section) or {}).get(leaf) or "")
    read = reading.get("value") or ""
    if name == "established_on" and read and _is_day(read):
        read = day(date.fromisoformat(read))
    fold = fold_company if name.startswith("company_name") else _fold
    agrees = None if not (typed and read) else fold(typed) == fold(read)
    status = str(reading.get("status", "unreadable"))
    return FieldComparison(
        name,
        str(label),
        read or "–",
        status,
        str(_FIELD_STATUS.get(status, status)),
        typed,
        agrees,
        document,
    )


def _fold(text: str) -> str:
    return "".join(text.split()).casefold()


# --- the checklist -------------------------------------------------------------------------


@dataclass
class ChecklistLine:
    item: review.ChecklistItem
    text: str
    mark: ChecklistMark | None
    documents: list[str] = field(default_factory=list)


def checklist_lines(
    items: Sequence[review.ChecklistItem],
    marks: Mapping[str, ChecklistMark],
    ruleset: RuleSet,
) -> list[ChecklistLine]:
    return [
        ChecklistLine(
            item,
            pick(item.text),
            marks.get(item.key),
            [vocabulary.label(ruleset, "documents", k, lang()) for k in item.documents],  # type: ignore[arg-type]
        )
        for item in items
    ]


def reason_label(code: str, ruleset: RuleSet) -> str:
    """What a reason template is tied to, in words: a rule's title or a checklist item."""
    if code in review.CHECKLIST_KEYS:
        item = next(i for i in review.CHECKLIST if i.key == code)
        return _("Checklist: %(item)s", item=pick(item.text))
    try:
        return pick(ruleset.rule(code).title)
    except KeyError:
        return code


#: What an audit event's action means, in words (an action not listed shows its code).
ACTIONS = {
    "account_active": _l("account activated or deactivated"),
    "account_created": _l("account created"),
    "agency_application_created": _l("draft started by an agency"),
    "agency_created": _l("agency created"),
    "agency_invitation_accepted": _l("agency invitation accepted"),
    "agency_login": _l("agency login"),
    "agency_login_failed": _l("agency login failed"),
    "agency_user_active": _l("agency user activated or deactivated"),
    "agency_user_invited": _l("agency user invited"),
    "agency_webhook": _l("agency webhook changed"),
    "api_key_created": _l("API key created"),
    "api_key_revoked": _l("API key revoked"),
    "assigned": _l("assigned"),
    "checklist": _l("checklist item marked"),
    "decided": _l("decided"),
    "draft_purged": _l("stale draft deleted"),
    "link_sent": _l("new private link sent"),
    "login": _l("login"),
    "login_failed": _l("login failed"),
    "logout": _l("logout"),
    "privacy_erased": _l("personal data erased"),
    "privacy_exported": _l("personal data exported"),
    "reason_template": _l("reason template saved"),
    "rechecked": _l("checked again"),
    "resubmitted": _l("resubmitted"),
    "second_review": _l("second review"),
    "setting_changed": _l("setting changed"),
    "viewed": _l("viewed"),
}


def action_name(action: str) -> str:
    """An audit event's action in the reader's language (its code when unknown)."""
    found = ACTIONS.get(action)
    return str(found) if found is not None else action


def when(value: datetime | None) -> str:
    """A moment in the reviewer's language (date and UTC time)."""
    if value is None:
        return ""
    return f"{day(value)} {value:%H:%M} UTC"
