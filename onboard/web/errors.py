"""Errors for people and for programs, chosen by path: JSON under /api/, HTML elsewhere.

No answer ever carries a stack trace; unexpected exceptions are logged and answered 500.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException, InternalServerError

from onboard.errors import InputError


class ErrorSchema(Schema):
    """The one shape of every API error (also flask-smorest's documented default error)."""

    status = fields.Integer(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "dotted field name -> messages"},
    )


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: str, errors: Any = None) -> Response:
    body: dict[str, Any] = {"status": status, "message": message}
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


def _http_error(error: HTTPException) -> Response | tuple[str, int]:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    if wants_json():
        message = data.get("message") or error.description or error.name
        response = json_error(status, str(message), data.get("errors") or data.get("messages"))
        for name, value in error.get_headers() or []:
            if name.lower() not in ("content-type", "content-length"):
                response.headers[name] = value
        return response
    return render_template("error.html", status=status, error=error), status


def _input_error(error: InputError) -> Response | tuple[str, int]:
    if wants_json():
        return json_error(error.status, error.message, error.errors)
    return render_template("error.html", status=error.status, error=error), error.status


def _unexpected(error: Exception) -> Response | tuple[str, int]:
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return _http_error(InternalServerError())


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InputError, _input_error)
    app.register_error_handler(Exception, _unexpected)
