"""Applicants' personal data (issue 7 §7): masked in logs, exported and erased by an admin
command, and abandoned drafts purged after the retention period."""

from __future__ import annotations

import hashlib
import json
import logging
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from onboard import repository
from onboard.cli import main
from onboard.extensions import db
from onboard.models import (
    ApplicationRecord,
    ApplicationVersion,
    AuditEvent,
    DocumentRecord,
    LiveClaim,
    OutboxEmail,
    ResumeToken,
    utcnow,
)
from onboard.usecases import privacy
from tests import imagefactory
from tests.test_apply import Draft, fill

LICENSE = "91440300MA5FXXXXXX"
RESIDENT_ID = "440301199001011234"
PHONE = "+86 138 0013 8000"


# --- logs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "shown"),
    [
        (LICENSE, "XXXX"),
        (RESIDENT_ID, "1234"),
        ("A123456(7)", "456(7)"),
        ("E12345678", "5678"),
        (PHONE, "8000"),
        ("13800138000", "8000"),
        ("138-0013-8000", "8000"),
        ("+852 9123 4567", "4567"),
        ("12345678", "5678"),
    ],
)
def test_personal_numbers_are_masked_in_logs(app: Flask, caplog, secret: str, shown: str):
    with caplog.at_level(logging.INFO):
        app.logger.warning("applicant %s wrote %r", "X", f"my number is {secret}.")
    assert secret not in caplog.text
    assert f"{shown}." in caplog.text and privacy.MASK in caplog.text


def test_emails_links_and_keys_are_masked_and_ordinary_text_is_not(app: Flask, caplog):
    token = "AbC_dEf-1234567890abcdefghijklmnopqrstuvwxyz0"
    key = "obk_" + "k" * 43
    with caplog.at_level(logging.INFO):
        app.logger.info(
            "GET /apply/%s/company from ops@example.cn with %s at 2026-11-22 10:55:21 "
            "for A-7KQ2M9XD4P (sha 3f27d889d5a2, port 5432, 0.21 s)",
            token,
            key,
        )
    text = caplog.text
    assert token not in text and key[4:] not in text and "ops@" not in text
    assert "o•••@example.cn" in text
    assert "2026-11-22 10:55:21" in text and "A-7KQ2M9XD4P" in text and "port 5432" in text


def test_exceptions_in_logs_are_masked_too(app: Flask, client: FlaskClient, caplog):
    def boom(token: str) -> str:
        raise RuntimeError(f"license {LICENSE} of {PHONE} failed")

    app.add_url_rule("/apply/<token>/boom", "boom", boom)
    token = "Q" * 43
    with caplog.at_level(logging.ERROR):
        assert client.get(f"/apply/{token}/boom").status_code == 500
    assert "RuntimeError" in caplog.text  # the traceback is logged ...
    assert LICENSE not in caplog.text and "138 0013" not in caplog.text  # ... masked
    assert token not in caplog.text


# --- export and erasure -------------------------------------------------------------------


def applicant(client: FlaskClient, *, shared: bytes, own: bytes, submit: bool = True) -> Draft:
    draft = Draft(client)
    fill(draft)
    assert draft.upload("legal_rep_id", shared, "id.png").status_code == 302
    assert draft.upload("seller_info_screenshot", own, "shot.png").status_code == 302
    if submit:
        done = client.post(f"{draft.base}/submit", data={"csrf_token": draft.csrf})
        assert done.status_code == 302
    return draft


def cli_runner(app: Flask, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The command line on the test app's data directory and database."""
    monkeypatch.setenv("ONBOARD_DATA_DIR", app.config["ONBOARD_DATA_DIR"])
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("ONBOARD_SECRET_KEY", "privacy-tests")
    return CliRunner()


@pytest.fixture
def cli_env(app: Flask, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    return cli_runner(app, monkeypatch)


def public_id(app: Flask, draft: Draft) -> str:
    with app.app_context():
        return str(draft.record().public_id)


def test_export_writes_everything_about_one_applicant(
    app: Flask, client: FlaskClient, cli_env: CliRunner, tmp_path: Path
):
    shared, own = imagefactory.png(40, 30), imagefactory.jpeg(50, 40)
    draft = applicant(client, shared=shared, own=own)
    ident = public_id(app, draft)
    out = tmp_path / "exports"
    out.mkdir()
    result = cli_env.invoke(main, ["privacy", "export", ident, "--out", str(out)])
    assert result.exit_code == 0, result.output
    archive_path = out / f"{ident}.zip"
    assert archive_path.stat().st_mode & 0o077 == 0  # personal data: owner only
    with zipfile.ZipFile(archive_path) as archive:
        data = json.loads(archive.read("application.json"))
        names = set(archive.namelist())
        files = {name: archive.read(name) for name in names if name.startswith("documents/")}
    assert data["application"]["public_id"] == ident
    assert data["application"]["answers"]["entity"]["company_name"]
    assert {d["kind"] for d in data["documents"]} == {"legal_rep_id", "seller_info_screenshot"}
    assert data["versions"][0]["number"] == 1 and data["evaluations"][0]["checks"]
    assert data["resume_links"] and "token_hash" not in json.dumps(data["resume_links"])
    # Every stored file is in the zip, byte for byte, where application.json says.
    store = Path(app.config["ONBOARD_DATA_DIR"]) / "documents"
    for document in data["documents"]:
        content = files[data["files"][document["sha256"]]]
        assert hashlib.sha256(content).hexdigest() == document["sha256"]
        assert (store / document["sha256"][:2] / document["sha256"][2:4]).is_dir()
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "privacy_exported" in actions
    unknown = cli_env.invoke(main, ["privacy", "export", "A-NOSUCHONE2", "--out", str(out)])
    assert unknown.exit_code == 2 and "A-NOSUCHONE2" in unknown.stderr


def _count(model: type, **where: object) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return int(db.session.scalar(query) or 0)


def test_erase_deletes_rows_and_unshared_files_and_leaves_a_trace(
    db_app: Flask, monkeypatch: pytest.MonkeyPatch
):
    app, client, cli_env = db_app, db_app.test_client(), cli_runner(db_app, monkeypatch)
    shared, own, other = imagefactory.png(40, 30), imagefactory.jpeg(50, 40), imagefactory.png(9, 9)
    first = applicant(client, shared=shared, own=own)
    second = applicant(app.test_client(), shared=shared, own=other)
    ident, kept = public_id(app, first), public_id(app, second)
    with app.app_context():
        record = repository.get_application(ident)
        row_id = record.id
        own_hash = next(d.sha256 for d in record.documents if d.kind == "seller_info_screenshot")
        shared_hash = next(d.sha256 for d in record.documents if d.kind == "legal_rep_id")
        db.session.execute(update(OutboxEmail).values(application_id=row_id))
        db.session.add(AuditEvent(actor="applicant", action="viewed", application_id=row_id))
        db.session.commit()

    refused = cli_env.invoke(main, ["privacy", "erase", ident], input="n\n")
    assert refused.exit_code != 0
    result = cli_env.invoke(main, ["privacy", "erase", ident, "--yes"])
    assert result.exit_code == 0, result.output
    assert "1 files deleted, 1 kept" in result.stdout

    store = repository.document_store
    with app.app_context():
        assert repository.get_application(ident) is None
        for model in (DocumentRecord, ApplicationVersion, ResumeToken, LiveClaim, OutboxEmail):
            assert _count(model, application_id=row_id) == 0, model
        assert not store().exists(own_hash) and store().exists(shared_hash)
        assert repository.get_application(kept) is not None  # the other applicant's is whole
        trace = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy_erased"))
        assert trace is not None and trace.detail["public_id"] == ident
        assert _count(AuditEvent, application_id=row_id) == 0  # older events kept, unlinked
        assert _count(AuditEvent, action="viewed") == 1
    assert first.get("company").status_code == 404  # the private link opens nothing
    assert second.get("documents/legal_rep_id/file").status_code == 200


# --- retention ----------------------------------------------------------------------------


def _age(app: Flask, draft: Draft, days: int, *, documents_too: bool = True) -> None:
    then = utcnow() - timedelta(days=days)
    with app.app_context():
        record = draft.record()
        db.session.execute(
            update(ApplicationRecord)
            .where(ApplicationRecord.id == record.id)
            .values(updated_at=then, created_at=then)
        )
        if documents_too:
            db.session.execute(
                update(DocumentRecord)
                .where(DocumentRecord.application_id == record.id)
                .values(created_at=then)
            )
        db.session.commit()


def test_purge_drafts_erases_only_abandoned_drafts(
    app: Flask, client: FlaskClient, cli_env: CliRunner
):
    abandoned = applicant(
        client, shared=imagefactory.png(11, 11), own=imagefactory.png(12, 12), submit=False
    )
    fresh_upload = applicant(
        app.test_client(),
        shared=imagefactory.png(13, 13),
        own=imagefactory.png(14, 14),
        submit=False,
    )
    recent = applicant(
        app.test_client(),
        shared=imagefactory.png(15, 15),
        own=imagefactory.png(16, 16),
        submit=False,
    )
    submitted = applicant(
        app.test_client(), shared=imagefactory.png(17, 17), own=imagefactory.png(18, 18)
    )
    _age(app, abandoned, 120)
    _age(app, fresh_upload, 120, documents_too=False)  # its answers are old, a file is new
    _age(app, recent, 30)
    _age(app, submitted, 400)
    ids = {name: public_id(app, d) for name, d in locals().items() if isinstance(d, Draft)}

    dry = cli_env.invoke(main, ["privacy", "purge-drafts", "--older-than", "90d", "--dry-run"])
    assert dry.exit_code == 0 and ids["abandoned"] in dry.stdout
    with app.app_context():
        assert repository.get_application(ids["abandoned"]) is not None

    result = cli_env.invoke(main, ["privacy", "purge-drafts", "--older-than", "90d"])
    assert result.exit_code == 0, result.output
    assert "erased 1 drafts" in result.stdout and "2 files deleted" in result.stdout
    with app.app_context():
        assert repository.get_application(ids["abandoned"]) is None
        for name in ("fresh_upload", "recent", "submitted"):
            assert repository.get_application(ids[name]) is not None, name
        assert _count(AuditEvent, action="draft_purged") == 1

    bad = cli_env.invoke(main, ["privacy", "purge-drafts", "--older-than", "soon"])
    assert bad.exit_code == 2 and "--older-than" in bad.stderr


@pytest.mark.parametrize(("text", "days"), [("90d", 90), ("12w", 84), ("36h", 1.5), (" 7D ", 7)])
def test_ages(text: str, days: float):
    assert privacy.parse_age(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["", "0d", "-3d", "90", "3 months", "d"])
def test_bad_ages(text: str):
    with pytest.raises(ValueError, match="90d"):
        privacy.parse_age(text)
