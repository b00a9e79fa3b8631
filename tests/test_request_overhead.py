"""What every request pays around its view, made cheaper without changing an answer: the
session cookie, the rate limiter's bookkeeping and the security headers."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, Response, session
from flask.testing import FlaskClient

from onboard.security import CSP
from onboard.web import UNLIMITED_BLUEPRINTS, _unlimited
from onboard.web.sessions import CookieSessions

# --- the session cookie -------------------------------------------------------------------


def _no_serializer(*_args: Any) -> Any:
    raise AssertionError("the signing serializer was built for a request without a cookie")


def test_no_session_cookie_means_no_serializer(app: Flask, monkeypatch: pytest.MonkeyPatch):
    assert isinstance(app.session_interface, CookieSessions)
    monkeypatch.setattr(CookieSessions, "get_signing_serializer", _no_serializer)
    client = app.test_client()
    for path in ("/healthz", "/api/v1/rules"):
        response = client.get(path)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert "Cookie" in response.headers["Vary"]
    assert client.post("/api/v1/prescreen", json={}).status_code == 200


def test_sessions_still_round_trip(app: Flask):
    """A cookie set by one request is read back by the next; a forged one is an empty
    session, as with Flask's own interface."""

    @app.get("/test-session/<value>")
    def put(value: str) -> str:
        before = session.get("value", "")
        session["value"] = value
        return before

    client = app.test_client()
    assert client.get("/test-session/one").text == ""
    assert client.get("/test-session/two").text == "one"
    client.set_cookie("session", "forged.value.here")
    assert client.get("/test-session/three").text == ""


def test_a_session_without_a_secret_key_is_refused_as_before(app: Flask):
    """No secret key: Flask's null session, which refuses to be written."""
    app.secret_key = None

    @app.get("/test-write")
    def write() -> str:
        session["x"] = 1
        return "written"

    assert app.test_client().get("/healthz").status_code == 200
    assert app.test_client().get("/test-write").status_code == 500


# --- the rate limiter ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "unlimited"),
    [
        ("/api/v1/prescreen", True),
        ("/api/v1/rules", True),
        ("/healthz", True),
        ("/", True),
        ("/api/v1/batches", False),
        ("/desk/login", False),
        ("/apply/", False),
    ],
)
def test_only_blueprints_without_limits_skip_the_limiter(app: Flask, path: str, unlimited: bool):
    with app.test_request_context(path, method="POST" if "prescreen" in path else "GET"):
        from flask import request  # noqa: PLC0415

        request.url_rule, request.view_args = app.url_map.bind("localhost").match(
            path, method=request.method, return_rule=True
        )
        assert _unlimited() is unlimited


def test_the_unlimited_blueprints_have_no_limit(app: Flask):
    """If a limit is ever put on one of them, it must leave UNLIMITED_BLUEPRINTS."""
    manager = app.extensions["limiter"].copy().pop().limit_manager
    for name in UNLIMITED_BLUEPRINTS:
        assert name in app.blueprints
        assert not manager.blueprint_limits(app, name), name
        for endpoint, view in app.view_functions.items():
            if endpoint.startswith(name + "."):
                qualified = f"{view.__module__}.{view.__name__}"
                assert not manager.decorated_limits(qualified), endpoint


def test_public_answers_carry_no_rate_limit_headers(client: FlaskClient):
    for response in (client.post("/api/v1/prescreen", json={}), client.get("/healthz")):
        assert not [name for name, _value in response.headers if "ratelimit" in name.lower()]


# --- the security headers ----------------------------------------------------------------


def test_a_header_set_by_the_view_wins_whatever_its_case(app: Flask):
    @app.get("/test-own-policy")
    def own_policy() -> Response:
        response = Response("x")
        response.headers["content-security-policy"] = "default-src 'none'"
        response.headers["x-frame-options"] = "SAMEORIGIN"
        return response

    headers = app.test_client().get("/test-own-policy").headers
    assert headers.getlist("Content-Security-Policy") == ["default-src 'none'"]
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers.getlist("X-Content-Type-Options") == ["nosniff"]


def test_security_headers_come_once_in_a_fixed_order(client: FlaskClient):
    names = [name for name, _value in client.get("/healthz").headers]
    assert names == [
        "Content-Type",
        "Content-Length",
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Cross-Origin-Resource-Policy",
        "Permissions-Policy",
        "Vary",
    ]
    assert client.get("/healthz").headers["Content-Security-Policy"] == CSP
