"""A real SMTP server on loopback (aiosmtpd) for the tests that follow an emailed link: the
outbox keeps every private link masked, so only the message that went out carries it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, cast


class Mailbox:
    """What the server received, in order (aiosmtpd's handler)."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"

    def parsed(self) -> list[EmailMessage]:
        return [
            cast(EmailMessage, message_from_bytes(raw, policy=policy.default))
            for raw in self.messages
        ]


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """An aiosmtpd server on a free loopback port: (its mailbox, the port)."""
    from aiosmtpd.controller import Controller  # noqa: PLC0415 (optional dependency)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port, loop=asyncio.new_event_loop())
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()
        controller.loop.close()
