"""The JSON API for agencies and programs (CONTRACT.md "HTTP"), documented by OpenAPI.

Views only translate: request -> plain data -> the core -> JSON. Parsing errors are raised as
:class:`InputError` and answered by ``web.errors`` with one JSON shape.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import swagger_ui_bundle
from flask import Blueprint, Response, current_app, jsonify, request, send_from_directory
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema, fields
from werkzeug.datastructures import FileStorage

from onboard.agencies import samples
from onboard.documents import inspect_document
from onboard.eligibility.model import Application, Report
from onboard.eligibility.problems import document_problem
from onboard.eligibility.remedies import changes_for
from onboard.eligibility.ruleset import RuleSet, default_ruleset
from onboard.errors import InputError
from onboard.intake import jsontext
from onboard.intake.schemas import ApplicationSchema, parse_application
from onboard.plaintext import SINGLE_LINE_PATTERN as NO_CONTROL
from onboard.usecases.evidence import UNKNOWN_KIND
from onboard.usecases.prescreen import choose_ruleset, prescreen
from onboard.web.errors import ErrorSchema, documents_errors

blp = ApiBlueprint(
    "api", __name__, url_prefix="/api/v1", description="Pre-screening for agencies and programs"
)
assets = Blueprint("swagger_assets", __name__)


@assets.get("/api/v1/swagger-ui/<path:filename>")
def swagger_asset(filename: str) -> ResponseReturnValue:
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)


# --- answer schemas (documentation and serialisation of what the core returns) -------------


class TextsSchema(Schema):
    en = fields.String(required=True)
    zh = fields.String(required=True)


class CheckSchema(Schema):
    code = fields.String(required=True)
    status = fields.String(
        required=True, metadata={"enum": ["pass", "fail", "missing", "review", "n/a"]}
    )
    field = fields.String(required=True)
    expected = fields.String(allow_none=True)
    actual = fields.String(allow_none=True)
    message = fields.Nested(TextsSchema, required=True)
    evidence = fields.Dict(keys=fields.String())
    expected_text = fields.Nested(
        TextsSchema, metadata={"description": "`expected` as people read it, in en and zh"}
    )
    actual_text = fields.Nested(
        TextsSchema, metadata={"description": "`actual` as people read it, in en and zh"}
    )


class ReportSchema(Schema):
    verdict = fields.String(
        required=True, metadata={"enum": ["eligible", "ineligible", "incomplete", "review"]}
    )
    route = fields.String(required=True, metadata={"enum": ["standard", "invitation"]})
    rules_version = fields.String(required=True)
    as_of = fields.String(required=True, metadata={"format": "date"})
    checks = fields.List(fields.Nested(CheckSchema), required=True)
    changes = fields.List(
        fields.Dict(),
        metadata={"description": "with ?explain=true: what must change for it to pass"},
    )


class CorrectionSchema(Schema):
    position = fields.Integer(required=True)
    read = fields.String(required=True)
    as_ = fields.String(required=True, data_key="as", attribute="as")


class FieldReadingSchema(Schema):
    value = fields.String(allow_none=True, required=True)
    status = fields.String(required=True, metadata={"enum": ["ok", "uncertain", "unreadable"]})
    confidence = fields.Float(required=True)


class LicenseFieldsSchema(Schema):
    company_name = fields.Nested(
        FieldReadingSchema,
        metadata={
            "description": "名称 (HK: the BR certificate's business name; the English company "
            "name on a Certificate of Incorporation)"
        },
    )
    company_name_zh = fields.Nested(
        FieldReadingSchema,
        metadata={
            "description": "HK Certificate of Incorporation: the company's Chinese name, "
            "when one is printed"
        },
    )
    legal_representative = fields.Nested(
        FieldReadingSchema, metadata={"description": "法定代表人 (mainland only)"}
    )
    established_on = fields.Nested(
        FieldReadingSchema, metadata={"description": "成立日期, as YYYY-MM-DD"}
    )


class LicenseReadingSchema(Schema):
    license_number = fields.String(allow_none=True)
    valid = fields.Boolean(required=True)
    status = fields.String(
        required=True, metadata={"enum": ["ok", "corrected", "ambiguous", "unreadable"]}
    )
    raw = fields.String(required=True)
    corrections = fields.List(fields.Nested(CorrectionSchema), required=True)
    candidates = fields.List(fields.String(), required=True)
    confidence = fields.Float(required=True)
    seconds = fields.Float(required=True)
    fields_ = fields.Nested(
        LicenseFieldsSchema,
        attribute="fields",
        data_key="fields",
        metadata={
            "description": "the license's other printed fields; `ok` only when every "
            "character was read with confidence"
        },
    )
    orientation = fields.Integer(
        metadata={
            "enum": [0, 90, 180, 270],
            "description": "clockwise degrees the image was turned to read it, after EXIF",
        }
    )
    document = fields.String(
        metadata={
            "enum": ["hk_business_registration", "hk_incorporation_certificate"],
            "description": "HK: the document read (named by the request, or told from its title)",
        }
    )
    scheme = fields.String(
        metadata={
            "enum": ["hk_br", "hk_ci"],
            "description": "HK: the number read, a BR number (hk_br) or a Certificate of "
            "Incorporation's number, 8 digits with leading zeros (hk_ci)",
        }
    )
    shows = fields.String(
        metadata={
            "enum": ["hk_business_registration", "hk_incorporation_certificate"],
            "description": "HK: the other document, when the request named `document` and "
            "the photo's title names the other one (it is read as named all the same)",
        }
    )


class CategorySchema(Schema):
    id = fields.String(required=True)
    en = fields.String(required=True)
    zh = fields.String(required=True)


class CategoriesSchema(Schema):
    rules_version = fields.String(required=True)
    categories = fields.List(fields.Nested(CategorySchema), required=True)


class RulesQuerySchema(Schema):
    rules_version = fields.String(
        metadata={"description": "a published rule-set version", "pattern": NO_CONTROL}
    )


class PrescreenQuerySchema(RulesQuerySchema):
    explain = fields.Boolean(
        load_default=False,
        metadata={"description": "add `changes`: the smallest list of changes to pass"},
    )


#: The document kinds a multipart pre-screen may carry (one part each), and their file types.
_DOCUMENT_KINDS = {kind: dict(spec.name) for kind, spec in default_ruleset().document_kinds.items()}
IMAGE_TYPES = "image/jpeg, image/png, image/bmp"

_ERRORS = {
    400: "Malformed request (e.g. not JSON)",
    404: "Unknown rule-set version",
    413: "Request body too large",
    422: "Input errors, per dotted field name",
    503: "Database or file store briefly unavailable: nothing was saved (see Retry-After)",
}


_documented_errors = documents_errors(blp, _ERRORS)


# --- helpers -------------------------------------------------------------------------------


def _application_payload() -> tuple[Any, dict[str, FileStorage]]:
    """The application data and any uploaded document parts of this request."""
    if request.mimetype == "multipart/form-data":
        text = request.form.get("application")
        if text is None:
            raise InputError(
                {"application": ["Missing part: the application as JSON."]}, status=400
            )
        try:
            data = jsontext.loads(text)
        except ValueError:
            raise InputError({"application": ["Not valid JSON."]}, status=400) from None
        return data, dict(request.files.items())
    if not request.is_json:
        raise InputError(
            {
                "_schema": [
                    "Send the application as JSON (Content-Type: application/json) "
                    "or as multipart form data."
                ]
            },
            status=415,
        )
    # An application is a few kilobytes: a JSON body is held in memory whole, so it gets the
    # form-field limit, not the upload limit (a chunked body has no length to refuse early).
    request.max_content_length = current_app.config["MAX_FORM_MEMORY_SIZE"]
    data = request.get_json(silent=True)
    if data is None:
        raise InputError({"_schema": ["The body is not valid JSON."]}, status=400)
    return data, {}


# --- endpoints -----------------------------------------------------------------------------


@blp.post("/prescreen")
# Schema instances, not classes: webargs would build a new schema for every request.
@blp.arguments(PrescreenQuerySchema(), location="query", as_kwargs=True)
@blp.doc(
    requestBody={
        "required": True,
        "content": {
            # A working example (the sample's eligible client): Swagger UI's own, made from
            # the schema, would send a document kind "additionalProp1" and answer 422.
            "application/json": {
                "schema": ApplicationSchema,
                "example": samples.example_application(),
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "application": {
                            "allOf": [ApplicationSchema],
                            "description": "the application as JSON",
                        },
                        # One file part per document kind, and nothing else.
                        **{
                            kind: {
                                "type": "string",
                                "format": "binary",
                                "description": f"{names['en']}: JPEG, PNG or BMP",
                            }
                            for kind, names in _DOCUMENT_KINDS.items()
                        },
                    },
                    "additionalProperties": False,
                    "required": ["application"],
                },
                # The part is JSON text: say so, so that clients and fuzzers send JSON there;
                # documents are images.
                "encoding": {
                    "application": {"contentType": "application/json"},
                    **{kind: {"contentType": IMAGE_TYPES} for kind in _DOCUMENT_KINDS},
                },
            },
        },
    }
)
@blp.response(200, ReportSchema)
@blp.alt_response(415, schema=ErrorSchema, description="Neither JSON nor multipart form data")
@_documented_errors
def prescreen_application(rules_version: str | None = None, explain: bool = False) -> Response:
    """Pre-screen one application.

    JSON, or multipart with part `application` (JSON) and one file part per document kind.
    """
    today = date.today()
    ruleset = choose_ruleset(rules_version, today)
    data, files = _application_payload()
    application = parse_application(data)
    unknown = sorted(set(files) - set(ruleset.document_kinds))
    if unknown:
        raise InputError({f"documents.{name}": [UNKNOWN_KIND()] for name in unknown})
    streams = {kind: part.stream for kind, part in files.items()}
    report = prescreen(
        application,
        documents=streams,
        ruleset=ruleset,
        as_of=today,
        read_license=current_app.config["ONBOARD_OCR"],
    )
    # Answered as is: ReportSchema documents the answer, but dumping the body through it
    # cost as much as judging the application, and changed nothing.
    return jsonify(report_body(report, application, ruleset, explain=explain))


def report_body(
    report: Report, application: Application, ruleset: RuleSet, *, explain: bool
) -> dict[str, Any]:
    """The data of a pre-screen answer: exactly what ``ReportSchema`` dumps it to, same keys in
    the same order with the same values (tests/test_api_answers.py checks many reports)."""
    body = report.to_dict()
    if explain:
        body["changes"] = [c.to_dict() for c in changes_for(report, application, ruleset)]
    return body


@blp.post("/ocr/license")
@blp.doc(
    requestBody={
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "minLength": 1,
                            "description": "the license image: JPEG, PNG or BMP",
                        },
                        "region": {"type": "string", "enum": ["CN", "HK"]},
                        "document": {
                            "type": "string",
                            "enum": ["hk_business_registration", "hk_incorporation_certificate"],
                            "description": "which Hong Kong certificate the file is (it "
                            "implies region HK); default: told from the image's title",
                        },
                    },
                    "additionalProperties": False,
                    "required": ["file"],
                },
                "encoding": {"file": {"contentType": IMAGE_TYPES}},
            }
        },
    }
)
@blp.response(200, LicenseReadingSchema)
@_documented_errors
def read_license_image() -> dict[str, Any]:
    """Read the registration number from a license image (CONTRACT.md `onboard ocr`)."""
    from onboard.ocr import DOCUMENTS, read_license  # noqa: PLC0415 — loads Tesseract lazily

    part = request.files.get("file")
    if part is None:
        raise InputError({"file": ["Missing file part."]}, status=400)
    region = request.form.get("region", "CN")
    if region not in ("CN", "HK"):
        raise InputError({"region": ["Must be CN or HK."]})
    document = request.form.get("document") or None
    if document is not None:
        if document not in DOCUMENTS["HK"]:
            allowed = " or ".join(DOCUMENTS["HK"])
            raise InputError({"document": [f"Must be {allowed}."]})
        region = "HK"  # only Hong Kong has more than one document
    ruleset = default_ruleset()
    facts = inspect_document(
        "business_license",
        part.stream,
        max_bytes=ruleset.max_bytes,
        max_pixels=ruleset.max_pixels,
        max_decoded_bytes=ruleset.max_decoded_bytes,
    )
    if facts.problem is not None:
        detail = document_problem(facts, ruleset)["en"]
        status = 413 if facts.problem == "too_large" else 422
        raise InputError({"file": [detail]}, status=status)
    part.stream.seek(0)
    return read_license(part.stream.read(), region=region, document=document).to_dict()


@blp.get("/rules")
@blp.arguments(RulesQuerySchema(), location="query", as_kwargs=True)
@blp.doc(
    responses={
        "200": {
            "description": "The rule set: version, dates, categories, documents and rules",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["rules_version", "rules", "categories", "documents"],
                        "properties": {
                            "rules_version": {"type": "string"},
                            "effective_from": {"type": "string", "format": "date"},
                            "rules": {"type": "array", "items": {"type": "object"}},
                            "categories": {"type": "object"},
                            "documents": {"type": "object"},
                        },
                    }
                }
            },
        }
    }
)
@_documented_errors
def rules(rules_version: str | None = None) -> dict[str, Any]:
    """The rule set in force (or a named published version): codes, thresholds, texts."""
    return choose_ruleset(rules_version, date.today()).to_dict()


@blp.get("/categories")
@blp.response(200, CategoriesSchema)
def categories() -> dict[str, Any]:
    """The main-category ids and their names."""
    ruleset = default_ruleset()
    return {
        "rules_version": ruleset.version,
        "categories": [{"id": key, **names} for key, names in ruleset.categories.items()],
    }
