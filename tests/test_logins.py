"""One login for the desk and the portal (onboard/web/logins.py), throttled per client address
and per account in both, and one session cookie per area (onboard/web/sessions.py): logging
out of one leaves the other alone, and neither's cookie opens the other."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from onboard.web.sessions import DESK, PORTAL
from tests.conftest import make_app
from tests.deskflow import PASSWORD, add_user, csrf_of
from tests.test_agency_portal import PASSWORD as PORTAL_PASSWORD
from tests.test_agency_portal import logged_in as portal_login

AREAS = {
    "desk": ("/desk/login", "reviewer@example.com", PASSWORD),
    "agency": ("/agency/login", "a@acme.example", PORTAL_PASSWORD),
}


@pytest.fixture
def throttled_app(tmp_path: Path) -> Iterator[Flask]:
    app = make_app(tmp_path, ONBOARD_LOGIN_LIMIT="3 per minute")
    add_user(app, "reviewer")
    portal_login(app, "Acme", "a@acme.example")
    yield app
    from onboard.extensions import db  # noqa: PLC0415

    with app.app_context():
        db.engine.dispose()


def _attempt(client: FlaskClient, path: str, email: str, password: str, address: str) -> int:
    token = csrf_of(client.get(path, environ_base={"REMOTE_ADDR": address}).text)
    answer = client.post(
        path,
        data={"csrf_token": token, "email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )
    return answer.status_code


@pytest.mark.parametrize("area", sorted(AREAS))
def test_failed_logins_are_counted_per_account_across_addresses(throttled_app: Flask, area: str):
    """The portal counted per address only: a botnet could guess one person's password
    forever. Now four addresses guessing one account are stopped at the fourth, and even the
    right password then waits."""
    path, email, password = AREAS[area]
    client = throttled_app.test_client()
    statuses = [
        _attempt(client, path, email, "wrong password!", f"198.51.100.{n}") for n in range(1, 5)
    ]
    assert statuses == [401, 401, 401, 429]
    assert _attempt(client, path, email, password, "198.51.100.9") == 429


@pytest.mark.parametrize("area", sorted(AREAS))
def test_failed_logins_are_counted_per_address_across_accounts(throttled_app: Flask, area: str):
    path, _email, password = AREAS[area]
    client = throttled_app.test_client()
    statuses = [
        _attempt(client, path, f"guess{n}@example.com", "wrong password!", "203.0.113.7")
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    # another address is not held back for this one's guesses
    _path, email, _password = AREAS[area]
    assert _attempt(client, path, email, password, "203.0.113.8") == 302


def test_a_success_does_not_count(throttled_app: Flask):
    client = throttled_app.test_client()
    for _ in range(5):
        assert _attempt(client, *AREAS["agency"], "192.0.2.1") == 302


# --- one cookie per area -----------------------------------------------------------------------


def _both(app: Flask) -> FlaskClient:
    """One browser logged in to the portal and to the desk."""
    add_user(app, "reviewer")
    client = portal_login(app, "Acme", "a@acme.example")
    token = csrf_of(client.get("/desk/login").text)
    answer = client.post(
        "/desk/login",
        data={"csrf_token": token, "email": "reviewer@example.com", "password": PASSWORD},
    )
    assert answer.status_code == 302
    assert client.get("/desk/").status_code == 200 and client.get("/agency/").status_code == 200
    return client


def test_the_desk_and_the_portal_have_cookies_of_their_own(app: Flask):
    client = _both(app)
    desk = client.get_cookie(DESK.cookie, path=DESK.path)
    portal = client.get_cookie(PORTAL.cookie, path=PORTAL.path)
    assert desk is not None and portal is not None
    assert desk.http_only and portal.http_only and desk.same_site == portal.same_site == "Lax"
    assert client.get_cookie("session") is None  # neither login is in the site-wide cookie


def test_logging_out_of_the_portal_leaves_the_desk_logged_in(app: Flask):
    client = _both(app)
    token = csrf_of(client.get("/agency/").text)
    assert client.post("/agency/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/agency/").status_code == 302  # to the portal's login
    assert client.get("/desk/").status_code == 200


def test_logging_out_of_the_desk_leaves_the_portal_logged_in(app: Flask):
    client = _both(app)
    token = csrf_of(client.get("/desk/").text)
    assert client.post("/desk/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/desk/").status_code == 302
    assert client.get("/agency/").status_code == 200


def test_a_portal_cookie_is_never_read_as_a_desk_session(app: Flask):
    """Copied under the other area's name and path, a cookie opens nothing: each area signs
    its cookie with its own salt."""
    client = _both(app)
    desk = client.get_cookie(DESK.cookie, path=DESK.path)
    portal = client.get_cookie(PORTAL.cookie, path=PORTAL.path)
    assert desk is not None and portal is not None
    thief = app.test_client()
    thief.set_cookie(DESK.cookie, portal.value, path=DESK.path)
    assert thief.get("/desk/").status_code == 302
    other = app.test_client()
    other.set_cookie(PORTAL.cookie, desk.value, path=PORTAL.path)
    assert other.get("/agency/").status_code == 302
    # and the site-wide cookie carries neither
    stray = app.test_client()
    stray.set_cookie("session", portal.value)
    stray.set_cookie("session", desk.value, path=DESK.path)
    assert stray.get("/agency/").status_code == 302 and stray.get("/desk/").status_code == 302
    # the real cookies still work where they belong
    assert client.get("/desk/").status_code == 200 and client.get("/agency/").status_code == 200
