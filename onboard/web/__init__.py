"""The web adapters: one blueprint per audience, and the error pages they share."""

from __future__ import annotations

from flask import Flask

from onboard.extensions import api, csrf


def register(app: Flask) -> None:
    """Bind the extensions and blueprints to ``app``."""
    from onboard import i18n  # noqa: PLC0415
    from onboard.web import apiv1, errors, pages  # noqa: PLC0415
    from onboard.web import apply as applicant  # noqa: PLC0415

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
    app.register_blueprint(apiv1.assets)
    app.register_blueprint(pages.bp)
    app.register_blueprint(applicant.bp)
    i18n.init_app(app)
    # Agencies authenticate with keys, not cookies: no CSRF token on the JSON API.
    csrf.init_app(app)
    csrf.exempt(apiv1.blp)
    # After api.init_app: flask-smorest answers every HTTP error with JSON; ours chooses by
    # path, so applicants get HTML pages and agencies JSON.
    errors.register(app)
