"""Faults the service must ride out without losing what it acknowledged (issue 7 §4):

* SQLite under writers from several processes and threads at once: no "database is locked"
  reaches anyone (every transaction takes the write lock first, with a busy timeout);
* the database out of reach for a moment (PostgreSQL behind a proxy we cut), or locked for
  longer than the busy timeout (SQLite): a clear 503 with ``Retry-After`` — JSON under
  ``/api/``, a page elsewhere — and everything committed before is still there after;
* the disk full while an upload is stored: a clear 507, no half-written file, no row.

(Concurrent submissions of one license number and a Celery worker killed mid-job are tested
with the desk and the agencies: ``test_duplicates.py``, ``test_celery_jobs.py``.)
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from onboard import database
from onboard.extensions import db
from onboard.models import ApplicationRecord, DocumentRecord
from tests import imagefactory
from tests.agencyhelpers import agency_with_key
from tests.conftest import make_app
from tests.test_apply import Draft, fill

ROOT = Path(__file__).resolve().parent.parent


# --- SQLite under concurrent writers --------------------------------------------------------

_WRITER = r"""
import json, sys
from collections import Counter
from onboard import create_app

data_dir, url, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
app = create_app({"TESTING": True, "ONBOARD_DATA_DIR": data_dir, "DATABASE_URL": url,
                  "SECRET_KEY": "w", "WTF_CSRF_ENABLED": False, "ONBOARD_OCR": False})
client = app.test_client()
statuses, locked = Counter(), 0
for i in range(rounds):
    created = client.post("/apply/")
    statuses[created.status_code] += 1
    token = created.location.split("/apply/")[1].split("/")[0]
    saved = client.post(f"/apply/{token}/company", data={
        "entity.region": "CN", "entity.company_name": f"Writer {i}", "go": "stay"})
    statuses[saved.status_code] += 1
    locked += b"locked" in created.data + saved.data
print(json.dumps({"statuses": statuses, "locked": locked}))
"""


def test_sqlite_takes_writers_from_several_processes(tmp_path: Path):
    app = make_app(tmp_path)
    url, data_dir = app.config["DATABASE_URL"], app.config["ONBOARD_DATA_DIR"]
    processes, rounds = 4, 25
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, data_dir, url, str(rounds)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(processes)
    ]
    totals: Counter[int] = Counter()
    for writer in writers:
        out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
        result = json.loads(out.strip().splitlines()[-1])
        assert result["locked"] == 0
        totals.update({int(code): n for code, n in result["statuses"].items()})
    assert totals == {302: 2 * processes * rounds}
    with app.app_context():
        names = db.session.scalars(select(ApplicationRecord.data)).all()
        assert len(names) == processes * rounds  # every acknowledged draft, once
        assert all(data["entity"]["company_name"].startswith("Writer") for data in names)
        db.engine.dispose()


def test_sqlite_takes_writers_from_several_threads(app: Flask):
    app.config["WTF_CSRF_ENABLED"] = False
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def work(n: int) -> None:
        # each writer from its own address: new drafts are limited per client (issue 14)
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{n}"
        for i in range(15):
            created = client.post("/apply/")
            token = created.location.split("/apply/")[1].split("/")[0]
            saved = client.post(
                f"/apply/{token}/company",
                data={"entity.region": "HK", "entity.company_name": f"T{i}", "go": "stay"},
            )
            with lock:
                statuses.update([created.status_code, saved.status_code])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert statuses == {302: 6 * 15 * 2}
    with app.app_context():
        assert db.session.scalar(select(func.count(ApplicationRecord.id))) == 6 * 15


# --- the database out of reach or locked ----------------------------------------------------


class Proxy:
    """A TCP proxy to PostgreSQL that can be cut (listener and live connections) and
    restored on the same port: the database "unreachable for a moment"."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        if self.listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not, and
            # the kernel would go on accepting connections on the old socket.
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets.clear()


@pytest.fixture
def postgres_behind_proxy(tmp_path: Path, postgres_url: str) -> Iterator[tuple[Flask, Proxy]]:
    host_port = postgres_url.split("@", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    proxy = Proxy((host, int(port)))
    proxy.start()
    url = postgres_url.replace(host_port, f"127.0.0.1:{proxy.port}")
    app = make_app(tmp_path, DATABASE_URL=url)
    yield app, proxy
    proxy.cut()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _assert_unavailable_page(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert response.mimetype == "text/html"
    assert "Traceback" not in response.text and "psycopg" not in response.text


def _assert_unavailable_json(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert response.json["status"] == 503 and "try again" in response.json["message"]


@pytest.mark.postgres
def test_postgres_out_of_reach_is_503_and_loses_nothing(postgres_behind_proxy):
    app, proxy = postgres_behind_proxy
    client = app.test_client()
    draft = Draft(client)
    fill(draft)
    _agency, key = agency_with_key(app, "Outage agency")
    api = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/batches", headers=api).status_code == 200

    proxy.cut()
    _assert_unavailable_page(draft.get("company"))
    _assert_unavailable_page(draft.post("company", {"entity.company_name": "Lost?"}, go="stay"))
    _assert_unavailable_json(client.get("/api/v1/batches", headers=api))
    assert client.get("/healthz").status_code in (200, 503)

    proxy.start()  # the same port again: the pool reconnects on its own
    page = draft.get("company")
    assert page.status_code == 200
    assert "Starriver" in draft.get("shop").text  # what was saved before the outage
    assert client.get("/api/v1/batches", headers=api).status_code == 200
    retried = draft.post("company", {"entity.company_name": "After the outage"}, go="stay")
    assert retried.status_code == 302


def test_sqlite_locked_past_the_busy_timeout_is_503(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 300)
    app = make_app(tmp_path)
    client = app.test_client()
    draft = Draft(client)
    fill(draft)
    _agency, key = agency_with_key(app, "Locked agency")
    with app.app_context():
        db.engine.dispose()  # new connections get the short timeout
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        _assert_unavailable_page(draft.post("company", {"entity.company_name": "X"}, go="stay"))
        _assert_unavailable_json(
            client.get("/api/v1/batches", headers={"Authorization": f"Bearer {key}"})
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert draft.get("company").status_code == 200
    assert "Starriver" in draft.get("shop").text
    with app.app_context():
        db.engine.dispose()


def test_a_query_bug_is_still_a_500_not_a_503(app: Flask):
    """Only faults of the server's surroundings are 503: a broken query stays a 500."""
    from sqlalchemy import text  # noqa: PLC0415

    def broken() -> str:
        db.session.execute(text("SELECT * FROM no_such_table"))
        return "unreachable"

    app.add_url_rule("/api/v1/broken", "broken", broken)
    response = app.test_client().get("/api/v1/broken")
    assert response.status_code == 500 and "Retry-After" not in response.headers


# --- the disk full while an upload is stored ------------------------------------------------


def _disk_full(*_args: object, **_kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_disk_full_while_storing_an_upload(app: Flask, client, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    draft = Draft(client)
    fill(draft)
    store = Path(app.config["ONBOARD_DATA_DIR"]) / "documents"
    before = _files_under(store)
    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", _disk_full)
        refused = draft.upload("legal_rep_id", imagefactory.png(30, 30), "id.png")
    assert refused.status_code == 507
    assert refused.headers["Retry-After"].isdigit() and refused.mimetype == "text/html"
    assert _files_under(store) == before  # no temporary file, no half-written document
    with app.app_context():
        assert db.session.scalar(select(func.count(DocumentRecord.id))) == 0
    # Space again: the same upload goes through.
    assert draft.upload("legal_rep_id", imagefactory.png(30, 30), "id.png").status_code == 302
    assert len(_files_under(store)) == len(before) + 1


def test_disk_full_under_the_api_is_json_507(app: Flask, monkeypatch: pytest.MonkeyPatch):
    """A batch that brings documents stores them: a full disk is a JSON 507, no batch."""
    import io  # noqa: PLC0415
    import zipfile  # noqa: PLC0415

    _agency, key = agency_with_key(app, "Full-disk agency")
    documents = io.BytesIO()
    with zipfile.ZipFile(documents, "w") as archive:
        archive.writestr("id.png", imagefactory.png(30, 30))
    row = json.dumps({"entity": {"region": "CN"}, "documents": {"legal_rep_id": "id.png"}})
    monkeypatch.setattr(os, "fsync", _disk_full)
    response = app.test_client().post(
        "/api/v1/batches",
        headers={"Authorization": f"Bearer {key}"},
        data={
            "file": (io.BytesIO(row.encode()), "rows.jsonl"),
            "documents": (io.BytesIO(documents.getvalue()), "docs.zip"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 507, response.json
    assert response.json["status"] == 507 and response.headers["Retry-After"].isdigit()
    store = Path(app.config["ONBOARD_DATA_DIR"]) / "documents"
    assert _files_under(store) == []
