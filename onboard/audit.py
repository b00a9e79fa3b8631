"""The audit log: who viewed personal data, decided, reassigned or resubmitted, and when.

Rows are only ever added. Personal numbers never reach the log in full: :func:`mask` keeps
the last four characters (``••••••••••••••0Y43``), enough to tell two applications apart.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from onboard.extensions import db
from onboard.models import ApplicationRecord, AuditEvent, UserAccount

#: Detail keys whose values are personal numbers, masked whatever the caller passes.
PERSONAL_KEYS = frozenset({"license_number", "id_number", "phone", "phone_e164", "value"})


def mask(value: str | None, keep: int = 4) -> str:
    """``value`` with all but its last ``keep`` characters hidden (all of a short one)."""
    if not value:
        return ""
    text = str(value)
    shown = text[len(text) - keep :] if keep and len(text) > keep * 2 else ""
    return "•" * (len(text) - len(shown)) + shown


def _actor(actor: UserAccount | str | None) -> tuple[int | None, str]:
    if isinstance(actor, UserAccount):
        return actor.id, actor.email
    if isinstance(actor, str):
        return None, actor
    if has_request_context() and current_user.is_authenticated:
        return current_user.id, current_user.email
    return None, "system"


def record(
    action: str,
    application: ApplicationRecord | None = None,
    *,
    actor: UserAccount | str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add one event to the current transaction (it commits with the action it records).

    ``actor`` defaults to the logged-in account, else ``"system"``; pass ``"applicant"`` for
    what the applicant did through their private link."""
    actor_id, label = _actor(actor)
    clean = {
        k: mask(v) if k in PERSONAL_KEYS and isinstance(v, str) else v for k, v in detail.items()
    }
    event = AuditEvent(
        actor_id=actor_id,
        actor=label,
        action=action,
        application_id=application.id if application is not None else None,
        detail=clean,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
