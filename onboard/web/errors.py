"""Errors for people and for programs, chosen by path: JSON under /api/, HTML elsewhere.

No answer ever carries a stack trace; unexpected exceptions are logged and answered 500.
Faults of the machine rather than the request are answered so that a client knows to come
back: the database out of reach or locked for too long is 503, a full disk while storing an
upload is 507, both with ``Retry-After``; nothing was half-written (the transaction rolls
back, the document store writes atomically).
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from marshmallow import Schema, fields
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    RequestEntityTooLarge,
    SecurityError,
    ServiceUnavailable,
)

from onboard import plaintext
from onboard.errors import InputError
from onboard.i18n import lang
from onboard.intake.schemas import flatten_errors
from onboard.jobs import JobsUnavailable
from onboard.storage import StorageError
from onboard.web import forms, texts

#: What a field refused for its control characters says (its page names the field).
CONTROL_MESSAGES = frozenset({plaintext.MESSAGE, plaintext.MULTI_LINE_MESSAGE})
#: Seconds a client is asked to wait before retrying after a 503 or 507.
RETRY_AFTER_SECONDS = 5
#: Where webargs (flask-smorest) files argument errors: ``{"query": {"limit": [...]}}``.
_LOCATIONS = frozenset({"json", "query", "querystring", "form", "files", "headers", "path"})


class InsufficientStorage(HTTPException):
    """507: the upload could not be written (disk full); the client may try again later."""

    code = 507
    description = "The file could not be stored right now (storage is full). Try again later."


class ErrorSchema(Schema):
    """The one shape of every API error (also flask-smorest's documented default error)."""

    status = fields.Integer(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "dotted field name -> messages"},
    )


def documents_errors(
    blp: Any, errors: dict[int, str]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator listing ``errors`` (status -> description) in the OpenAPI document of a
    view of ``blp``, all with the one error shape of :class:`ErrorSchema`."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        for status, description in errors.items():
            view = blp.alt_response(status, schema=ErrorSchema, description=description)(view)
        return view

    return decorate


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: str, errors: Any = None) -> Response:
    body: dict[str, Any] = {"status": status, "message": message}
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


def field_errors(messages: Any) -> dict[str, list[str]] | None:
    """Argument errors as the API's one shape, dotted field name -> messages; webargs nests
    them under the request location, which names no field and is dropped."""
    if not messages:
        return None
    if isinstance(messages, dict) and set(messages) <= _LOCATIONS:
        flat: dict[str, list[str]] = {}
        for nested in messages.values():
            for name, texts in flatten_errors(nested).items():
                flat.setdefault(name, []).extend(texts)
        return flat
    return flatten_errors(messages)


def _http_error(error: HTTPException) -> Response:
    """The error as JSON under /api/, as a page elsewhere; either way with the headers the
    error carries (``Retry-After`` of a 429 or 503, ``WWW-Authenticate`` of a 401)."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    if isinstance(error, SecurityError):  # an untrusted Host: no URL can be built, no page
        return Response(f"{status} {error.name}: unknown host.\n", status, mimetype="text/plain")
    if wants_json():
        message = data.get("message") or error.description or error.name
        response = json_error(
            status, str(message), field_errors(data.get("errors") or data.get("messages"))
        )
    else:
        response = current_app.make_response(
            (render_template("error.html", status=status, error=error), status)
        )
    for name, value in error.get_headers() or []:
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


def _input_error(error: InputError) -> Response | tuple[str, int]:
    if wants_json():
        return json_error(error.status, error.message, error.errors)
    control = [name for name, said in error.errors.items() if CONTROL_MESSAGES & set(said)]
    # The fields by their titles, never by their dotted names: Chinese titles on a Chinese
    # page, the form's labels on an English one (column_label keeps an agency's English
    # column names as written, which an applicant never saw).
    named = [
        texts.column_label(name) if lang() == "zh" else forms.field_label(name) or name
        for name in control
    ]
    page = render_template("error.html", status=error.status, error=error, fields=named)
    return page, error.status


def _unexpected(error: Exception) -> Response | tuple[str, int]:
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return _http_error(InternalServerError())


def _too_large(error: RequestEntityTooLarge) -> Response | tuple[str, int]:
    """Werkzeug does not say which limit a request broke: the answer names them all."""
    config = current_app.config
    error.description = (
        f"The request is too large: at most {config['MAX_CONTENT_LENGTH']} bytes in all, "
        f"{config['MAX_FORM_PARTS']} form parts, and {config['MAX_FORM_MEMORY_SIZE']} bytes "
        "in any form field that is not a file; each file must be smaller than 5 MiB."
    )
    return _http_error(error)


def _retry_later(error: HTTPException) -> Response | tuple[str, int]:
    answer = _http_error(error)
    response = current_app.make_response(answer)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


#: Driver messages that mean "the database is there but not answering now" (SQLite).
_TRANSIENT_SQLITE = ("database is locked", "unable to open database", "disk i/o error", "full")


def is_unavailable(error: DBAPIError) -> bool:
    """Whether a database error is the server being out of reach, busy or full (retry
    later) rather than a fault in the query (a bug: 500)."""
    if error.connection_invalidated:
        return True
    original = error.orig
    module = type(original).__module__
    if module.startswith("psycopg"):  # connection refused, server gone, shutting down
        import psycopg  # noqa: PLC0415

        return isinstance(original, psycopg.OperationalError)
    text = str(original).lower()
    return module == "sqlite3" and any(part in text for part in _TRANSIENT_SQLITE)


def _database_error(error: DBAPIError) -> Response | tuple[str, int]:
    if not is_unavailable(error):
        return _unexpected(error)
    current_app.logger.warning(
        "database unavailable on %s %s: %s", request.method, request.path, type(error.orig)
    )
    return _retry_later(
        ServiceUnavailable("The database is briefly unavailable. Nothing was saved; try again.")
    )


def _pool_timeout(error: PoolTimeoutError) -> Response | tuple[str, int]:
    current_app.logger.warning("database connection pool exhausted on %s", request.path)
    return _retry_later(ServiceUnavailable("The service is busy. Nothing was saved; try again."))


def _storage_error(error: StorageError) -> Response | tuple[str, int]:
    cause = error.__cause__
    full = isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT)
    current_app.logger.error("storage failed on %s %s: %s", request.method, request.path, error)
    if full:
        return _retry_later(InsufficientStorage())
    return _retry_later(
        ServiceUnavailable("The file store is briefly unavailable. Nothing was saved.")
    )


def _jobs_unavailable(error: Exception) -> Response | tuple[str, int]:
    """The broker (Redis for Celery) out of reach while handing over a job: nothing the
    client sent is lost (a stored batch is resumed by the stalled-batch sweep); come back."""
    current_app.logger.warning("job broker unavailable on %s: %s", request.path, error)
    return _retry_later(ServiceUnavailable("Background work is briefly unavailable; try again."))


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(InputError, _input_error)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(PoolTimeoutError, _pool_timeout)
    app.register_error_handler(StorageError, _storage_error)
    app.register_error_handler(JobsUnavailable, _jobs_unavailable)
    app.register_error_handler(Exception, _unexpected)
