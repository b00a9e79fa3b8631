"""One answer whichever way: the same file through the API, the portal and `onboard check`
gives the same verdicts and the same per-row errors, each row with its line, ref and client.
"""

from __future__ import annotations

import csv
import io
import json
import re

import openpyxl
import pytest
from click.testing import CliRunner
from flask import Flask

from onboard.agencies import samples
from onboard.cli import main
from onboard.intake.schemas import CSV_COLUMNS, application_to_csv_row
from tests.agencyhelpers import agency_with_key, bearer, upload, wait_done
from tests.factories import PLATFORMS, another_seller, change, eligible
from tests.test_agency_portal import _csrf, logged_in


def clients_file() -> list[list[str]]:
    """Fifty clients as an agency keeps them: documents named (not sent), a few slips."""
    header = ["ref", *CSV_COLUMNS]
    records = [header]
    for number in range(50):
        application = another_seller(
            eligible(PLATFORMS[number % len(PLATFORMS)], ("CN", "HK")[number % 2]), number
        )
        if number % 7 == 3:
            application = change(application, store__opened_on=application.as_of)  # too young
        cells = application_to_csv_row(application)
        record = [f"ERP-{number:04}"] + [cells[c] for c in CSV_COLUMNS]
        if number % 11 == 5:
            record[header.index("store.rating")] = "4,6"  # a comma for a decimal point
        if number % 13 == 8:
            record[header.index("as_of")] = "22/11/2026"
        records.append(record)
    return records


def as_csv(records: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(records)
    return buffer.getvalue().encode("gb18030")  # as Excel on a Chinese Windows saves it


def as_xlsx(records: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    for record in records:
        book.active.append([cell or None for cell in record])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def answers_of_cli(tmp_path, name: str, data: bytes) -> list[tuple]:
    path = tmp_path / name
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["check", str(path), "--no-ocr", "--as-of", "2026-11-22"])
    assert result.exit_code in (1, 2), result.stderr
    return [
        (
            item["row"],
            item["line"],
            item.get("ref"),
            item.get("client"),
            item.get("verdict", "error"),
            item.get("errors"),
        )
        for item in json.loads(result.stdout)
    ]


def answers_of_api(client, key: str, batch_id: str) -> list[tuple]:
    body = wait_done(client, key, batch_id)
    assert body["state"] == "done"
    rows = client.get(f"/api/v1/batches/{batch_id}/results?limit=1000", headers=bearer(key)).json[
        "rows"
    ]
    return [
        (
            row["row"],
            row["line"],
            row["ref"],
            row["label"],
            row["verdict"] or "error",
            row.get("errors"),
        )
        for row in rows
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_same_file_gives_the_same_answers_three_ways(app: Flask, tmp_path, fmt):
    records = clients_file()
    data = as_csv(records) if fmt == "csv" else as_xlsx(records)
    name = f"clients.{fmt}"
    from_cli = answers_of_cli(tmp_path, name, data)

    _, key = agency_with_key(app, "Acme")
    api = app.test_client()
    created = upload(api, key, data, name, query="?as_of=2026-11-22")
    assert created.status_code == 202, created.json
    assert created.json["encoding"] == ("gb18030" if fmt == "csv" else None)
    from_api = answers_of_api(api, key, created.json["id"])

    portal = logged_in(app, "Acme", "a@acme.example")
    home = portal.get("/agency/")
    sent = portal.post(
        "/agency/batches",
        data={"csrf_token": _csrf(home.text), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    batch_id = re.search(r"/agency/batches/([^/?]+)$", sent.headers["Location"]).group(1)
    from_portal = answers_of_api(api, key, batch_id)

    assert len(from_cli) == 50
    assert from_cli == from_api == from_portal
    verdicts = {answer[4] for answer in from_cli}
    assert "error" in verdicts and "ineligible" in verdicts and len(verdicts) >= 3
    errors = [answer for answer in from_cli if answer[4] == "error"]
    # Error rows keep their client, line and ref.
    assert all(answer[1] > 1 and answer[2] and answer[3] for answer in errors)
    assert any("store.rating" in (answer[5] or {}) for answer in errors)


def test_the_sample_gives_the_same_answers_through_the_cli_and_the_api(app: Flask, tmp_path):
    body, _ = samples.sample_file("sample.xlsx")
    from_cli = answers_of_cli(tmp_path, "sample.xlsx", body)
    _, key = agency_with_key(app, "Acme")
    api = app.test_client()
    created = upload(api, key, body, "sample.xlsx")
    assert from_cli == answers_of_api(api, key, created.json["id"])
    assert [answer[4] for answer in from_cli] == [
        "eligible",
        "ineligible",
        "incomplete",
        "review",
        "error",
    ]
