"""An applicant's application as a use case: attach a document, evaluate, submit; and the
re-judging of live applications when a unique value they share changes hands.

The applicant's form and the desk call these; :mod:`onboard.repository` holds the queries
they run and :mod:`onboard.usecases.evidence` inspects and reads the files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable
from datetime import date
from typing import BinaryIO

from onboard import audit, repository
from onboard.documents import reencode_image
from onboard.eligibility.engine import evaluate
from onboard.eligibility.model import DocumentFacts, Evidence, LicenseReading, Report
from onboard.eligibility.rules.entity import INCORPORATION_DOCUMENT
from onboard.eligibility.ruleset import RuleSet, default_ruleset, ruleset_by_version
from onboard.extensions import db
from onboard.models import ApplicationRecord, ApplicationVersion, DocumentRecord, Evaluation, utcnow
from onboard.usecases import evidence


class DocumentRejected(ValueError):
    """An upload that is not a usable image; ``facts`` says why (for a message per field)."""

    def __init__(self, facts: DocumentFacts) -> None:
        super().__init__(facts.problem)
        self.facts = facts


# --- documents -----------------------------------------------------------------------------


def attach_document(
    record: ApplicationRecord,
    kind: str,
    stream: BinaryIO,
    filename: str,
    *,
    ruleset: RuleSet | None = None,
    read_license: bool = True,
) -> DocumentRecord:
    """Inspect, re-encode and store an upload, replacing any earlier file of that kind.

    The file is judged by its bytes, within the size limit, before it is read whole; what is
    stored is re-encoded from its pixels (EXIF/GPS, comments and appended payloads are gone).
    A license image (and a Hong Kong Certificate of Incorporation) is read by OCR once,
    here, and the reading kept with the document.

    Decoding and OCR take seconds and up to the decoded-bytes budget of memory: they run
    outside any database transaction (what the request changed so far is committed first),
    so that no lock is held meanwhile (SQLite's write lock would stop every other writer).
    """
    ruleset = ruleset or default_ruleset()
    region = (record.data.get("entity") or {}).get("region")
    known = {doc.kind: doc.original_sha256 for doc in record.documents}
    db.session.commit()
    facts = evidence.inspect_file(kind, stream, ruleset)
    if facts.problem is not None:
        raise DocumentRejected(facts)
    stream.seek(0)
    original = stream.read(ruleset.max_bytes)
    original_sha256 = hashlib.sha256(original).hexdigest()
    if known.get(kind) == original_sha256:
        same = repository.document(record, kind)
        if same is not None:
            return same  # the same file again: its facts and OCR reading stand
    clean, mime_type = reencode_image(
        original, max_pixels=ruleset.max_pixels, max_decoded_bytes=ruleset.max_decoded_bytes
    )
    sha256 = repository.document_store().put(clean)
    reading = None
    if read_license and kind in evidence.read_kinds(region):
        result = evidence.read_license(original, region or "CN", kind)
        reading = {**result.to_dict(), "scheme": result.scheme} if result else None
    existing = repository.document(record, kind)
    if existing is not None:
        record.documents.remove(existing)
        db.session.flush()
    stored = DocumentRecord(
        kind=kind,
        sha256=sha256,
        original_sha256=original_sha256,
        size_bytes=facts.size_bytes,
        mime_type=mime_type,
        original_name=_safe_name(filename, kind, mime_type),
        facts=facts.to_dict(),
        reading=reading,
    )
    record.documents.append(stored)
    db.session.flush()
    return stored


def _safe_name(filename: str, kind: str, mime_type: str) -> str:
    """A display name only: no directories, no control characters, bounded length."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')[:120].strip()
    return base or f"{kind}.{mime_type.rsplit('/', 1)[-1]}"


# --- evaluation and submission -------------------------------------------------------------


def evidence_of(record: ApplicationRecord) -> Evidence:
    """The evidence of a stored application: the facts and the OCR reading kept with its
    documents at upload (:func:`attach_document`), and the live applications that hold its
    unique values."""
    documents = {doc.kind: DocumentFacts.from_dict(doc.facts) for doc in record.documents}
    readings = {
        doc.kind: LicenseReading.from_dict(doc.reading)
        for doc in record.documents
        if doc.reading and doc.kind in evidence.read_kinds(record.region)
    }
    return Evidence(
        documents=documents,
        duplicates=repository.find_duplicates(record),
        license_reading=readings.get(evidence.license_kind(record.region) or ""),
        incorporation_reading=readings.get(INCORPORATION_DOCUMENT),
    )


def evaluate_record(
    record: ApplicationRecord, *, as_of: date | None = None, ruleset: RuleSet | None = None
) -> Report:
    """The report on the application as it stands now (nothing is stored).

    Its messages are what the applicant reads (pages, the receipt, the decision email): a
    duplicate's message never names the other application (:func:`_without_other_ids`);
    its id stays in the check's evidence, which only the desk shows."""
    report = evaluate(
        repository.application_of(record),
        ruleset or default_ruleset(),
        as_of=as_of,
        evidence=evidence_of(record),
    )
    return _without_other_ids(report)


#: A public application id in a message, with the brackets and separators around it.
_OTHER_IDS = re.compile(
    r"\s*[(（]?\s*A-[2-9A-HJ-NP-Z]{10}(?:\s*[,，、]\s*A-[2-9A-HJ-NP-Z]{10})*\s*[)）]?"
)


def _without_other_ids(report: Report) -> Report:
    """``report`` with the ids of other applications cut out of its messages (the guide
    tells the applicant that the value is taken and how to appeal, not by whom)."""
    checks = []
    changed = False
    for check in report.checks:
        others = check.evidence.get("duplicates") if check.evidence else None
        if others and any(_OTHER_IDS.search(text) for text in check.message.values()):
            message = {lang: _OTHER_IDS.sub("", text) for lang, text in check.message.items()}
            check = check._replace(message=message)  # noqa: PLW2901
            changed = True
        checks.append(check)
    return dataclasses.replace(report, checks=tuple(checks)) if changed else report


def priority_of(report: Report) -> int:
    """Where an application sorts in the desk's queue, lower first: those a person must look
    at (``review``), then near misses (one thing short of eligible), then eligible ones,
    then the incomplete, then the clearly ineligible."""
    problems = sum(c.status.value in ("fail", "missing") for c in report.checks)
    verdict = report.verdict.value
    if verdict == "review":
        return 0
    if verdict in ("ineligible", "incomplete") and problems == 1:
        return 1
    return {"eligible": 2, "incomplete": 3}.get(verdict, 4)


def submit(record: ApplicationRecord) -> Report:
    """Freeze the draft as a new version, evaluate it and store every check: the one path
    by which an application (or a corrected one) enters the desk's queue.

    The record's unique values are claimed first, in this transaction, so that the duplicate
    checks see every competing submission that committed before; of two submitted at once
    exactly one holds each value and the other is reported as its duplicate. Only what the
    applicant changed was re-read: documents keep their stored facts and OCR readings, and
    the rule engine itself is pure.
    """
    if record.state not in repository.EDITABLE_STATES:
        raise ValueError(f"application {record.public_id} is {record.state}, not editable")
    changed = repository.changed_since_last_version(record)
    resubmission = record.version > 0
    release_values(record, repository.corrected_claims(record))
    repository.claim_live_values(record)
    report = evaluate_record(record)
    record.version += 1
    record.versions.append(
        ApplicationVersion(
            number=record.version,
            data=dict(record.data),
            documents={doc.kind: doc.sha256 for doc in record.documents},
        )
    )
    record.state = "submitted"
    record.submitted_at = utcnow()
    record.priority = priority_of(report)
    repository.save_evaluation(record, report)
    if resubmission:
        audit.record(
            "resubmitted",
            record,
            actor="applicant",
            version=record.version,
            changed=sorted(changed),
        )
    db.session.flush()
    return report


# --- values that change hands --------------------------------------------------------------


def release_values(record: ApplicationRecord, fields: Iterable[str] | None = None) -> None:
    """The record lets go of its unique values (all of them when it is rejected or erased,
    or the ``fields`` it corrected; :func:`onboard.repository.release_live_values`), and the
    stored checks of every live application that shared one are judged again
    (:func:`recheck_duplicates`), so that what the desk, the applicant and the emails say
    about the duplicate stays one truth."""
    for other in repository.release_live_values(record, fields):
        recheck_duplicates(other)


#: The checks that read who holds a value.
DUPLICATE_CHECKS = frozenset(
    {"entity.license_duplicate", "contact.phone", "contact.email", "shop.name_unique"}
)


def recheck_duplicates(record: ApplicationRecord) -> Evaluation | None:
    """Judge a submitted version again after a value it shares changed hands, on the same
    rule set and date as its last evaluation; a new evaluation is stored only when a
    duplicate check's status changed. Skipped while the applicant has unsubmitted changes
    (their resubmission is judged afresh)."""
    last = record.evaluations[-1] if record.evaluations else None
    if (
        last is None
        or record.state not in repository.LIVE_STATES
        or repository.changed_since_last_version(record)
    ):
        return None
    try:
        ruleset = ruleset_by_version(last.rules_version)
    except KeyError:
        ruleset = default_ruleset()
    report = evaluate_record(record, as_of=date.fromisoformat(last.as_of), ruleset=ruleset)
    before = {c.code: c.status for c in last.checks if c.code in DUPLICATE_CHECKS}
    after = {c.code: c.status.value for c in report.checks if c.code in DUPLICATE_CHECKS}
    if before == after:
        return None
    evaluation = repository.save_evaluation(record, report)
    record.priority = priority_of(report)
    audit.record(
        "rechecked",
        record,
        actor="system",
        version=record.version,
        why="duplicate_released",
        checks={code: after.get(code, "n/a") for code in sorted(set(before) | set(after))},
    )
    db.session.flush()
    return evaluation
