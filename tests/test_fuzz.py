"""The JSON API fuzzed from its own OpenAPI document (schemathesis, in process over WSGI).

Every operation the document lists is called with generated requests, schema-valid and
schema-breaking ones (bounded: ``FUZZ_EXAMPLES`` per operation and mode), and every answer is
held to the document: no 5xx, a status code the operation documents, a body that matches the
documented schema for that status, a documented content type and headers. The agencies'
endpoints are called with a live API key, so the fuzzer gets past authentication.

``ONBOARD_FUZZ_EXAMPLES`` raises the bound for a longer hunt (e.g. 500 before a release).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from onboard import create_app
from tests.conftest import make_app

pytestmark = pytest.mark.slow

FUZZ_EXAMPLES = int(os.environ.get("ONBOARD_FUZZ_EXAMPLES", "100"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    # No OCR (the image parts are random bytes anyway) and a rate limit the fuzzer never
    # reaches: the limits have their own tests; here they would only hide deeper answers.
    app = make_app(
        Path(tmp_path_factory.mktemp("fuzz")),
        ONBOARD_API_RATE_LIMIT="1000000 per minute",
        ONBOARD_JOB_THREADS=1,
    )
    yield app
    with app.app_context():
        from onboard.extensions import db  # noqa: PLC0415

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def api_key(fuzz_app: Flask) -> str | None:
    """A live key of a fuzzing agency, when the agencies' API is installed."""
    try:
        from onboard.agencies import keys  # noqa: PLC0415
    except ImportError:  # pragma: no cover — the agencies' API is optional to this test
        return None
    from onboard.extensions import db  # noqa: PLC0415

    with fuzz_app.app_context():
        agency = keys.create_agency("Fuzzing agency")
        _record, key = keys.create_key(agency, "fuzz")
        db.session.commit()
    return key


def _document() -> dict[str, Any]:
    """The OpenAPI document as the app serves it (an app without a database is enough), read
    at collection so that each operation is a test of its own, spread over the workers."""
    with tempfile.TemporaryDirectory() as data:
        app = create_app(
            {
                "TESTING": True,
                "ONBOARD_DATA_DIR": data,
                "DATABASE_URL": f"sqlite:///{data}/openapi.db",
                "SECRET_KEY": "openapi",
            }
        )
        document: dict[str, Any] = app.test_client().get("/api/v1/openapi.json").json
        with app.app_context():
            from onboard.extensions import db  # noqa: PLC0415

            db.engine.dispose()
    return document


# Batch uploads may come as a bare CSV or JSON Lines body: plain text on the wire.
schemathesis.serializer.alias(["application/jsonl", "text/csv"], "text/plain")
schema = schemathesis.openapi.from_dict(_document())


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_conforms_to_the_document(
    case: Any, fuzz_app: Flask, api_key: str | None
) -> None:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else None
    case.call_and_validate(app=fuzz_app, headers=headers, checks=CHECKS)


def test_the_document_lists_the_contract_endpoints(fuzz_app: Flask) -> None:
    """The fuzzer only reaches what the document lists: CONTRACT.md's endpoints must be there,
    each with its errors documented in the one error shape."""
    document = fuzz_app.test_client().get("/api/v1/openapi.json").json
    paths = document["paths"]
    for path, method in [
        ("/api/v1/prescreen", "post"),
        ("/api/v1/ocr/license", "post"),
        ("/api/v1/rules", "get"),
        ("/api/v1/categories", "get"),
    ]:
        assert method in paths[path], path
    prescreen = paths["/api/v1/prescreen"]["post"]["responses"]
    assert {"200", "400", "413", "415", "422", "503"} <= set(prescreen)
    assert "200" in paths["/api/v1/rules"]["get"]["responses"]
    multipart = paths["/api/v1/prescreen"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert multipart["encoding"]["application"]["contentType"] == "application/json"
