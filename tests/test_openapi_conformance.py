"""The OpenAPI document tells the truth: every request it calls valid is accepted.

schemathesis generates schema-valid requests only (positive data) for every operation and
holds each answer to ``positive_data_acceptance``: a 4xx refusal of a request the document
allows means the document lies (a header format, a document kind, a file type it does not
state). The agencies' endpoints get a live key; ids drawn at random name nothing, so 404 is
an acceptance there. The negative half lives in tests/test_fuzz.py.

One refusal is not the document's to prevent: the *bytes* of an uploaded file. The document
states each file part's media types (images; CSV or JSON Lines; a zip), but JSON Schema cannot
describe what a valid PNG or CSV holds, so a generated part of random bytes may be refused
(415/422) with errors naming only file parts. Every other refusal fails the test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance

from onboard.eligibility.ruleset import default_ruleset
from tests.conftest import make_app
from tests.test_fuzz import _document

pytestmark = pytest.mark.slow

#: Per operation (the suite's time budget); ONBOARD_CONFORMANCE_EXAMPLES=500 for a long hunt.
EXAMPLES = int(os.environ.get("ONBOARD_CONFORMANCE_EXAMPLES", "10"))

schema = schemathesis.openapi.from_dict(_document())
schema.config.generation.update(modes=[GenerationMode.POSITIVE])


@pytest.fixture(scope="module")
def conformance_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = make_app(
        Path(tmp_path_factory.mktemp("conformance")),
        ONBOARD_API_RATE_LIMIT="1000000 per minute",
        ONBOARD_JOB_THREADS=1,
    )
    yield app
    with app.app_context():
        from onboard.extensions import db  # noqa: PLC0415

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def api_key(conformance_app: Flask) -> str:
    from onboard.agencies import keys  # noqa: PLC0415
    from onboard.extensions import db  # noqa: PLC0415

    with conformance_app.app_context():
        agency = keys.create_agency("Conformance agency")
        _record, key = keys.create_key(agency, "conformance")
        db.session.commit()
    return key


#: Multipart parts that carry a file's bytes.
FILE_PARTS = frozenset({"file", "documents", *default_ruleset().document_kinds})


def _file_bytes_refused(response: Any) -> bool:
    if response.status_code not in (413, 415, 422):
        return False
    try:
        errors = response.json().get("errors") or {}
    except ValueError:
        return False
    names = {name.removeprefix("documents.") for name in errors}
    return bool(names) and names <= FILE_PARTS


def _key_used_before(response: Any) -> bool:
    """A batch's Idempotency-Key drawn again for another upload: refused because of an earlier
    request (state, like a 404 for an id that names nothing), not because of this one's form
    (422, as the IETF Idempotency-Key draft asks; tests/test_agencies.py holds it)."""
    if response.status_code != 422:
        return False
    try:
        errors = response.json().get("errors") or {}
    except ValueError:
        return False
    return list(errors) == ["Idempotency-Key"] and "different upload" in str(errors)


def accepts_valid_requests(ctx: Any, response: Any, case: Any) -> bool | None:
    """``positive_data_acceptance``, except for the bytes of a file part (see above) and a
    batch key drawn twice."""
    if _file_bytes_refused(response) or _key_used_before(response):
        return None
    return positive_data_acceptance(ctx, response, case)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
def test_every_valid_request_is_accepted(case: Any, conformance_app: Flask, api_key: str) -> None:
    headers = {"Authorization": f"Bearer {api_key}"}
    case.call_and_validate(
        app=conformance_app, headers=headers, checks=[not_a_server_error, accepts_valid_requests]
    )
