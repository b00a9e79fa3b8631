"""Agency accounts and their API keys.

A key is ``obk_`` and 43 URL-safe characters (256 random bits). It is shown once, when
created; only its SHA-256 is stored, so a copy of the database does not hold usable keys.
A revoked key stops working at once. ``last_used_at`` is refreshed at most once a minute per
key, so that a busy key does not turn every read into a write.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from onboard.agencies import webhooks
from onboard.errors import InputError, Text, Words
from onboard.extensions import db
from onboard.models import Agency, ApiKey, utcnow

KEY_PREFIX = "obk_"
#: How stale ``last_used_at`` may get before a request refreshes it.
TOUCH_EVERY = timedelta(minutes=1)
_MAX_PRESENTED = 200


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


NAME_REQUIRED = Words("A name is required.", "请填写名称。")
AT_MOST = Words("At most {count} characters.", "最多 {count} 个字符。")
HTTP_URL = Words(
    "An http(s) URL of at most 2048 characters.",
    "请填写以 https:// 开头的地址（不超过 2048 个字符）。",
)
REFUSED = Words("Refused: {why}.", "未接受：{why}。")
AGENCY_EXISTS = Words("An agency named {name} exists already.", "名为“{name}”的代理机构已存在。")


def _clean_name(name: str, field: str, limit: int) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise InputError({field: [NAME_REQUIRED()]})
    if len(text) > limit:
        raise InputError({field: [AT_MOST(count=limit)]})
    return text


def _check_webhook_url(url: str | None) -> str | None:
    if url is None or not url.strip():
        return None
    url = url.strip()
    if not url.startswith(("https://", "http://")) or len(url) > 2048:
        raise InputError({"webhook_url": [HTTP_URL()]})
    try:
        return webhooks.check_url(url)
    except webhooks.WebhookRefused as exc:
        raise InputError(
            {"webhook_url": [REFUSED(why=exc.args[0] if exc.args else str(exc))]}
        ) from None


# --- agencies ------------------------------------------------------------------------------


def create_agency(name: str, *, webhook_url: str | None = None) -> Agency:
    """A new agency; its name must be unique (case as typed, spaces folded)."""
    clean = _clean_name(name, "name", 200)
    if db.session.scalar(select(Agency.id).where(Agency.name == clean)) is not None:
        raise InputError({"name": [AGENCY_EXISTS(name=Text(repr(clean), clean))]}, status=409)
    agency = Agency(name=clean)
    set_webhook(agency, webhook_url)
    db.session.add(agency)
    db.session.flush()
    return agency


def set_webhook(agency: Agency, url: str | None) -> str | None:
    """Set (or clear) the webhook; a new URL gets a new secret, which is returned."""
    agency.webhook_url = _check_webhook_url(url)
    agency.webhook_secret = new_webhook_secret() if agency.webhook_url else None
    return agency.webhook_secret


def find_agency(reference: str) -> Agency | None:
    """By public id (``AG-…``) or exact name."""
    return db.session.scalar(
        select(Agency).where((Agency.public_id == reference) | (Agency.name == reference))
    )


def list_agencies() -> list[Agency]:
    return list(db.session.scalars(select(Agency).order_by(Agency.name)))


# --- keys ----------------------------------------------------------------------------------


def create_key(agency: Agency, name: str = "default") -> tuple[ApiKey, str]:
    """A new key for ``agency``: the record, and the key itself (shown once, never stored)."""
    clean = _clean_name(name, "name", 100)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(
        agency_id=agency.id, name=clean, prefix=key[: len(KEY_PREFIX) + 6], key_hash=hash_key(key)
    )
    db.session.add(record)
    db.session.flush()
    return record, key


def revoke_key(record: ApiKey) -> bool:
    """Revoke a key; False when it was revoked already."""
    if record.revoked_at is not None:
        return False
    record.revoked_at = utcnow()
    return True


def find_key(reference: str, agency: Agency | None = None) -> ApiKey | None:
    """A key by its id or prefix (what listings show), within ``agency`` when given."""
    query = select(ApiKey)
    if reference.isdigit():
        query = query.where(ApiKey.id == int(reference))
    else:
        query = query.where(ApiKey.prefix == reference)
    if agency is not None:
        query = query.where(ApiKey.agency_id == agency.id)
    found = list(db.session.scalars(query.limit(2)))
    return found[0] if len(found) == 1 else None


def authenticate(presented: str | None, now: datetime | None = None) -> ApiKey | None:
    """The live key ``presented`` is, or None (unknown, malformed or revoked)."""
    if not presented or len(presented) > _MAX_PRESENTED or not presented.startswith(KEY_PREFIX):
        return None
    digest = hash_key(presented)
    record = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
    # The look-up is by hash, so timing says nothing about the key; compare anyway.
    if record is None or not hmac.compare_digest(record.key_hash, digest):
        return None
    if record.revoked_at is not None:
        return None
    now = now or utcnow()
    if record.last_used_at is None or now - record.last_used_at >= TOUCH_EVERY:
        record.last_used_at = now
        db.session.commit()
    return record
