"""HTTP security headers on every answer, and the production guards that go with them.

One ``after_request`` instead of flask-talisman: onboard needs no HTTPS redirect (the proxy in
front terminates TLS) and its policies differ by route, which a dozen lines say plainly.

* Every page: a Content-Security-Policy with no ``'unsafe-inline'`` (scripts and styles come
  from ``/static`` only, the templates carry neither), ``frame-ancestors 'none'``; ``nosniff``;
  a referrer policy; no framing; cross-origin isolation of windows and resources.
* ``/api/v1/docs`` (Swagger UI, from flask-smorest's template with an inline bootstrap script
  and styles): the same policy with inline script and style allowed, on that route only.
* Routes that set their own policy keep it (a stored document is ``default-src 'none';
  sandbox``; a batch report has its styles inline).
* Production (``ONBOARD_ENV=production``): HSTS, and no debug mode, ever.
"""

from __future__ import annotations

from flask import Flask, Response, request

from onboard.config import ConfigError

#: The policy of every page the app renders.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
#: Swagger UI bootstraps itself with an inline script and inline styles.
DOCS_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
DOCS_PATH = "/api/v1/docs"
#: Two years, subdomains included: what HSTS preload lists ask for.
HSTS = "max-age=63072000; includeSubDomains"
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def _secure_headers(response: Response, *, production: bool) -> Response:
    policy = DOCS_CSP if request.path.rstrip("/") == DOCS_PATH else CSP
    wanted = [("Content-Security-Policy", policy), *HEADERS.items()]
    if production:
        wanted.append(("Strict-Transport-Security", HSTS))
    # What ``headers.setdefault`` does for each, with one look at the headers instead of a
    # search (and a KeyError raised and caught) per header missing: this runs on every answer.
    present = {name.lower() for name, _value in response.headers}
    for name, value in wanted:
        if name.lower() not in present:
            response.headers.add(name, value)
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every answer; refuse debug mode in production (the debugger runs
    code from the browser, and its pages show source and secrets)."""
    production = app.config.get("ONBOARD_ENV") == "production"
    if production and (app.debug or app.config.get("DEBUG")):
        raise ConfigError("debug mode is not allowed when ONBOARD_ENV=production")
    if production:
        app.config["PROPAGATE_EXCEPTIONS"] = False
        app.config["TRAP_HTTP_EXCEPTIONS"] = False

    @app.after_request
    def secure_headers(response: Response) -> Response:
        return _secure_headers(response, production=production)
