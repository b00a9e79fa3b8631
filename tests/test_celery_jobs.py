"""The Celery path against the real Redis with real worker processes: a batch checked by
``celery -A onboard.worker worker``, and a worker SIGKILLed mid-batch whose unacknowledged
job a new worker finishes, with no row lost, duplicated or judged twice."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from onboard.eligibility.engine import evaluate
from onboard.extensions import db
from onboard.models import Batch, BatchRow
from tests import celeryharness as harness
from tests.agencyhelpers import agency_with_key, bearer, csv_file, upload, wait_done
from tests.conftest import make_app
from tests.factories import another_seller, change, eligible

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("celery")]


@pytest.fixture
def celery_app(tmp_path: Path) -> Iterator[Flask]:
    problem = harness.redis_problem()
    if problem:
        pytest.skip(f"Redis not reachable at {harness.REDIS_URL}: {problem}")
    queue = harness.new_queue()
    app = make_app(
        tmp_path,
        ONBOARD_BROKER_URL=harness.REDIS_URL,
        ONBOARD_JOBS_QUEUE=queue,
        ONBOARD_JOBS_VISIBILITY_TIMEOUT=4,
        ONBOARD_BATCH_CHUNK_ROWS=25,
        # Kombu's Redis transport pops a message, then records it as unacknowledged: a
        # worker killed between the two loses the message. Polling resumes such a batch.
        ONBOARD_BATCH_STALL_SECONDS=8,
    )
    yield app
    harness.drop_queue_keys(queue)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def clients(count: int) -> list[Any]:
    """Applications of distinct sellers whose verdicts differ (ratings 3.0 to 4.9 on amazon):
    a batch's rows may not share a license number, phone, email or shop name."""
    base = eligible()
    return [
        another_seller(change(base, store__rating=round(3.0 + (n % 20) / 10, 1)), n)
        for n in range(count)
    ]


def stored_rows(app: Flask) -> list[tuple[int, str, str | None, bytes | None, Any]]:
    with app.app_context():
        rows = db.session.execute(
            db.select(
                BatchRow.row,
                BatchRow.state,
                BatchRow.verdict,
                BatchRow.report_z,
                BatchRow.finished_at,
            ).order_by(BatchRow.row)
        ).all()
        db.session.commit()
        return [tuple(row) for row in rows]


def test_a_batch_checked_by_a_celery_worker(celery_app: Flask, tmp_path: Path, ruleset):
    applications = clients(120)
    _, key = agency_with_key(celery_app, "Celery agency")
    client = celery_app.test_client()
    worker = harness.start_worker(harness.worker_env(celery_app.config), "w1", tmp_path / "w1.log")
    try:
        created = upload(client, key, csv_file(applications))
        body = wait_done(client, key, created.json["id"], timeout=90)
    finally:
        harness.stop(worker)
    assert (body["state"], body["done"], body["failed"]) == ("done", 120, 0), (
        tmp_path / "w1.log"
    ).read_text()[-3000:]
    rows = client.get(
        body["links"]["results"] + "?limit=1000&reports=false", headers=bearer(key)
    ).json
    expected = [evaluate(app, ruleset).verdict.value for app in applications]
    assert [row["verdict"] for row in rows["rows"]] == expected


def test_a_worker_killed_mid_batch_loses_and_repeats_nothing(
    celery_app: Flask, tmp_path: Path, ruleset
):
    total = 1500
    applications = clients(total)
    _, key = agency_with_key(celery_app, "Kill agency")
    client = celery_app.test_client()
    env = harness.worker_env(celery_app.config)
    created = upload(client, key, csv_file(applications))
    batch_id = created.json["id"]
    first = harness.start_worker(env, "first", tmp_path / "first.log")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = client.get(f"/api/v1/batches/{batch_id}", headers=bearer(key)).json["done"]
            if done >= 200:
                break
            time.sleep(0.05)
        harness.kill(first)  # SIGKILL the whole worker, mid-job: its message stays unacked
    finally:
        harness.kill(first)
    before = {row[0]: row for row in stored_rows(celery_app) if row[1] == "done"}
    assert 200 <= len(before) < total, "the worker was not killed mid-batch"
    time.sleep(0.5)
    assert {row[0] for row in stored_rows(celery_app) if row[1] == "done"} == set(before)

    second = harness.start_worker(env, "second", tmp_path / "second.log")
    try:
        body = wait_done(client, key, batch_id, timeout=120)
    finally:
        harness.stop(second)
    logs = (tmp_path / "second.log").read_text()[-3000:]
    assert (body["state"], body["total"], body["done"], body["failed"]) == (
        "done",
        total,
        total,
        0,
    ), logs
    after = stored_rows(celery_app)
    assert [row[0] for row in after] == list(range(1, total + 1))  # none lost, none twice
    assert all(row[1] == "done" for row in after)
    for number, row in before.items():  # rows finished before the kill were not judged again
        assert after[number - 1] == row
    expected = [evaluate(app, ruleset).verdict.value for app in applications]
    assert [row[2] for row in after] == expected
    with celery_app.app_context():
        batch = db.session.scalar(db.select(Batch))
        assert batch.state == "done" and batch.finished_at is not None
        assert date.fromisoformat(batch.as_of)
