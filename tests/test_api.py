"""The JSON API of CONTRACT.md: status codes, JSON errors everywhere under /api/, OpenAPI."""

from __future__ import annotations

import io
import json

import pytest
from flask import Flask
from PIL import Image

from onboard.eligibility.model import Correction, LicenseReading
from onboard.intake.schemas import application_to_dict
from onboard.web.apiv1 import LicenseReadingSchema
from tests.factories import change, eligible


def png(width: int = 64, height: int = 48) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def eligible_json(platform: str = "amazon") -> dict:
    return application_to_dict(eligible(platform))


def test_prescreen_json_eligible(client):
    response = client.post("/api/v1/prescreen", json=eligible_json())
    assert response.status_code == 200, response.json
    body = response.json
    assert body["verdict"] == "eligible"
    assert body["route"] == "standard"
    assert body["as_of"] == "2026-11-22"
    assert {c["code"] for c in body["checks"]} >= {"store.rating", "entity.license_number"}
    check = body["checks"][0]
    assert set(check) >= {"code", "status", "field", "expected", "actual", "message"}
    assert set(check["message"]) == {"en", "zh"}


def test_prescreen_json_ineligible_names_the_failure(client):
    data = application_to_dict(change(eligible(), store__rating=3.9))
    body = client.post("/api/v1/prescreen", json=data).json
    assert body["verdict"] == "ineligible"
    rating = next(c for c in body["checks"] if c["code"] == "store.rating")
    assert (rating["status"], rating["field"], rating["expected"], rating["actual"]) == (
        "fail",
        "store.rating",
        ">= 4.0",
        "3.9",
    )


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"store": {"rating": "4.5"}}, "store.rating"),
        ({"store": {"rating": True}}, "store.rating"),
        ({"store": {"opened_on": "2025/03/01"}}, "store.opened_on"),
        ({"store": {"colour": "red"}}, "store.colour"),
        ({"shop": {"main_category": "spaceships"}}, "shop.main_category"),
        ({"hobby": "golf"}, "hobby"),
    ],
)
def test_prescreen_bad_field_is_422_naming_it(client, patch, field):
    data = eligible_json()
    for section, values in patch.items():
        if isinstance(values, dict):
            data[section].update(values)
        else:
            data[section] = values
    response = client.post("/api/v1/prescreen", json=data)
    assert response.status_code == 422
    assert response.mimetype == "application/json"
    assert field in response.json["errors"], response.json


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("[1, 2]", "application/json", 422),
        ("hello", "text/plain", 415),
    ],
)
def test_prescreen_malformed_bodies(client, body, content_type, status):
    response = client.post("/api/v1/prescreen", data=body, content_type=content_type)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert "errors" in response.json and "Traceback" not in response.text


def test_prescreen_multipart_inspects_each_file(client):
    data = eligible_json()
    response = client.post(
        "/api/v1/prescreen",
        data={
            "application": json.dumps(data),
            "legal_rep_id": (io.BytesIO(png(900, 600)), "id.png"),
            "gmv_screenshot": (io.BytesIO(b"GIF89a" + b"\0" * 64), "gmv.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.json
    checks = response.json["checks"]
    formats = {c["field"]: c["status"] for c in checks if c["code"] == "document.format"}
    assert formats == {"documents.legal_rep_id": "pass", "documents.gmv_screenshot": "fail"}
    gif = next(
        c
        for c in checks
        if c["field"] == "documents.gmv_screenshot" and c["code"] == "document.format"
    )
    assert "GIF" in gif["message"]["en"]


def test_prescreen_multipart_errors(client):
    response = client.post(
        "/api/v1/prescreen",
        data={"legal_rep_id": (io.BytesIO(png()), "id.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "application" in response.json["errors"]
    response = client.post(
        "/api/v1/prescreen",
        data={"application": json.dumps(eligible_json()), "selfie": (io.BytesIO(png()), "me.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "documents.selfie" in response.json["errors"]


def test_oversized_request_is_413_json(app: Flask):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    client = app.test_client()
    response = client.post(
        "/api/v1/prescreen",
        data={"application": "{}", "legal_rep_id": (io.BytesIO(b"\0" * 20_000), "id.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert response.mimetype == "application/json"


def test_future_rules_version_and_unknown_version(client, ruleset):
    ok = client.post(f"/api/v1/prescreen?rules_version={ruleset.version}", json=eligible_json())
    assert ok.status_code == 200 and ok.json["rules_version"] == ruleset.version
    missing = client.post("/api/v1/prescreen?rules_version=1999.1", json=eligible_json())
    assert missing.status_code == 404 and "rules_version" in missing.json["errors"]


def test_rules_and_categories(client, ruleset):
    rules = client.get("/api/v1/rules").json
    assert rules["rules_version"] == ruleset.version
    assert len(rules["rules"]) == len(ruleset.rules)
    categories = client.get("/api/v1/categories").json["categories"]
    ids = {c["id"] for c in categories}
    assert {"jewelry", "kitchenware", "home_supplies"} <= ids
    assert all(c["en"] and c["zh"] for c in categories)


def test_openapi_document_and_swagger_ui(client):
    spec = client.get("/api/v1/openapi.json").json
    assert {
        "/api/v1/prescreen",
        "/api/v1/rules",
        "/api/v1/categories",
        "/api/v1/ocr/license",
    } <= set(spec["paths"])
    assert "Application" in json.dumps(spec["components"])
    ui = client.get("/api/v1/docs")
    assert ui.status_code == 200 and b"swagger" in ui.data.lower()
    asset = client.get("/api/v1/swagger-ui/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()


def test_errors_are_json_under_api_and_html_elsewhere(client):
    api_404 = client.get("/api/v1/nothing-here")
    assert api_404.status_code == 404 and api_404.mimetype == "application/json"
    assert api_404.json["status"] == 404
    api_405 = client.get("/api/v1/prescreen")
    assert api_405.status_code == 405 and api_405.mimetype == "application/json"
    page_404 = client.get("/nothing-here")
    assert page_404.status_code == 404 and page_404.mimetype == "text/html"
    assert "页面不存在" in page_404.text


def test_unexpected_errors_are_500_without_a_trace(app: Flask):
    @app.get("/api/v1/_boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    @app.get("/_boom")
    def boom_page() -> str:
        raise RuntimeError("secret internals")

    client = app.test_client()
    for path, mimetype in (("/api/v1/_boom", "application/json"), ("/_boom", "text/html")):
        response = client.get(path)
        assert response.status_code == 500 and response.mimetype == mimetype
        assert "secret internals" not in response.text and "Traceback" not in response.text


def test_ocr_endpoint_refuses_non_images(client):
    response = client.post(
        "/api/v1/ocr/license",
        data={"file": (io.BytesIO(b"%PDF-1.7\n..."), "license.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "file" in response.json["errors"]
    missing = client.post("/api/v1/ocr/license", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "file" in missing.json["errors"]


def test_landing_page(client):
    page = client.get("/")
    assert page.status_code == 200 and "TikTok Shop" in page.text
    assert "store.rating" not in page.text  # sellers read rule titles; codes are the API's


def test_the_ocr_answer_keeps_each_corrections_as():
    """The response schema dumps the reading's JSON as CONTRACT.md spells it ("as", not "as_")."""
    reading = LicenseReading(
        status="corrected",
        license_number="91440300MA5FXXXXXX",
        valid=True,
        raw="9144O300MA5FXXXXXX",
        corrections=(Correction(5, "O", "0"),),
    )
    dumped = LicenseReadingSchema().dump(reading.to_dict())
    assert dumped["corrections"] == [{"position": 5, "read": "O", "as": "0"}]
