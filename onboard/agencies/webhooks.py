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

Webhooks go only outward (the server must not be made to POST to itself or its neighbours):
https in production; a URL whose host is, or resolves to, a loopback, private, link-local,
multicast, reserved or cloud-metadata address (anything not globally routable) is refused
when it is saved (:func:`check_url`) and again at every delivery, after resolving the name,
and the connection then goes to the address that was checked, so that a name re-pointed in
between (DNS rebinding) cannot steer it. ``ONBOARD_WEBHOOK_ALLOW_PRIVATE`` lets a development
set-up (never production) deliver to a receiver on its own machine.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from onboard import jobs
from onboard.agencies.batches import batch_dict
from onboard.errors import Words, one_line
from onboard.extensions import db
from onboard.models import Agency, Batch, WebhookDelivery, utcnow

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


NOT_A_PORT = Words(
    "the URL's port is not a number", "请填写完整地址，例如 https://example.com/hook"
)
NO_HOST = Words(
    "an http(s) URL with a host name is needed", "请填写完整地址，例如 https://example.com/hook"
)
CREDENTIALS = Words("the URL may not carry a user name or password", "地址中不能含有用户名或密码")
NOT_HTTPS = Words("webhooks must use https", "地址必须使用 https")
INWARD = Words(
    "{host} points to a non-public address ({address})",
    "{host} 指向内部网络地址（{address}）；回调地址须能从互联网访问",
)


class WebhookRefused(ValueError):
    """A webhook URL that points inward, or is not https in production."""


def _allow_private() -> bool:
    config = current_app.config
    return bool(config.get("ONBOARD_WEBHOOK_ALLOW_PRIVATE")) and config.get("ONBOARD_ENV") != (
        "production"
    )


def _outward(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _parts(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a webhook URL, or :class:`WebhookRefused`."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise WebhookRefused(NOT_A_PORT()) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused(NO_HOST())
    if parts.username or parts.password:
        raise WebhookRefused(CREDENTIALS())
    if parts.scheme != "https" and current_app.config.get("ONBOARD_ENV") == "production":
        raise WebhookRefused(NOT_HTTPS())
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def resolve(host: str, port: int) -> str:
    """The address to connect to for ``host``: every address it resolves to must be
    outward (one inward answer among several refuses it: a resolver may rotate them)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"cannot resolve {host}: {exc.strerror or exc}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not _allow_private():
        inward = [a for a in addresses if not _outward(a)]
        if inward:
            raise WebhookRefused(INWARD(host=host, address=inward[0]))
    return addresses[0]


def check_url(url: str) -> str:
    """What saving a webhook URL checks: its form, https in production, and that its host
    is not (or does not resolve to) an inward address. A name that does not resolve now is
    accepted (delivery checks again)."""
    _scheme, host, port = _parts(url)
    try:
        resolve(host, port)
    except WebhookRefused:
        raise
    except OSError:
        pass
    return url


def post(url: str, secret: str, delivery_id: int, payload: dict[str, Any], timeout: float) -> int:
    """POST ``payload`` signed to the address checked just before; the HTTP status (raises
    OSError when nothing answered, :class:`WebhookRefused` for an inward address). Redirects
    are answers like any other: never followed."""
    scheme, host, port = _parts(url)
    address = resolve(host, port)
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "onboard-webhook/1",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        DELIVERY_HEADER: str(delivery_id),
    }
    connection_class = (
        http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(host, port, timeout=timeout)

    def connect_checked(
        _address: Any, timeout: Any = None, source_address: Any = None
    ) -> socket.socket:
        # The name was resolved and checked above: connect to that address (TLS still
        # verifies the certificate for the name).
        return socket.create_connection((address, port), timeout, source_address)

    connection._create_connection = connect_checked  # type: ignore[attr-defined]
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers=headers)
        status: int = connection.getresponse().status
    except http.client.HTTPException as exc:
        raise OSError(f"bad answer: {exc}") from exc
    finally:
        connection.close()
    return status


@jobs.job("webhook.deliver", max_retries=1000, backoff=5.0)
def deliver(delivery_id: int) -> None:
    """One attempt; raises :class:`jobs.Retry` with the next back-off while attempts are
    left. Idempotent: a delivered (or abandoned) notice is never sent again."""
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
    except WebhookRefused as exc:  # never retried: the address will not become outward
        delivery.state = "failed"
        delivery.last_status, delivery.last_error = None, one_line(f"refused: {exc}", 300)
        db.session.commit()
        current_app.logger.warning("webhook %s refused: %s", delivery.id, exc)
        return
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
