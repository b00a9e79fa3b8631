"""Tables: applications and their versions, documents, evaluations with each check, resume
links and outgoing email; the reviewer desk's accounts, duplicate claims, decisions, reason
templates and audit log; partner agencies, their API keys, batches and batch rows, webhook
deliveries and portal accounts. One module, so that every table is registered with the
metadata by one import (the application table refers to the agency table). Queries live in
:mod:`onboard.repository` and, for the agencies' tables, in :mod:`onboard.agencies`.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboard.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_public_id() -> str:
    """Short, unguessable, URL-safe id shown to people (``A-7KQ2M9XD4P``)."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "A-" + "".join(secrets.choice(alphabet) for _ in range(10))


class ApplicationRecord(db.Model):  # type: ignore[name-defined]
    """One seller's application: the JSON of CONTRACT.md as last saved, plus the values the
    desk and the duplicate checks search by, kept normalised in their own columns."""

    __tablename__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    #: draft, submitted, approved, rejected, changes_requested
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    locale: Mapped[str] = mapped_column(String(10), default="zh")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The furthest form step the applicant has saved.
    step: Mapped[str] = mapped_column(String(20), default="company")
    version: Mapped[int] = mapped_column(default=0)
    verdict: Mapped[str | None] = mapped_column(String(12), index=True)
    region: Mapped[str | None] = mapped_column(String(2))
    platform: Mapped[str | None] = mapped_column(String(20))
    license_number: Mapped[str | None] = mapped_column(String(32), index=True)
    phone_e164: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    shop_name_key: Mapped[str | None] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    #: The desk: who works on it, and where it sorts in the queue (lower first; see
    #: ``usecases.applications.priority_of``). ``agency_id`` names the partner agency that filed it
    #: (issue 6 adds the agency table and its foreign key).
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    priority: Mapped[int] = mapped_column(default=9, index=True)
    agency_id: Mapped[int | None] = mapped_column(
        ForeignKey("agency.id", ondelete="SET NULL"), index=True
    )

    documents: Mapped[list[DocumentRecord]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="DocumentRecord.id"
    )
    versions: Mapped[list[ApplicationVersion]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="ApplicationVersion.number",
    )
    evaluations: Mapped[list[Evaluation]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="Evaluation.id"
    )


class DocumentRecord(db.Model):  # type: ignore[name-defined]
    """A stored upload: the re-encoded file lives under the data directory by content hash."""

    __tablename__ = "document"
    __table_args__ = (UniqueConstraint("application_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    mime_type: Mapped[str] = mapped_column(String(40))
    original_name: Mapped[str] = mapped_column(String(200))
    #: DocumentFacts of the file as uploaded, and the OCR reading when it is a license.
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reading: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[ApplicationRecord] = relationship(back_populates="documents")


class ApplicationVersion(db.Model):  # type: ignore[name-defined]
    """What was submitted, frozen: one row per submission."""

    __tablename__ = "application_version"
    __table_args__ = (UniqueConstraint("application_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    number: Mapped[int]
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: document kind -> sha256 of the stored file
    documents: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[ApplicationRecord] = relationship(back_populates="versions")


class Evaluation(db.Model):  # type: ignore[name-defined]
    """One run of the rule engine over one version (0 = the draft as it stood)."""

    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(default=0)
    verdict: Mapped[str] = mapped_column(String(12))
    route: Mapped[str] = mapped_column(String(12))
    rules_version: Mapped[str] = mapped_column(String(40))
    as_of: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[ApplicationRecord] = relationship(back_populates="evaluations")
    checks: Mapped[list[CheckResult]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan", order_by="CheckResult.id"
    )


class CheckResult(db.Model):  # type: ignore[name-defined]
    __tablename__ = "check_result"
    __table_args__ = (Index("ix_check_result_code_status", "code", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))
    field: Mapped[str] = mapped_column(String(80))
    expected: Mapped[str | None] = mapped_column(Text)
    actual: Mapped[str | None] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    message_zh: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    evaluation: Mapped[Evaluation] = relationship(back_populates="checks")


class ResumeToken(db.Model):  # type: ignore[name-defined]
    """A private link back to a draft. Only the token's SHA-256 is stored."""

    __tablename__ = "resume_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class OutboxEmail(db.Model):  # type: ignore[name-defined]
    """Every email the service sends, kept: delivered by SMTP when configured."""

    __tablename__ = "outbox_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id", ondelete="SET NULL")
    )
    to: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


# --- the reviewer desk ---------------------------------------------------------------------

ROLES = ("reviewer", "admin")


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class UserAccount(UserMixin, db.Model):  # type: ignore[name-defined]
    """A reviewer or an admin of the desk. Only the argon2 hash of the password is stored.

    The session cookie names the account by ``session_token``, not by id: changing it (at
    logout, password change or deactivation) ends every session the account had."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20), default="reviewer")
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    session_token: Mapped[str] = mapped_column(String(40), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class LiveClaim(db.Model):  # type: ignore[name-defined]
    """A live application's hold on a value that must be unique (license number, phone,
    email, shop name). The unique (field, value) makes duplicates race-safe: of two
    submissions at once, one inserts the row, the other finds it taken (see
    ``usecases.applications.submit``). Released when the application stops being live."""

    __tablename__ = "live_claim"
    __table_args__ = (UniqueConstraint("field", "value", name="uq_live_claim_field_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    field: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(320))
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReasonTemplate(db.Model):  # type: ignore[name-defined]
    """A reason a reviewer can pick, in both languages (admins edit), tied to a rule code or
    to an item of the reviewer's checklist (``review.CHECKLIST``)."""

    __tablename__ = "reason_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable name: the rule code for the template seeded from the rule set.
    key: Mapped[str] = mapped_column(String(60), unique=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    text_en: Mapped[str] = mapped_column(Text)
    text_zh: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class Decision(db.Model):  # type: ignore[name-defined]
    """A reviewer's decision on one version. ``reasons`` and ``comment`` go to the applicant;
    ``note`` stays inside."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    #: approved, rejected, changes_requested
    outcome: Mapped[str] = mapped_column(String(20))
    #: [{"code": …, "en": …, "zh": …}] as the templates read when the decision was made
    reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    email_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_email.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    #: A decision against the verdict (or past an unticked checklist):
    #: {"verdict": …, "checks": [codes], "checklist": [items], "reason": …}; None otherwise.
    override: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: Four eyes: an override approval waits for a second reviewer (``pending``) who confirms
    #: or declines it; until confirmed it changes nothing for the applicant.
    pending: Mapped[bool] = mapped_column(default=False)
    second_reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: confirmed, declined
    second_outcome: Mapped[str | None] = mapped_column(String(10))
    second_at: Mapped[datetime | None]

    reviewer: Mapped[UserAccount | None] = relationship(foreign_keys=[reviewer_id])
    second_reviewer: Mapped[UserAccount | None] = relationship(foreign_keys=[second_reviewer_id])


class ChecklistMark(db.Model):  # type: ignore[name-defined]
    """A reviewer's mark on one item of the manual checklist for one version: ``ok`` (ticked)
    or ``fail``, with a note. A resubmission starts a fresh checklist."""

    __tablename__ = "checklist_mark"
    __table_args__ = (
        UniqueConstraint("application_id", "version", "item", name="uq_checklist_mark_item"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    item: Mapped[str] = mapped_column(String(40))
    #: ok, fail
    status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DeskSetting(db.Model):  # type: ignore[name-defined]
    """An admin's setting of the desk (``four_eyes``: override approvals need a second
    reviewer). Absent rows read as the defaults in ``review.SETTINGS``."""

    __tablename__ = "desk_setting"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class SavedFilter(db.Model):  # type: ignore[name-defined]
    """A reviewer's named queue filter (the query string of the queue page)."""

    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_filter_user_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(db.Model):  # type: ignore[name-defined]
    """Who did what, when: views of personal data, decisions, assignments, resubmissions,
    logins. Append-only (nothing in the app updates or deletes a row); personal numbers in
    ``detail`` are masked."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    #: The account's email, or "applicant"/"system": readable even after the account goes.
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(40), index=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id", ondelete="SET NULL"), index=True
    )
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))


# --- partner agencies (issue 6): their API keys, batches and rows, webhook deliveries -------
#
# A batch row is keyed by ``(batch_id, row)``: a job that is delivered twice (a worker died
# before acknowledging it) finds the row already done and leaves it alone, so a row is never
# lost, never duplicated and never given two different results.

_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _public_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(10))


def new_agency_id() -> str:
    return _public_id("AG-")


def new_batch_id() -> str:
    return _public_id("B-")


class Agency(db.Model):  # type: ignore[name-defined]
    """A partner agency: owns API keys and batches; optionally a webhook."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_agency_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    webhook_url: Mapped[str | None] = mapped_column(String(2048))
    #: The HMAC-SHA256 key of webhook signatures (shown to the agency, so kept as is).
    webhook_secret: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    keys: Mapped[list[ApiKey]] = relationship(
        back_populates="agency", cascade="all, delete-orphan", order_by="ApiKey.id"
    )


class ApiKey(db.Model):  # type: ignore[name-defined]
    """An API key: only its SHA-256 is stored (keys carry 256 random bits, so a plain hash is
    as good as a slow one); ``prefix`` is the first characters, to tell keys apart."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    agency: Mapped[Agency] = relationship(back_populates="keys")


class Batch(db.Model):  # type: ignore[name-defined]
    """One uploaded file of applications, checked row by row in the background."""

    __tablename__ = "batch"
    __table_args__ = (UniqueConstraint("agency_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_batch_id)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"), index=True)
    #: running, done
    state: Mapped[str] = mapped_column(String(12), default="running")
    filename: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(8))
    #: How a CSV file was decoded (utf-8-sig, utf-8, gb18030); None for XLSX.
    encoding: Mapped[str | None] = mapped_column(String(20))
    total: Mapped[int] = mapped_column(default=0)
    #: Every row is judged by this version as of this date: a retried job cannot drift.
    rules_version: Mapped[str] = mapped_column(String(40))
    as_of: Mapped[str] = mapped_column(String(10))
    #: document name as written in the file -> sha256 of the stored file (from the zip).
    documents: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    #: SHA-256 of what was uploaded: the same Idempotency-Key with other content is refused.
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Touched by every finished chunk: a batch whose jobs were lost is noticed and resumed.
    progressed_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class BatchRow(db.Model):  # type: ignore[name-defined]
    """One application of a batch and, once checked, its result."""

    __tablename__ = "batch_row"
    __table_args__ = (
        UniqueConstraint("batch_id", "row"),
        Index("ix_batch_row_batch_id_state", "batch_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"))
    row: Mapped[int]
    line: Mapped[int]
    #: The row as uploaded: {"json": text} for JSON Lines, {"csv": {column: cell}} for CSV.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: pending, done (a report), error (bad input: ``errors``)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    verdict: Mapped[str | None] = mapped_column(String(12))
    #: The report JSON of CONTRACT.md, zlib-compressed (about 7 KB -> 2.5 KB).
    report_z: Mapped[bytes | None] = mapped_column(LargeBinary)
    changes: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    errors: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: Codes of the failing and missing checks, ";"-joined: the report's "most common" table.
    failed_codes: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(String(200))
    #: The agency's own client id (the ``ref`` column), echoed in every output.
    ref: Mapped[str | None] = mapped_column(String(200))
    #: The applicant's draft made from this row (``batches.start_application``).
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id", ondelete="SET NULL")
    )
    finished_at: Mapped[datetime | None]


class WebhookDelivery(db.Model):  # type: ignore[name-defined]
    """The completion notice of one batch: attempts so far and how the last one went."""

    __tablename__ = "webhook_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"), unique=True)
    #: pending, delivered, failed (gave up)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]


class AgencyUser(db.Model):  # type: ignore[name-defined]
    """A person of a partner agency who uses the portal. Invited by an admin: until the
    invitation is accepted there is no password, only the SHA-256 of the invitation token;
    then an argon2id hash of the password (as for the desk). ``session_token`` is what the
    portal's session names: replacing it logs the person out everywhere."""

    __tablename__ = "agency_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    invite_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invite_expires_at: Mapped[datetime | None]
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    agency: Mapped[Agency] = relationship()
