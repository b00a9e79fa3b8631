"""Helpers for the agencies' tests: agencies with keys, batch files, waiting for batches."""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from collections.abc import Iterable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from onboard import jobs
from onboard.agencies import keys
from onboard.eligibility.model import Application
from onboard.extensions import db
from onboard.intake.schemas import CSV_COLUMNS, application_to_csv_row, application_to_dict


def agency_with_key(app: Flask, name: str, **agency: Any) -> tuple[str, str]:
    """(agency public id, a live key) for a new agency."""
    with app.app_context():
        record = keys.create_agency(name, **agency)
        _, key = keys.create_key(record, "tests")
        db.session.commit()
        return record.public_id, key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def csv_file(applications: Iterable[Application], extra_rows: Iterable[str] = ()) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for application in applications:
        writer.writerow(application_to_csv_row(application))
    for line in extra_rows:
        buffer.write(line + "\n")
    return buffer.getvalue().encode()


def jsonl_file(applications: Iterable[Application]) -> bytes:
    return b"".join(
        json.dumps(application_to_dict(a), ensure_ascii=False).encode() + b"\n"
        for a in applications
    )


def zip_file(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def upload(
    client: FlaskClient,
    key: str,
    data: bytes,
    filename: str = "clients.csv",
    *,
    documents: bytes | None = None,
    headers: dict[str, str] | None = None,
    query: str = "",
) -> Any:
    if documents is None and len(data) > 256 * 1024 and filename.endswith(".csv"):
        # A big file as the raw body: Werkzeug's test client would spool a multipart body
        # to a temporary file it never closes (a ResourceWarning, an error here).
        return client.post(
            f"/api/v1/batches{query}",
            data=data,
            headers={**bearer(key), **(headers or {})},
            content_type="text/csv",
        )
    form: dict[str, Any] = {"file": (io.BytesIO(data), filename)}
    if documents is not None:
        form["documents"] = (io.BytesIO(documents), "documents.zip")
    return client.post(
        f"/api/v1/batches{query}",
        data=form,
        headers={**bearer(key), **(headers or {})},
        content_type="multipart/form-data",
    )


def wait_done(client: FlaskClient, key: str, batch_id: str, timeout: float = 60.0) -> dict:
    """Poll the batch until it is done (the way an agency would)."""
    app = client.application
    runner = jobs.runner(app)
    if isinstance(runner, jobs.ThreadRunner):
        runner.wait_idle(timeout, include_delayed=False)
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/api/v1/batches/{batch_id}", headers=bearer(key)).json
        if body["state"] == "done" or time.monotonic() > deadline:
            return body
        time.sleep(0.1)
