"""Outgoing email: every message is kept in the outbox (a table and an .eml file), and is
delivered by SMTP when ``ONBOARD_SMTP_URL`` is set (``smtp://user:pass@host:587?starttls``,
``smtps://host:465``). Without SMTP the desk shows the outbox, so nothing is lost."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

from onboard.extensions import db
from onboard.models import OutboxEmail, utcnow


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


def send_email(
    to: str, subject: str, body: str, *, purpose: str, application_id: int | None = None
) -> OutboxEmail:
    """Record the message in the outbox and deliver it if SMTP is configured.

    Delivery failures are recorded on the row (``error``), never raised: the applicant's
    action succeeded; the desk can see and resend what did not go out.
    """
    sender = current_app.config.get("ONBOARD_MAIL_FROM", "onboard <no-reply@onboard.local>")
    row = OutboxEmail(
        to=to, subject=subject, body=body, purpose=purpose, application_id=application_id
    )
    db.session.add(row)
    db.session.flush()
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<outbox-{row.id}@onboard>"
    message.set_content(body)
    outbox = Path(current_app.config["ONBOARD_DATA_DIR"]) / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / f"{row.id:08d}-{purpose}.eml").write_bytes(bytes(message))
    url = current_app.config.get("ONBOARD_SMTP_URL")
    if url:
        try:
            _deliver(message, url)
            row.sent_at = utcnow()
        except (OSError, smtplib.SMTPException) as exc:
            row.error = str(exc)[:500]
    return row
