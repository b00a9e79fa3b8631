"""The session cookies: Flask's signed cookie, one per part of the site, opened only when the
request carries it.

The reviewers' desk (``/desk/``), the agencies' portal (``/agency/``) and the rest (the
applicant's form) each have a cookie of their own, with its own name, its own ``Path`` and its
own signing salt. So logging out of one leaves the others alone (one browser may hold a desk
and a portal login at once), and a portal cookie can never be read as a desk session: copied
under the desk's name, its signature does not verify and the desk sees no session at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer


@dataclass(frozen=True, slots=True)
class Area:
    """A part of the site with a session of its own."""

    cookie: str
    path: str
    salt: str


DESK = Area("onboard_desk", "/desk", "onboard-desk-session")
PORTAL = Area("onboard_agency", "/agency", "onboard-agency-session")
#: The applicant's form and every other page (Flask's own cookie name and salt).
SITE = Area("session", "/", "cookie-session")
AREAS = (DESK, PORTAL)


def area_of(path: str) -> Area:
    """The area a request path belongs to (``/desk`` and ``/desk/…``, not ``/desktop``)."""
    for area in AREAS:
        if path == area.path or path.startswith(area.path + "/"):
            return area
    return SITE


class AreaSession(SecureCookieSession):
    """A session that remembers which area's cookie it was read from (and goes back to)."""

    area: Area = SITE


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, one cookie per :class:`Area`, and cheaper for a request
    without the cookie (every API call, every first visit): Flask builds the signing
    serializer, which encodes a test value to learn its type, before it even looks for the
    cookie."""

    session_class = AreaSession

    def _serializer(self, app: Flask, area: Area) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        return URLSafeTimedSerializer(
            app.secret_key,
            salt=area.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )

    def open_session(self, app: Flask, request: Request) -> AreaSession | None:
        if not app.secret_key:
            return None
        area = area_of(request.path)
        value = request.cookies.get(area.cookie)
        session = self._read(app, area, value) if value else AreaSession()
        session.area = area
        return session

    def _read(self, app: Flask, area: Area, value: str) -> AreaSession:
        signer = self._serializer(app, area)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            return AreaSession(signer.loads(value, max_age=max_age) if signer else {})
        except BadSignature:  # another area's cookie, a forged or an expired one: no session
            return AreaSession()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        area = session.area if isinstance(session, AreaSession) else SITE
        domain = self.get_cookie_domain(app)
        secure = self.get_cookie_secure(app)
        samesite = self.get_cookie_samesite(app)
        httponly = self.get_cookie_httponly(app)
        if session.accessed:
            response.vary.add("Cookie")
        if not session:
            if session.modified:  # emptied (a logout): delete this area's cookie only
                response.delete_cookie(
                    area.cookie,
                    domain=domain,
                    path=area.path,
                    secure=secure,
                    samesite=samesite,
                    httponly=httponly,
                )
                response.vary.add("Cookie")
            return
        if not self.should_set_cookie(app, session):
            return
        signer = self._serializer(app, area)
        assert signer is not None  # open_session made no session without a key
        response.vary.add("Cookie")
        response.set_cookie(
            area.cookie,
            signer.dumps(dict(session)),
            expires=self.get_expiration_time(app, session),
            httponly=httponly,
            domain=domain,
            path=area.path,
            secure=secure,
            samesite=samesite,
        )
