"""The pre-screen answer is written from the report's own dict, not dumped through
``ReportSchema`` (which still documents it): proof that nothing changes, over many reports.

``ReportSchema().dump(body)`` is what flask-smorest's ``@blp.response`` used to send; the view
now sends ``body`` itself. The two must agree in keys, key order and values for every report
the engine can make, with and without ``?explain``, with document evidence (numbers, nested
OCR readings) or none.
"""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from onboard.eligibility.engine import evaluate
from onboard.eligibility.model import (
    Correction,
    DocumentFacts,
    Evidence,
    ImageQuality,
    LicenseReading,
)
from onboard.eligibility.ruleset import RuleSet
from onboard.errors import InputError
from onboard.intake.schemas import parse_application
from onboard.usecases.prescreen import choose_ruleset, prescreen
from onboard.web.apiv1 import ReportSchema, report_body
from tests import imagefactory
from tests.benchmarks import datagen

PRESCREEN = "/api/v1/prescreen"


def _applications(n: int, seed: int, *, documents: bool = True) -> list[dict[str, Any]]:
    return [
        data
        for intent, data in datagen.applications(n, seed=seed, documents=documents)
        if intent != "malformed"
    ]


def _evidence(number: int) -> Evidence:
    """Document facts and an OCR reading as adapters make them: sizes, measured floats (some
    tiny, where JSON encoders differ most), a problem with its detail, nested corrections."""
    sharpness = [312.5, 0.04, 12.0, 1e-05][number % 4]
    return Evidence(
        documents={
            "legal_rep_id": DocumentFacts(
                "legal_rep_id",
                2_000 + number,
                "PNG",
                width=900,
                height=600,
                quality=ImageQuality(sharpness, [0.0, 0.25, 3e-05][number % 3]),
            ),
            "business_license": DocumentFacts(
                "business_license", 10, problem="unsupported_format", detail="GIF"
            ),
        },
        license_reading=LicenseReading(
            status=["ok", "corrected", "ambiguous", "unreadable"][number % 4],
            license_number=None if number % 2 else "91440300MA5FXXXXXX",
            valid=number % 2 == 0,
            raw="9144O300MA5FXXXXXX",
            corrections=(Correction(5, "O", "0"),),
            candidates=("91440300MA5FXXXXXX",) if number % 3 == 0 else (),
            confidence=[0.97, 3.2e-05, 1.0][number % 3],
            seconds=[0.21, 7e-06][number % 2],
        ),
    )


def _ordered(data: Any) -> str:
    """JSON text that tells key order apart (``==`` on dicts does not)."""
    return json.dumps(data, ensure_ascii=False)


@pytest.mark.parametrize("seed", [datagen.SEED, datagen.SEED + 7])
def test_report_body_is_what_report_schema_dumps(ruleset: RuleSet, seed: int):
    schema = ReportSchema()
    checked = 0
    for number, data in enumerate(_applications(400, seed)):
        try:
            application = parse_application(data, ruleset=ruleset)
        except InputError:  # a spoiled application the schema refuses: no report to answer
            continue
        for evidence in (None, _evidence(number)):
            report = evaluate(application, ruleset, as_of=application.as_of, evidence=evidence)
            for explain in (False, True):
                body = report_body(report, application, ruleset, explain=explain)
                dumped = schema.dump(body)
                assert dumped == body
                assert _ordered(dumped) == _ordered(body)
                checked += 1
    assert checked > 1_000


def _expected_answer(app: Flask, data: dict[str, Any], *, explain: bool) -> bytes:
    """What flask-smorest wrote before: the report dumped by ReportSchema, then jsonify."""
    with app.app_context():
        application = parse_application(data)
        ruleset = choose_ruleset(None, date.today())
        report = prescreen(application, ruleset=ruleset, as_of=date.today(), read_license=False)
        body = ReportSchema().dump(report_body(report, application, ruleset, explain=explain))
        return app.json.response(body).get_data()


def test_prescreen_answers_byte_for_byte_as_the_schema_dump(app: Flask, client: FlaskClient):
    for number, data in enumerate(_applications(200, datagen.SEED + 11, documents=False)):
        explain = number % 2 == 1
        response = client.post(PRESCREEN + ("?explain=true" if explain else ""), json=data)
        if response.status_code == 422:  # refused by the schema: not a report
            continue
        assert response.status_code == 200, response.json
        assert response.mimetype == "application/json"
        assert response.get_data() == _expected_answer(app, data, explain=explain)


def test_prescreen_with_documents_answers_the_schema_dump(app: Flask, client: FlaskClient):
    """Uploaded documents bring measured numbers into the checks' evidence."""
    data = _applications(5, datagen.SEED + 12)[0]
    data.pop("documents", None)
    response = client.post(
        PRESCREEN,
        data={
            "application": json.dumps(data, ensure_ascii=False),
            "legal_rep_id": (io.BytesIO(imagefactory.jpeg(900, 600)), "id.jpg"),
            "business_license": (io.BytesIO(b"GIF89a" + b"\0" * 64), "license.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.json
    answer = json.loads(response.get_data())
    assert any("evidence" in check for check in answer["checks"])
    assert _ordered(ReportSchema().dump(answer)) == _ordered(answer)
    assert response.get_data() == app.json.response(answer).get_data()


def test_openapi_still_documents_the_report_and_the_query(client: FlaskClient):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/prescreen"]["post"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/Report"}
    assert set(spec["components"]["schemas"]["Report"]["properties"]) == {
        "verdict",
        "route",
        "rules_version",
        "as_of",
        "checks",
        "changes",
    }
    query = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    assert query == {"rules_version", "explain"}
    rules = spec["paths"]["/api/v1/rules"]["get"]
    assert {p["name"] for p in rules["parameters"] if p["in"] == "query"} == {"rules_version"}


def test_query_errors_still_name_the_argument(client: FlaskClient):
    """The query schemas are built once now (instances, not classes); errors are unchanged."""
    response = client.post(PRESCREEN + "?explain=maybe", json={})
    assert response.status_code == 422
    assert response.json["errors"] == {"explain": ["Not a valid boolean."]}
    assert client.get("/api/v1/rules?rules_version=1999.1").status_code == 404
    assert client.post(PRESCREEN + "?explain=true&explain=false", json={}).status_code == 200
