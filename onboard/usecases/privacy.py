"""Applicants' personal data: masked in logs, exported or erased on request, and drafts kept
no longer than they are useful.

* **Logs.** Every log record, from any logger (Flask, gunicorn's access log, Celery, the
  libraries), has personal numbers masked before any handler sees it: registration and ID
  numbers, passports, phone numbers, email addresses, and the secrets that ride in URLs and
  headers (private resume links, API keys). The mask keeps the last four characters, as the
  audit log does, which is enough to tell two applicants apart.
* **Export** (``onboard privacy export PUBLIC_ID``): one zip holding ``application.json``,
  everything stored about the applicant, and ``documents/``, the stored files themselves.
* **Erasure** (``onboard privacy erase PUBLIC_ID``): the application's rows go, and its files
  unless another application or a batch uses the same file (the store keeps one file per
  content). The audit log keeps a trace of the erasure, and its older events stay with the
  application's link removed; they never held personal numbers unmasked.
* **Retention** (``onboard privacy purge-drafts --older-than 90d``): drafts nobody touched for
  that long are erased the same way.

Rows go first and files after the commit: a crash in between leaves an orphan file, never a
row that points at a missing one.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from onboard import audit, repository
from onboard.extensions import db
from onboard.models import utcnow
from onboard.storage import StorageError
from onboard.usecases import applications

MASK = "•"

# --- masking personal numbers in logs -----------------------------------------------------

_NOT_WORD_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_WORD_AFTER = r"(?![0-9A-Za-z])"
#: (pattern, keep): what is hidden, and how many of its last characters stay visible.
_PATTERNS: list[tuple[re.Pattern[str], int]] = [
    # Secrets in URLs and headers: nothing of them is kept.
    (re.compile(r"(?<=/apply/)[A-Za-z0-9_-]{16,}"), 0),
    (re.compile(r"(?<=obk_)[A-Za-z0-9_-]{16,}"), 0),
    (re.compile(r"(?<=whsec_)[A-Za-z0-9_-]{16,}"), 0),
    # Unified social credit codes and resident ID numbers: 18 characters with digits.
    (re.compile(_NOT_WORD_BEFORE + r"(?=[0-9A-Z]*\d{4})[0-9A-Z]{18}" + _NOT_WORD_AFTER), 4),
    # HKID (A123456(7)), passports (E12345678).
    (re.compile(_NOT_WORD_BEFORE + r"[A-Z]{1,2}\d{6}\s?\(?[0-9A]\)?" + _NOT_WORD_AFTER), 4),
    (re.compile(_NOT_WORD_BEFORE + r"[A-Z]{1,2}\d{7,9}" + _NOT_WORD_AFTER), 4),
    # Phone numbers: international (+86 138 0013 8000), mainland mobiles with separators.
    (re.compile(r"\+\d{1,3}(?:[\s.-]?\d){6,14}(?!\d)"), 4),
    (re.compile(r"(?<!\d)1[3-9]\d[\s.-]\d{4}[\s.-]\d{4}(?!\d)"), 4),
    # Any other run of 8 or more digits: BR numbers, bare phone and ID numbers.
    (re.compile(r"(?<![0-9A-Za-z])\d{8,}(?![0-9A-Za-z])"), 4),
]
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@(?=[\w-]+\.[\w.-]+)")


def _hidden(text: str, keep: int) -> str:
    """``text`` with its letters and digits masked but the last ``keep`` of them (a secret,
    ``keep`` 0, becomes three dots whatever its length)."""
    if keep == 0:
        return MASK * 3
    out, seen = [], 0
    for char in reversed(text):
        if char.isalnum():
            seen += 1
            out.append(char if seen <= keep else MASK)
        else:
            out.append(char)
    return "".join(reversed(out))


def mask_text(text: str) -> str:
    """``text`` with every personal number, email address and URL secret masked."""
    for pattern, keep in _PATTERNS:
        text = pattern.sub(lambda m, k=keep: _hidden(m.group(0), k), text)  # type: ignore[misc]
    return _EMAIL.sub(lambda m: f"{m.group(1)}{MASK * 3}@", text)


def _masking_factory(
    make: Callable[..., logging.LogRecord],
) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: leave it to logging's own error report
            return record
        record.msg, record.args = mask_text(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return record

    factory.onboard_masking = True  # type: ignore[attr-defined]
    return factory


def install_log_masking() -> None:
    """Mask every log record of this process as it is made (idempotent). A record factory
    rather than a handler filter: it covers handlers added later (gunicorn's, a test's)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "onboard_masking", False):
        logging.setLogRecordFactory(_masking_factory(current))


def init_app(app: Flask) -> None:
    install_log_masking()


# --- export -------------------------------------------------------------------------------


class NoSuchApplication(LookupError):
    """No application has that public id (the message names it)."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _columns(row: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: _plain(getattr(row, name)) for name in names}


def _extension(data: bytes) -> str:
    if data.startswith(b"\xff\xd8"):
        return "jpg"
    return "png" if data.startswith(b"\x89PNG") else "bin"


def application_data(record: Any) -> dict[str, Any]:
    """Everything stored about one application, as JSON-ready data (files by hash)."""
    rows = repository.personal_rows(record)
    return {
        "application": _columns(
            record,
            ("public_id", "state", "locale", "step", "version", "verdict", "created_at"),
        )
        | _columns(record, ("updated_at", "submitted_at"))
        | {"answers": record.data},
        "documents": [
            _columns(
                doc,
                ("kind", "original_name", "mime_type", "size_bytes", "sha256", "created_at"),
            )
            | {"facts": doc.facts, "reading": doc.reading}
            for doc in record.documents
        ],
        "versions": [
            _columns(version, ("number", "submitted_at"))
            | {"answers": version.data, "documents": version.documents}
            for version in record.versions
        ],
        "evaluations": [
            _columns(ev, ("version", "verdict", "route", "rules_version", "as_of", "created_at"))
            | {
                "checks": [
                    _columns(c, ("code", "status", "field", "expected", "actual"))
                    | {"message": {"en": c.message_en, "zh": c.message_zh}}
                    for c in ev.checks
                ]
            }
            for ev in record.evaluations
        ],
        "emails": [
            _columns(e, ("to", "subject", "body", "purpose", "created_at", "sent_at"))
            for e in rows["emails"]
        ],
        "decisions": [
            _columns(d, ("version", "outcome", "reasons", "comment", "created_at"))
            | {"internal_note": d.note}
            for d in rows["decisions"]
        ],
        "audit": [_columns(a, ("at", "actor", "action", "detail")) for a in rows["audit"]],
        "resume_links": [
            _columns(t, ("created_at", "expires_at", "revoked_at")) for t in rows["resume_links"]
        ],
    }


@dataclass
class Export:
    path: Path
    files: int
    missing: list[str] = field(default_factory=list)


def export_application(public_id: str, out: Path, *, actor: str = "command line") -> Export:
    """Write one applicant's data to a zip (``out``, or ``out/<public_id>.zip`` when ``out``
    is a directory): ``application.json`` and the stored files under ``documents/``, named
    by their SHA-256 as ``application.json`` refers to them. The zip is readable by its
    owner only, and written whole or not at all. The export is audited."""
    record = repository.get_application(public_id)
    if record is None:
        raise NoSuchApplication(f"no application {public_id!r}")
    target = out / f"{record.public_id}.zip" if out.is_dir() else out
    data = application_data(record)
    store = repository.document_store()
    result = Export(target, 0)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".export-", suffix=".zip")
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w") as archive:
            names: dict[str, str] = {}
            for sha256 in sorted(repository.stored_files_of(record)):
                try:
                    content = store.read(sha256)
                except StorageError:
                    result.missing.append(sha256)
                    continue
                names[sha256] = f"documents/{sha256}.{_extension(content)}"
                archive.writestr(names[sha256], content)
                result.files += 1
            data["files"] = names
            data["missing_files"] = result.missing
            text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
            archive.writestr("application.json", text)
        os.chmod(temp, 0o600)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    audit.record("privacy_exported", record, actor=actor, files=result.files)
    db.session.commit()
    return result


# --- erasure and retention ----------------------------------------------------------------


@dataclass
class Erasure:
    public_id: str
    files_deleted: int
    files_kept: int


def _erase(record: Any, *, actor: str, action: str) -> Erasure:
    public_id = record.public_id
    hashes = repository.stored_files_of(record)
    shared = repository.files_used_elsewhere(hashes, record.id)
    applications.release_values(record)
    repository.delete_application(record)
    audit.record(action, None, actor=actor, public_id=public_id, files=len(hashes - shared))
    db.session.commit()
    store = repository.document_store()
    deleted = 0
    for sha256 in sorted(hashes - shared):
        # Checked again after the commit: the same file may have been uploaded meanwhile.
        if not repository.files_used_elsewhere({sha256}):
            store.delete(sha256)
            deleted += 1
    return Erasure(public_id, deleted, len(hashes) - deleted)


def erase_application(public_id: str, *, actor: str = "command line") -> Erasure:
    """Delete one application, its rows and its files not shared with others; audited."""
    record = repository.get_application(public_id)
    if record is None:
        raise NoSuchApplication(f"no application {public_id!r}")
    return _erase(record, actor=actor, action="privacy_erased")


_AGE = re.compile(r"(\d+)\s*([dhw])")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_age(text: str) -> timedelta:
    """``90d``, ``12w``, ``36h`` as a duration (ValueError names the accepted forms)."""
    match = _AGE.fullmatch(text.strip().lower())
    if not match or int(match.group(1)) <= 0:
        raise ValueError(f"{text!r} is not an age like 90d, 12w or 36h")
    return int(match.group(1)) * _UNITS[match.group(2)]


@dataclass
class Purge:
    drafts: list[str]
    files_deleted: int = 0


def purge_drafts(
    older_than: timedelta, *, now: datetime | None = None, dry_run: bool = False
) -> Purge:
    """Erase drafts whose answers and documents nobody changed for ``older_than``; one
    transaction per draft, so a long purge never holds the database."""
    before = (now or utcnow()) - older_than
    stale = repository.stale_drafts(before)
    result = Purge([record.public_id for record in stale])
    if dry_run:
        return result
    for record in stale:
        result.files_deleted += _erase(
            record, actor="retention", action="draft_purged"
        ).files_deleted
    return result
