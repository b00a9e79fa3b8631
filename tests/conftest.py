"""Shared fixtures: the rule set, and the Flask app, client and CLI runner (flaskr style).

The app runs on a fresh SQLite database per test, built by the Alembic migrations. Tests that
must also prove themselves on PostgreSQL take ``db_app``, which is parametrised over both; the
PostgreSQL case gets a database of its own on the local server and is skipped, with the reason,
where no server answers.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import settings

from onboard import create_app
from onboard.eligibility.ruleset import RuleSet, ruleset_in_force
from tests.applyflow import ensure_catalogues
from tests.browser import chromium, served
from tests.factories import AS_OF
from tests.smtpbox import Mailbox, smtp_server

# Properties are judged by their examples, not their speed: on a shared two-core machine one
# example can take a slice of a second longer than the last, which says nothing about the code.
settings.register_profile("onboard", deadline=None)
settings.load_profile("onboard")

POSTGRES_ADMIN_URL = os.environ.get(
    "ONBOARD_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return ruleset_in_force(AS_OF)


class ClosingClient(FlaskClient):
    """The test client, closing the temporary file werkzeug spools a large request body to
    once the answer is in: nobody else closes it, and its ResourceWarning would surface (as
    an error) in whichever test happens to run when it is collected."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = super().open(*args, **kwargs)
        stream = response.request.environ.get("wsgi.input")
        if stream is not None:
            stream.close()
        return response


def make_app(tmp_path: Path, **config: Any) -> Flask:
    """An app on its own data directory, its database migrated to the newest revision."""
    from flask_migrate import upgrade  # noqa: PLC0415

    settings = {
        "TESTING": True,
        "ONBOARD_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'test.db'}",
        "SECRET_KEY": "test",
        "ONBOARD_OCR": False,
        # Links in emails and pages point here (the test client's host).
        "ONBOARD_BASE_URL": "http://localhost",
        # Every test client is one address and most send to one recipient: the limits of
        # the applicant's form get their own tests (tests/test_hardening.py, which set them).
        "ONBOARD_DRAFT_LIMIT": "100000 per hour",
        "ONBOARD_EMAIL_LIMIT": "100000 per hour",
        "ONBOARD_RECIPIENT_LIMIT": "100000 per hour",
        "ONBOARD_UPLOAD_LIMIT": "100000 per hour",
        **config,
    }
    app = create_app(settings)
    app.test_client_class = ClosingClient
    with app.app_context():
        upgrade()
    return app


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = make_app(tmp_path)
    yield app
    with app.app_context():
        from onboard.extensions import db  # noqa: PLC0415

        db.engine.dispose()


@contextmanager
def mail_of(app: Flask) -> Iterator[list[EmailMessage]]:
    """Every email ``app`` sends inside the block, as it went out (the outbox keeps private
    links masked)."""
    from onboard.mail import email_sent  # noqa: PLC0415

    sent: list[EmailMessage] = []

    def keep(_sender: Any, message: EmailMessage, **_extra: Any) -> None:
        sent.append(message)

    with email_sent.connected_to(keep, sender=app):
        yield sent


@pytest.fixture
def mailbox(app: Flask) -> Iterator[list[EmailMessage]]:
    """Every email ``app`` sends, as it went out (the outbox keeps private links masked)."""
    with mail_of(app) as sent:
        yield sent


def sent_as(mailbox: list[EmailMessage], row: Any) -> EmailMessage:
    """The message that went out for the outbox ``row`` (matched by its Message-ID)."""
    wanted = f"<outbox-{row.id}@onboard>"
    found = [message for message in mailbox if message["Message-ID"] == wanted]
    assert len(found) == 1, f"no message {wanted} among {len(mailbox)} sent"
    return found[0]


def body_of(message: EmailMessage) -> str:
    return str(message.get_body().get_content())  # type: ignore[union-attr]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on loopback (aiosmtpd): (its mailbox, its port)."""
    pytest.importorskip("aiosmtpd.controller")
    with smtp_server() as running:
        yield running


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


# --- PostgreSQL ----------------------------------------------------------------------------


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    """The app on a threaded local server for browser tests: (app, its base URL)."""
    ensure_catalogues()
    app = make_app(tmp_path)
    with served(app) as base:
        yield app, base


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, under Playwright (never a downloaded browser)."""
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def postgres_admin() -> str:
    try:
        import psycopg  # noqa: PLC0415

        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            pass
    except Exception as exc:  # any failure means: no server to test against here
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc}")
    return POSTGRES_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_admin: str) -> Iterator[str]:
    """A new, empty database on the local server, dropped afterwards."""
    import psycopg  # noqa: PLC0415

    name = f"onboard_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_admin.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(postgres_admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """The app on SQLite, then on PostgreSQL."""
    config = {}
    if request.param == "postgresql":
        config["DATABASE_URL"] = request.getfixturevalue("postgres_url")
    app = make_app(tmp_path, **config)
    yield app
    with app.app_context():
        from onboard.extensions import db  # noqa: PLC0415

        db.session.remove()
        db.engine.dispose()
