"""Stored applications: drafts, documents, evaluations, submissions and resume links.

Every query lives here. Callers (the applicant form, the desk, batches) get records and domain
objects back and never build queries themselves.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from onboard.eligibility.identifiers import normalize_identifier
from onboard.eligibility.model import (
    Application,
    Duplicate,
    Report,
)
from onboard.eligibility.phones import normalize_phone
from onboard.eligibility.rules.entity import LICENSE_DOCUMENT
from onboard.eligibility.rules.people import normalize_email
from onboard.extensions import db
from onboard.intake.schemas import parse_application
from onboard.models import (
    ApplicationRecord,
    ApplicationVersion,
    AuditEvent,
    Batch,
    CheckResult,
    Decision,
    DocumentRecord,
    Evaluation,
    LiveClaim,
    OutboxEmail,
    ResumeToken,
    utcnow,
)
from onboard.storage import DocumentStore

#: Applications that count for duplicates: handed in and not turned down.
LIVE_STATES = ("submitted", "approved", "changes_requested")
#: States in which the applicant may change the application and submit it (again).
EDITABLE_STATES = ("draft", "changes_requested", "rejected")
RESUME_TTL = timedelta(days=30)


def document_store() -> DocumentStore:
    return DocumentStore(Path(current_app.config["ONBOARD_DATA_DIR"]) / "documents")


# --- drafts --------------------------------------------------------------------------------


def create_draft(locale: str = "zh") -> ApplicationRecord:
    record = ApplicationRecord(locale=locale, data={})
    db.session.add(record)
    db.session.flush()
    return record


def get_application(public_id: str) -> ApplicationRecord | None:
    return db.session.scalar(
        select(ApplicationRecord).where(ApplicationRecord.public_id == public_id)
    )


def application_of(record: ApplicationRecord) -> Application:
    """The stored JSON as the domain object (it was validated when saved)."""
    data = dict(record.data)
    data["documents"] = {doc.kind: doc.original_name for doc in record.documents}
    return parse_application(data)


def save_sections(record: ApplicationRecord, sections: Mapping[str, Any]) -> Application:
    """Merge validated sections into the draft and refresh the searchable columns.

    ``sections`` is part of the application JSON (``{"store": {...}}``); it is validated
    together with what is already saved, so an :class:`~onboard.errors.InputError` names the
    field and nothing is stored.
    """
    merged = dict(record.data)
    for name, value in sections.items():
        if isinstance(value, Mapping) and isinstance(merged.get(name), Mapping):
            merged[name] = {**merged[name], **value}
        else:
            merged[name] = value
    merged = _drop_empty(merged)
    application = parse_application(
        {**merged, "documents": {d.kind: d.original_name for d in record.documents}}
    )
    record.data = merged
    _index(record, application)
    return application


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            inner = {k: v for k, v in value.items() if v not in (None, "")}
            if inner:
                out[key] = inner
        elif value not in (None, ""):
            out[key] = value
    return out


def _index(record: ApplicationRecord, app: Application) -> None:
    """The values duplicates and the desk search by, normalised once here."""
    record.region = app.entity.region
    record.platform = app.store.platform
    record.license_number = normalize_identifier(app.entity.license_number or "") or None
    record.phone_e164 = (
        normalize_phone(app.contact.phone, app.entity.region) if app.contact.phone else None
    )
    record.email = normalize_email(app.contact.email)[0] if app.contact.email else None
    if record.email:
        record.email = record.email.casefold()
    name = " ".join((app.shop.name or "").split()).casefold()
    record.shop_name_key = name or None


# --- documents -----------------------------------------------------------------------------


def remove_document(record: ApplicationRecord, kind: str) -> bool:
    existing = next((doc for doc in record.documents if doc.kind == kind), None)
    if existing is None:
        return False
    record.documents.remove(existing)
    db.session.flush()
    return True


def document(record: ApplicationRecord, kind: str) -> DocumentRecord | None:
    return next((doc for doc in record.documents if doc.kind == kind), None)


# --- evaluation and submission -------------------------------------------------------------


#: The values that must be unique across live applications: field -> normalised column.
CLAIMED = {
    "entity.license_number": ApplicationRecord.license_number,
    "contact.phone": ApplicationRecord.phone_e164,
    "contact.email": ApplicationRecord.email,
    "shop.name": ApplicationRecord.shop_name_key,
}


def _claimed_values(record: ApplicationRecord) -> dict[str, str]:
    values = {field: getattr(record, column.key) for field, column in CLAIMED.items()}
    return {field: value for field, value in sorted(values.items()) if value}


def find_duplicates(record: ApplicationRecord) -> dict[str, tuple[Duplicate, ...]]:
    """The applications that hold this record's license number, phone, email or shop name,
    where another application holds it: the one truth every duplicate check is judged by.

    Whoever claimed a value first (``live_claim``, taken at submission) keeps it until that
    application is rejected or erased; a later application with the same value is the
    holder's duplicate, never the other way round, so deciding the later one (approving it,
    say) cannot turn the holder's check. The applicant's pages, the desk and the emails all
    read their duplicate checks from here, directly or through the stored evaluation.
    """
    values = _claimed_values(record)
    if not values:
        return {}
    rows = db.session.execute(
        select(LiveClaim.field, ApplicationRecord.public_id, ApplicationRecord.submitted_at)
        .join(ApplicationRecord, ApplicationRecord.id == LiveClaim.application_id)
        .where(
            or_(*(and_(LiveClaim.field == f, LiveClaim.value == v) for f, v in values.items())),
            LiveClaim.application_id != record.id,
        )
    ).all()
    return {
        field: (Duplicate(public_id, submitted.date() if submitted else None),)
        for field, public_id, submitted in sorted(rows)
    }


def sharing(record: ApplicationRecord) -> dict[str, list[ApplicationRecord]]:
    """Every other live application that uses one of this record's unique values (holder or
    not), oldest submission first: what the desk lists beside the duplicate checks."""
    found: dict[str, list[ApplicationRecord]] = {}
    for field, value in _claimed_values(record).items():
        others = _live_users(field, value, record.id)
        if others:
            found[field] = others
    return found


def _live_users(field: str, value: str, other_than: int | None) -> list[ApplicationRecord]:
    query = select(ApplicationRecord).where(
        CLAIMED[field] == value, ApplicationRecord.state.in_(LIVE_STATES)
    )
    if other_than is not None:
        query = query.where(ApplicationRecord.id != other_than)
    return list(
        db.session.scalars(query.order_by(ApplicationRecord.submitted_at, ApplicationRecord.id))
    )


def holders(record: ApplicationRecord) -> dict[str, int]:
    """field -> id of the application holding this record's value of it, now."""
    values = _claimed_values(record)
    if not values:
        return {}
    rows = db.session.execute(
        select(LiveClaim.field, LiveClaim.application_id).where(
            or_(*(and_(LiveClaim.field == f, LiveClaim.value == v) for f, v in values.items()))
        )
    ).all()
    return {str(field): int(holder) for field, holder in rows}


def save_evaluation(record: ApplicationRecord, report: Report) -> Evaluation:
    evaluation = Evaluation(
        version=record.version,
        verdict=report.verdict.value,
        route=report.route,
        rules_version=report.rules_version,
        as_of=report.as_of.isoformat(),
        checks=[
            CheckResult(
                code=check.code,
                status=check.status.value,
                field=check.field,
                expected=check.expected,
                actual=check.actual,
                message_en=check.message["en"],
                message_zh=check.message["zh"],
                evidence=_stored_evidence(check),
            )
            for check in report.checks
        ],
    )
    record.evaluations.append(evaluation)
    record.verdict = report.verdict.value
    return evaluation


def _stored_evidence(check: Any) -> dict[str, Any]:
    """A check's evidence as stored, with its bilingual display texts when the rule gives
    them (``expected_text``/``actual_text``; the desk shows them before ``expected``)."""
    evidence = dict(check.evidence)
    for name in ("expected_text", "actual_text"):
        texts = getattr(check, name, None)
        if texts:
            evidence[name] = dict(texts)
    return evidence


def corrected_claims(record: ApplicationRecord) -> list[str]:
    """The fields whose claimed value the record no longer has (a corrected value)."""
    wanted = _claimed_values(record)
    return [
        claim.field
        for claim in db.session.scalars(
            select(LiveClaim).where(LiveClaim.application_id == record.id)
        )
        if wanted.get(claim.field) != claim.value
    ]


def claim_live_values(record: ApplicationRecord) -> dict[str, int]:
    """Take the record's unique values (license number, phone, email, shop name) in the
    ``live_claim`` table; field -> id of the application that holds each one. (A value the
    record corrected is let go first: :func:`corrected_claims`, :func:`release_live_values`.)

    ``INSERT … ON CONFLICT DO NOTHING`` on the unique (field, value): of two transactions
    claiming a value at once, PostgreSQL makes the second wait for the first and then find
    the row taken; SQLite's BEGIN IMMEDIATE runs them one after the other. Values are claimed
    in one fixed order, so two submissions sharing several values cannot deadlock.
    """
    return {
        field: _claim(field, value, record.id) for field, value in _claimed_values(record).items()
    }


def _claim(field: str, value: str, application_id: int) -> int:
    """Insert the claim unless taken; the id of the application that holds it after."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    holder = None
    while holder is None:  # again if the holder let go between the insert and the read
        db.session.execute(
            insert(LiveClaim)
            .values(field=field, value=value, application_id=application_id, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["field", "value"])
        )
        holder = db.session.scalar(
            select(LiveClaim.application_id).where(
                LiveClaim.field == field, LiveClaim.value == value
            )
        )
    return holder


def release_live_values(
    record: ApplicationRecord, fields: Iterable[str] | None = None
) -> list[ApplicationRecord]:
    """The record lets go of its values (all of them, or the ``fields`` it corrected). Each
    value passes to the live application that has used it longest; returned: every live
    application that shares one of them, whose stored duplicate checks are now to be judged
    again (:func:`onboard.usecases.applications.release_values` does)."""
    query = select(LiveClaim).where(LiveClaim.application_id == record.id)
    if fields is not None:
        query = query.where(LiveClaim.field.in_(list(fields)))
    affected: dict[int, ApplicationRecord] = {}
    for claim in db.session.scalars(query).all():
        field, value = claim.field, claim.value
        db.session.delete(claim)
        db.session.flush()
        heirs = _live_users(field, value, record.id)
        if heirs:
            _claim(field, value, heirs[0].id)
        affected.update((heir.id, heir) for heir in heirs)
    return list(affected.values())


def changed_since_last_version(record: ApplicationRecord) -> set[str]:
    """Dotted fields and ``documents.<kind>`` that differ from the last submitted version."""
    if not record.versions:
        return set()
    last = record.versions[-1]
    changed = {
        name
        for name in set(flatten(last.data)) | set(flatten(record.data))
        if flatten(last.data).get(name) != flatten(record.data).get(name)
    }
    now = {doc.kind: doc.sha256 for doc in record.documents}
    changed |= {
        f"documents.{kind}"
        for kind in set(now) | set(last.documents)
        if now.get(kind) != last.documents.get(kind)
    }
    return changed


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"store": {"rating": 4.6}}`` -> ``{"store.rating": 4.6}``."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


# --- resume links --------------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_resume_token(record: ApplicationRecord, ttl: timedelta = RESUME_TTL) -> str:
    """A new private link token (only its hash is stored). It revokes every earlier link of
    the application: one link works at a time, so a link sent again (by the applicant's
    "forget", a reviewer's decision or a reviewer's "send a new link") closes any copy of the
    old one."""
    revoke_resume_tokens(record)
    token = secrets.token_urlsafe(32)
    db.session.add(
        ResumeToken(
            application_id=record.id,
            token_hash=_hash_token(token),
            expires_at=utcnow() + ttl,
        )
    )
    db.session.flush()
    return token


def application_for_token(token: str) -> ApplicationRecord | None:
    """The application a link opens, or None when unknown, expired or revoked."""
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(select(ResumeToken).where(ResumeToken.token_hash == _hash_token(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return db.session.get(ApplicationRecord, row.application_id)


def revoke_resume_tokens(record: ApplicationRecord) -> int:
    rows = db.session.scalars(
        select(ResumeToken).where(
            ResumeToken.application_id == record.id, ResumeToken.revoked_at.is_(None)
        )
    ).all()
    for row in rows:
        row.revoked_at = utcnow()
    return len(rows)


def resume_token_expiry(token: str) -> datetime | None:
    """When a link that still works stops working (None when it does not work)."""
    row = db.session.scalar(select(ResumeToken).where(ResumeToken.token_hash == _hash_token(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row.expires_at


def emails_sent(record: ApplicationRecord, purpose: str) -> set[str]:
    """The addresses already sent a message of ``purpose`` about this application."""
    rows = db.session.scalars(
        select(OutboxEmail.to).where(
            OutboxEmail.application_id == record.id, OutboxEmail.purpose == purpose
        )
    )
    return {to.casefold() for to in rows}


def confirm_license_reading(record: ApplicationRecord, number: str) -> None:
    """Note that the applicant compared the flagged characters of ``number`` (normalised)
    with the license photo: kept with the reading, so they are not asked again."""
    license_doc = document(record, LICENSE_DOCUMENT.get(record.region or "", ""))
    if license_doc is not None and license_doc.reading:
        license_doc.reading = {**license_doc.reading, "confirmed_number": number}


# --- privacy: one applicant's data, and its deletion (see onboard.usecases.privacy) ----------


def personal_rows(record: ApplicationRecord) -> dict[str, list[Any]]:
    """Every row about one application outside its own relationships: the emails sent to
    the applicant, the reviewers' decisions, the audit trail and the resume links."""

    def rows(model: Any, column: Any) -> list[Any]:
        return list(db.session.scalars(select(model).where(column == record.id)))

    return {
        "emails": rows(OutboxEmail, OutboxEmail.application_id),
        "decisions": rows(Decision, Decision.application_id),
        "audit": rows(AuditEvent, AuditEvent.application_id),
        "resume_links": rows(ResumeToken, ResumeToken.application_id),
    }


def stored_files_of(record: ApplicationRecord) -> set[str]:
    """The SHA-256 of every stored file the application uses, now or in a past version."""
    hashes = {doc.sha256 for doc in record.documents}
    for version in record.versions:
        hashes.update(str(value) for value in (version.documents or {}).values())
    return hashes


def files_used_elsewhere(hashes: set[str], record_id: int | None = None) -> set[str]:
    """Which of ``hashes`` another application (current documents or past versions) or an
    agency's batch still uses: the store keeps one file per content, shared by all."""
    if not hashes:
        return set()
    current = select(DocumentRecord.sha256).where(DocumentRecord.sha256.in_(hashes))
    versions = select(ApplicationVersion.documents)
    if record_id is not None:
        current = current.where(DocumentRecord.application_id != record_id)
        versions = versions.where(ApplicationVersion.application_id != record_id)
    used = set(db.session.scalars(current))
    for documents in db.session.scalars(versions):
        used.update(hashes.intersection(str(v) for v in (documents or {}).values()))
    for documents in db.session.scalars(select(Batch.documents).where(Batch.documents.isnot(None))):
        used.update(hashes.intersection(str(v) for v in (documents or {}).values()))
    return used


def delete_application(record: ApplicationRecord) -> None:
    """Delete the application and every row that holds its personal data; the audit trail
    stays (it masks personal numbers) but no longer points at the application. Its unique
    values are let go before (:func:`onboard.usecases.applications.release_values`)."""
    for rows in personal_rows(record).values():
        for row in rows:
            if row.__tablename__ == "audit_event":
                row.application_id = None
            else:
                db.session.delete(row)
    db.session.delete(record)
    db.session.flush()


def stale_drafts(before: datetime, limit: int | None = None) -> list[ApplicationRecord]:
    """Drafts (never submitted) untouched since ``before``: neither their answers nor their
    documents changed since then. Oldest first."""
    recent_upload = (
        select(DocumentRecord.id)
        .where(
            DocumentRecord.application_id == ApplicationRecord.id,
            DocumentRecord.created_at >= before,
        )
        .exists()
    )
    query = (
        select(ApplicationRecord)
        .where(
            ApplicationRecord.state == "draft",
            ApplicationRecord.updated_at < before,
            ~recent_upload,
        )
        .order_by(ApplicationRecord.updated_at)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))
