"""Webhooks: a signed POST to the agency's URL when one of its batches is done.

The body is JSON (the batch as ``GET /api/v1/batches/<id>`` shows it, under ``"batch"``,
with ``"event": "batch.completed"``). Headers:

- ``X-Onboard-Timestamp``: Unix seconds when it was signed;
- ``X-Onboard-Signature``: ``sha256=`` and the hex HMAC-SHA256, keyed by the agency's
  webhook secret, of ``timestamp + "." + body`` (the raw bytes). A receiver recomputes it,
  compares in constant time and refuses old timestamps, which stops replays;
- ``X-Onboard-Delivery``: the delivery id (the same on every retry: deduplicate on it).

A 2xx answer is success. Anything else (or no answer within ``ONBOARD_WEBHOOK_TIMEOUT``
seconds) is retried with exponential back-off: ``ONBOARD_WEBHOOK_BACKOFF`` seconds, then
twice that, and so on, for ``ONBOARD_WEBHOOK_ATTEMPTS`` attempts in all; redirects are not
followed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any

from flask import current_app

from onboard import jobs
from onboard.agencies.models import Agency, Batch, WebhookDelivery
from onboard.errors import one_line
from onboard.extensions import db
from onboard.models import utcnow

SIGNATURE_HEADER = "X-Onboard-Signature"
TIMESTAMP_HEADER = "X-Onboard-Timestamp"
DELIVERY_HEADER = "X-Onboard-Delivery"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, *, tolerance: int = 300
) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        moment = int(timestamp)
    except ValueError:
        return False
    if abs(time.time() - moment) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, moment, body), signature)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post(url: str, secret: str, delivery_id: int, payload: dict[str, Any], timeout: float) -> int:
    """POST ``payload`` signed; the HTTP status (raises OSError when nothing answered)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "onboard-webhook/1",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(secret, timestamp, body),
            DELIVERY_HEADER: str(delivery_id),
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status: int = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status


@jobs.job("webhook.deliver", max_retries=1000, backoff=5.0)
def deliver(delivery_id: int) -> None:
    """One attempt; raises :class:`jobs.Retry` with the next back-off while attempts are
    left. Idempotent: a delivered (or abandoned) notice is never sent again."""
    from onboard.agencies.batches import batch_dict  # noqa: PLC0415 — batches imports us

    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.state != "pending":
        return
    batch = db.session.get(Batch, delivery.batch_id)
    agency = db.session.get(Agency, batch.agency_id) if batch else None
    if batch is None or agency is None or not agency.webhook_url or not agency.webhook_secret:
        delivery.state = "failed"
        delivery.last_error = "no webhook configured"
        db.session.commit()
        return
    config = current_app.config
    payload = {"event": "batch.completed", "batch": batch_dict(batch)}
    delivery.attempts += 1
    try:
        status = post(
            agency.webhook_url,
            agency.webhook_secret,
            delivery.id,
            payload,
            timeout=float(config.get("ONBOARD_WEBHOOK_TIMEOUT", 10)),
        )
        delivery.last_status, delivery.last_error = status, None
    except (OSError, ValueError) as exc:
        status = 0
        delivery.last_status, delivery.last_error = None, one_line(str(exc), 300)
    if 200 <= status < 300:
        delivery.state = "delivered"
        delivery.delivered_at = utcnow()
        db.session.commit()
        return
    attempts = int(config.get("ONBOARD_WEBHOOK_ATTEMPTS", 8))
    if delivery.attempts >= attempts:
        delivery.state = "failed"
        db.session.commit()
        current_app.logger.warning("webhook %s abandoned after %d attempts", delivery.id, attempts)
        return
    db.session.commit()
    backoff = float(config.get("ONBOARD_WEBHOOK_BACKOFF", 5))
    raise jobs.Retry(backoff * 2 ** (delivery.attempts - 1), f"webhook answered {status}")
