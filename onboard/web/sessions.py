"""The session cookie: Flask's signed cookie, opened only when the request carries one."""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, unchanged, but cheaper for a request without the cookie
    (every API call, every first visit): Flask builds the signing serializer, which encodes a
    test value to learn its type, before it even looks for the cookie."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
