"""Limits where no login is needed: what one client may make the service do.

An applicant needs no account, so the form is what an attacker reaches first: new drafts per
client address, emails per client address and per recipient (on every path that sends one:
the contact step, "forget this link", the receipt, the desk's "send a new link"), uploads per
draft. Beyond a limit the answer is 429 with ``Retry-After``: a page in the applicant's
language (``templates/error.html``), JSON under ``/api/``.

Counts live where the desk's login throttling lives (``RATELIMIT_STORAGE_URI``: Redis when
``ONBOARD_REDIS_URL`` is set, else this process's memory). Redis out of reach is not a 500:
Flask-Limiter counts in memory instead and logs one warning
(``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``); the per-recipient count below does the same.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from onboard import repository
from onboard.extensions import limiter

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
#: The steps of the form whose saving may send an email (the private link).
EMAIL_STEPS = frozenset({"contact"})
#: When the shared storage fails, per-recipient counts go on here (one per process).
_fallback = FixedWindowRateLimiter(MemoryStorage())
_warned: list[bool] = []


def _setting(name: str) -> Callable[[], str]:
    return lambda: str(current_app.config[name])


def _address() -> str:
    return "addr:" + (request.remote_addr or "?")


def _draft() -> str:
    """Uploads count per draft (its id, not its link: a new link does not reset them)."""
    token = (request.view_args or {}).get("token", "")
    record = repository.application_for_token(token)
    return f"draft:{record.id}" if record is not None else "draft:none"


def _may_email() -> bool:
    view_args = request.view_args or {}
    return (
        request.endpoint in ("apply.forget", "apply.submit") or view_args.get("step") in EMAIL_STEPS
    )


def _emailed(_response: Any) -> bool:
    return bool(g.get("emails_sent"))


#: ``POST /apply/``: new drafts per client address.
new_drafts = limiter.limit(
    _setting("ONBOARD_DRAFT_LIMIT"), key_func=_address, methods=["POST"], scope="apply-draft"
)
#: Requests that may send an email: counted per client address when one was sent.
emails = limiter.shared_limit(
    _setting("ONBOARD_EMAIL_LIMIT"),
    "apply-email",
    key_func=_address,
    methods=["POST"],
    exempt_when=lambda: not _may_email(),
    deduct_when=_emailed,
)
#: Uploads per draft (the documents page, and the license photo of the company step).
uploads = limiter.shared_limit(
    _setting("ONBOARD_UPLOAD_LIMIT"),
    "apply-upload",
    key_func=_draft,
    methods=["POST"],
    exempt_when=lambda: not any(file.filename for file in request.files.values()),
)


def may_email(recipient: str) -> bool:
    """:func:`spend_email` for a message that may be left out (the receipt of a submission
    that must not fail for it): False, and nothing sent, beyond the limit."""
    try:
        spend_email(recipient)
    except TooManyRequests:
        return False
    return True


def spend_email(recipient: str) -> None:
    """Count one email to ``recipient`` (and note it for the per-address count); a 429 with
    ``Retry-After`` when the recipient has had ``ONBOARD_RECIPIENT_LIMIT`` already."""
    item = parse(current_app.config["ONBOARD_RECIPIENT_LIMIT"])
    key = hashlib.sha256(recipient.strip().casefold().encode()).hexdigest()[:32]
    try:
        strategy = limiter.limiter
        allowed = strategy.hit(item, "recipient", key)
    except Exception as exc:  # the shared storage is out of reach: count here instead
        if not _warned:
            _warned.append(True)
            log.warning("rate-limit storage unreachable (%s): counting emails in memory", exc)
        strategy = _fallback
        allowed = strategy.hit(item, "recipient", key)
    if not allowed:
        reset = strategy.get_window_stats(item, "recipient", key).reset_time
        raise TooManyRequests(
            "Too many emails to this address for now.",
            retry_after=max(1, math.ceil(reset - time.time())),
        )
    g.emails_sent = g.get("emails_sent", 0) + 1
