"""Hostile files through every door: the applicant form, the API (prescreen and OCR) and the
command line (``onboard check`` and ``onboard ocr``).

Each file of :data:`tests.hostile.VECTORS` gets the right check result or a clear 4xx naming
the field, whichever door it comes through; nothing refused is stored; names never become
paths. Requests too big to parse (hundreds of parts, a huge field, a huge body) are refused
with 413 before anything is read into memory. Memory under the bomb set is measured in
``test_hostile_memory.py``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from onboard.cli import main
from onboard.intake.schemas import application_to_dict
from tests.applyflow import ensure_catalogues, errors_on_page
from tests.conftest import make_app
from tests.factories import eligible
from tests.hostile import VECTORS, Vector
from tests.test_apply import Draft, fill

KIND = "legal_rep_id"
REFUSED = [v for v in VECTORS if v.problem is not None]
IDS = [v.name for v in VECTORS]


@pytest.fixture(scope="module")
def form_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    ensure_catalogues()
    app = make_app(Path(tmp_path_factory.mktemp("hostile")))
    yield app
    with app.app_context():
        from onboard.extensions import db  # noqa: PLC0415

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def draft(form_app: Flask) -> Draft:
    client = form_app.test_client()
    client.set_cookie("lang", "en")
    opened = Draft(client)
    fill(opened)
    return opened


def post_multipart(client: FlaskClient, url: str, fields: dict[str, Any]) -> TestResponse:
    """Encoded here, in memory: the test client would spool a big body to a temporary file
    it never closes (a ResourceWarning, an error under filterwarnings=error)."""
    encoded = {
        name: FileStorage(io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
        for name, value in fields.items()
    }
    boundary, body = encode_multipart(encoded)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _document_checks(report: dict[str, Any]) -> dict[str, str]:
    return {c["code"]: c["status"] for c in report["checks"] if c["field"] == f"documents.{KIND}"}


def _stored_files(app: Flask) -> set[Path]:
    root = Path(app.config["ONBOARD_DATA_DIR"])
    return {p for p in root.rglob("*") if p.is_file() and "documents" in p.parts}


# --- the applicant form -------------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_the_form(form_app: Flask, draft: Draft, vector: Vector):
    before = _stored_files(form_app)
    response = draft.upload(KIND, vector.data, vector.filename)
    if vector.problem is None:
        assert response.status_code == 302
        served = draft.get(f"documents/{KIND}/file")
        assert served.status_code == 200 and served.mimetype in ("image/png", "image/jpeg")
        assert served.headers["Content-Disposition"] == f'inline; filename="{KIND}.png"'
        with form_app.app_context():
            name = draft.record().documents[0].original_name
        assert "/" not in name and ".." not in name
        assert all(ch.isprintable() for ch in name) and "\u202e" not in name
        # Stored by content hash inside the store, whatever the name said.
        root = (Path(form_app.config["ONBOARD_DATA_DIR"]) / "documents").resolve()
        assert all(root in p.resolve().parents for p in _stored_files(form_app))
        return
    assert response.status_code == 422
    message = errors_on_page(response.text)[f"file-{KIND}"]
    assert "Upload a JPEG, PNG or BMP" in message or "smaller than 5 MB" in message, message
    assert _stored_files(form_app) == before  # nothing refused is kept, not even a temp file


# --- the API ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(form_app: Flask) -> FlaskClient:
    return form_app.test_client()


def _application_part() -> str:
    data = application_to_dict(eligible())
    data.pop("documents", None)
    return json.dumps(data)


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_the_prescreen_api(api: FlaskClient, vector: Vector):
    response = post_multipart(
        api,
        "/api/v1/prescreen",
        {"application": _application_part(), KIND: (vector.data, vector.filename)},
    )
    assert response.status_code == 200, response.json
    checks = _document_checks(response.json)
    failed = {code for code, status in checks.items() if status == "fail"}
    if vector.problem is None:
        assert not failed, checks
    else:
        assert failed, checks
        assert failed <= {"document.format", "document.size"}


@pytest.mark.parametrize("vector", REFUSED, ids=[v.name for v in REFUSED])
def test_the_ocr_api(api: FlaskClient, vector: Vector):
    response = post_multipart(api, "/api/v1/ocr/license", {"file": (vector.data, vector.filename)})
    assert response.status_code == (413 if vector.problem == "too_large" else 422)
    body = response.json
    assert list(body["errors"]) == ["file"] and body["errors"]["file"][0]
    assert "?" not in body["errors"]["file"][0]  # the message says the numbers it knows


@pytest.mark.slow
@pytest.mark.ocr
def test_the_ocr_api_reads_an_accepted_file(api: FlaskClient):
    from tests.hostile import BY_NAME  # noqa: PLC0415

    vector = BY_NAME["5mib_minus_1"]
    response = post_multipart(api, "/api/v1/ocr/license", {"file": (vector.data, vector.filename)})
    assert response.status_code == 200
    assert response.json["status"] == "unreadable"  # a 16x16 picture with no code on it


# --- requests too big to parse ------------------------------------------------------------


def test_hundreds_of_parts_are_413(draft: Draft, api: FlaskClient):
    fields = {f"f{i}": "x" for i in range(300)}
    form = post_multipart(
        draft.client, f"{draft.base}/company", {"csrf_token": draft.csrf, **fields}
    )
    assert form.status_code == 413 and form.mimetype == "text/html"
    assert "smaller than 5 MB" in form.text  # the rule set's limit, named as the checks do
    parts = post_multipart(api, "/api/v1/prescreen", {"application": "{}", **fields})
    assert parts.status_code == 413
    assert "parts" in parts.json["message"]


def test_a_huge_field_value_is_413(draft: Draft, api: FlaskClient):
    huge = "9" * (2 * 1024 * 1024)
    form = post_multipart(
        draft.client,
        f"{draft.base}/company",
        {"csrf_token": draft.csrf, "entity.company_name": huge},
    )
    assert form.status_code == 413
    response = post_multipart(
        api, "/api/v1/prescreen", {"application": json.dumps({"shop": {"name": huge}})}
    )
    assert response.status_code == 413
    assert "field" in response.json["message"]


def test_a_huge_json_text_field_is_a_field_error(api: FlaskClient):
    """Within the limits, a long value is an input error naming its field."""
    response = api.post("/api/v1/prescreen", json={"shop": {"name": "x" * 300_000}})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["shop.name"]


def test_a_body_over_the_limit_is_413_before_it_is_read(form_app: Flask, api: FlaskClient):
    limit = form_app.config["MAX_CONTENT_LENGTH"]
    response = api.post(
        "/api/v1/prescreen",
        data=b"{" + b" " * limit + b"}",
        content_type="application/json",
    )
    assert response.status_code == 413
    assert str(limit) in response.json["message"]


# --- the command line ---------------------------------------------------------------------


CLI_VECTORS = [v for v in VECTORS if "name" not in v.name]


@pytest.fixture(scope="module")
def cli_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(tmp_path_factory.mktemp("cli-hostile"))
    for vector in CLI_VECTORS:
        (folder / f"{vector.name}.img").write_bytes(vector.data)
        data = application_to_dict(eligible())
        data["documents"] = {KIND: f"{vector.name}.img"}
        (folder / f"{vector.name}.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


@pytest.mark.parametrize("vector", CLI_VECTORS, ids=[v.name for v in CLI_VECTORS])
def test_onboard_check(cli_dir: Path, vector: Vector):
    result = CliRunner().invoke(main, ["check", str(cli_dir / f"{vector.name}.json"), "--no-ocr"])
    assert result.exit_code in (0, 1), result.output
    checks = _document_checks(json.loads(result.stdout))
    failed = {code for code, status in checks.items() if status == "fail"}
    assert bool(failed) == (vector.problem is not None), checks


@pytest.mark.parametrize("vector", REFUSED, ids=[v.name for v in REFUSED])
def test_onboard_ocr(cli_dir: Path, vector: Vector):
    result = CliRunner().invoke(main, ["ocr", str(cli_dir / f"{vector.name}.img")])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{vector.name}.img" in lines[0]
    assert "Traceback" not in result.output


def test_onboard_check_with_hostile_document_names(tmp_path: Path):
    """Names with a NUL byte, a terminal escape or that point nowhere are never tracebacks
    and never reach the terminal raw. A name with no file behind it is declared, not
    inspected (README, "Batch files": the same treatment over the API); a name no file can
    have may instead be refused as an input error naming the document."""
    data = application_to_dict(eligible())
    for name in ("a\x00b.png", "missing/../../nowhere.png", "\x1b[31mred.png"):
        data["documents"] = {KIND: name}
        path = tmp_path / "app.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        result = CliRunner().invoke(main, ["check", str(path)])
        assert "Traceback" not in result.output + result.stderr
        assert "\x1b" not in result.stdout + result.stderr
        assert "\x00" not in result.stdout + result.stderr
        if result.exit_code == 2:
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and f"documents.{KIND}" in lines[0]
            continue
        assert result.exit_code == 1, result.output
        checks = json.loads(result.stdout)["checks"]
        (declared,) = [c for c in checks if c["field"] == f"documents.{KIND}"]
        assert declared["actual"] == "declared" and "not inspected" in declared["message"]["en"]
