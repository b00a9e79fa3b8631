"""Tables of the agencies feature: agencies, their API keys, batches and their rows, and
webhook deliveries. Only :mod:`onboard.agencies` queries them.

A batch row is keyed by ``(batch_id, row)``: a job that is delivered twice (a worker died
before acknowledging it) finds the row already done and leaves it alone, so a row is never
lost, never duplicated and never given two different results.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onboard.extensions import db
from onboard.models import new_session_token, utcnow

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
