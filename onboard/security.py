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
* Production (``ONBOARD_ENV=production``): HSTS, and no debug mode, ever; requests naming a
  ``Host`` other than ``ONBOARD_BASE_URL``'s (or ``ONBOARD_TRUSTED_HOSTS``) are refused (400,
  Flask's ``TRUSTED_HOSTS``).

And what every request must be before a view sees it, in one place each:

* **Text is text**: NUL and the other control characters (C0 except tab, line feed and
  carriage return, DEL, C1) in a form field, a query argument or any string of a JSON body are
  a 422 naming the field (:func:`refuse_control_characters`); the application schema refuses
  even tab and line breaks in its single-line fields.
* **JSON nests at most** :data:`onboard.intake.jsontext.MAX_DEPTH` levels: deeper is a 400, checked
  on the raw body before any parser recurses (:class:`SafeJSONProvider` for Flask's parser,
  the same check before webargs reads a body).
* **Numbers in paths are ids of the database's integer range**: the ``int`` converter of every
  route stops at :data:`onboard.bounds.DB_INT_MAX`, so a larger id is a 404 like any unknown
  id (see :mod:`onboard.bounds` for numbers in query strings, forms and schemas).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter, Map

from onboard import plaintext
from onboard.bounds import DB_INT_MAX
from onboard.config import ConfigError
from onboard.errors import InputError
from onboard.intake.jsontext import TooDeep, check_depth
from onboard.plaintext import has_control

CONTROL_MESSAGE = plaintext.MULTI_LINE_MESSAGE

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


# --- text, JSON and numbers --------------------------------------------------------------


def _json_controls(value: Any, path: str, found: dict[str, list[str]]) -> None:
    if isinstance(value, str):
        if has_control(value, multi_line=True):
            found[path or "_schema"] = [CONTROL_MESSAGE]
    elif isinstance(value, Mapping):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if has_control(str(key), multi_line=True):
                found[path or "_schema"] = [CONTROL_MESSAGE]
            _json_controls(item, name, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _json_controls(item, f"{path}.{index}" if path else str(index), found)


def refuse_control_characters(
    values: MultiDict[str, Any] | Any, *, multi_line: bool = True, json: bool = False
) -> None:
    """Raise a 422 :class:`InputError` naming every field of ``values`` (a form, a query
    string, or with ``json`` any JSON value) whose text holds a control character."""
    found: dict[str, list[str]] = {}
    if json:
        _json_controls(values, "", found)
    else:
        for name, value in values.items(multi=True):
            if isinstance(value, str) and has_control(value, multi_line=multi_line):
                found["_schema" if has_control(name) else name] = [CONTROL_MESSAGE]
    if found:
        raise InputError(found)


class IdConverter(IntegerConverter):
    """Flask's ``int`` converter bounded by :data:`DB_INT_MAX`: a larger id does not match
    the route, so it is a 404 like any id that does not exist (never an OverflowError)."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, DB_INT_MAX if max is None else max, signed)


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON with a nesting limit before the parser recurses (a 400, not a
    RecursionError). Keeps the app's output settings (key order, UTF-8)."""

    sort_keys = False
    ensure_ascii = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        check_depth(s)
        return super().loads(s, **kwargs)


def _check_request() -> None:
    """Refuse what no view should see: deep or control-laden JSON, control characters in
    forms and query strings."""
    if request.args:
        refuse_control_characters(request.args, multi_line=False)
    if request.is_json:
        # A JSON body is held in memory whole: the form-field limit applies (as for forms).
        limit = current_app.config.get("MAX_FORM_MEMORY_SIZE")
        if limit and (request.max_content_length or limit) > limit:
            request.max_content_length = limit
        try:
            check_depth(request.get_data(cache=True))
        except TooDeep as exc:
            raise InputError({"_schema": [f"The JSON body is {exc}."]}, status=400) from None
        data = request.get_json(silent=True)
        if data is not None:
            refuse_control_characters(data, json=True)
    elif request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        refuse_control_characters(request.form)


def install_input_guards(app: Flask) -> None:
    """The converter and JSON provider must be in place before routes are added."""
    app.url_map.converters["int"] = IdConverter
    app.json = SafeJSONProvider(app)


def init_app(app: Flask) -> None:
    """Add the headers to every answer; refuse debug mode in production (the debugger runs
    code from the browser, and its pages show source and secrets)."""
    production = app.config.get("ONBOARD_ENV") == "production"
    if production and (app.debug or app.config.get("DEBUG")):
        raise ConfigError("debug mode is not allowed when ONBOARD_ENV=production")
    if production:
        app.config["PROPAGATE_EXCEPTIONS"] = False
        app.config["TRAP_HTTP_EXCEPTIONS"] = False

    app.before_request(_check_request)

    @app.after_request
    def secure_headers(response: Response) -> Response:
        return _secure_headers(response, production=production)
