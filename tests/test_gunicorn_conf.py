"""onboard/gunicorn_conf.py, which the Procfile's ``web:`` line (and the HTTP benchmark) serve
with."""

from __future__ import annotations

import gc
import os
import runpy
from pathlib import Path
from typing import Any

from gunicorn.config import Config

REPO = Path(__file__).resolve().parent.parent
CONF = REPO / "onboard" / "gunicorn_conf.py"


def _settings() -> dict[str, Any]:
    return {k: v for k, v in runpy.run_path(str(CONF)).items() if not k.startswith("__")}


def test_gunicorn_accepts_every_setting():
    """Loaded as gunicorn loads it: each name a known setting, each value valid."""
    config = Config()
    names = {name for name, value in _settings().items() if name in config.settings}
    assert names == {"worker_tmp_dir", "post_worker_init", "on_starting"}
    for name in names:
        config.set(name, _settings()[name])
    assert config.post_worker_init.__name__ == "post_worker_init"


def test_the_heartbeat_file_lives_in_memory_where_it_can():
    expected = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    assert _settings()["worker_tmp_dir"] == expected


def test_a_worker_freezes_what_the_app_loaded():
    """After the hook, a full collection no longer walks the objects loaded so far."""
    assert gc.get_freeze_count() == 0
    try:
        _settings()["post_worker_init"](None)
        assert gc.get_freeze_count() > 0
        assert len(gc.get_objects()) < gc.get_freeze_count()
    finally:
        gc.unfreeze()


def test_the_procfile_serves_with_it():
    web = next(
        line
        for line in (REPO / "Procfile").read_text(encoding="utf-8").splitlines()
        if line.startswith("web:")
    )
    assert "--config python:onboard.gunicorn_conf" in web


def test_the_master_prepares_the_schema_before_the_workers_fork(tmp_path: Path, monkeypatch):
    """``on_starting`` migrates an empty embedded database; a PostgreSQL schema that is behind
    stops the server with a message (tests/test_startup.py runs both as real processes)."""
    from onboard import create_app, database  # noqa: PLC0415

    monkeypatch.setenv("ONBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    _settings()["on_starting"](None)
    current, heads = database.schema_revisions(create_app({"SECRET_KEY": "x"}))
    assert current == heads and heads
