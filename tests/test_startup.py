"""A fresh install serves at the first click: the servers bring the schema up to date.

Real server processes on empty data folders (`onboard serve`, the Procfile's gunicorn line),
driven over HTTP as a browser would; several processes starting at once on one folder; and a
PostgreSQL database behind the code stopping the server at start with a message.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from onboard import create_app, database

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("servers")]

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBOARD_")}
    env.pop("DATABASE_URL", None)
    env.update(ONBOARD_DATA_DIR=str(data_dir), ONBOARD_OCR="off", **extra)
    return env


@contextmanager
def _running(command: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"the server exited with {process.returncode}:\n{output}")
            try:
                requests.get(base + "/healthz", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):  # not listening, or booting
                if time.monotonic() > deadline:
                    pytest.fail("the server did not answer within 60 s")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match[1]


def _apply_and_submit(base: str) -> None:
    """Start an application from the home page, save a step, submit: no 500 on the way."""
    browser = requests.Session()
    home = browser.get(base + "/", timeout=30)
    assert home.status_code == 200
    started = browser.post(
        base + "/apply/", data={"csrf_token": _csrf(home.text)}, timeout=30, allow_redirects=True
    )
    assert started.status_code == 200, started.text[:500]
    assert "/apply/" in started.url and started.url.endswith("/company?new=1")
    saved = browser.post(
        started.url.split("?")[0],
        data={
            "csrf_token": _csrf(started.text),
            "entity.region": "CN",
            "entity.company_name": "深圳市星河跨境电子商务有限公司",
            "go": "stay",
        },
        timeout=30,
    )
    assert saved.status_code == 200, saved.text[:500]
    token = started.url.split("/apply/")[1].split("/")[0]
    review = browser.get(f"{base}/apply/{token}/review", timeout=30)
    submitted = browser.post(
        f"{base}/apply/{token}/submit", data={"csrf_token": _csrf(review.text)}, timeout=30
    )
    assert submitted.status_code == 200, submitted.text[:500]
    assert submitted.url.endswith(f"/apply/{token}/status")


def test_onboard_serve_on_an_empty_data_folder_takes_an_application(tmp_path: Path):
    data = tmp_path / "fresh"
    port = _free_port()
    command = [str(BIN / "onboard"), "serve", "--port", str(port)]
    with _running(command, _env(data), port) as base:
        _apply_and_submit(base)
    assert (data / "onboard.db").exists()


def test_the_procfile_web_line_on_an_empty_data_folder_takes_an_application(tmp_path: Path):
    procfile = (ROOT / "Procfile").read_text(encoding="utf-8")
    web = next(line for line in procfile.splitlines() if line.startswith("web:"))
    assert "onboard.gunicorn_conf" in web
    port = _free_port()
    command = [
        str(BIN / "gunicorn"),
        "--config",
        "python:onboard.gunicorn_conf",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "onboard:create_app()",
    ]
    with _running(command, _env(tmp_path / "fresh"), port) as base:
        _apply_and_submit(base)


def test_processes_starting_together_migrate_once(tmp_path: Path):
    """Four app processes on one empty folder at once: all start, the schema is current."""
    data = tmp_path / "shared"
    script = "from onboard import create_app; create_app(); print('ok')"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            env=_env(data),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=120)[0].decode() for process in processes]
    assert [process.returncode for process in processes] == [0] * 4, outputs
    app = create_app({"ONBOARD_DATA_DIR": str(data), "SECRET_KEY": "x"})
    current, heads = database.schema_revisions(app)
    assert current == heads and heads
    engine = create_engine(f"sqlite:///{data / 'onboard.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM application")).scalar() == 0
    engine.dispose()


def test_tests_and_other_engines_are_not_migrated_by_create_app(tmp_path: Path):
    app = create_app(
        {
            "TESTING": True,
            "ONBOARD_DATA_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}",
            "SECRET_KEY": "x",
        }
    )
    current, heads = database.schema_revisions(app)
    assert current == set() and heads


@pytest.mark.postgres
def test_an_out_of_date_postgresql_schema_stops_the_server_with_a_message(
    tmp_path: Path, postgres_url: str
):
    app = create_app({"ONBOARD_DATA_DIR": str(tmp_path), "DATABASE_URL": postgres_url})
    with pytest.raises(database.SchemaOutOfDate, match="db upgrade"):
        database.prepare_schema(app)
    result = subprocess.run(
        [str(BIN / "onboard"), "serve", "--port", str(_free_port())],
        env=_env(tmp_path, DATABASE_URL=postgres_url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "schema" in result.stderr and "release step" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.postgres
def test_a_current_postgresql_schema_serves(tmp_path: Path, postgres_url: str):
    from flask_migrate import upgrade  # noqa: PLC0415

    app = create_app({"ONBOARD_DATA_DIR": str(tmp_path), "DATABASE_URL": postgres_url})
    with app.app_context():
        upgrade()
    database.prepare_schema(app)  # no complaint
    with app.app_context():
        from onboard.extensions import db  # noqa: PLC0415

        db.engine.dispose()
