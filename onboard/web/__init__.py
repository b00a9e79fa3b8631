"""The web adapters: one blueprint per audience, and the error pages they share."""

from __future__ import annotations

from flask import Flask, request

from onboard import auth, i18n, security
from onboard.eligibility import problems
from onboard.eligibility.ruleset import default_ruleset
from onboard.extensions import api, csrf, limiter
from onboard.usecases import privacy
from onboard.web import (
    agency_api,
    agency_desk,
    agency_portal,
    apiv1,
    desk,
    errors,
    openapi,
    pages,
)
from onboard.web import apply as applicant
from onboard.web.sessions import CookieSessions

#: Blueprints with no rate limit on any view: the public pre-screening API (``web.apiv1``),
#: the landing page and the health probe (``web.pages``). A blueprint given a limit must
#: leave this set (tests/test_request_overhead.py checks).
UNLIMITED_BLUEPRINTS = frozenset({"api", "pages"})


@limiter.request_filter
def _unlimited() -> bool:
    """Spare the requests no limit applies to Flask-Limiter's search for their limits, which
    cost about as much as the rest of a health check. The desk login and the agencies' API
    are limited and still checked. (A filter, registered once: ``limiter`` outlives apps.)"""
    return request.blueprint in UNLIMITED_BLUEPRINTS


def _file_size_limit() -> dict[str, str]:
    """The upload size limit as pages name it ("5 MB"), from the rule set in force: the same
    words as the refusal of a file too large (``eligibility.problems``)."""
    return {"file_size_limit": problems.size_limit(default_ruleset())}


def register(app: Flask) -> None:
    """Bind the extensions and blueprints to ``app``."""
    app.session_interface = CookieSessions()
    app.config.setdefault("API_TITLE", "onboard")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", "docs")
    # Served from the swagger-ui-bundle wheel: no CDN, works offline.
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", "/api/v1/swagger-ui/")
    api.ERROR_SCHEMA = errors.ErrorSchema
    api.init_app(app)
    api.register_blueprint(apiv1.blp)
    api.register_blueprint(agency_api.blp)
    openapi.finish(api)
    app.register_blueprint(apiv1.assets)
    app.register_blueprint(pages.bp)
    app.register_blueprint(applicant.bp)
    app.register_blueprint(desk.bp)
    app.register_blueprint(agency_desk.bp)
    app.register_blueprint(agency_portal.bp)
    auth.init_app(app, login_view="desk.login")
    limiter.init_app(app)
    i18n.init_app(app)
    # Agencies authenticate with keys, not cookies: no CSRF token on the JSON API.
    csrf.init_app(app)
    csrf.exempt(apiv1.blp)
    csrf.exempt(agency_api.blp)
    # After api.init_app: flask-smorest answers every HTTP error with JSON; ours chooses by
    # path, so applicants get HTML pages and agencies JSON.
    errors.register(app)
    app.context_processor(_file_size_limit)
    # Security headers on every answer; personal numbers masked in every log line.
    security.init_app(app)
    privacy.init_app(app)
