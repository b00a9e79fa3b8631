"""Outgoing email: every message is kept in the outbox (a table and an .eml file), and is
delivered by SMTP when ``ONBOARD_SMTP_URL`` is set (``smtp://user:pass@host:587?starttls``,
``smtps://host:465``).

A private link is a secret: what the outbox keeps (the row and the .eml file) has every link
to an application masked (:func:`mask_links`); only the message that goes out carries it. So
without SMTP nobody, not even an admin reading the outbox, can open an applicant's draft: a
reviewer who must send a link makes a new one (audited), which revokes the one before.
Every message carries a ``Date`` header (RFC 5322 requires one; spam filters mark mail
without it).
"""

from __future__ import annotations

import re
import smtplib
from datetime import UTC
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from blinker import Namespace
from flask import current_app

from onboard.extensions import db
from onboard.models import OutboxEmail, utcnow

#: A private link's token inside a URL (``…/apply/<token>/…``), as the outbox must not keep it.
_LINK_TOKEN = re.compile(r"(/apply/)([A-Za-z0-9_\-]{16,})(?=[/?#\s]|$)")
MASK = "••••••••"

_signals = Namespace()
#: Sent with ``message`` (the :class:`EmailMessage` as it went out, links and all) after a
#: message is handed to delivery: for instrumentation and for tests that follow a link.
email_sent = _signals.signal("onboard-email-sent")


def mask_links(text: str) -> str:
    """``text`` with the token of every private link replaced by :data:`MASK`."""
    return _LINK_TOKEN.sub(lambda match: match[1] + MASK, text)


def _deliver(message: EmailMessage, url: str) -> None:
    parts = urlsplit(url)
    options = parse_qs(parts.query)
    port = parts.port or (465 if parts.scheme == "smtps" else 25)
    host = parts.hostname or "localhost"
    client: smtplib.SMTP
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, port, timeout=10)
    else:
        client = smtplib.SMTP(host, port, timeout=10)
    with client:
        if "starttls" in options or parts.query == "starttls":
            client.starttls()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def _message(sender: str, to: str, subject: str, body: str, row: OutboxEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(row.created_at.replace(tzinfo=UTC))
    message["Message-ID"] = f"<outbox-{row.id}@onboard>"
    message.set_content(body)
    return message


def send_email(
    to: str, subject: str, body: str, *, purpose: str, application_id: int | None = None
) -> OutboxEmail:
    """Record the message in the outbox (links masked) and deliver it if SMTP is configured.

    Delivery failures are recorded on the row (``error``), never raised: the applicant's
    action succeeded; the desk can see what did not go out.
    """
    sender = current_app.config.get("ONBOARD_MAIL_FROM", "onboard <no-reply@onboard.local>")
    row = OutboxEmail(
        to=to,
        subject=mask_links(subject),
        body=mask_links(body),
        purpose=purpose,
        application_id=application_id,
        created_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    kept = _message(sender, to, row.subject, row.body, row)
    outbox = Path(current_app.config["ONBOARD_DATA_DIR"]) / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / f"{row.id:08d}-{purpose}.eml").write_bytes(bytes(kept))
    message = _message(sender, to, subject, body, row)
    url = current_app.config.get("ONBOARD_SMTP_URL")
    if url:
        try:
            _deliver(message, url)
            row.sent_at = utcnow()
        except (OSError, smtplib.SMTPException) as exc:
            row.error = mask_links(str(exc))[:500]
    _notify(message, row)
    return row


def _notify(message: EmailMessage, row: OutboxEmail) -> None:
    app: Any = current_app._get_current_object()  # type: ignore[attr-defined]
    email_sent.send(app, message=message, row=row)
