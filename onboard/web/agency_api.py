"""The agencies' part of the JSON API: batches, authenticated by API key.

Every endpoint here needs a key, sent as ``Authorization: Bearer <key>`` or ``X-API-Key:
<key>`` (never in the URL, where it would end up in logs); without a live key the answer is
401. Each call sees only its own agency's batches: another agency's batch id answers 404,
exactly like an id that does not exist. Calls are rate-limited per key
(``ONBOARD_API_RATE_LIMIT``, counted in ``RATELIMIT_STORAGE_URI``: Redis when configured),
and answer 429 with ``Retry-After`` past the limit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import date
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Response, current_app, g, request, stream_with_context, url_for
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import Unauthorized

from onboard import repository
from onboard.agencies import batches, keys, report, samples
from onboard.bounds import QUERY_RANGE
from onboard.eligibility.ruleset import ruleset_by_version
from onboard.errors import InputError
from onboard.extensions import limiter
from onboard.links import external_url
from onboard.models import Agency, ApiKey, Batch
from onboard.plaintext import SINGLE_LINE_PATTERN
from onboard.web.errors import ErrorSchema, documents_errors

blp = ApiBlueprint(
    "agencies",
    __name__,
    url_prefix="/api/v1",
    description="Batches of applications for partner agencies (API key required)",
)
F = TypeVar("F", bound=Callable[..., Any])


# --- keys and limits -----------------------------------------------------------------------


def presented_key() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.headers.get("X-API-Key") or None


def rate_key() -> str:
    """Whom a request counts against: its key (hashed: keys never reach the limiter's
    storage), or its address when it has none."""
    key = presented_key()
    if key:
        return "apikey:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]
    return "ip:" + (request.remote_addr or "?")


def _rate_limit() -> str:
    return str(current_app.config.get("ONBOARD_API_RATE_LIMIT", "600 per minute"))


limiter.limit(_rate_limit, key_func=rate_key)(blp)


def key_required(view: F) -> F:
    """Authenticate the request's key; ``g.agency`` and ``g.api_key`` for the view."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        record = keys.authenticate(presented_key())
        if record is None:
            raise Unauthorized(
                "A live API key is required: send 'Authorization: Bearer <key>'.",
                www_authenticate=_challenge(),
            )
        g.api_key = record
        g.agency = record.agency
        return view(*args, **kwargs)

    return cast(F, wrapper)


def _challenge() -> Any:
    from werkzeug.datastructures import WWWAuthenticate  # noqa: PLC0415

    return WWWAuthenticate("bearer", {"realm": "onboard"})


def current_agency() -> Agency:
    agency: Agency = g.agency
    return agency


def _batch_or_404(batch_id: str) -> Batch:
    batch = batches.get_batch(current_agency(), batch_id)
    if batch is None:
        raise InputError({"batch": [f"No batch {batch_id[:40]!r}."]}, status=404)
    return batch


# --- schemas (documentation) -------------------------------------------------------------


class BatchSchema(Schema):
    id = fields.String(required=True)
    state = fields.String(required=True, metadata={"enum": ["running", "done"]})
    filename = fields.String()
    format = fields.String(metadata={"enum": ["csv", "jsonl", "xlsx"]})
    encoding = fields.String(
        allow_none=True,
        metadata={
            "enum": ["utf-8", "utf-8-sig", "gb18030", None],
            "description": "how a CSV file was decoded (detected); null for XLSX",
        },
    )
    rules_version = fields.String()
    as_of = fields.String(metadata={"format": "date"})
    total = fields.Integer(required=True)
    done = fields.Integer(required=True, metadata={"description": "rows checked or refused"})
    failed = fields.Integer(required=True, metadata={"description": "rows with bad input"})
    pending = fields.Integer()
    verdicts = fields.Dict(keys=fields.String(), values=fields.Integer())
    created_at = fields.String()
    finished_at = fields.String(allow_none=True)
    documents = fields.Integer(allow_none=True, metadata={"description": "files in the zip"})
    links = fields.Dict(keys=fields.String(), values=fields.String())


class BatchListSchema(Schema):
    batches = fields.List(fields.Nested(BatchSchema))


class RowSchema(Schema):
    row = fields.Integer(required=True)
    line = fields.Integer(metadata={"description": "line (worksheet row) the row starts on"})
    ref = fields.String(allow_none=True, metadata={"description": "the agency's ref column"})
    state = fields.String(metadata={"enum": ["pending", "done", "error"]})
    label = fields.String(allow_none=True, metadata={"description": "the client (company)"})
    verdict = fields.String(allow_none=True)
    changes = fields.List(fields.Dict(), metadata={"description": "what must change"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    report = fields.Dict(allow_none=True, metadata={"description": "the report of CONTRACT.md"})


class ResultsSchema(Schema):
    batch = fields.Nested(BatchSchema)
    summary = fields.Dict()
    rows = fields.List(fields.Nested(RowSchema))
    next_offset = fields.Integer(allow_none=True)


class UploadQuerySchema(Schema):
    as_of = fields.Date(metadata={"description": "judge as of this date (default: today)"})
    rules_version = fields.String(
        metadata={"description": "a published rule-set version", "pattern": SINGLE_LINE_PATTERN}
    )


class ResultsQuerySchema(Schema):
    offset = fields.Integer(load_default=0, validate=QUERY_RANGE)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    reports = fields.Boolean(load_default=True, metadata={"description": "include reports"})


class AgencySchema(Schema):
    id = fields.String()
    name = fields.String()
    key = fields.String(metadata={"description": "the calling key's name"})
    webhook_url = fields.String(allow_none=True)


_ERRORS = {
    401: "No live API key",
    404: "No such batch (or not this agency's)",
    413: "Upload too large",
    409: "Not possible in the row's state",
    415: "Not a CSV, XLSX or JSON Lines file",
    422: "Input errors",
    429: "Rate limit exceeded (see Retry-After)",
}


_documented = documents_errors(blp, _ERRORS)

# --- documented examples (what the sample file gives) ---------------------------------------

_LINKS = {
    name: f"/api/v1/batches/B-7KQ2M9XD4P{suffix}"
    for name, suffix in (
        ("self", ""),
        ("results", "/results"),
        ("csv", "/results.csv"),
        ("xlsx", "/results.xlsx"),
        ("html", "/report.html"),
    )
}
BATCH_EXAMPLE: dict[str, Any] = {
    "id": "B-7KQ2M9XD4P",
    "state": "done",
    "filename": "sample.xlsx",
    "format": "xlsx",
    "encoding": None,
    "rules_version": "2026.11.1",
    "as_of": "2026-11-22",
    "total": 5,
    "done": 5,
    "failed": 1,
    "pending": 0,
    "verdicts": {"eligible": 1, "ineligible": 1, "incomplete": 1, "review": 1},
    "created_at": "2026-11-22T08:00:00Z",
    "finished_at": "2026-11-22T08:00:02Z",
    "documents": None,
    "links": _LINKS,
}
ROW_EXAMPLE: dict[str, Any] = {
    "row": 2,
    "line": 3,
    "ref": "KH-002",
    "state": "done",
    "label": "广州市云帆贸易有限公司",
    "verdict": "ineligible",
    "changes": [
        {
            "field": "store.rating",
            "action": "raise",
            "current": 3.8,
            "target": 4.0,
            "text": {"en": "rating 3.8 → ≥ 4.0", "zh": "店铺评分 3.8 → ≥ 4.0"},
        }
    ],
    "report": {"verdict": "ineligible", "route": "standard", "checks": ["…"]},
}
ERROR_ROW_EXAMPLE: dict[str, Any] = {
    "row": 5,
    "line": 6,
    "ref": "KH-005",
    "state": "error",
    "label": "东莞市拓远五金制品有限公司",
    "verdict": None,
    "errors": {"store.rating": ["Not a number: '4.5分'."]},
}


def _with_links(data: dict[str, Any]) -> dict[str, Any]:
    batch_id = data["id"]
    data["links"] = {
        "self": url_for("agencies.batch_status", batch_id=batch_id),
        "results": url_for("agencies.batch_results", batch_id=batch_id),
        "csv": url_for("agencies.batch_csv", batch_id=batch_id),
        "xlsx": url_for("agencies.batch_xlsx", batch_id=batch_id),
        "html": url_for("agencies.batch_html", batch_id=batch_id),
    }
    return data


# --- endpoints -----------------------------------------------------------------------------


@blp.get("/agency")
@blp.response(
    200,
    AgencySchema,
    example={
        "id": "AG-3HX8K2M9QD",
        "name": "Starriver Partners",
        "key": "ops",
        "webhook_url": None,
    },
)
@_documented
@key_required
def whoami() -> dict[str, Any]:
    """The agency the key belongs to."""
    agency, key = current_agency(), cast(ApiKey, g.api_key)
    return {
        "id": agency.public_id,
        "name": agency.name,
        "key": key.name,
        "webhook_url": agency.webhook_url,
    }


@blp.post("/batches")
@blp.arguments(UploadQuerySchema, location="query", as_kwargs=True)
@blp.doc(
    parameters=[
        {
            "in": "header",
            "name": "Idempotency-Key",
            "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
            "description": "the same key and upload again return the same batch",
        }
    ],
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
                            "description": "a .csv or .jsonl file of applications",
                        },
                        "documents": {
                            "type": "string",
                            "format": "binary",
                            "description": "optional zip of the documents the file names",
                        },
                    },
                    "additionalProperties": False,
                    "required": ["file"],
                },
                "encoding": {
                    "file": {"contentType": "text/csv, application/jsonl"},
                    "documents": {"contentType": "application/zip"},
                },
            },
            "text/csv": {
                "schema": {"type": "string"},
                "example": samples.sample_text(),
            },
            "application/jsonl": {
                "schema": {"type": "string"},
                "example": samples.example_rows().decode(),
            },
        },
    },
)
@blp.response(202, BatchSchema, example={**BATCH_EXAMPLE, "state": "running", "done": 0})
@blp.alt_response(
    200, schema=BatchSchema, description="The earlier batch: same Idempotency-Key and upload"
)
@_documented
@key_required
def create_batch(as_of: date | None = None, rules_version: str | None = None) -> Any:
    """Upload a CSV, XLSX or JSON Lines file of applications; checked in the background.

    The same columns in CSV and XLSX (the first worksheet; Chinese column titles are
    accepted), an optional `ref` column echoed in every output; CSV in UTF-8 (with or
    without BOM) or GB18030/GBK, detected. Try it with the sample file:
    [sample.csv](/api/v1/samples/sample.csv), [sample.xlsx](/api/v1/samples/sample.xlsx);
    templates: [template.csv](/api/v1/samples/template.csv),
    [template.xlsx](/api/v1/samples/template.xlsx).

    Answers 202 with the batch at once (200 with the earlier batch when the
    `Idempotency-Key` was used before with the same upload). Rows with bad input are
    reported per row and do not stop the batch.
    """
    data, filename, media_type, documents = _upload()
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 0 < len(key) <= 200:
        raise InputError({"Idempotency-Key": ["Between 1 and 200 characters."]}, status=400)
    try:
        batch, created = batches.create_batch(
            current_agency(),
            data,
            filename,
            media_type=media_type,
            documents=documents,
            idempotency_key=key,
            as_of=as_of,
            rules_version=rules_version,
        )
    finally:
        for part in request.files.values():  # spooled to temporary files when large
            part.close()
    body = _with_links(batches.batch_dict(batch))
    headers = {"Location": body["links"]["self"]}
    return body, 202 if created else 200, headers


def _upload() -> tuple[bytes, str, str | None, Any]:
    if request.mimetype == "multipart/form-data":
        part = request.files.get("file")
        if part is None:
            raise InputError(
                {"file": ["Missing file part (a .csv, .xlsx or .jsonl file)."]}, status=400
            )
        documents = request.files.get("documents")
        return (
            part.stream.read(),
            part.filename or "upload",
            part.mimetype,
            documents.stream if documents is not None else None,
        )
    suffix = {"text/csv": "csv", report.XLSX_MEDIA_TYPE: "xlsx"}.get(request.mimetype, "jsonl")
    return request.get_data(), f"upload.{suffix}", request.mimetype, None


@blp.get("/batches")
@blp.response(200, BatchListSchema, example={"batches": [BATCH_EXAMPLE]})
@_documented
@key_required
def list_batches() -> dict[str, Any]:
    """The agency's latest batches (newest first, at most 100)."""
    found = batches.list_batches(current_agency())
    return {"batches": [_with_links(batches.batch_dict(batch)) for batch in found]}


@blp.get("/batches/<batch_id>")
@blp.response(200, BatchSchema, example=BATCH_EXAMPLE)
@_documented
@key_required
def batch_status(batch_id: str) -> dict[str, Any]:
    """Progress of a batch: rows done (checked or refused) of total, failed (bad input)."""
    batch = _batch_or_404(batch_id)
    batches.resume_if_stalled(batch)
    return _with_links(batches.batch_dict(batch))


@blp.get("/batches/<batch_id>/results")
@blp.arguments(ResultsQuerySchema, location="query", as_kwargs=True)
@blp.response(
    200,
    ResultsSchema,
    example={
        "batch": BATCH_EXAMPLE,
        "summary": {
            "total": 5,
            "verdicts": {"eligible": 1, "review": 1, "incomplete": 1, "ineligible": 1, "error": 1},
            "top_failing_rules": [{"code": "store.rating", "rows": 1}],
        },
        "rows": [ROW_EXAMPLE, ERROR_ROW_EXAMPLE],
        "next_offset": None,
    },
)
@_documented
@key_required
def batch_results(batch_id: str, offset: int, limit: int, reports: bool) -> dict[str, Any]:
    """Results as JSON, a page of rows at a time: each row's report (CONTRACT.md), what
    must change, or its input errors; with the batch and its summary."""
    batch = _batch_or_404(batch_id)
    page = [
        batches.row_dict(row, with_report=reports)
        for row in batches.rows(batch, offset=offset, limit=limit)
    ]
    after = offset + len(page)
    return {
        "batch": _with_links(batches.batch_dict(batch)),
        "summary": report.summarize(batches.client_lines(batch)).to_dict(),
        "rows": page,
        "next_offset": after if after < batch.total else None,
    }


@blp.get("/batches/<batch_id>/rows/<int:row>")
@blp.response(200, RowSchema, example=ROW_EXAMPLE)
@_documented
@key_required
def batch_row(batch_id: str, row: int) -> dict[str, Any]:
    """One row: its report, what must change, or its input errors."""
    found = batches.get_row(_batch_or_404(batch_id), row)
    if found is None:
        raise InputError({"row": [f"No row {row}."]}, status=404)
    return batches.row_dict(found)


@blp.get("/batches/<batch_id>/results.csv")
@blp.response(200, content_type="text/csv")
@_documented
@key_required
def batch_csv(batch_id: str) -> Response:
    """Results as CSV: one line per client with its verdict, what to fix (English and
    Chinese), the failing rules and any input errors."""
    return csv_response(_batch_or_404(batch_id))


def csv_response(batch: Batch) -> Response:
    """The CSV download of ``batch`` (for the API and the portal alike)."""
    lines = list(batches.client_lines(batch))

    def generate() -> Iterator[str]:
        yield from report.csv_text(lines)

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{batch.public_id}.csv"'
    return response


@blp.get("/batches/<batch_id>/results.xlsx")
@blp.response(200, content_type=report.XLSX_MEDIA_TYPE)
@_documented
@key_required
def batch_xlsx(batch_id: str) -> Response:
    """Results as an Excel workbook: a sheet of clients (the CSV's columns, with a Chinese
    header row) and a summary sheet."""
    return xlsx_response(_batch_or_404(batch_id))


def xlsx_response(batch: Batch) -> Response:
    """The XLSX download of ``batch``."""
    body = report.xlsx_bytes(report.summarize(batches.client_lines(batch)), batch_facts(batch))
    response = Response(body, mimetype=report.XLSX_MEDIA_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{batch.public_id}.xlsx"'
    return response


def batch_facts(batch: Batch) -> list[tuple[str, str]]:
    """What a report says about its batch at the top."""
    done = batches.progress(batch)
    state_zh = "已完成" if batch.state == "done" else "预审中"
    state_zh += f"（{done.done}/{done.total} 行）"
    return [
        ("batch", batch.public_id),
        ("file", batch.filename),
        ("encoding", batch.encoding or "–"),
        ("state", f"{batch.state} ({done.done} of {done.total} rows) · {state_zh}"),
        ("rules version", batch.rules_version),
        ("as of", batch.as_of),
    ]


class ApplicationLinkSchema(Schema):
    application = fields.String(required=True, metadata={"description": "the draft's id"})
    link = fields.String(
        required=True,
        metadata={"description": "the private link to send to the client (shown once)"},
    )
    expires_at = fields.String(allow_none=True)
    replaced_earlier_link = fields.Boolean(
        metadata={
            "description": "true when the row had a link already: it stopped working (one "
            "private link works at a time), so the client must be sent this one"
        }
    )


@blp.post("/batches/<batch_id>/rows/<int:row>/application")
@blp.response(
    201,
    ApplicationLinkSchema,
    example={
        "application": "A-7KQ2M9XD4P",
        "link": "https://onboard.example/apply/…/",
        "expires_at": "2026-12-22T08:00:00Z",
        "replaced_earlier_link": False,
    },
)
@_documented
@key_required
def row_application(batch_id: str, row: int) -> dict[str, Any]:
    """Turn a checked row into the applicant's draft, prefilled with the row's data, and
    get its private link to send to the client (who adds the documents and submits).

    The link is in this answer only: it is never stored in clear and cannot be shown
    again. Asked again for the same row, the same draft gets a new link and the earlier
    link stops working (``replaced_earlier_link``: true).
    """
    batch = _batch_or_404(batch_id)
    found = batches.get_row(batch, row)
    if found is None:
        raise InputError({"row": [f"No row {row}."]}, status=404)
    replaced = found.application_id is not None
    record, token = batches.start_application(batch, found)
    return {**application_link(record, token), "replaced_earlier_link": replaced}


def application_link(record: Any, token: str) -> dict[str, Any]:
    expires = repository.resume_token_expiry(token)
    return {
        "application": record.public_id,
        "link": external_url("apply.resume", token=token),
        "expires_at": expires.isoformat(timespec="seconds") + "Z" if expires else None,
    }


@blp.get("/samples/<name>")
@blp.response(200, content_type="application/octet-stream")
@blp.alt_response(404, schema=ErrorSchema, description="No such sample file")
def sample(name: str) -> Response:
    """Template and sample batch files (no key needed): `template.csv`, `template.xlsx`
    (the columns only), `sample.csv`, `sample.xlsx` (invented clients, one per verdict and a
    row with bad input)."""
    found = samples.sample_file(name)
    if found is None:
        raise InputError({"name": [f"No sample {name[:40]!r}."]}, status=404)
    body, media_type = found
    response = Response(body, content_type=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="onboard-{name}"'
    return response


@blp.get("/batches/<batch_id>/report.html")
@blp.response(200, content_type="text/html")
@_documented
@key_required
def batch_html(batch_id: str) -> Response:
    """The report for people: counts per verdict, the most common failing rules, and one
    row per client with what to fix."""
    return html_response(_batch_or_404(batch_id))


def html_response(batch: Batch) -> Response:
    """The HTML report of ``batch``: a file of its own (no scripts, no framing)."""
    summary = report.summarize(batches.client_lines(batch))
    facts = batch_facts(batch)
    try:
        ruleset = ruleset_by_version(batch.rules_version)
    except KeyError:  # a rule set no longer published: the rules are named by code
        ruleset = None
    title = f"onboard batch {batch.public_id}"
    html = report.render_html(summary, title=title, facts=facts, ruleset=ruleset)
    response = Response(html, mimetype="text/html")
    # A report is data, not a page of the app: no scripts, no framing, no sniffing.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blp.after_request
def _no_store(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    return response
