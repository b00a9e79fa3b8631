"""Stored applications on SQLite and PostgreSQL: drafts, documents, submission, resume links."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from PIL import Image

from onboard import repository
from onboard.errors import InputError
from onboard.extensions import db
from onboard.intake.schemas import application_to_dict
from onboard.storage import DocumentStore, StorageError
from onboard.usecases import applications
from tests.factories import eligible


def jpeg_with_exif_and_payload() -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", (640, 400), (30, 90, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    image.save(buffer, "JPEG", exif=exif, comment=b"hidden comment")
    return buffer.getvalue() + b"<?php system($_GET['c']); ?>"


def test_migrations_match_the_models(db_app: Flask):
    with db_app.app_context(), db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def test_draft_saved_section_by_section(db_app: Flask):
    data = application_to_dict(eligible())
    with db_app.app_context():
        record = repository.create_draft("en")
        repository.save_sections(record, {"entity": data["entity"]})
        repository.save_sections(record, {"store": {"platform": "amazon", "rating": 4.5}})
        repository.save_sections(record, {"store": {"rating": 4.7}})
        db.session.commit()
        public_id = record.public_id
    with db_app.app_context():
        again = repository.get_application(public_id)
        assert again is not None
        app = repository.application_of(again)
        assert app.store.rating == 4.7 and app.store.platform == "amazon"
        assert again.license_number == data["entity"]["license_number"]


def test_bad_section_names_the_field_and_stores_nothing(db_app: Flask):
    with db_app.app_context():
        record = repository.create_draft()
        repository.save_sections(record, {"store": {"rating": 4.5}})
        with pytest.raises(InputError) as caught:
            repository.save_sections(record, {"store": {"rating": "high"}})
        assert "store.rating" in caught.value.errors
        assert record.data["store"]["rating"] == 4.5


def test_documents_are_reencoded_stored_by_hash_and_replaced(db_app: Flask):
    raw = jpeg_with_exif_and_payload()
    with db_app.app_context():
        record = repository.create_draft()
        first = applications.attach_document(
            record, "gmv_screenshot", io.BytesIO(raw), "../../etc/gmv\x00.jpg"
        )
        stored = repository.document_store().read(first.sha256)
        assert (
            b"SecretCam" not in stored
            and b"hidden comment" not in stored
            and b"<?php" not in stored
        )
        assert first.original_name == "gmv.jpg" and first.mime_type == "image/jpeg"
        png = io.BytesIO()
        Image.new("RGB", (50, 50)).save(png, "PNG")
        png.seek(0)
        second = applications.attach_document(record, "gmv_screenshot", png, "gmv.png")
        assert [d.kind for d in record.documents] == ["gmv_screenshot"]
        assert second.mime_type == "image/png"
        with pytest.raises(applications.DocumentRejected) as caught:
            applications.attach_document(
                record, "legal_rep_id", io.BytesIO(b"GIF89a" + b"\0" * 40), "id.jpg"
            )
        assert caught.value.facts.problem == "unsupported_format"
        assert repository.remove_document(record, "gmv_screenshot")
        assert record.documents == []


def test_submit_stores_version_evaluation_and_checks(db_app: Flask):
    data = application_to_dict(eligible())
    data.pop("documents")
    with db_app.app_context():
        record = repository.create_draft()
        repository.save_sections(record, data)
        report = applications.submit(record)
        db.session.commit()
        assert record.state == "submitted" and record.version == 1
        assert record.versions[0].data["store"]["rating"] == 4.6
        evaluation = record.evaluations[-1]
        assert evaluation.verdict == report.verdict.value
        assert len(evaluation.checks) == len(report.checks)
        # uniqueness rules run against the stored applications
        assert report.by_code("entity.license_duplicate")[0].status == "pass"


def test_duplicates_across_live_applications(db_app: Flask):
    data = application_to_dict(eligible())
    data.pop("documents")
    with db_app.app_context():
        first = repository.create_draft()
        repository.save_sections(first, data)
        applications.submit(first)
        second = repository.create_draft()
        shouting = {**data, "shop": {**data["shop"], "name": "  STARRIVER   home "}}
        repository.save_sections(second, shouting)
        report = applications.evaluate_record(second)
        for code in (
            "entity.license_duplicate",
            "shop.name_unique",
            "contact.phone",
            "contact.email",
        ):
            check = report.by_code(code)[0]
            assert check.status == "fail", code
            assert check.evidence["duplicates"] == [first.public_id]


def test_resume_links_expire_and_can_be_revoked(db_app: Flask):
    with db_app.app_context():
        record = repository.create_draft()
        old = repository.issue_resume_token(record, ttl=timedelta(seconds=-1))
        assert repository.application_for_token(old) is None  # expired
        first = repository.issue_resume_token(record)
        token = repository.issue_resume_token(record)
        assert repository.application_for_token(token) is record
        assert repository.application_for_token(first) is None  # a new link revokes the last
        assert repository.application_for_token("nonsense") is None
        assert repository.application_for_token("x" * 5000) is None
        assert repository.revoke_resume_tokens(record) == 1
        assert repository.application_for_token(token) is None


def test_store_refuses_traversal_and_leaves_nothing_half_written(tmp_path, monkeypatch):
    store = DocumentStore(tmp_path)
    with pytest.raises(StorageError):
        store.path_for("../" + "a" * 61)
    sha = store.put(b"hello")
    assert store.read(sha) == b"hello" and store.put(b"hello") == sha

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", disk_full)
    with pytest.raises(StorageError, match="No space left"):
        store.put(b"another file")
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and p.name.startswith(".upload-")]
    assert leftovers == []
