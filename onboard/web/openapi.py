"""What the OpenAPI document says beyond what each view declares, in one place.

* Both ways of sending an agency's API key are declared (``securitySchemes``: a bearer token
  in ``Authorization``, or the ``X-API-Key`` header), and every operation that answers 401
  without one requires either: Swagger UI's Authorize button then works, and generated
  clients send the key.
* A nullable section (``"shop": null``) is ``nullable`` plus its schema: apispec writes it as
  ``anyOf: [any object, the schema]``, which would call every object valid, unknown fields
  and all (the schema refuses them).
* Every string parameter states that control characters are refused
  (:data:`onboard.plaintext.SINGLE_LINE_PATTERN`), as :mod:`onboard.security` refuses them:
  a request the document calls valid is accepted (tests/test_openapi_conformance.py).
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Api

from onboard.plaintext import SINGLE_LINE_PATTERN

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "bearerKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "An agency's API key: `Authorization: Bearer <key>`.",
    },
    "apiKeyHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "The same key in the `X-API-Key` header.",
    },
}
_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})


def finish(api: Api) -> None:
    """Complete ``api``'s document once its blueprints are registered."""
    spec = api.spec
    assert spec is not None
    for name, scheme in SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
    for component in spec.components.schemas.values():
        for name, prop in (component.get("properties") or {}).items():
            component["properties"][name] = _nullable_ref(prop)
    either: list[dict[str, list[str]]] = [{name: []} for name in SECURITY_SCHEMES]
    for item in spec._paths.values():
        for method, operation in item.items():
            if method not in _METHODS or not isinstance(operation, dict):
                continue
            if "401" in (operation.get("responses") or {}):
                operation.setdefault("security", either)
            for parameter in operation.get("parameters") or []:
                _plain_text(parameter.get("schema") if isinstance(parameter, dict) else None)


def _nullable_ref(prop: Any) -> Any:
    """``anyOf: [{type: object, nullable: true}, {$ref: X}]`` -> ``allOf: [{$ref: X}]``,
    nullable."""
    options = prop.get("anyOf") if isinstance(prop, dict) else None
    if not isinstance(options, list) or len(options) != 2:
        return prop
    loose, ref = options
    if loose == {"type": "object", "nullable": True} and set(ref) == {"$ref"}:
        rest = {key: value for key, value in prop.items() if key != "anyOf"}
        return {**rest, "allOf": [ref], "nullable": True}
    return prop


def _plain_text(schema: Any) -> None:
    if not isinstance(schema, dict) or schema.get("type") != "string":
        return
    if not {"enum", "format", "pattern"} & set(schema):
        schema["pattern"] = SINGLE_LINE_PATTERN
