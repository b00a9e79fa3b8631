"""Agencies: keys (hashed, shown once, revocable), scoping, rate limits, batches end to end
with the in-process worker threads, idempotent uploads, documents zips, reports."""

from __future__ import annotations

import csv
import io
import os
import uuid
import zipfile
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from onboard.agencies import documents_zip, keys
from onboard.extensions import db
from onboard.intake.schemas import application_to_dict
from onboard.models import ApiKey, BatchRow
from tests.agencyhelpers import (
    agency_with_key,
    bearer,
    csv_file,
    jsonl_file,
    upload,
    wait_done,
    zip_file,
)
from tests.conftest import make_app
from tests.factories import another_seller, change, eligible
from tests.imagefactory import png

REDIS_URL = os.environ.get("ONBOARD_TEST_REDIS", "redis://127.0.0.1:6379/0")

# --- keys --------------------------------------------------------------------------------


def test_keys_are_hashed_shown_once_and_revocable(app: Flask, client):
    _, key = agency_with_key(app, "Acme Agency")
    assert key.startswith("obk_") and len(key) >= 40
    with app.app_context():
        record = db.session.scalar(db.select(ApiKey))
        assert record.key_hash == keys.hash_key(key) and key not in (record.key_hash, record.prefix)
        assert record.last_used_at is None
    assert client.get("/api/v1/agency", headers=bearer(key)).json["name"] == "Acme Agency"
    assert client.get("/api/v1/agency", headers={"X-API-Key": key}).status_code == 200
    with app.app_context():
        record = db.session.scalar(db.select(ApiKey))
        assert record.last_used_at is not None
        keys.revoke_key(record)
        db.session.commit()
    revoked = client.get("/api/v1/agency", headers=bearer(key))
    assert revoked.status_code == 401 and revoked.json["status"] == 401
    assert revoked.headers["WWW-Authenticate"].lower().startswith("bearer")
    db_bytes = Path(app.config["ONBOARD_DATA_DIR"], "test.db").read_bytes()
    assert key.encode() not in db_bytes


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer obk_wrong"}, {"Authorization": "Basic abc"}, {"X-API-Key": ""}],
)
def test_no_live_key_is_401_json(client, headers):
    response = client.get("/api/v1/batches", headers=headers)
    assert response.status_code == 401 and response.is_json


def test_a_key_in_the_query_string_is_ignored(app: Flask, client):
    _, key = agency_with_key(app, "Query Agency")
    assert client.get(f"/api/v1/batches?api_key={key}").status_code == 401


def test_another_agencys_batch_is_404(app: Flask, client):
    _, mine = agency_with_key(app, "Mine")
    _, theirs = agency_with_key(app, "Theirs")
    batch_id = upload(client, theirs, csv_file([eligible()])).json["id"]
    wait_done(client, theirs, batch_id)
    for path in ("", "/results", "/results.csv", "/report.html", "/rows/1"):
        assert (
            client.get(f"/api/v1/batches/{batch_id}{path}", headers=bearer(theirs)).status_code
            == 200
        )
        response = client.get(f"/api/v1/batches/{batch_id}{path}", headers=bearer(mine))
        assert response.status_code == 404 and response.is_json, path
    assert client.get("/api/v1/batches", headers=bearer(mine)).json["batches"] == []
    unknown = client.get("/api/v1/batches/B-NOSUCHBTCH", headers=bearer(mine))
    assert (
        unknown.status_code == 404
        and unknown.json == client.get("/api/v1/batches/B-NOSUCHBTCH", headers=bearer(theirs)).json
    )


def test_rate_limit_per_key_in_memory(tmp_path):
    app = make_app(tmp_path, ONBOARD_API_RATE_LIMIT="3 per minute")
    client = app.test_client()
    _, first = agency_with_key(app, "First")
    _, second = agency_with_key(app, "Second")
    codes = [client.get("/api/v1/agency", headers=bearer(first)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/agency", headers=bearer(first))
    assert limited.is_json and int(limited.headers["Retry-After"]) > 0
    assert client.get("/api/v1/agency", headers=bearer(second)).status_code == 200


def _redis_or_skip() -> None:
    import redis  # noqa: PLC0415

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")


def test_rate_limit_per_key_in_redis_is_shared_by_processes(tmp_path):
    """Two app instances (two gunicorn workers) share one count in Redis."""
    _redis_or_skip()
    prefix = f"onboard-test-{uuid.uuid4().hex[:12]}"
    settings = {
        "ONBOARD_API_RATE_LIMIT": "4 per minute",
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
    }
    one = make_app(tmp_path / "one", **settings)
    _, key = agency_with_key(one, "Shared")
    # the second "worker" sees the same database
    two = make_app(tmp_path / "two", DATABASE_URL=one.config["DATABASE_URL"], **settings)
    codes = []
    for client in (one.test_client(), two.test_client()) * 3:
        codes.append(client.get("/api/v1/agency", headers=bearer(key)).status_code)
    assert codes.count(200) == 4 and codes[4:] == [429, 429]


# --- batches ------------------------------------------------------------------------------


def test_batch_end_to_end_csv(db_app: Flask):
    """On SQLite, then on PostgreSQL."""
    app, client = db_app, db_app.test_client()
    _, key = agency_with_key(app, "Batcher")
    rows = [
        eligible(),
        another_seller(change(eligible(), store__rating=3.8), 1),
        another_seller(eligible("ebay"), 2),
    ]
    bad = "2026-11-22,CN,,,,,,,,,amazon,,,,high" + "," * (len(csv_file([]).split(b",")) - 15)
    created = upload(client, key, csv_file(rows, [bad]))
    assert created.status_code == 202, created.json
    assert created.headers["Location"].endswith(created.json["id"])
    assert created.json["total"] == 4
    body = wait_done(client, key, created.json["id"])
    assert (body["state"], body["total"], body["done"], body["failed"]) == ("done", 4, 4, 1)
    assert body["verdicts"]["eligible"] == 2 and body["verdicts"]["ineligible"] == 1
    results = client.get(body["links"]["results"], headers=bearer(key)).json
    assert [r["state"] for r in results["rows"]] == ["done", "done", "done", "error"]
    assert results["rows"][0]["report"]["verdict"] == "eligible"
    assert results["rows"][1]["changes"][0]["text"]["en"] == "rating 3.8 → ≥ 4.0"
    assert "store.rating" in results["rows"][3]["errors"]
    assert results["summary"]["top_failing_rules"] == [{"code": "store.rating", "rows": 1}]
    one = client.get(f"/api/v1/batches/{body['id']}/rows/2", headers=bearer(key)).json
    assert one["report"]["checks"] and one["changes"][0]["field"] == "store.rating"
    table = list(
        csv.DictReader(io.StringIO(client.get(body["links"]["csv"], headers=bearer(key)).text))
    )
    assert [line["verdict"] for line in table] == ["eligible", "ineligible", "eligible", "error"]
    assert (
        table[1]["to_fix"] == "rating 3.8 → ≥ 4.0"
        and table[1]["to_fix_zh"] == "店铺评分 3.8 → ≥ 4.0"
    )
    html = client.get(body["links"]["html"], headers=bearer(key))
    assert (
        html.mimetype == "text/html" and "script-src" not in html.headers["Content-Security-Policy"]
    )
    assert "rating 3.8 → ≥ 4.0" in html.text and "store.rating" in html.text


def test_batch_jsonl_with_documents_zip(app: Flask, client):
    _, key = agency_with_key(app, "Docs")
    good = eligible()
    names = {kind: f"client1/{kind}.png" for kind in good.documents}
    first = change(good, documents=names)
    second = another_seller(
        change(good, documents={**names, "legal_rep_id": "client2/missing.png"})
    )
    archive = {name: png() for name in names.values()}
    archive["client1/business_license.png"] = b"GIF89a" + b"\0" * 64  # not an allowed format
    archive["../../escape.png"] = png()
    created = upload(
        client, key, jsonl_file([first, second]), "c.jsonl", documents=zip_file(archive)
    )
    assert created.status_code == 202, created.json
    assert created.json["documents"] == len(names)  # the escaping name is not taken
    body = wait_done(client, key, created.json["id"])
    rows = client.get(body["links"]["results"], headers=bearer(key)).json["rows"]
    formats = {
        c["field"]: c["status"]
        for c in rows[0]["report"]["checks"]
        if c["code"] == "document.format"
    }
    assert (
        formats["documents.business_license"] == "fail"
        and formats["documents.legal_rep_id"] == "pass"
    )
    assert rows[0]["changes"][0]["action"] == "replace"
    # A name the zip lacks is declared, not inspected (as `onboard check` without the file).
    (declared,) = [c for c in rows[1]["report"]["checks"] if c["field"] == "documents.legal_rep_id"]
    assert rows[1]["state"] == "done" and declared["actual"] == "declared"
    assert "not inspected" in declared["message"]["en"]


def test_idempotency_key_returns_the_same_batch(app: Flask, client):
    _, key = agency_with_key(app, "Retrier")
    data = csv_file([eligible()])
    first = upload(client, key, data, headers={"Idempotency-Key": "upload-1"})
    again = upload(client, key, data, headers={"Idempotency-Key": "upload-1"})
    assert (first.status_code, again.status_code) == (202, 200)
    assert first.json["id"] == again.json["id"]
    other = upload(
        client, key, csv_file([eligible("ebay")]), headers={"Idempotency-Key": "upload-1"}
    )
    assert other.status_code == 422 and "Idempotency-Key" in other.json["errors"]
    _, key2 = agency_with_key(app, "Other agency")
    theirs = upload(client, key2, data, headers={"Idempotency-Key": "upload-1"})
    assert theirs.status_code == 202 and theirs.json["id"] != first.json["id"]
    assert len(client.get("/api/v1/batches", headers=bearer(key)).json["batches"]) == 1


@pytest.mark.parametrize(
    ("data", "filename", "status", "field"),
    [
        (b"", "c.csv", 422, "file"),
        (b"store.rating,colour\n4.5,red\n", "c.csv", 422, "file"),
        (b"store.rating\n", "c.csv", 422, "file"),
        (b"{}\n", "c.txt", 415, "file"),
        (b"{}\n", "c.xlsx", 422, "file"),  # not a workbook
    ],
)
def test_unusable_files_are_refused_at_once(app: Flask, client, data, filename, status, field):
    _, key = agency_with_key(app, "Sloppy")
    response = upload(client, key, data, filename)
    assert response.status_code == status and field in response.json["errors"]


def test_bad_rows_never_stop_the_batch(app: Flask, client):
    _, key = agency_with_key(app, "Mixed")
    lines = [
        b'{"store": {"rating": "high"}}',
        b"not json",
        b"\xff\xfe broken",
        jsonl_file([eligible()]).strip(),
        b'{"hobby": "golf"}',
    ]
    created = upload(client, key, b"\n".join(lines) + b"\n", "c.jsonl")
    body = wait_done(client, key, created.json["id"])
    assert (body["done"], body["failed"], body["verdicts"]["eligible"]) == (5, 4, 1)
    rows = client.get(body["links"]["results"], headers=bearer(key)).json["rows"]
    assert list(rows[0]["errors"]) == ["store.rating"] and "hobby" in rows[4]["errors"]
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5]


def test_a_retried_chunk_never_judges_a_row_twice(app: Flask, client):
    """The job is idempotent: running every chunk again changes nothing."""
    from onboard import jobs  # noqa: PLC0415

    _, key = agency_with_key(app, "Twice")
    created = upload(
        client, key, csv_file([eligible(), another_seller(change(eligible(), store__rating=3.0))])
    )
    wait_done(client, key, created.json["id"])
    with app.app_context():
        before = [
            (r.id, r.state, r.verdict, r.report_z, r.finished_at)
            for r in db.session.scalars(db.select(BatchRow))
        ]
    jobs.run_now(app, "batch.chunk", (1, 1, 2))
    with app.app_context():
        after = [
            (r.id, r.state, r.verdict, r.report_z, r.finished_at)
            for r in db.session.scalars(db.select(BatchRow))
        ]
    assert before == after and len(after) == 2


def test_as_of_and_rules_version_are_fixed_at_upload(app: Flask, client, ruleset):
    _, key = agency_with_key(app, "Future")
    young = change(eligible(), as_of=None, store__opened_on=date(2026, 10, 1))
    created = upload(
        client, key, csv_file([young]), query=f"?as_of=2026-11-22&rules_version={ruleset.version}"
    )
    body = wait_done(client, key, created.json["id"])
    assert (body["as_of"], body["rules_version"]) == ("2026-11-22", ruleset.version)
    row = client.get(f"/api/v1/batches/{body['id']}/rows/1", headers=bearer(key)).json
    assert row["changes"][0]["text"]["en"] == (
        "apply on or after 2027-01-01, when the store has been open long enough"
    )
    missing = upload(client, key, csv_file([young]), query="?rules_version=1999.1")
    assert missing.status_code == 404


def test_prescreen_explain_adds_changes(client):
    data = application_to_dict(change(eligible(), store__rating=3.8))
    plain = client.post("/api/v1/prescreen", json=data).json
    assert "changes" not in plain
    explained = client.post("/api/v1/prescreen?explain=true", json=data).json
    assert explained["checks"] == plain["checks"]
    assert [c["text"]["en"] for c in explained["changes"]] == ["rating 3.8 → ≥ 4.0"]


def test_openapi_documents_the_batch_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {
        "/api/v1/batches",
        "/api/v1/batches/{batch_id}",
        "/api/v1/batches/{batch_id}/results",
    } <= set(paths)


# --- the documents zip, hostile -----------------------------------------------------------


def test_zip_slip_names_are_refused_and_nothing_is_written_by_name(tmp_path):
    stored: dict[str, bytes] = {}

    def store(data: bytes) -> str:
        stored[str(len(stored))] = data
        return str(len(stored) - 1)

    archive = zip_file(
        {
            "../evil.png": b"x",
            "/abs.png": b"x",
            "C:\\win.png": b"x",
            "a/./b/../c.png": b"x",
            "ok/id.png": b"y",
        }
    )
    result = documents_zip.unpack(
        io.BytesIO(archive), store, max_member=100, max_total=1000, max_members=10
    )
    assert list(result.files) == ["ok/id.png"]
    assert set(result.skipped) == {"../evil.png", "/abs.png", "C:\\win.png", "a/./b/../c.png"}
    assert not list(tmp_path.iterdir())


def test_zip_bombs_are_bounded_by_inflated_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(3):
            archive.writestr(f"bomb{n}.png", b"\0" * (4 * 1024 * 1024))  # 4 MiB -> ~4 KB
    seen: list[int] = []

    def store(data: bytes) -> str:
        seen.append(len(data))
        return "x"

    with pytest.raises(Exception) as caught:
        documents_zip.unpack(
            io.BytesIO(buffer.getvalue()),
            store,
            max_member=5 * 1024 * 1024,
            max_total=6 * 1024 * 1024,
            max_members=10,
        )
    assert getattr(caught.value, "status", None) == 413
    small = documents_zip.unpack(
        io.BytesIO(buffer.getvalue()), store, max_member=1000, max_total=10**9, max_members=10
    )
    assert len(small.files) == 3 and seen[-1] == 1000  # cut at the per-file limit
    with pytest.raises(Exception) as many:
        documents_zip.unpack(
            io.BytesIO(buffer.getvalue()), store, max_member=10, max_total=100, max_members=2
        )
    assert getattr(many.value, "status", None) == 413


def test_a_broken_zip_is_a_clear_error(app: Flask, client):
    _, key = agency_with_key(app, "Broken zip")
    response = upload(client, key, csv_file([eligible()]), documents=b"PK\x03\x04 not really")
    assert response.status_code == 422 and "documents" in response.json["errors"]


# --- the command line for admins ---------------------------------------------------------


def test_agency_and_key_commands(tmp_path, monkeypatch):
    from click.testing import CliRunner  # noqa: PLC0415

    from onboard.cli import main  # noqa: PLC0415

    monkeypatch.setenv("ONBOARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    runner = CliRunner()
    created = runner.invoke(
        main, ["agencies", "create", "Star Agency", "--webhook", "https://example.com/hook"]
    )
    assert created.exit_code == 0, created.output
    assert "webhook secret (shown once): whsec_" in created.output
    again = runner.invoke(main, ["agencies", "create", "Star Agency"])
    assert again.exit_code == 2
    made = runner.invoke(main, ["keys", "create", "Star Agency", "--name", "laptop"])
    assert made.exit_code == 0, made.output
    key = made.output.strip().splitlines()[-1]
    assert key.startswith("obk_")
    listing = runner.invoke(main, ["keys", "list", "Star Agency"])
    assert "laptop" in listing.output and key not in listing.output and "live" in listing.output
    key_id = listing.output.split()[0]
    assert runner.invoke(main, ["keys", "revoke", key_id]).exit_code == 0
    assert "revoked" in runner.invoke(main, ["keys", "list", "Star Agency"]).output
    assert runner.invoke(main, ["keys", "create", "Nobody"]).exit_code == 2
    assert "Star Agency" in runner.invoke(main, ["agencies", "list"]).output
